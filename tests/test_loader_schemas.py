"""The JSON Schema files: valid draft 2020-12, strict, described, in step with the model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from qasesync.model import DEFAULT_OPTIONS
from qasesync.tree.schema import KINDS, fast_check, schema, schema_dir

REPO = Path(__file__).resolve().parents[1]
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.MULTILINE)


def objects(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every schema object with `properties`, at any depth."""
    if isinstance(node, dict):
        if "properties" in node:
            yield node
        for value in node.values():
            yield from objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from objects(value)


def test_schemas_are_found_in_the_checkout() -> None:
    assert schema_dir() == REPO / "schemas"


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12_with_an_id(kind: str) -> None:
    document = schema(kind)
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == f"https://qasesync.github.io/schemas/v1/{kind}.schema.json"


@pytest.mark.parametrize("kind", KINDS)
def test_every_object_refuses_unknown_keys_and_describes_each_property(kind: str) -> None:
    for node in objects(schema(kind)):
        assert node.get("additionalProperties") is False
        undescribed = [k for k, v in node["properties"].items() if "description" not in v]
        assert undescribed == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_fast_check_compiles_every_schema_and_judges_an_empty_file(kind: str) -> None:
    # only suite.yaml has no required key
    assert fast_check(kind)({}) is (kind == "suite")


def test_steps_are_the_same_in_case_and_shared_step_files() -> None:
    assert schema("cases")["$defs"]["step"] == schema("shared-steps")["$defs"]["step"]


@pytest.mark.parametrize("name", sorted(DEFAULT_OPTIONS))
def test_enum_fields_offer_the_default_table_and_accept_any_slug(name: str) -> None:
    field = schema("cases")["$defs"]["case"]["properties"][name]
    assert tuple(field["anyOf"][0]["enum"]) == DEFAULT_OPTIONS[name]
    assert field["anyOf"][1] == {"$ref": "#/$defs/slug"}


def test_ignore_fields_names_only_case_fields() -> None:
    ignorable = schema("qasesync")["properties"]["ignore_fields"]["items"]["enum"]
    assert set(ignorable) <= set(schema("cases")["$defs"]["case"]["properties"])


def test_extra_options_are_offered_for_exactly_the_enum_fields() -> None:
    options = schema("qasesync")["properties"]["options"]["properties"]
    assert sorted(options) == sorted(DEFAULT_OPTIONS)


def _kind_of(path: Path) -> str:
    rel = path.relative_to(REPO / "cases").as_posix()
    if rel == "qasesync.yaml":
        return "qasesync"
    if rel == "shared_steps.yaml" or rel.startswith("shared_steps/"):
        return "shared-steps"
    return "suite" if path.name == "suite.yaml" else "cases"


def test_example_files_name_their_schema_for_editors() -> None:
    files = sorted((REPO / "cases").rglob("*.yaml"))
    assert files
    for path in files:
        found = SCHEMA_LINE.search(path.read_text(encoding="utf-8"))
        assert found, f"{path} has no yaml-language-server line"
        target = (path.parent / found.group(1)).resolve()
        assert target == REPO / "schemas" / f"{_kind_of(path)}.schema.json", path
