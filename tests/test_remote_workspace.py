"""FieldMap: the workspace's system-field option ids and custom fields, both ways."""

from __future__ import annotations

from typing import Any

import pytest
from kit.remote_json import (
    DEFAULT_IDS,
    custom_field,
    custom_fields,
    field_map,
    system_field,
    system_fields,
)

from qasesync.errors import PlanError
from qasesync.model import Case, CustomField, EnumField
from qasesync.plans.checks import workspace_problems
from qasesync.qase.fields import FieldMap, decode_value, encode_value


def test_enums_hold_the_workspace_slugs_and_the_default_it_marks() -> None:
    workspace = field_map().workspace
    assert workspace.enums["severity"] == EnumField(
        "severity",
        ("undefined", "blocker", "critical", "major", "normal", "minor", "trivial"),
        "normal",
    )
    assert workspace.enums["type"].options == ("other", "smoke", "regression", "functional")


def test_non_default_ids_and_an_extra_slug_map_both_ways() -> None:
    fields = field_map({"severity": [(40, "normal"), (41, "showstopper")]} | _others())
    assert fields.enum_id("severity", "showstopper") == 41
    assert fields.enum_slug("severity", 40, case_id=1) == "normal"


def test_an_unknown_slug_names_the_field_and_what_the_workspace_has() -> None:
    with pytest.raises(PlanError) as error:
        field_map().enum_id("priority", "urgent")
    assert str(error.value) == (
        "priority 'urgent' is not an option of this workspace; it has: undefined, high, medium, low"
    )


def test_an_unknown_option_id_on_a_live_case_is_a_clear_error() -> None:
    with pytest.raises(PlanError) as error:
        field_map().enum_slug("status", 7, case_id=12)
    assert str(error.value) == (
        "case 12: status 7 is not an option id of this workspace (0=actual, 1=draft, 2=deprecated)"
    )


def test_a_null_enum_reads_as_the_default() -> None:
    assert field_map().enum_slug("layer", None, case_id=1) == "unknown"


def test_a_switched_off_system_field_falls_back_to_the_default_table() -> None:
    fields = FieldMap.from_json(
        [f for f in system_fields() if f["slug"] != "layer"], custom_fields(), "DEMO"
    )
    assert fields.workspace.enums["layer"].default == "unknown"
    assert fields.enum_slug("layer", 3, case_id=1) == "unknown"
    assert fields.enum_id("layer", "unknown") is None
    with pytest.raises(PlanError, match="switched off"):
        fields.enum_id("layer", "e2e")


def test_a_switched_off_system_field_fails_a_case_naming_another_option_at_plan_time() -> None:
    fields = FieldMap.from_json(
        [f for f in system_fields() if f["slug"] != "layer"], custom_fields(), "DEMO"
    )
    cases = [Case("Kept", layer="unknown"), Case("Refused", layer="e2e")]
    assert workspace_problems(cases, fields.workspace, project="DEMO") == [
        (None, "layer 'e2e' is not an option of this workspace; it has: unknown")
    ]


def test_the_default_without_is_default_is_the_default_table_slug() -> None:
    field = system_field("priority", [(5, "high"), (6, "undefined")], default="none-marked")
    fields = FieldMap.from_json([field], [], "DEMO")
    assert fields.workspace.enums["priority"].default == "undefined"


def test_only_case_fields_enabled_for_the_project_are_kept() -> None:
    titles = [f.title for f in field_map().workspace.custom_fields]
    assert titles == [
        "Owner",
        "Notes",
        "Estimate",
        "Reviewed",
        "Browser",
        "Risk",
        "Components",
        "Spec",
        "Reviewer",
        "Due",
    ]


def test_a_custom_field_is_typed_lower_case_with_option_titles_and_its_default() -> None:
    (risk,) = [f for f in field_map().workspace.custom_fields if f.title == "Risk"]
    assert risk == CustomField(6, "Risk", "radio", ("low", "high"), default="low")


def test_two_fields_with_one_title_are_both_kept_and_ambiguous_by_title() -> None:
    fields = FieldMap.from_json(
        system_fields(),
        [custom_field(1, "Owner", "string"), custom_field(2, "Owner", "text")],
        "DEMO",
    )
    assert [f.id for f in fields.workspace.custom_fields] == [1, 2]
    with pytest.raises(PlanError) as error:
        fields.custom_by_title("Owner")
    assert str(error.value) == "custom field 'Owner' is ambiguous: fields 1, 2 share the title"


def test_an_unknown_custom_field_title_lists_the_enabled_ones() -> None:
    with pytest.raises(PlanError) as error:
        FieldMap.from_json(
            system_fields(), [custom_field(1, "Owner", "string")], "DEMO"
        ).custom_by_title("Owners")
    assert (
        str(error.value) == "custom field 'Owners' is not enabled for this project; it has: Owner"
    )


@pytest.mark.parametrize(
    ("title", "raw", "value"),
    [
        ("Owner", "alice", "alice"),
        ("Estimate", "3", 3),
        ("Estimate", "2.0", 2),
        ("Estimate", "1.5", 1.5),
        ("Reviewed", "1", True),
        ("Reviewed", "", None),
        ("Reviewed", "0", None),
        ("Browser", "2", "firefox"),
        ("Risk", "1", "low"),
        ("Components", "3,1", ("mobile", "web")),
        ("Reviewer", "42", "42"),
        ("Due", "2026-04-29T15:00:00Z", "2026-04-29T15:00:00Z"),
        ("Notes", "", None),
    ],
)
def test_live_custom_values_read_as_documented(title: str, raw: str, value: Any) -> None:
    spec = field_map().custom_by_title(title)
    assert decode_value(spec.field.type, spec.by_id, raw) == value


@pytest.mark.parametrize(
    ("title", "value", "raw"),
    [
        ("Owner", "alice", "alice"),
        ("Estimate", 3, "3"),
        ("Estimate", 2.0, "2"),
        ("Estimate", 1.5, "1.5"),
        ("Reviewed", True, "1"),
        ("Reviewed", False, ""),
        ("Browser", "firefox", "2"),
        ("Components", ("mobile", "web"), "1,3"),
        ("Reviewer", "42", "42"),
        ("Due", "2026-04-29T15:00:00Z", "2026-04-29T15:00:00Z"),
        ("Notes", None, ""),
    ],
)
def test_model_custom_values_are_sent_as_scalar_strings(title: str, value: Any, raw: str) -> None:
    assert encode_value(field_map().custom_by_title(title), value) == raw


def test_an_unknown_option_title_lists_the_options() -> None:
    with pytest.raises(PlanError) as error:
        encode_value(field_map().custom_by_title("Browser"), "safari")
    assert (
        str(error.value) == "custom field 'Browser' has no option 'safari'; it has: chrome, firefox"
    )


def _others() -> dict[str, list[tuple[int, str]]]:
    return {k: v for k, v in DEFAULT_IDS.items() if k != "severity"}


def test_an_option_id_given_as_a_string_is_read_too() -> None:
    assert field_map().enum_slug("priority", "2", case_id=1) == "medium"
