"""The live shapes the evidence leaves open (docs/qase-api.md): explicit defaults on
create, options without a slug, date and user custom fields read in any shape, and the
basic lifecycle (apply, plan clean, edits, plan clean) under every emulator switch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kit.apply import PROJECT, copy_cases, on_socket, run_cli, shop_fields, write_tree, writes
from kit.remote_json import field_map, system_field, system_fields

from qasesync.emulator import Emulator, default_system_fields
from qasesync.emulator.shapes import Shapes
from qasesync.model import Case, canonical_custom, custom_datetime
from qasesync.qase.encode import CaseEncoder
from qasesync.qase.fields import FieldMap, decode_value, option_slug

# --- defaults and slugs -----------------------------------------------------------------


def test_a_system_fields_default_value_wins_over_the_flagged_option() -> None:
    field = system_field("severity", [(1, "blocker"), (4, "normal")], default="normal")
    fields = FieldMap.from_json([{**field, "default_value": "1"}], [], "DEMO")
    assert fields.workspace.enums["severity"].default == "blocker"
    body = CaseEncoder(fields, {None: None}, {}).create(Case(title="Bare"))
    assert body["severity"] == 1


def test_a_default_value_that_is_no_option_falls_back_to_the_flagged_one() -> None:
    field = system_field("severity", [(1, "blocker"), (4, "normal")], default="normal")
    fields = FieldMap.from_json([{**field, "default_value": "99"}], [], "DEMO")
    assert fields.workspace.enums["severity"].default == "normal"


def test_no_flag_and_no_usual_slug_makes_the_first_option_the_default() -> None:
    field = system_field("layer", [(7, "edge"), (8, "core")], default="none")
    assert FieldMap.from_json([field], [], "DEMO").workspace.enums["layer"].default == "edge"


def test_an_option_without_a_slug_is_matched_by_a_slug_derived_from_its_title() -> None:
    field = system_field("severity", [(1, "blocker"), (4, "normal")], default="normal")
    field["options"].append({"id": 9, "title": "Show Stopper (P0)", "slug": None})
    field["options"].append({"id": 10, "title": "Blocker", "slug": ""})  # given slug wins
    others = [f for f in system_fields() if f["slug"] != "severity"]
    fields = FieldMap.from_json([field, *others], [], "DEMO")
    assert fields.enum_id("severity", "show-stopper-p0") == 9
    assert fields.enum_slug("severity", 9, case_id=1) == "show-stopper-p0"
    assert fields.enum_id("severity", "blocker") == 1
    assert option_slug({"title": "  Ünïcode -- Ok "}) == "n-code-ok"


def test_every_omitted_enum_is_sent_as_the_workspace_default() -> None:
    body = CaseEncoder(field_map(), {None: None}, {}).create(Case(title="Bare"), for_bulk=True)
    assert {k: body[k] for k in ("severity", "priority", "type", "status")} == {
        "severity": 4,
        "priority": 0,
        "type": 1,
        "status": 0,
    }


# --- date and user custom fields --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01", "2024-03-01T00:00:00Z"),
        ("2024-03-01 10:05:00", "2024-03-01T10:05:00Z"),
        ("2024-03-01T10:05:00+00:00", "2024-03-01T10:05:00Z"),
        ("2024-03-01T12:05:00+02:00", "2024-03-01T10:05:00Z"),
        ("2024-03-01T10:05:00.000000Z", "2024-03-01T10:05:00Z"),
        ("next week", "next week"),
    ],
)
def test_a_date_reads_and_compares_in_one_form(raw: str, expected: str) -> None:
    assert custom_datetime(raw) == expected
    assert decode_value("datetime", {}, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("7", "7"), (7, "7"), (" 7 ", "7"), (True, True), (-1, -1)]
)
def test_a_user_is_compared_as_its_id_in_text(raw: Any, expected: Any) -> None:
    assert canonical_custom("user", raw) == expected


# --- emulator shapes --------------------------------------------------------------------


def test_the_emulator_reads_each_shape_as_switched() -> None:
    shapes = Shapes(multiselect="repeated", datetime_read="iso")
    assert shapes.read_custom(7, "multiselect", "1,3") == [
        {"id": 7, "value": "1"},
        {"id": 7, "value": "3"},
    ]
    for written in ("2024-03-01", "2024-03-01 00:00:00", "2024-03-01T00:00:00Z"):
        assert shapes.read_custom(10, "datetime", written) == [
            {"id": 10, "value": "2024-03-01T00:00:00+00:00"}
        ]
    assert shapes.read_custom(10, "datetime", "2024-03-01T01:00:00+01:00") == [
        {"id": 10, "value": "2024-03-01T01:00:00+01:00"}
    ]
    assert shapes.read_custom(9, "user", "12") == [{"id": 9, "value": "12"}]
    assert Shapes().read_custom(7, "multiselect", "1,3") == [{"id": 7, "value": "1,3"}]
    for bad in ({"multiselect": "x"}, {"bulk_latency_per_case": -1.0}):
        with pytest.raises(ValueError, match="must"):
            Shapes(**bad)


def test_the_emulator_takes_an_option_without_a_slug_by_its_id() -> None:
    field = {
        "slug": "severity",
        "options": [{"id": 1, "slug": "blocker"}, {"id": 9, "title": "P0", "slug": None}],
    }
    emu = Emulator(projects=("DEMO",), system_fields=[field])
    case_id = emu.store.create_case("DEMO", {"title": "X", "severity": 9})
    assert emu.store.get_case("DEMO", case_id)["severity"] == 9


# --- the lifecycle under every switch ---------------------------------------------------

DATED = [
    {**shop_fields()[0], "id": 4, "title": "Due", "type": "Datetime"},
    {**shop_fields()[0], "id": 5, "title": "Reviewer", "type": "user"},
]
SWITCHES: dict[str, dict[str, Any]] = {
    "default": {},
    "no-include": {"no_include": True},
    "shared-read-collapsed": {"shared_read": "collapsed"},
    "list-trashed": {"list_trashed": True},
    "create-default-severity": {"shapes": Shapes(create_default_severity=6)},
    "multiselect-repeated": {"shapes": Shapes(multiselect="repeated")},
    "datetime-iso": {"shapes": Shapes(datetime_read="iso")},
    "bulk-latency": {"shapes": Shapes(bulk_latency_per_case=0.001)},
}


@pytest.fixture(params=sorted(SWITCHES))
def switched(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    emu = Emulator(
        token="apply-token",
        projects=(PROJECT,),
        custom_fields=shop_fields() + DATED,
        **SWITCHES[request.param],
    )
    yield from on_socket(monkeypatch, emu)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _plan_is_clean(tree: Path) -> None:
    code, text = run_cli("plan", str(tree), "--detailed-exitcode")
    assert code == 0, text


def test_the_lifecycle_is_clean_under_every_emulator_switch(
    switched: Emulator, tmp_path: Path
) -> None:
    tree = copy_cases(tmp_path)
    _edit(
        tree / "smoke.yaml",
        "      Components: [web]\n",
        "      Components: [web, api]\n      Due: 2024-03-01\n      Reviewer: 7\n",
    )
    code, text = run_cli("apply", str(tree), "--yes")
    assert code == 0, text
    _plan_is_clean(tree)
    _edit(tree / "smoke.yaml", "Due: 2024-03-01\n", "Due: 2024-04-02T09:30:00Z\n")
    _edit(tree / "smoke.yaml", "Components: [api]", "Components: [api, web, search]")
    _edit(tree / "smoke.yaml", "Reviewer: 7", "Reviewer: 8")
    _edit(tree / "checkout/cases.yaml", "tags: [checkout, guest]", "tags: [checkout]")
    code, text = run_cli("plan", str(tree), "--format", "json", "--detailed-exitcode")
    assert code == 2, text
    assert json.loads(text)["summary"]["update"] == 3
    code, text = run_cli("apply", str(tree), "--yes")
    assert code == 0, text
    _plan_is_clean(tree)


def test_explicit_defaults_keep_the_plan_clean_when_the_service_defaults_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The workspace says "normal" (4) in default_value, flags "undefined" (0) as default,
    # and the service itself gives a create without severity "trivial" (6).
    system = [
        {**f, "default_value": "4"} if f["slug"] == "severity" else f
        for f in default_system_fields()
    ]
    emu = Emulator(
        token="apply-token",
        projects=(PROJECT,),
        system_fields=system,
        shapes=Shapes(create_default_severity=6),
    )
    for _ in on_socket(monkeypatch, emu):
        tree = write_tree(
            tmp_path / "t",
            {
                "qasesync.yaml": f"project: {PROJECT}\n",
                "cases.yaml": "cases:\n  - title: No severity given\n  - title: Another one\n",
            },
        )
        assert run_cli("apply", str(tree), "--yes")[0] == 0
        before = len(writes(emu))
        _plan_is_clean(tree)
        assert run_cli("apply", str(tree), "--yes")[0] == 0
        assert len(writes(emu)) == before  # nothing patched again
        # the omitted severity was sent as the field's default_value (4): not the flagged
        # option, nor left to the service's own create default
        assert [c["severity"] for c in emu.store.cases(PROJECT)] == [4, 4]
        bare = emu.store.create_case(PROJECT, {"title": "Made in the web app"})
        assert emu.store.get_case(PROJECT, bare)["severity"] == 6
