"""`qasesync pull` against the emulator on a socket, on a commented, hand-formatted tree
with CRLF line ends and long lines (tests/data/pull/hand-formatted): web-app edits come
into the YAML byte for byte as tests/data/pull/expected holds them, and plan is then
clean; --dry-run prints the diff and writes nothing; a file changed meanwhile is kept."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kit.apply import looping_suites, on_socket
from kit.apply import run_cli as run
from kit.emulator import with_defaults

import qasesync.adopt.pull
import qasesync.tree.writeback
from qasesync.adopt.pull import Pulled, pull, write
from qasesync.emulator import Emulator, sample_custom_fields
from qasesync.errors import WriteBackError
from qasesync.model import Live
from qasesync.plans.planner import plan
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote
from qasesync.tree.load import load_tree

DATA = Path(__file__).parent / "data" / "pull"
TOKEN = "T"
PROJECT = "DEMO"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, Emulator(token=TOKEN, projects=(PROJECT,)), token=TOKEN)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "cases"
    shutil.copytree(DATA / "hand-formatted", root)
    return root


def option(emu: Emulator, name: str, slug: str) -> int:
    entry = next(f for f in emu.store.system_fields() if f["slug"] == name)
    found: int = next(o["id"] for o in entry["options"] if o["slug"] == slug)
    return found


def seed(emu: Emulator) -> dict[str, Any]:
    """The project the hand-formatted tree describes, made in the store directly."""
    store = emu.store
    auth = store.create_suite(PROJECT, {"title": "Auth"})
    shared = store.create_shared_step(
        PROJECT,
        {
            "title": "Sign in",
            "steps": [
                {"action": "Open /login", "expected_result": "The form is shown"},
                {"action": "Submit", "expected_result": "The dashboard opens"},
            ],
        },
    )
    long_line = (
        "A registered user who signs in lands on the dashboard, and this line is long on "
        "purpose: far longer than any dumper's default width of eighty columns."
    )
    store.create_case(
        PROJECT,
        {
            "title": "Login redirects to the dashboard",
            "suite_id": auth,
            "description": long_line,
            "severity": option(emu, "severity", "major"),
            "priority": option(emu, "priority", "high"),
            "tags": ["smoke", "auth"],
            "steps": [
                {"shared": shared},
                {
                    "action": "Open the dashboard",
                    "expected_result": "The dashboard shows the widgets",
                },
            ],
        },
    )
    store.create_case(
        PROJECT,
        {
            "title": "Logout clears the session",
            "suite_id": auth,
            "layer": option(emu, "layer", "e2e"),
            "steps": [{"action": 'Click "Log out"', "expected_result": "The login page is shown"}],
        },
    )
    store.create_case(
        PROJECT,
        {
            "title": "Login is rate limited",
            "suite_id": auth,
            "severity": option(emu, "severity", "critical"),
        },
    )
    return {"auth": auth, "shared": shared}


def edit_in_the_web_app(emu: Emulator, ids: dict[str, Any]) -> None:
    """A title, a step's expected result, a tag, a severity, a deprecation, a new case
    in the suite, a new suite with a case, and a shared step's step."""
    store = emu.store
    store.patch_case(
        PROJECT,
        1,
        {
            "title": "Signing in opens the dashboard",
            "severity": option(emu, "severity", "blocker"),
            "steps": [
                {"shared": ids["shared"]},
                {"action": "Open the dashboard", "expected_result": "All widgets are shown"},
            ],
        },
    )
    store.patch_case(PROJECT, 2, {"tags": ["session"]})
    store.patch_case(PROJECT, 3, {"status": option(emu, "status", "deprecated")})
    store.create_case(
        PROJECT,
        {
            "title": "Login remembers the email",
            "suite_id": ids["auth"],
            "severity": option(emu, "severity", "minor"),
            "steps": [{"shared": ids["shared"]}, {"action": "Sign out and open /login"}],
        },
    )
    billing = store.create_suite(PROJECT, {"title": "Billing & Invoices"})
    store.create_case(PROJECT, {"title": "Invoice PDF", "suite_id": billing})
    store.patch_shared_step(
        PROJECT,
        ids["shared"],
        {
            "title": "Sign in",
            "steps": [
                {"action": "Open /login", "expected_result": "The sign-in form is shown"},
                {"action": "Submit", "expected_result": "The dashboard opens"},
            ],
        },
    )


