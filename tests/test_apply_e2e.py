"""`qasesync apply` end to end against the emulator on a socket, on a copy of the example
tree: validate → plan → apply → plan is clean; edits plan exactly as made and apply clean;
ids written back byte for byte; confirmation; saved plans; the safety limit."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, copy_cases, duplicate_titles, on_socket, shop_emulator, writes
from kit.apply import run_cli as run

from qasesync.emulator import Emulator
from qasesync.qase.remote import Remote


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return copy_cases(tmp_path)


def plan_json(tree: Path) -> tuple[int, dict[str, Any]]:
    code, text = run("plan", str(tree), "--format", "json", "--detailed-exitcode")
    return code, json.loads(text)


def applied(tree: Path) -> None:
    """The tree applied with --yes, then planned clean."""
    code, text = run("apply", str(tree), "--yes")
    assert code == 0, text
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0


def test_validate_plan_apply_then_the_plan_is_clean(emu: Emulator, tree: Path) -> None:
    assert run("validate", str(tree))[0] == 0
    code, before = plan_json(tree)
    assert (code, before["summary"]) == (
        2,
        {"create": 68, "update": 0, "deprecate": 0, "delete": 0},
    )
    code, text = run("apply", str(tree), "--yes")
    assert code == 0
    assert "Apply complete: 68 created, 0 updated, 0 deprecated, 0 deleted" in text
    assert f"/case/{PROJECT}-1\n" in text and "Wrote 64 ids and 4 hashes back into 33 files" in text
    assert run("plan", str(tree), "--detailed-exitcode") == (
        0,
        f"No changes. Project {PROJECT} matches the tree.\n\n"
        "Plan: 0 to create, 0 to update, 0 to deprecate, 0 to delete.\n"
        "Apply will make no API requests.\n",
    )
    assert len(emu.store.cases(PROJECT)) == 46 and duplicate_titles(emu) == []


def test_automated_cases_get_their_own_post_and_the_rest_bulk_from_20_growing(
    emu: Emulator, tree: Path
) -> None:
    applied(tree)
    # the adaptive size: 20 first, then (the service answering fast) up to twice that
    assert [len(r.body["cases"]) for r in writes(emu, "POST", "/bulk")] == [20, 25]
    [single] = writes(emu, "POST", f"/case/{PROJECT}")
    assert single.body["title"] == "Health endpoint reports every dependency as up"
    assert (single.body["isManual"], single.body["isToBeAutomated"]) == (False, False)


def strip_ids(text: str) -> str:
    """The text without the `id:` / `hash:` lines write-back inserts."""
    text = re.sub(r"(?m)^(\s*)- (?:id|hash): \w+\n\s*", r"\1- ", text)
    return re.sub(r"(?m)^(?:id|hash): \w+\n", "", text)


def test_write_back_adds_the_new_ids_and_keeps_every_other_byte(emu: Emulator, tree: Path) -> None:
    originals = {p: p.read_bytes() for p in tree.rglob("*.yaml")}
    applied(tree)
    live_ids = {(c["suite_id"], c["title"]): c["id"] for c in emu.store.cases(PROJECT)}
    for path, before in originals.items():
        after = path.read_text(encoding="utf-8")
        assert strip_ids(after).encode("utf-8") == before, path
        if path.name == "cases.yaml" or path.name == "smoke.yaml":
            assert after.count("  - id: ") == before.count(b"  - title: ") > 0
    login = (tree / "authentication/login/cases.yaml").read_text(encoding="utf-8")
    suite_yaml = (tree / "authentication/login/suite.yaml").read_text(encoding="utf-8")
    suite_id = int(suite_yaml.split("\nid: ")[1].split("\n")[0])
    first = live_ids[(suite_id, "Customer signs in with a valid email and password")]
    assert (
        f"  - id: {first}\n    title: Customer signs in with a valid email and password\n" in login
    )


# --- edits ---------------------------------------------------------------------------------


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def cut_case(path: Path, title: str) -> str:
    """Remove the case titled ``title`` from a case file; return its block of lines."""
    text = path.read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=  - )", text)
    [found] = [b for b in blocks if f"    title: {title}\n" in b]
    path.write_text("".join(b for b in blocks if b is not found), encoding="utf-8")
    return found.rstrip("\n") + "\n"


def make_edits(tree: Path) -> None:
    edit(
        tree / "authentication/login/cases.yaml",
        "title: Sign-in with a wrong password shows a generic error",
        "title: Sign-in with a wrong password shows one generic error",
    )
    moved = cut_case(
        tree / "account/profile/cases.yaml",
        "Changing the email requires confirming the new address",
    )
    with (tree / "account/orders/cases.yaml").open("a", encoding="utf-8") as stream:
        stream.write("\n" + moved)
    edit(
        tree / "smoke.yaml",
        """      - action: Open https://staging.cartwheel.test/
        expected_result: The page loads in under 3 seconds without console errors
      - action: Scroll to the "Featured" block
        expected_result: At least 4 product tiles are shown, each with an image, title and price
