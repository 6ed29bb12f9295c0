"""A saved plan is a file anyone can edit: one whose JSON is not the shape `plan --out`
writes (wrong types, unknown keys, repeated keys, deep nesting) is refused by `show` and
by `apply --plan` as a user error naming the file (exit 1), never a crash (exit 3), and
nothing of it reaches a terminal or Qase."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, copy_cases, on_socket, shop_emulator
from kit.apply import run_cli as run

from qasesync.cli import main
from qasesync.emulator import Emulator

GOLDEN = Path(__file__).parent / "data" / "golden" / "mixed.json"
ESC = "\x1b[31m"

Edit = Callable[[dict[str, Any]], None]


def golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


def setting(*path: str | int, to: Any) -> Edit:
    """An edit that sets the value at ``path`` (keys and list indexes)."""

    def edit(data: dict[str, Any]) -> None:
        here: Any = data
        for step in path[:-1]:
            here = here[step]
        here[path[-1]] = to

    return edit


def nested(depth: int) -> Any:
    value: Any = {"action": "deep"}
    for _ in range(depth):
        value = {"steps": [value]}
    return [value]


MALFORMED: dict[str, Edit] = {
    "kind unknown": setting("changes", 0, "kind", to="explode"),
    "kind a list": setting("changes", 0, "kind", to=["create"]),
    "entity a number": setting("changes", 1, "entity", to=5),
    "name a number": setting("changes", 3, "name", to=7),
    "suite a list": setting("changes", 3, "suite", to=["x"]),
    "suite true": setting("changes", 3, "suite", to=True),
    "project a number": setting("project", to=5),
    "id an object": setting("changes", 3, "id", to={"a": 1}),
    "line a string": setting("changes", 3, "location", "line", to="2"),
    "location a list": setting("changes", 3, "location", to=["a.yaml", 2]),
    "side unknown": setting("changes", 3, "diffs", 0, "side", to="sideways"),
    "added a string": setting("changes", 3, "diffs", 1, "added", to="regression"),
    "fingerprint a string": setting("changes", 3, "fingerprint", to="abc"),
    "a shared key a number": setting("changes", 4, "after", "steps", 1, "shared", to=7),
    "a title a number": setting("changes", 4, "after", "title", to=7),
    "used_by text": setting("changes", 1, "used_by", to=[ESC]),
    "an adoption's key": setting(
        "adoptions",
        to=[{"location": golden()["changes"][3]["location"], "key": ESC, "value": 1}],
    ),
    "bulk_size zero": setting("bulk_size", to=0),
    "bulk_size text": setting("bulk_size", to="many"),
    "bulk_size true": setting("bulk_size", to=True),
    "suite id a list": setting("suite_ids", "authentication", to=[1]),
    "shared hash a list": setting("shared_hashes", "sign-in-as-admin", to=["x"]),
    "warnings an object": setting("warnings", to={"text": "x"}),
    "figures in format 2's form": setting("cases_in_scope", to=400),
    "two_way text": setting("two_way", to="yes"),
    "drift_mode unknown": setting("drift_mode", to="ignore"),
    "a diff value nested deep": setting("changes", 3, "diffs", 0, "after", to=nested(200)),
    "steps nested deep": setting("changes", 4, "after", "steps", to=nested(200)),
}


@pytest.mark.parametrize("edit", MALFORMED.values(), ids=MALFORMED.keys())
def test_show_refuses_a_saved_plan_of_the_wrong_shape_naming_the_file(
    edit: Edit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = golden()
    edit(data)
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    for fmt in ("text", "markdown", "github", "json"):
        out = io.StringIO()
        assert main(["show", str(saved), "--format", fmt], out=out) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: {saved}: not a saved plan ("), err
        assert out.getvalue() == ""
        assert "\x1b" not in err


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


@pytest.mark.parametrize(
    "edit",
    [
        setting("suite_ids", "cart", to=[4]),
        setting("changes", 0, "fields", to="title"),
        setting("changes", 0, "id", to="21"),
    ],
    ids=["suite id a list", "fields a string", "id as text"],
)
def test_apply_refuses_a_saved_plan_of_the_wrong_shape_and_writes_nothing(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Edit
) -> None:
    tree = copy_cases(tmp_path)
    assert run("apply", str(tree), "--yes")[0] == 0
    cases = tree / "cart" / "cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace("Open the cart", "Open it"))
    saved = tmp_path / "plan.json"
    assert run("plan", str(tree), "--out", str(saved))[0] == 0
    data = json.loads(saved.read_text(encoding="utf-8"))
    edit(data)
    saved.write_text(json.dumps(data), encoding="utf-8")
    before = emu.store.cases(PROJECT)
    capsys.readouterr()

    assert run("apply", str(tree), "--plan", str(saved), "--yes")[0] == 1

    assert capsys.readouterr().err.startswith(f"error: {saved}: not a saved plan (")
    assert emu.store.cases(PROJECT) == before


@pytest.mark.parametrize("depth", [100_000, 900])
def test_show_refuses_json_nested_deeper_than_a_plan_is(
    depth: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    deep = "[" * depth + '"x"' + "]" * depth
    saved = tmp_path / "plan.json"
    saved.write_text(text.replace('"after": "low"', f'"after": {deep}'), encoding="utf-8")
    assert main(["show", str(saved)], out=io.StringIO()) == 1
    assert capsys.readouterr().err.startswith(f"error: {saved}: not a saved plan (")


def test_the_messages_say_where_in_the_file() -> None:
    from qasesync.plans.plan import Plan

    data = golden()
    data["changes"][3]["location"]["line"] = "2"
    with pytest.raises(ValueError) as raised:
        Plan.from_json(data)
    assert str(raised.value) == 'changes[3].location.line: "2" is not a whole number'
    data["changes"][3]["location"]["line"] = 2
    data["changes"][3]["extra"] = 1
    with pytest.raises(ValueError) as raised:
        Plan.from_json(data)
    assert str(raised.value) == "changes[3].extra: not a key of a saved plan here"
    del data["changes"][3]["extra"], data["changes"][3]["name"]
    with pytest.raises(ValueError) as raised:
        Plan.from_json(data)
    assert str(raised.value) == "changes[3].name: missing"
    data["changes"][3]["name"] = "Login"
    data["changes"][3]["id"] = [101]
    with pytest.raises(ValueError) as raised:
        Plan.from_json(data)
    assert str(raised.value) == "changes[3].id: [101] is not a whole number or text or null"


AS_WRITTEN: dict[str, Edit] = {
    "summary edited": setting("summary", "delete", to=0),
    "a case id as text": setting("changes", 3, "id", to="101"),
    "a tree id apart from the created entity's": setting("changes", 4, "tree_id", to=9),
    "a default written out": setting("changes", 4, "after", "description", to=""),
}


@pytest.mark.parametrize("edit", AS_WRITTEN.values(), ids=AS_WRITTEN.keys())
def test_a_saved_plan_must_be_as_plan_wrote_it_to_be_read(
    edit: Edit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a reviewer reads in the file is what `show` shows and `apply --plan`
    compares: a value that reading back would drop, recompute or take for another is
    refused, not silently read otherwise."""
    data = golden()
    edit(data)
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    assert main(["show", str(saved)], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {saved}: not a saved plan ("), err
    assert "not as `plan --out` writes it" in err


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"name": "SAML sign-in",', '"name": "SAML sign-in", "name": "Harmless",'),
        ('"after": "low"', '"after": NaN'),
        ('"after": "low"', '"after": -Infinity'),
    ],
    ids=["a key twice", "NaN", "Infinity"],
)
def test_a_saved_plan_must_be_plain_json(
    old: str, new: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    assert text.count(old) == 1
    saved = tmp_path / "plan.json"
    saved.write_text(text.replace(old, new), encoding="utf-8")
    assert main(["show", str(saved)], out=io.StringIO()) == 1
    assert capsys.readouterr().err.startswith(f"error: {saved}: not a saved plan (")


def test_the_golden_plans_are_read_as_written() -> None:
    from qasesync.plans.plan import Plan

    for name in ("mixed.json", "emulator.json"):
        data = json.loads((GOLDEN.parent / name).read_text(encoding="utf-8"))
        assert Plan.from_json(data).to_json() == data


OLD = "Adding a product shows it in the cart with the right total"


def reviewed_plan(tree: Path, saved: Path) -> dict[str, Any]:
    """A plan of a title change, a warning (automation the API cannot change) and a new
    number custom field, saved as a reviewer gets it."""
    assert run("apply", str(tree), "--yes")[0] == 0
    cases = tree / "cart" / "cases.yaml"
    text = cases.read_text(encoding="utf-8")
    text = text.replace(f"title: {OLD}\n", "title: Adding a product shows the total\n")
    text = text.replace(
        "    severity: blocker\n", "    severity: blocker\n    automation: automated\n"
    )
    text = text.replace(
        "      Owner: checkout-team\n", "      Owner: checkout-team\n      Estimate: 1\n", 1
    )
    cases.write_text(text, encoding="utf-8")
    assert run("plan", str(tree), "--out", str(saved))[0] == 0
    data: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
    assert data["warnings"] and data["changes"][0]["diffs"][-1]["after"] == 1
    return data


REVIEWED_EDITS: dict[str, Edit] = {
    "the warning taken out": setting("warnings", to=[]),
    "a warning reworded": lambda data: data["warnings"][0].update(text="all is well"),
    "a number shown as a float": lambda data: data["changes"][0]["diffs"][-1].update(after=1.0),
    "a number shown as true": lambda data: data["changes"][0]["diffs"][-1].update(after=True),
    "two_way turned": lambda data: data.update(two_way=not data["two_way"]),
    "ignore_fields added": setting("ignore_fields", to=["automation"]),
    "bulk_size set": setting("bulk_size", to=100),
}


@pytest.mark.parametrize("edit", REVIEWED_EDITS.values(), ids=REVIEWED_EDITS.keys())
def test_apply_refuses_a_saved_plan_whose_warnings_or_settings_were_edited(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Edit
) -> None:
    """A reviewer approves what the file shows: warnings (an automation the API cannot
    change, attachments apply would delete), the values of diffs as shown, the settings
    the estimate and the notes depend on. Apply runs none that differ."""
    tree = copy_cases(tmp_path)
    saved = tmp_path / "plan.json"
    data = reviewed_plan(tree, saved)
    edit(data)
    saved.write_text(json.dumps(data), encoding="utf-8")
    before = emu.store.cases(PROJECT)
    capsys.readouterr()

    assert run("apply", str(tree), "--plan", str(saved), "--yes")[0] == 1

    assert "the saved plan is stale" in capsys.readouterr().err
    assert emu.store.cases(PROJECT) == before


def test_a_reviewed_plan_as_saved_applies(emu: Emulator, tmp_path: Path) -> None:
    tree = copy_cases(tmp_path)
    saved = tmp_path / "plan.json"
    reviewed_plan(tree, saved)
    assert run("apply", str(tree), "--plan", str(saved), "--yes")[0] == 0
    assert OLD not in {c["title"] for c in emu.store.cases(PROJECT)}


def test_a_shared_step_hash_from_the_service_cannot_drive_the_terminal() -> None:
    """Qase sends the hash of a shared step; a hostile service can put control
    characters in it, and a plan (or `show`) prints it beside the title."""
    from qasesync.model import SharedStep
    from qasesync.plans.plan import Change, Fingerprint, Plan
    from qasesync.plans.render import View, render

    hostile = SharedStep(key="k", title="Sign in", hash=f"ab{ESC}\u202ecd")
    stamp = Fingerprint(None, "0" * 64)
    plan = Plan(
        "DEMO",
        changes=(
            Change("update", "shared_step", "Sign in", live=hostile, fingerprint=stamp),
            Change("delete", "shared_step", "Sign in", live=hostile, fingerprint=stamp),
        ),
    )
    for fmt in ("text", "markdown", "github"):
        shown = render(plan, fmt, View())
        assert "\x1b" not in shown and "\u202e" not in shown, fmt
    assert '"Sign in" (ab\\x1b[31m\\u202ecd)' in render(plan, "text", View())


@pytest.mark.parametrize(
    ("added", "removed", "line"),
    [
        (("regression −smoke",), (), 'tags: +"regression −smoke"'),
        (("a", "+b"), ("c d",), 'tags: +a +"+b" −"c d"'),
        (("regression",), ("smoke",), "tags: +regression −smoke"),
    ],
)
def test_a_tag_that_could_read_as_two_is_quoted(
    added: tuple[str, ...], removed: tuple[str, ...], line: str
) -> None:
    """A tag with a space (or one that starts like a sign) would otherwise read as a
    tag added and another removed: ``+regression −smoke`` for the one tag
    ``regression −smoke``."""
    from qasesync.plans.plan import FieldDiff
    from qasesync.plans.render import diff_text

    assert diff_text(FieldDiff("tags", added=added, removed=removed)) == line
