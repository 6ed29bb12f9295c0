"""Property tests: whatever the files hold, `qasesync validate` exits 0 or 1, never 3;
and the compiled fast schema check agrees with jsonschema."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qasesync.cli import main
from qasesync.tree.schema import fast_check, schema
from qasesync.yamltext.read import parse

VALID = Path(__file__).parent / "data" / "valid-full"
FILES = sorted(p.relative_to(VALID).as_posix() for p in VALID.rglob("*.y*ml"))
YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#,?%@ \n\t0.~\\")), max_size=80)
FUZZ = settings(
    max_examples=220,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def exit_code(tree: Path) -> int:
    with redirect_stderr(io.StringIO()):
        return main(["validate", str(tree)], out=io.StringIO())


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the valid tree; each example changes one file and puts it back."""
    copy = tmp_path_factory.mktemp("fuzz") / "tree"
    shutil.copytree(VALID, copy)
    return copy


def with_file(tree: Path, rel: str, content: bytes) -> int:
    original = (VALID / rel).read_bytes()
    (tree / rel).write_bytes(content)
    try:
        return exit_code(tree)
    finally:
        (tree / rel).write_bytes(original)


@FUZZ
@given(rel=st.sampled_from(FILES), text=YAMLISH)
def test_random_yaml_text_in_any_file_exits_0_or_1(tree: Path, rel: str, text: str) -> None:
    assert with_file(tree, rel, text.encode()) in (0, 1)


@FUZZ
@given(rel=st.sampled_from(FILES), value=json_values)
def test_random_documents_in_any_file_exit_0_or_1(tree: Path, rel: str, value: Any) -> None:
    assert with_file(tree, rel, json.dumps(value).encode()) in (0, 1)


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    rel = draw(st.sampled_from(FILES))
    data = bytearray((VALID / rel).read_bytes())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if kind == "delete":
            data[at : at + draw(st.integers(1, 12))] = b""
        elif kind == "insert":
            data[at:at] = draw(st.binary(max_size=6)) + draw(YAMLISH).encode()
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 40))]
    return rel, bytes(data)


@FUZZ
@given(mutation=mutations())
def test_mutated_valid_tree_exits_0_or_1(tree: Path, mutation: tuple[str, bytes]) -> None:
    assert with_file(tree, *mutation) in (0, 1)


# --- the fast schema check agrees with jsonschema ---------------------------------------


def _mutate(value: Any, draw: st.DrawFn) -> Any:
    """Replace, drop or add one thing somewhere in a JSON-like value."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: _mutate(value[key], draw)}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], _mutate(value[index], draw), *value[index + 1 :]]
    if isinstance(value, dict) and draw(st.booleans()):
        extra = draw(st.sampled_from(["id", "title", "steps", "shared", "x", "action", "options"]))
        return {**value, extra: draw(json_values)}
    return draw(json_values)


KINDS = {"qasesync.yaml": "qasesync", "shared_steps.yaml": "shared-steps"}


@st.composite
def near_valid(draw: st.DrawFn) -> tuple[str, Any]:
    rel = draw(st.sampled_from(FILES))
    kind = KINDS.get(rel, "suite" if rel.endswith("suite.yaml") else "cases")
    kind = "shared-steps" if rel.startswith("shared_steps") else kind
    return kind, _mutate(parse((VALID / rel).read_text(encoding="utf-8")).data, draw)


@settings(max_examples=300, deadline=None)
@given(case=near_valid())
def test_fast_check_agrees_with_jsonschema(case: tuple[str, Any]) -> None:
    kind, value = case
    expected = jsonschema.Draft202012Validator(schema(kind)).is_valid(value)
    assert fast_check(kind)(value) == expected


@st.composite
def near_valid_files(draw: st.DrawFn) -> tuple[str, bytes]:
    rel = draw(st.sampled_from(FILES))
    value = _mutate(parse((VALID / rel).read_text(encoding="utf-8")).data, draw)
    return rel, json.dumps(value).encode()


@FUZZ
@given(mutation=near_valid_files())
def test_structurally_mutated_files_exit_0_or_1(tree: Path, mutation: tuple[str, bytes]) -> None:
    assert with_file(tree, *mutation) in (0, 1)