""",
        """      - action: Scroll to the "Featured" block
        expected_result: At least 4 product tiles are shown, each with an image, title and price
      - action: Open https://staging.cartwheel.test/
        expected_result: The page loads in under 3 seconds without console errors
""",
    )
    edit(
        tree / "shared_steps.yaml",
        "appears and the cart badge shows 1",
        "appears and the badge shows 1",
    )
    cut_case(
        tree / "authentication/password-reset/cases.yaml", "A reset link expires after 60 minutes"
    )
    edit(tree / "cart/suite.yaml", "title: Cart\n", "title: Shopping cart\n")
    edit(tree / "checkout/cases.yaml", "tags: [checkout, guest]", "tags: [checkout]")
    edit(tree / "smoke.yaml", "Components: [api]", "Components: [api, web]")


def test_edits_plan_exactly_as_made_and_apply_clean(emu: Emulator, tree: Path) -> None:
    applied(tree)
    make_edits(tree)
    code, data = plan_json(tree)
    got = sorted((c["kind"], c["entity"], c["name"], tuple(c["fields"])) for c in data["changes"])
    assert (code, data["warnings"]) == (2, [])
    assert got == [
        ("deprecate", "case", "A reset link expires after 60 minutes", ("status",)),
        ("update", "case", "Changing the email requires confirming the new address", ("suite",)),
        ("update", "case", "Guest places an order without creating an account", ("tags",)),
        (
            "update",
            "case",
            "Health endpoint reports every dependency as up",
            ("custom_fields.Components",),
        ),
        ("update", "case", "Sign-in with a wrong password shows one generic error", ("title",)),
        ("update", "case", "Storefront home page loads with featured products", ("steps",)),
        ("update", "shared_step", "Add the Brass Desk Lamp to the cart", ("title", "steps")),
        ("update", "suite", "Shopping cart", ("title",)),
    ]
    before = len(writes(emu))
    code, text = run("apply", str(tree), "--yes")
    assert code == 0 and "Apply complete: 0 created, 7 updated, 1 deprecated, 0 deleted" in text
    assert len(writes(emu)) - before == 8  # one PATCH each
    assert plan_json(tree)[0] == 0
    statuses = {c["title"]: c["status"] for c in emu.store.cases(PROJECT)}
    assert (
        statuses["A reset link expires after 60 minutes"]
        != statuses["A reset link works only once"]
    )


# --- confirmation, safety ------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_apply_needs_yes_and_writes_nothing(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("apply", str(tree))[0] == 1
    assert "pass --yes (or apply a reviewed plan with --plan PLAN.json)" in capsys.readouterr().err
    assert emu.log == []  # refused before reading anything


@pytest.mark.parametrize(("answer", "code", "created"), [("no\n", 1, 0), ("yes\n", 0, 46)])
def test_on_a_terminal_only_yes_applies(
    emu: Emulator,
    tree: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    code: int,
    created: int,
) -> None:
    monkeypatch.setattr("sys.stdin", FakeTerminal(answer))
    got, text = run("apply", str(tree))
    assert got == code and "Apply these changes? Only 'yes' will be accepted: " in text
    assert len(emu.store.cases(PROJECT)) == created


def test_too_many_deprecations_are_refused_unless_allowed(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    applied(tree)
    for name in ("cart/cases.yaml", "catalog/search/cases.yaml", "catalog/product-page/cases.yaml"):
        (tree / name).write_text("cases: []\n", encoding="utf-8")
    assert run("apply", str(tree), "--yes")[0] == 1
    assert capsys.readouterr().err == (
        "error: would deprecate 13 of 46 active cases in scope (28.3 %), above max_destroy "
        "25 %; rerun with --allow-destroy or raise max_destroy in qasesync.yaml:5\n"
    )
    code, text = run("apply", str(tree), "--yes", "--allow-destroy")
    assert code == 0 and "0 created, 0 updated, 13 deprecated, 0 deleted" in text


# --- saved plans ---------------------------------------------------------------------------


def save_plan(tree: Path, target: Path) -> dict[str, Any]:
    assert run("plan", str(tree), "--out", str(target))[0] == 0
    saved: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return saved


def test_a_saved_plan_is_applied_exactly_without_confirmation(
    emu: Emulator, tree: Path, tmp_path: Path
) -> None:
    applied(tree)
    make_edits(tree)
    saved = save_plan(tree, tmp_path / "plan.json")
    before = len(writes(emu))
    code, text = run("apply", str(tree), "--plan", str(tmp_path / "plan.json"))
    assert code == 0 and "(8 of 8 changes" in text
    sent = writes(emu)[before:]
    assert sorted(r.path.rsplit("/", 1)[1] for r in sent) == sorted(
        str(c["id"]) for c in saved["changes"]
    )
    assert plan_json(tree)[0] == 0


def test_a_saved_plan_is_refused_when_a_live_entity_it_touches_changed(
    emu: Emulator, tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    applied(tree)
    make_edits(tree)
    saved = save_plan(tree, tmp_path / "plan.json")
    [tags] = [c for c in saved["changes"] if c["fields"] == ["tags"]]
    emu.store.patch_case(PROJECT, tags["id"], {"description": "edited in the web app"})
    before = len(emu.log)
    assert run("apply", str(tree), "--plan", str(tmp_path / "plan.json"))[0] == 1
    err = capsys.readouterr().err
    name = "'Guest places an order without creating an account'"
    assert f"case #{tags['id']} {name} changed live" in err
    assert "the saved plan is stale" in err and writes(emu)[before:] == []


def test_a_saved_plan_is_refused_when_the_tree_changed(
    emu: Emulator, tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    applied(tree)
    save_plan(tree, tmp_path / "plan.json")
    edit(tree / "cart/suite.yaml", "title: Cart\n", "title: Basket\n")
    assert run("apply", str(tree), "--plan", str(tmp_path / "plan.json"), "--yes")[0] == 1
    assert (
        "the saved plan is stale; since it was made:\n  the tree changed\n"
        in capsys.readouterr().err
    )


# --- failures and progress -----------------------------------------------------------------


def test_a_refused_case_fails_the_run_names_its_place_and_a_rerun_finishes(
    emu: Emulator, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        tree / "smoke.yaml",
        "      Owner: web-platform\n      Components: [web]\n",
        ("      Owner: web-platform\n      Components: [web]\n      Estimate: lots\n"),
    )
    code, text = run("apply", str(tree), "--yes")
    assert code == 1
    assert "Apply stopped: 67 created, 0 updated, 0 deprecated, 0 deleted (67 of 68 changes" in text
    assert capsys.readouterr().err == (
        "error: smoke.yaml:4:5: create case 'Storefront home page loads with featured products': "
        "POST /case/SHOP/bulk → 400: refused by Qase: Data is invalid.\n"
        "  custom_field.3: The selected cases.0.custom field.3 is invalid.\n"
        "Nothing is lost: what was created is recorded (in the YAML, or found again by title); "
        "running `qasesync apply` again finishes the job.\n"
    )
    # The base record holds exactly the 45 cases created, not the refused one.
    assert recorded_cases(tree) == {c["id"] for c in emu.store.cases(PROJECT)}
    assert len(recorded_cases(tree)) == 45
    edit(tree / "smoke.yaml", "      Estimate: lots\n", "      Estimate: 3\n")
    code, text = run("apply", str(tree), "--yes")
    assert code == 0 and "Apply complete: 1 created, 0 updated" in text
    assert plan_json(tree)[0] == 0 and duplicate_titles(emu) == []
    assert len(recorded_cases(tree)) == 46


def recorded_cases(tree: Path) -> set[int]:
    """The case ids in the tree's base record."""
    lines = (tree / "qasesync.base.jsonl").read_text(encoding="utf-8").splitlines()[1:]
    return {json.loads(line)["case_id"] for line in lines if "case_id" in line}


