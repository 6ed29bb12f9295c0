"""The loader's YAML reading: values, positions, and what it refuses."""

from __future__ import annotations

import pytest

from qasesync.yamltext import read as yamlread
from qasesync.yamltext.read import ALIAS_NODE_LIMIT, YamlProblem, parse


def refusal(text: str) -> str:
    with pytest.raises(YamlProblem) as raised:
        parse(text)
    return f"{raised.value.line}:{raised.value.col}: {raised.value.message}"


def test_plain_scalars_follow_the_yaml_1_2_core_schema() -> None:
    text = (
        "a: [yes, no, on, true, False, ~, null, '', 012, 0x1F, 0o17, -3, 1.5e3, .inf, 2024-01-01]"
    )
    assert parse(text).data == {
        "a": [
            "yes",
            "no",
            "on",
            True,
            False,
            None,
            None,
            "",
            12,
            31,
            15,
            -3,
            1500.0,
            float("inf"),
            "2024-01-01",
        ]
    }


def test_quoted_and_explicitly_tagged_scalars() -> None:
    assert parse("a: '1'\nb: !!str 2\nc: !!int '3'\nd: !!float 4\ne: !!bool true\n").data == {
        "a": "1",
        "b": "2",
        "c": 3,
        "d": 4.0,
        "e": True,
    }


def test_positions_of_values_and_keys() -> None:
    doc = parse("cases:\n  - title: A\n    steps:\n      - action: x\n")
    assert doc.position(("cases", 0)) == (2, 5)
    assert doc.position(("cases", 0, "steps", 0, "action")) == (4, 17)
    assert doc.key_position(("cases", 0, "steps")) == (3, 5)


def test_position_of_a_missing_path_is_its_deepest_ancestor() -> None:
    doc = parse("cases:\n  - title: A\n")
    assert doc.position(("cases", 0, "steps", 3)) == (2, 5)
    assert doc.position(("cases", 9)) == (2, 3)


def test_an_empty_document_is_none() -> None:
    assert parse("# only a comment\n").data is None


def test_a_few_aliases_are_fine_and_shared() -> None:
    data = parse("a: &s [1, 2]\nb: *s\n").data
    assert data == {"a": [1, 2], "b": [1, 2]}
    assert data["a"] is data["b"]


def test_an_alias_bomb_is_refused_before_expansion() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    message = refusal("\n".join(lines))
    assert message.startswith(
        f"1:1: anchors and aliases would expand this document by more than {ALIAS_NODE_LIMIT:,}"
    )


def test_a_merge_key_is_just_an_unknown_key() -> None:
    assert parse("a: &b {x: 1}\n<<: *b\n").data == {"a": {"x": 1}, "<<": {"x": 1}}


def test_duplicate_keys_are_refused_at_the_second() -> None:
    assert refusal("a: 1\nb: 2\na: 3\n") == "3:1: duplicate key `a` (first at line 1)"


def test_non_scalar_keys_are_refused() -> None:
    assert refusal("? [1]\n: 2\n") == "1:3: a mapping key must be a plain value"


def test_unknown_tags_are_refused() -> None:
    assert refusal("a: !custom x\n") == "1:4: unsupported YAML tag `!custom`"


def test_deep_nesting_is_refused_without_crashing() -> None:
    assert (
        refusal("[" * 100_000 + "]" * 100_000) == "1:101: the document is nested more than 100 deep"
    )


def test_moderate_flow_nesting_is_refused_by_the_builder() -> None:
    assert refusal("[" * 150 + "]" * 150) == "1:101: the document is nested more than 100 deep"


def test_syntax_errors_carry_the_position() -> None:
    assert refusal("a: b: c\n").startswith(
        "1:5: YAML syntax: mapping values are not allowed in this context"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a:\n\t- b\n",
            "2:1: YAML syntax: while scanning for the next token, found character that cannot"
            " start any token (a tab: indent YAML with spaces)",
        ),
        (
            "a: b\n  \tc: d\n",
            "2:5: YAML syntax: mapping values are not allowed in this context"
            " (a tab: indent YAML with spaces)",
        ),
        (
            "title: @admin signs in\n",
            "1:8: YAML syntax: while scanning for the next token, found character that cannot"
            " start any token (`@` cannot start a plain value: put the text in quotes)",
        ),
        (
            "title: *Bold* claim\n",
            "1:13: YAML syntax: while scanning an alias, did not find expected alphabetic or"
            " numeric character"
            " (`*` starts an alias: put text that begins with `*` in quotes)",
        ),
        (
            "title: Login: works\n",
            "1:13: YAML syntax: mapping values are not allowed in this context"
            " (a `: ` inside a value needs quotes; or is the line indented too far?)",
        ),
    ],
)
def test_common_syntax_errors_say_what_usually_causes_them(text: str, expected: str) -> None:
    assert refusal(text) == expected


def test_several_documents_are_refused() -> None:
    message = (
        "2:1: YAML syntax: expected a single document in the stream, but found another document"
    )
    assert refusal("a: 1\n---\nb: 2\n") == message


SAMPLES = [
    "a: [yes, 1, 0x1F, 1.5, true, ~, 2024-01-01, '3']\nb: !!str 5\nc: !!int '7'\n",
    "cases:\n  - title: A\n    steps:\n      - action: x\n",
    "- &a [1]\n- *a\n",
    "a: 1\na: 2\n",
    "a: !custom x\n",
    "[" * 150 + "]" * 150,
    "a: |\n  b\x07\n",
]


def outcome(text: str) -> object:
    try:
        doc = parse(text)
    except YamlProblem as problem:
        return problem.line, problem.col, problem.message
    return doc.data, doc.position(("cases", 0, "steps", 0, "action"))


@pytest.mark.parametrize("text", SAMPLES)
def test_the_pure_python_parser_gives_the_same_results(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_c = outcome(text)
    monkeypatch.setattr(yamlread, "_Parser", None)
    assert outcome(text) == with_c


def test_the_pure_python_parser_reports_syntax_errors_at_the_same_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(yamlread, "_Parser", None)
    assert refusal("a: b: c\n").startswith("1:5: YAML syntax: mapping values are not allowed")