def files_of(root: Path) -> dict[str, bytes]:
    """The YAML of a tree, byte for byte (the base record is checked on its own)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".") and p.name != "qasesync.base.jsonl"
    }


def test_the_seeded_project_plans_clean_before_any_edit(emu: Emulator, tree: Path) -> None:
    seed(emu)
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
    assert run("pull", str(tree)) == (0, "Nothing to pull: the tree matches project DEMO.\n")
    assert files_of(tree) == files_of(DATA / "hand-formatted")
    # What was in sync is now recorded: one line per suite, shared step and case.
    lines = (tree / "qasesync.base.jsonl").read_text(encoding="utf-8").splitlines()
    store = emu.store
    entities = sum(len(f("DEMO")) for f in (store.cases, store.suites, store.shared_steps))
    assert lines[0] == '{"qasesync_base":1}' and len(lines) == 1 + entities


def test_pull_brings_web_app_edits_in_byte_for_byte(emu: Emulator, tree: Path) -> None:
    edit_in_the_web_app(emu, seed(emu))
    code, text = run("pull", str(tree))
    assert (code, text) == (
        0,
        "~ shared step 'sign-in' (shared_steps.yaml): steps\n"
        "~ case #1 'Signing in opens the dashboard' (auth/login.yaml): title, severity, steps\n"
        "~ case #2 'Logout clears the session' (auth/login.yaml): tags\n"
        "~ case #3 'Login is rate limited' (auth/login.yaml): status\n"
        "+ suite #2 'Billing & Invoices' with 1 case(s) (billing-invoices/, new folder)\n"
        "+ case #4 'Login remembers the email' (auth/login.yaml)\n"
        "Pulled 6 change(s) from DEMO into 4 file(s).\n",
    )
    assert files_of(tree) == files_of(DATA / "expected")
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_dry_run_prints_the_diff_and_writes_nothing(emu: Emulator, tree: Path) -> None:
    seed(emu)
    emu.store.patch_case(PROJECT, 2, {"tags": ["session"]})
    code, text = run("pull", str(tree), "--dry-run")
    assert (code, text) == (
        0,
        "--- a/auth/login.yaml\n"
        "+++ b/auth/login.yaml\n"
        "@@ -19,6 +19,7 @@\n"
        "     steps:\r\n"
        '       -   action: Click "Log out"\r\n'
        "           expected_result: The login page is shown\r\n"
        "+    tags: [session]\r\n"
        "   - id: 3\r\n"
        "     title: Login is rate limited\r\n"
        "     severity: critical\r\n"
        "~ case #2 'Logout clears the session' (auth/login.yaml): tags\n"
        "Would pull 1 change(s) from DEMO into 1 file(s); nothing written (--dry-run).\n",
    )
    assert files_of(tree) == files_of(DATA / "hand-formatted")


def test_a_file_edited_since_it_was_read_is_not_overwritten(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(emu)
    emu.store.patch_case(PROJECT, 3, {"title": "Rate limit"})
    real = qasesync.adopt.pull.pull

    def edit_meanwhile(*args: Any) -> Any:
        pulled = real(*args)
        (tree / "auth" / "login.yaml").write_bytes(b"cases: []\r\n")
        return pulled

    monkeypatch.setattr(qasesync.adopt.pull, "pull", edit_meanwhile)
    assert run("pull", str(tree))[0] == 1
    assert (tree / "auth" / "login.yaml").read_bytes() == b"cases: []\r\n"


@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)])
def test_live_suites_whose_parents_loop_are_the_plan_error_and_nothing_is_written(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str], dry_run: tuple[str, ...]
) -> None:
    seed(emu)
    problem = looping_suites(emu, PROJECT)
    assert run("pull", str(tree), *dry_run) == (1, "")
    assert capsys.readouterr().err == f"error: {problem}\n"
    assert files_of(tree) == files_of(DATA / "hand-formatted")


def live_of(emu: Emulator) -> Live:
    """The project as qasesync reads it, from the in-process emulator."""
    transport = httpx.WSGITransport(app=emu.app)
    with QaseClient(token=TOKEN, base_url="http://emulator/v1", transport=transport) as client:
        return Remote(client, PROJECT).read()


def pulled(emu: Emulator, root: Path, digests: dict[str, str] | None = None) -> Pulled:
    """What ``pull`` on ``root`` would write, against the in-process emulator."""
    live = live_of(emu)
    tree = load_tree(root, digests=digests)
    assert tree.settings is not None
    return pull(root, tree, live, tree.settings)


def pull_in_process(emu: Emulator, root: Path) -> None:
    """``pull`` on ``root`` against the in-process emulator."""
    digests: dict[str, str] = {}
    write(root, pulled(emu, root, digests), digests)


def plans_clean(root: Path, emu: Emulator) -> bool:
    live = live_of(emu)
    after = load_tree(root)
    assert after.settings is not None
    return plan(after, live, after.settings).changes == ()


def one_file_tree(tmp_path: Path, cases: str) -> Path:
    root = tmp_path / "cases"
    root.mkdir()
    (root / "qasesync.yaml").write_text("project: DEMO\n", encoding="utf-8")
    (root / "cases.yaml").write_text(cases, encoding="utf-8")
    return root


def test_a_custom_value_cleared_live_is_written_empty_when_the_field_has_a_default(
    tmp_path: Path,
) -> None:
    emu = Emulator(token=TOKEN, custom_fields=with_defaults(sample_custom_fields()))
    payload = {"title": "Owned", "custom_field": {"1": "alice", "3": "5", "7": "2"}}
    case_id = emu.store.create_case(PROJECT, payload)
    root = one_file_tree(
        tmp_path,
        f"cases:\n  - id: {case_id}\n    title: Owned\n    custom_fields:\n"
        "      Owner: alice  # the author\n      Estimate: 5\n      Components: [api]\n",
    )
    emu.store.patch_case(PROJECT, case_id, {"custom_field": {"1": "", "3": "", "7": ""}})
    pull_in_process(emu, root)
    assert (root / "cases.yaml").read_text(encoding="utf-8") == (
        f"cases:\n  - id: {case_id}\n    title: Owned\n    custom_fields:\n"
        "      Owner: ''  # the author\n      Components: []\n"
    )
    assert plans_clean(root, emu)


def test_gherkin_edited_live_and_a_case_turned_from_gherkin_to_steps(tmp_path: Path) -> None:
    emu = Emulator(token=TOKEN)
    gherkin = {"steps_type": "gherkin", "steps": [{"value": "Given a user"}]}
    first = emu.store.create_case(PROJECT, {"title": "Scenario", **gherkin})
    second = emu.store.create_case(PROJECT, {"title": "Turned", **gherkin})
    root = one_file_tree(
        tmp_path,
        f"cases:\n  - id: {first}\n    title: Scenario\n    gherkin: |\n      Given a user\n"
        f"  - id: {second}\n    title: Turned\n    gherkin: Given a user\n",
    )
    scenario = "Given a user\nWhen they sign in\nThen the dashboard opens"
    emu.store.patch_case(PROJECT, first, {"steps": [{"value": scenario}]})
    classic = {"steps_type": "classic", "steps": [{"action": "Open /login"}]}
    emu.store.patch_case(PROJECT, second, classic)
    pull_in_process(emu, root)
    assert (root / "cases.yaml").read_text(encoding="utf-8") == (
        f"cases:\n  - id: {first}\n    title: Scenario\n    gherkin: |\n      Given a user\n"
        "      When they sign in\n      Then the dashboard opens\n"
        f"  - id: {second}\n    title: Turned\n    steps:\n      - action: Open /login\n"
    )
    assert plans_clean(root, emu)


def in_the_web_app(emu: Emulator, case_id: int, **fields: Any) -> None:
    """Edits the web app makes and the API cannot (automation; a move to the root)."""
    emu.store._project(PROJECT)["cases"][case_id].update(fields)


def two_suite_tree(tmp_path: Path, emu: Emulator) -> tuple[Path, int, int]:
    first = emu.store.create_suite(PROJECT, {"title": "First"})
    second = emu.store.create_suite(PROJECT, {"title": "Second"})
    root = tmp_path / "cases"
    for number, name in ((first, "first"), (second, "second")):
        (root / name).mkdir(parents=True)
        (root / name / "suite.yaml").write_text(f"id: {number}\ntitle: {name.title()}\n")
    (root / "qasesync.yaml").write_text("project: DEMO\n", encoding="utf-8")
    return root, first, second


LOGOUT = (
    b"  # Logging out\r\n"
    b"  - id: 2\r\n"
    b"    title: 'Logout clears the session'\r\n"
    b"    layer: e2e\r\n"
    b"    steps:\r\n"
    b'      -   action: Click "Log out"\r\n'
    b"          expected_result: The login page is shown\r\n"
)


def test_a_case_moved_live_moves_between_hand_formatted_files_byte_for_byte(tree: Path) -> None:
    emu = Emulator(token=TOKEN)
    seed(emu)
    billing = emu.store.create_suite(PROJECT, {"title": "Billing"})
    invoice = emu.store.create_case(PROJECT, {"title": "Invoice PDF", "suite_id": billing})
    (tree / "billing").mkdir()
    (tree / "billing" / "suite.yaml").write_bytes(b"id: %d\r\ntitle: Billing\r\n" % billing)
    invoices = (
        b"cases:   # billing, by hand\r\n"
        b"-   id: %d\r\n"
        b"    title: Invoice PDF   # the PDF one\r\n"
        b"# the end\r\n" % invoice
    )
    (tree / "billing" / "invoices.yaml").write_bytes(invoices)
    emu.store.patch_case(PROJECT, 2, {"suite_id": billing, "title": "Logout ends the session"})
    login = (tree / "auth" / "login.yaml").read_bytes()
    result = pulled(emu, tree)
    assert result.report(PROJECT, dry_run=False) == (
        "~ case #2 'Logout ends the session' (auth/login.yaml -> billing/invoices.yaml): "
        "suite, title\n"
        "Pulled 1 change(s) from DEMO into 2 file(s).\n"
    )
    pull_in_process(emu, tree)
    assert (tree / "auth" / "login.yaml").read_bytes() == login.replace(
        LOGOUT, b"  # Logging out\r\n"
    )
    assert (tree / "billing" / "invoices.yaml").read_bytes() == invoices.replace(
        b"# the end\r\n",
        b"-   id: 2\r\n"
        b"    title: Logout ends the session\r\n"
        b"    layer: e2e\r\n"
        b"    steps:\r\n"
        b'      -   action: Click "Log out"\r\n'
        b"          expected_result: The login page is shown\r\n"
        b"# the end\r\n",
    )
    assert plans_clean(tree, emu)


def test_a_case_moved_live_to_a_new_suite_goes_into_its_new_folder(tree: Path) -> None:
    emu = Emulator(token=TOKEN)
    seed(emu)
    billing = emu.store.create_suite(PROJECT, {"title": "Billing & Invoices"})
    emu.store.create_case(PROJECT, {"title": "Invoice PDF", "suite_id": billing})
    emu.store.patch_case(PROJECT, 3, {"suite_id": billing})
    result = pulled(emu, tree)
    assert result.summary == [
        "+ suite #2 'Billing & Invoices' with 1 case(s) (billing-invoices/, new folder)",
        "~ case #3 'Login is rate limited' (auth/login.yaml -> billing-invoices/cases.yaml): suite",
    ]
    pull_in_process(emu, tree)
    assert (tree / "billing-invoices" / "cases.yaml").read_bytes() == (
        b"cases:\r\n"
        b"  - id: 4\r\n"
        b"    title: Invoice PDF\r\n"
        b"  - id: 3\r\n"
        b"    title: Login is rate limited\r\n"
        b"    severity: critical\r\n"
    )
    assert b"rate limited" not in (tree / "auth" / "login.yaml").read_bytes()
    assert plans_clean(tree, emu)


def test_a_case_moved_live_to_the_root_goes_into_a_root_case_file(tmp_path: Path) -> None:
    emu = Emulator(token=TOKEN)
    root, first, _ = two_suite_tree(tmp_path, emu)
    case_id = emu.store.create_case(PROJECT, {"title": "Wanders", "suite_id": first})
    cases = f"cases:\n  - id: {case_id}\n    title: Wanders  # far\n"
    (root / "first" / "cases.yaml").write_text(cases, encoding="utf-8")
    in_the_web_app(emu, case_id, suite_id=None)
    pull_in_process(emu, root)
    assert (root / "first" / "cases.yaml").read_text(encoding="utf-8") == "cases: []\n"
    assert (root / "cases.yaml").read_text(encoding="utf-8") == (
        f"cases:\n  - id: {case_id}\n    title: Wanders\n"
    )
    assert plans_clean(root, emu)


def test_a_case_moved_live_out_of_the_root_goes_into_its_suite(tmp_path: Path) -> None:
    emu = Emulator(token=TOKEN)
    root = one_file_tree(tmp_path, "")
    first = emu.store.create_suite(PROJECT, {"title": "First"})
    (root / "first").mkdir()
    (root / "first" / "suite.yaml").write_text(f"id: {first}\ntitle: First\n")
    case_id = emu.store.create_case(PROJECT, {"title": "Settles"})
    kept = emu.store.create_case(PROJECT, {"title": "Stays"})
    (root / "cases.yaml").write_text(
        f"cases:\n  - id: {case_id}\n    title: Settles\n  - id: {kept}\n    title: Stays\n"
    )
    emu.store.patch_case(PROJECT, case_id, {"suite_id": first})
    pull_in_process(emu, root)
    assert (root / "cases.yaml").read_text() == f"cases:\n  - id: {kept}\n    title: Stays\n"
    assert (root / "first" / "cases.yaml").read_text() == (
        f"cases:\n  - id: {case_id}\n    title: Settles\n"
    )
    assert plans_clean(root, emu)


def test_a_suite_moved_live_is_reported_not_pulled(tmp_path: Path) -> None:
    emu = Emulator(token=TOKEN)
    root, first, second = two_suite_tree(tmp_path, emu)
    emu.store.patch_suite(PROJECT, second, {"parent_id": first})
    result = pulled(emu, root)
    assert (result.files, result.report(PROJECT, dry_run=False)) == (
        {},
        f"! suite #{second} 'Second' was moved live: move its folder second/ by hand\n"
        "Nothing written: 1 live change(s) to make by hand.\n",
    )


def test_automation_changed_live_is_pulled_and_manual_is_left_out(tmp_path: Path) -> None:
    emu = Emulator(token=TOKEN)
    made = [
        emu.store.create_case(PROJECT, {"title": title, "isManual": manual})
        for title, manual in (("Runs", True), ("Clicks", False), ("Both", True))
    ]
    root = one_file_tree(
        tmp_path,
        f"cases:\n  - id: {made[0]}\n    title: Runs  # by hand\n"
        f"  - id: {made[1]}\n    title: Clicks\n    automation: automated  # robot\n"
        f"  - id: {made[2]}\n    title: Both\n",
    )
    in_the_web_app(emu, made[0], automation=2)
    in_the_web_app(emu, made[1], automation=0)
    in_the_web_app(emu, made[2], automation=1)
    emu.store.patch_case(PROJECT, made[2], {"title": "Both changed"})
    result = pulled(emu, root)
    assert result.summary == [
        f"~ case #{made[2]} 'Both changed' (cases.yaml): title, automation",
        f"~ case #{made[0]} 'Runs' (cases.yaml): automation",
        f"~ case #{made[1]} 'Clicks' (cases.yaml): automation",
    ]
    pull_in_process(emu, root)
    assert (root / "cases.yaml").read_text(encoding="utf-8") == (
        f"cases:\n  - id: {made[0]}\n    title: Runs  # by hand\n    automation: automated\n"
        f"  - id: {made[1]}\n    title: Clicks\n"
        f"  - id: {made[2]}\n    title: Both changed\n    automation: to-be-automated\n"
    )
    assert plans_clean(root, emu)


def two_files_pulled(tmp_path: Path) -> tuple[Path, Pulled, dict[str, str]]:
    """A tree of two files, both edited live (a title; a description), pulled but not
    written: the tree, what pull would write, the digests of the files as read."""
    emu = Emulator(token=TOKEN)
    one = emu.store.create_case(PROJECT, {"title": "One"})
    root = one_file_tree(tmp_path, f"cases:\n  - id: {one}\n    title: One\n")
    (root / "more.yaml").write_text("cases:\n  - title: Two\n", encoding="utf-8")
    emu.store.patch_case(PROJECT, one, {"title": "Uno"})
    emu.store.create_case(PROJECT, {"title": "Two", "description": "Now described"})
    digests: dict[str, str] = {}
    return root, pulled(emu, root, digests), digests


def test_a_file_changed_after_loading_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    root, result, digests = two_files_pulled(tmp_path)
    assert sorted(result.files) == ["cases.yaml", "more.yaml"]
    digests["more.yaml"] = "0" * 64  # as if more.yaml had other bytes when it was read
    with pytest.raises(WriteBackError, match=r"^more\.yaml: changed on disk since it was read"):
        write(root, result, digests)
    assert (root / "cases.yaml").read_text(encoding="utf-8").endswith("title: One\n")


def test_a_case_deleted_live_is_reported_not_left_to_be_created_again(tmp_path: Path) -> None:
    emu = Emulator(token=TOKEN)
    kept = emu.store.create_case(PROJECT, {"title": "Kept"})
    gone = emu.store.create_case(PROJECT, {"title": "Gone"})
    cases = f"cases:\n  - id: {kept}\n    title: Kept\n  - id: {gone}\n    title: Gone\n"
    root = one_file_tree(tmp_path, cases)
    emu.store.delete_case(PROJECT, gone)
    result = pulled(emu, root)
    assert (result.files, result.report(PROJECT, dry_run=False)) == (
        {},
        f"! case #{gone} 'Gone' was deleted live: remove it from the tree by hand, or apply "
        "creates it again (cases.yaml)\n"
        "Nothing written: 1 live change(s) to make by hand.\n",
    )


def test_a_file_that_cannot_be_written_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, result, digests = two_files_pulled(tmp_path)
    last = list(result.files)[-1]
    before = {name: (root / name).read_bytes() for name in result.files}
    real = qasesync.tree.writeback._write_temporary

    def full_disk(path: Path, data: Iterable[bytes], mode: int) -> Path:
        if path.name == last:
            raise OSError(28, "No space left on device")
        return real(path, data, mode)

    monkeypatch.setattr(qasesync.tree.writeback, "_write_temporary", full_disk)
    with pytest.raises(WriteBackError, match=rf"^{last}: could not write: .*No space left"):
        write(root, result, digests)
    assert {name: (root / name).read_bytes() for name in result.files} == before
    assert list(root.glob("*.tmp")) == []  # no temporary left behind


def test_a_pull_that_cannot_write_leaves_no_new_folder_behind(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = Emulator(token=TOKEN)
    seed(emu)
    billing = emu.store.create_suite(PROJECT, {"title": "Billing & Invoices"})
    emu.store.patch_case(PROJECT, 3, {"suite_id": billing})
    digests: dict[str, str] = {}
    result = pulled(emu, tree, digests)
    assert "billing-invoices/cases.yaml" in result.files
    before = sorted(p.relative_to(tree) for p in tree.rglob("*"))

    def full_disk(path: Path, chunks: Any, mode: int) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(qasesync.tree.writeback, "_write_temporary", full_disk)
    with pytest.raises(WriteBackError, match="No space left"):
        write(tree, result, digests)
    assert sorted(p.relative_to(tree) for p in tree.rglob("*")) == before