def test_a_terminal_shows_progress_on_stderr(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = FakeTerminal()
    monkeypatch.setattr("sys.stderr", stderr)
    monkeypatch.setenv("NO_COLOR", "1")
    assert run("apply", str(tree), "--yes")[0] == 0
    last = stderr.getvalue().rpartition("\r")[2]
    figures = r"68/68 100% [\d.]+/s done in \d+ s creating cases"
    assert re.fullmatch(rf"(\[=+\] )?{figures}\x1b\[K\n", last)
    assert "\x1b[32m" not in stderr.getvalue()


def test_a_saved_plan_is_refused_when_a_case_it_creates_appeared_live(
    emu: Emulator, tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    applied(tree)
    with (tree / "cart/cases.yaml").open("a", encoding="utf-8") as stream:
        stream.write("\n  - title: The cart survives a page reload\n")
    save_plan(tree, tmp_path / "plan.json")
    [cart] = [s["id"] for s in emu.store.suites(PROJECT) if s["title"] == "Cart"]
    emu.store.create_case(PROJECT, {"title": "The cart survives a page reload", "suite_id": cart})
    assert run("apply", str(tree), "--plan", str(tmp_path / "plan.json"))[0] == 1
    err = capsys.readouterr().err
    assert (
        "create case 'The cart survives a page reload': in the saved plan, not planned now" in err
    )
    assert duplicate_titles(emu) == []


@pytest.mark.parametrize("how", ["--no-write-back", "write_back: false"])
def test_write_back_can_be_turned_off(emu: Emulator, tree: Path, how: str) -> None:
    if how.startswith("write_back"):
        with (tree / "qasesync.yaml").open("a", encoding="utf-8") as stream:
            stream.write(f"{how}\n")
    before = {p: p.read_bytes() for p in tree.rglob("*.yaml")}
    code, text = run("apply", str(tree), "--yes", *([how] if how.startswith("--") else []))
    assert code == 0 and text.endswith(
        "64 ids and 4 hashes not written back (write-back is off); "
        "plan matches those entities by title\n"
    )
    assert {p: p.read_bytes() for p in tree.rglob("*.yaml")} == before
    assert plan_json(tree)[0] == 0


def test_an_interrupted_apply_ends_the_progress_line_and_a_rerun_finishes(
    emu: Emulator, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = FakeTerminal()
    monkeypatch.setattr("sys.stderr", stderr)
    create_cases = Remote.create_cases
    interrupts = [KeyboardInterrupt()]

    def interrupted(self: Remote, *args: Any, **kwargs: Any) -> list[int]:
        if interrupts:  # Ctrl-C once the suites and shared steps exist
            raise interrupts.pop()
        return create_cases(self, *args, **kwargs)

    monkeypatch.setattr(Remote, "create_cases", interrupted)
    assert run("apply", str(tree), "--yes")[0] == 130
    after = re.sub(r"\x1b\[(32|0)m", "", stderr.getvalue().rpartition("\r")[2])
    assert re.match(r"(\[[=> ]+\] )?\d+/68 \d+%", after) and after.split("\n", 1)[1] == (
        "apply interrupted. Nothing is lost: what was created is recorded (in the YAML, or "
        "found again by title); running `qasesync apply` again finishes the job.\n"
        "qasesync: interrupted\n"
    )
    assert run("apply", str(tree), "--yes")[0] == 0
    assert plan_json(tree)[0] == 0 and duplicate_titles(emu) == []
    assert len(emu.store.suites(PROJECT)) == 18


def test_a_deleted_case_is_reported_by_its_id_not_by_a_dead_link(emu: Emulator, tree: Path) -> None:
    applied(tree)
    edit(tree / "qasesync.yaml", "prune: deprecate\n", "prune: delete\n")
    title = "A reset link expires after 60 minutes"
    cut_case(tree / "authentication/password-reset/cases.yaml", title)
    [gone] = [c["id"] for c in emu.store.cases(PROJECT) if c["title"] == title]
    code, text = run("apply", str(tree), "--yes")
    assert code == 0 and f"\n  - case '{title}' #{gone} (deleted)\n" in text


def test_a_file_that_is_no_saved_plan_or_a_plan_of_another_project_is_refused(
    emu: Emulator, tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "notes.json"
    garbage.write_text("[1, 2]\n", encoding="utf-8")
    assert run("apply", str(tree), "--plan", str(garbage))[0] == 1
    assert capsys.readouterr().err == (
        f"error: {garbage}: not a saved plan (a JSON list, not an object)\n"
    )
    saved = save_plan(tree, tmp_path / "plan.json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**saved, "project": "OTHER"}), encoding="utf-8")
    assert run("apply", str(tree), "--plan", str(other))[0] == 1
    assert capsys.readouterr().err == f"error: {other} is a plan for project OTHER, not SHOP\n"
    assert writes(emu) == []


# --- entities matched by title -------------------------------------------------------------


def test_cases_a_killed_run_created_get_their_ids_from_the_rerun(emu: Emulator, tree: Path) -> None:
    applied(tree)
    title = "The cart survives a page reload"
    with (tree / "cart/cases.yaml").open("a", encoding="utf-8") as stream:
        stream.write(f"\n  - title: {title}\n")
    [cart] = [s["id"] for s in emu.store.suites(PROJECT) if s["title"] == "Cart"]
    # What a run killed after its bulk create and before the write-back leaves behind.
    made = emu.store.create_case(PROJECT, {"title": title, "suite_id": cart})
    code, text = run("apply", str(tree), "--yes")
    assert (
        code == 0
        and "\n1 entity matched by title; apply will write its id into the YAML.\n" in text
    )
    assert f"  - id: {made}\n    title: {title}\n" in (tree / "cart/cases.yaml").read_text()
    code, again = plan_json(tree)
    assert (code, again["changes"], again["adoptions"]) == (0, [], [])
    assert len(emu.store.cases(PROJECT)) == 47 and duplicate_titles(emu) == []


def test_a_tree_without_ids_on_a_project_that_has_its_entities_gets_every_id_back(
    emu: Emulator, tree: Path
) -> None:
    applied(tree)
    with_ids = {p: p.read_bytes() for p in tree.rglob("*.yaml")}
    for path, data in with_ids.items():
        path.write_text(strip_ids(data.decode("utf-8")), encoding="utf-8")
    code, text = run("plan", str(tree), "--detailed-exitcode")
    assert code == 0 and text.startswith("No changes.")
    assert (
        "\n68 entities matched by title; apply will write their ids and hashes into the YAML.\n"
        in text
    )
    sent = len(writes(emu))
    code, text = run("apply", str(tree), "--yes")
    assert code == 0 and "Wrote 64 ids and 4 hashes back into 33 files" in text
    assert len(writes(emu)) == sent
    assert {p: p.read_bytes() for p in tree.rglob("*.yaml")} == with_ids


def test_ids_matched_by_title_are_not_written_with_write_back_off(
    emu: Emulator, tree: Path
) -> None:
    applied(tree)
    with_ids = {p: p.read_bytes() for p in tree.rglob("*.yaml")}
    for path, data in with_ids.items():
        path.write_text(strip_ids(data.decode("utf-8")), encoding="utf-8")
    stripped = {p: p.read_bytes() for p in tree.rglob("*.yaml")}
    code, text = run("apply", str(tree), "--yes", "--no-write-back")
    assert code == 0 and text.endswith(
        "64 ids and 4 hashes not written back (write-back is off); "
        "plan matches those entities by title\n"
    )
    assert {p: p.read_bytes() for p in tree.rglob("*.yaml")} == stripped


def test_ignored_fields_are_not_sent_when_cases_are_created(emu: Emulator, tree: Path) -> None:
    with (tree / "qasesync.yaml").open("a", encoding="utf-8") as stream:
        stream.write("ignore_fields: [description, automation]\n")
    applied(tree)
    sent = [case for bulk in writes(emu, "POST", "/bulk") for case in bulk.body["cases"]]
    assert len(sent) == 46 and writes(emu, "POST", f"/case/{PROJECT}") == []
    assert not any("description" in c or "isManual" in c for c in sent)
    assert {c["description"] for c in emu.store.cases(PROJECT)} <= {None, ""}
