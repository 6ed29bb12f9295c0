"""In-place YAML edits: every untouched byte is kept, the result reads back as asked."""

from __future__ import annotations

from typing import Any
from unittest.mock import Mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from qasesync.errors import WriteBackError
from qasesync.yamltext import edit as yamledit
from qasesync.yamltext import spans as yamlspans
from qasesync.yamltext.edit import (
    AppendItem,
    RemoveField,
    RemoveItem,
    SetField,
    append_item,
    apply_edits,
    assign_keys,
    remove_field,
    remove_item,
    set_field,
    value_at,
)

CASE = (
    "# Cases, formatted by hand\r\n"
    "cases:\r\n"
    "  - title: Login works  # short\r\n"
    "    tags: [ auth ,smoke ]\r\n"
    "    description: |\r\n"
    "      Two\r\n"
    "      lines\r\n"
    "\r\n"
    "    custom_fields:\r\n"
    "        Owner: alice\r\n"
    "    steps:\r\n"
    "        - action: Open /login\r\n"
    "          expected_result: The form is shown\r\n"
    "    # a comment after the steps\r\n"
    "  - {title: Flow case, steps: []}\r\n"
    "settings: 1\r\n"
)


def _load(text: str) -> Any:
    return YAML(typ="safe").load(text)


# -- assign_keys (write-back) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("- title: x\n", "- id: 5\n  title: x\n"),
        ("-   title: x\n", "-   id: 5\n    title: x\n"),
        ("-\n  title: x\n", "-\n  id: 5\n  title: x\n"),
        ("- {title: x, steps: []}\n", "- {id: 5, title: x, steps: []}\n"),
        ("- {  title: x }\n", "- {  id: 5, title: x }\n"),
        ("- {}\n", "- {id: 5}\n"),
        ("- id: 3   # stale\n  title: x\n", "- id: 5   # stale\n  title: x\n"),
        ("- title: x\n  id: 3\n", "- title: x\n  id: 5\n"),
        ("- {title: x, id: 3}\n", "- {title: x, id: 5}\n"),
        ("- id:\n  title: x\n", "- id: 5\n  title: x\n"),
        ("- id: '3'\n", "- id: 5\n"),
    ],
)
def test_assign_puts_the_key_first_or_replaces_it(before: str, after: str) -> None:
    assert assign_keys(before, [((0,), "id", 5)]) == after


def test_assign_several_keys_in_one_text_keeps_crlf_and_bom() -> None:
    text = "\ufeffcases:\r\n  - title: a\r\n  - title: b\r\n"

    result = assign_keys(text, [(("cases", 1), "id", 2), (("cases", 0), "id", 1)])

    assert result == "\ufeffcases:\r\n  - id: 1\r\n    title: a\r\n  - id: 2\r\n    title: b\r\n"


def test_assign_on_a_document_start_marker_and_a_schema_comment() -> None:
    text = "# yaml-language-server: $schema=x.json\n---\ntitle: Auth\n"

    assert assign_keys(text, [((), "id", 4)]) == (
        "# yaml-language-server: $schema=x.json\n---\nid: 4\ntitle: Auth\n"
    )


def test_assign_a_hash_that_needs_no_quotes() -> None:
    text = "shared_steps:\n- key: k\n  title: t\n"

    result = assign_keys(text, [(("shared_steps", 0), "hash", "0223905c29")])

    assert result == "shared_steps:\n- hash: 0223905c29\n  key: k\n  title: t\n"


def test_assign_quotes_a_hash_that_would_read_as_a_number() -> None:
    assert assign_keys("- key: k\n", [((0,), "hash", "1234")]) == "- hash: '1234'\n  key: k\n"


def test_assign_refuses_an_alias() -> None:
    text = "base: &b {title: x}\ncases:\n  - *b\n"

    with pytest.raises(WriteBackError, match=r"^cases\[0\] is an alias; edit its anchor instead$"):
        assign_keys(text, [(("cases", 0), "id", 5)])


def test_assign_refuses_what_is_not_a_mapping() -> None:
    with pytest.raises(WriteBackError, match=r"^cases\[0\] is not a mapping$"):
        assign_keys("cases:\n  - just text\n", [(("cases", 0), "id", 5)])


# -- set_field -----------------------------------------------------------------------


def _replace_in_case(old: str, new: str, value: object, key: str = "title") -> None:
    assert set_field(CASE, ("cases", 0), key, value) == CASE.replace(old, new, 1)


def test_set_a_scalar_in_place_keeps_its_comment() -> None:
    _replace_in_case("title: Login works  #", "title: Sign-in works  #", "Sign-in works")


def test_set_a_flow_list_stays_flow_even_when_long() -> None:
    tags = [f"tag-number-{n}" for n in range(8)]
    _replace_in_case("[ auth ,smoke ]", "[" + ", ".join(tags) + "]", tags, "tags")


def test_set_multi_line_text_over_a_literal_block() -> None:
    _replace_in_case(
        "|\r\n      Two\r\n      lines\r\n",
        "|-\r\n      Three\r\n\r\n      lines\r\n",
        "Three\n\nlines",
        "description",
    )


def test_set_a_one_liner_over_a_literal_block_keeps_the_blank_line_after_it() -> None:
    old = "|\r\n      Two\r\n      lines\r\n"
    _replace_in_case(old, "Two lines\r\n", "Two lines", "description")


def test_set_multi_line_text_over_a_one_liner_drops_its_trailing_comment() -> None:
    _replace_in_case(
        "title: Login works  # short\r\n",
        "title: |\r\n      Login\r\n      works\r\n",
        "Login\nworks\n",
        "title",
    )


def test_set_a_mapping_keeps_its_indentation() -> None:
    _replace_in_case(
        "        Owner: alice\r\n",
        "        Owner: bob\r\n        Components: [web, api]\r\n",
        {"Owner": "bob", "Components": ["web", "api"]},
        "custom_fields",
    )


def test_set_steps_keeps_the_dash_column_of_the_old_list() -> None:
    steps = [{"action": "Open /", "expected_result": "Home: shown"}, {"action": "Go"}]
    _replace_in_case(
        "        - action: Open /login\r\n          expected_result: The form is shown\r\n",
        "        - action: Open /\r\n          expected_result: 'Home: shown'\r\n"
        "        - action: Go\r\n",
        steps,
        "steps",
    )


def test_set_a_new_key_goes_after_the_last_one_before_trailing_comments() -> None:
    _replace_in_case(
        "The form is shown\r\n",
        "The form is shown\r\n    flaky: true\r\n",
        True,
        "flaky",
    )


def test_set_a_new_key_in_a_flow_mapping() -> None:
    assert set_field(CASE, ("cases", 1), "tags", ["a", "b c"]) == CASE.replace(
        "steps: []}", "steps: [], tags: [a, b c]}"
    )


def test_set_a_new_key_in_an_empty_flow_mapping() -> None:
    assert set_field("a: {}\n", ("a",), "k", "v") == "a: {k: v}\n"


def test_set_under_an_empty_key_creates_the_mapping() -> None:
    text = "- title: x\n  custom_fields:\n  steps: []\n"

    assert set_field(text, (0, "custom_fields"), "Owner", "alice") == (
        "- title: x\n  custom_fields:\n    Owner: alice\n  steps: []\n"
    )


def test_set_in_an_empty_document() -> None:
    assert set_field("", (), "title", "x") == "title: x\n"


def test_set_a_short_list_over_a_block_list_stays_block() -> None:
    text = "tags:\n- a  # first\n- b\nnext: 1\n"

    assert set_field(text, (), "tags", ["c"]) == "tags:\n- c\nnext: 1\n"


def test_set_a_flow_mapping_stays_flow() -> None:
    text = "- custom_fields: {Owner: a}  # c\n  title: x\n"

    assert set_field(text, (0,), "custom_fields", {"Owner": "b", "Reviewed": True}) == (
        "- custom_fields: {Owner: b, Reviewed: true}  # c\n  title: x\n"
    )


def test_set_steps_over_flow_steps_stays_flow() -> None:
    text = "steps: [{action: a}]\n"

    assert set_field(text, (), "steps", [{"action": "b"}, {"action": "c"}]) == (
        "steps: [{action: b}, {action: c}]\n"
    )


def test_set_a_long_list_of_scalars_goes_in_block_style() -> None:
    tags = [f"a-rather-long-tag-{n}" for n in range(4)]

    assert set_field("k: 1\n", (), "tags", tags) == (
        "k: 1\ntags:\n  - a-rather-long-tag-0\n  - a-rather-long-tag-1\n"
        "  - a-rather-long-tag-2\n  - a-rather-long-tag-3\n"
    )


def test_set_a_value_in_a_flow_mapping_stays_on_one_line() -> None:
    assert set_field("- {title: x, n: 1}\n", (0,), "title", "two\nlines") == (
        '- {title: "two\\nlines", n: 1}\n'
    )


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("plain text", "plain text"),
        ("it's", "it's"),
        ("0223905c", "0223905c"),
        ("yes", "'yes'"),
        ("No", "'No'"),
        ("null", "'null'"),
        ("~", "'~'"),
        ("true", "'true'"),
        ("123", "'123'"),
        ("1.5", "'1.5'"),
        ("2024-01-31", "'2024-01-31'"),
        ("0x1F", "'0x1F'"),
        ("", "''"),
        (" padded", "' padded'"),
        ("trailing ", "'trailing '"),
        ("a: b", "'a: b'"),
        ("a #b", "'a #b'"),
        ("ends:", "'ends:'"),
        ("-dash", "'-dash'"),
        ("*star", "'*star'"),
        ("&amp", "'&amp'"),
        ("!bang", "'!bang'"),
        ("[x", "'[x'"),
        ("{x", "'{x'"),
        ("@at", "'@at'"),
        ("%pct", "'%pct'"),
        ("'q'", "'''q'''"),
        ('"dq"', "'\"dq\"'"),
        ("tab\there", '"tab\\there"'),
        ("bell\x07", '"bell\\u0007"'),
        (" lead\nline", '" lead\\nline"'),
        ("\r\n", '"\\r\\n"'),
        (5, "5"),
        (1.5, "1.5"),
        (False, "false"),
        (None, "null"),
        ([], "[]"),
        ({}, "{}"),
        (["yes", 1, "a, b"], "['yes', 1, 'a, b']"),
    ],
)
def test_values_are_rendered_so_that_they_read_back(value: object, rendered: str) -> None:
    assert set_field("k: old  # c\n", (), "k", value) == f"k: {rendered}  # c\n"


def test_keys_are_quoted_when_they_need_it() -> None:
    assert set_field("a: 1\n", (), "Owner: team", "x") == "a: 1\n'Owner: team': x\n"


# -- remove_field ---------------------------------------------------------------------


def test_remove_a_key_takes_its_lines() -> None:
    assert remove_field(CASE, ("cases", 0), "description") == CASE.replace(
        "    description: |\r\n      Two\r\n      lines\r\n", ""
    )


def test_remove_the_first_key_of_an_item_moves_the_next_one_up() -> None:
    assert remove_field(CASE, ("cases", 0), "title") == CASE.replace(
        "title: Login works  # short\r\n    tags", "tags"
    )


def test_remove_the_last_key_of_a_block_mapping_keeps_the_comment_after_it() -> None:
    assert remove_field(CASE, ("cases", 0), "steps") == CASE.replace(
        "    steps:\r\n        - action: Open /login\r\n"
        "          expected_result: The form is shown\r\n",
        "",
    )


@pytest.mark.parametrize(
    ("before", "key", "after"),
    [
        ("{a: 1, b: 2, c: 3}\n", "a", "{b: 2, c: 3}\n"),
        ("{a: 1, b: 2, c: 3}\n", "b", "{a: 1, c: 3}\n"),
        ("{a: 1, b: 2, c: 3}\n", "c", "{a: 1, b: 2}\n"),
        ("{a: 1}\n", "a", "{}\n"),
        ("a: 1\n", "a", "{}\n"),
        ("a:\nb: 2\n", "a", "b: 2\n"),
    ],
)
def test_remove_in_small_documents(before: str, key: str, after: str) -> None:
    assert remove_field(before, (), key) == after


def test_remove_an_absent_key_changes_nothing() -> None:
    assert remove_field(CASE, ("cases", 0), "preconditions") == CASE


# -- append_item ----------------------------------------------------------------------


def test_append_a_case_in_the_style_of_the_others() -> None:
    item = {"title": "New: case", "tags": ["x"], "steps": [{"action": "Go"}]}

    assert append_item(CASE, ("cases",), item) == CASE.replace(
        "  - {title: Flow case, steps: []}\r\n",
        "  - {title: Flow case, steps: []}\r\n"
        "  - title: 'New: case'\r\n"
        "    tags: [x]\r\n"
        "    steps:\r\n"
        "        - action: Go\r\n",
    )


def test_append_takes_nested_indentation_from_the_first_item() -> None:
    text = "cases:\n- title: a\n  description: |\n      deep\n  steps:\n  - action: x\n"
    item = {"title": "b", "description": "one\ntwo\n", "steps": [{"action": "z"}]}

    assert append_item(text, ("cases",), item) == text + (
        "- title: b\n  description: |\n      one\n      two\n  steps:\n  - action: z\n"
    )


def test_append_follows_the_offset_after_the_dash() -> None:
    text = "cases:\n-   title: a\n    tags: []\n# end\n"

    assert append_item(text, ("cases",), {"title": "b"}) == (
        "cases:\n-   title: a\n    tags: []\n-   title: b\n# end\n"
    )


def test_append_to_a_flow_list() -> None:
    assert append_item("steps: [ {action: a} ]\n", ("steps",), {"action": "b"}) == (
        "steps: [ {action: a}, {action: b} ]\n"
    )


@pytest.mark.parametrize("empty", ["[]", ""])
def test_append_to_an_empty_list_makes_a_block_list(empty: str) -> None:
    text = f"cases: {empty}\n".replace(" \n", "\n")

    assert append_item(text, ("cases",), {"title": "a"}) == "cases:\n  - title: a\n"


def test_append_to_a_mapping_is_an_error() -> None:
    with pytest.raises(WriteBackError, match=r"^settings is not a list$"):
        append_item(CASE, ("settings",), {"a": 1})


# -- properties -----------------------------------------------------------------------

SCALARS = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=10), inner, max_size=3),
    ),
    max_leaves=8,
)
BEFORE = "# head\r\nitems:\r\n  - name: a  # first\r\n    value: "
AFTER = "\r\n  - name: b\r\n    other: [1,  2]   # tail\r\n"


@settings(max_examples=150, deadline=None)
@given(value=VALUES)
def test_set_field_keeps_the_bytes_around_the_value(value: object) -> None:
    text = BEFORE + "old" + AFTER

    result = set_field(text, ("items", 0), "value", value)

    assert result.startswith(BEFORE[: BEFORE.rindex(":") + 1])
    assert result.endswith(AFTER)
    assert _load(result)["items"][0]["value"] == _load_plain(value)


@settings(max_examples=100, deadline=None)
@given(item=st.dictionaries(st.text(min_size=1, max_size=10), VALUES, min_size=1, max_size=4))
def test_append_item_keeps_the_text_before_it(item: dict[str, object]) -> None:
    text = BEFORE + "old" + AFTER

    result = append_item(text, ("items",), item)

    assert result.startswith(text)
    assert _load(result)["items"][2] == _load_plain(item)


def _load_plain(value: object) -> Any:
    if isinstance(value, dict):
        return {key: _load_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_load_plain(item) for item in value]
    return value


# Item layouts before and after `id` is assigned ({d}: the dashes' indentation, {e}: line end).
LAYOUTS = [
    (
        "{d}- title: t{n}{e}{d}  tags: [a,  b]{e}",
        "{d}- id: {id}{e}{d}  title: t{n}{e}{d}  tags: [a,  b]{e}",
    ),
    ("{d}-   title: t{n}  # c{e}", "{d}-   id: {id}{e}{d}    title: t{n}  # c{e}"),
    (
        "{d}-{e}{d}  # c{e}{d}  title: t{n}{e}",
        "{d}-{e}{d}  # c{e}{d}  id: {id}{e}{d}  title: t{n}{e}",
    ),
    ("{d}- {{title: t{n}, steps: [ ]}}{e}", "{d}- {{id: {id}, title: t{n}, steps: [ ]}}{e}"),
    ("{d}- id: 0  # old{e}{d}  title: t{n}{e}", "{d}- id: {id}  # old{e}{d}  title: t{n}{e}"),
    ("{d}- title: |{e}{d}    line{e}{e}", "{d}- id: {id}{e}{d}  title: |{e}{d}    line{e}{e}"),
]


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(
        st.tuples(st.integers(0, len(LAYOUTS) - 1), st.booleans()), min_size=1, max_size=8
    ),
    eol=st.sampled_from(["\n", "\r\n"]),
    indent=st.sampled_from(["", "  ", "    "]),
    head=st.sampled_from(["", "# yaml-language-server: $schema=x.json{e}---{e}", "\ufeff# c{e}"]),
)
def test_assign_inserts_exactly_one_line_per_id(
    items: list[tuple[int, bool]], eol: str, indent: str, head: str
) -> None:
    before = [head.format(e=eol), "cases:" + eol]
    after = list(before)
    assignments: list[tuple[tuple[str | int, ...], str, object]] = []
    for n, (layout, assigned) in enumerate(items):
        old, new = LAYOUTS[layout]
        before.append(old.format(d=indent, e=eol, n=n))
        after.append((new if assigned else old).format(d=indent, e=eol, n=n, id=100 + n))
        if assigned:
            assignments.append((("cases", n), "id", 100 + n))

    assert assign_keys("".join(before), assignments) == "".join(after)


# -- aliases ---------------------------------------------------------------------------

ALIASED = "cases:\n  - title: a\n    tags: &t [x]\n  - title: b\n    tags: *t\n"


def test_set_a_value_that_is_an_alias_is_refused() -> None:
    with pytest.raises(WriteBackError, match=r"^the value of tags is an alias; edit it by hand$"):
        set_field(ALIASED, ("cases", 1), "tags", ["y"])


def test_remove_a_value_that_is_an_alias_is_refused() -> None:
    with pytest.raises(WriteBackError, match=r"^the value of tags is an alias; edit it by hand$"):
        remove_field(ALIASED, ("cases", 1), "tags")


def test_add_a_key_after_an_alias_is_refused() -> None:
    with pytest.raises(WriteBackError, match=r"^the value of tags is an alias; edit it by hand$"):
        set_field(ALIASED, ("cases", 1), "flaky", True)


def test_append_after_an_aliased_item_is_refused() -> None:
    text = "steps:\n  - &s {action: a}\n  - *s\n"

    with pytest.raises(
        WriteBackError, match=r"^the list at line 2 ends with an alias; edit it by hand$"
    ):
        append_item(text, ("steps",), {"action": "b"})


def test_assign_next_to_an_alias_works() -> None:
    assert assign_keys(ALIASED, [(("cases", 1), "id", 2)]) == ALIASED.replace(
        "  - title: b\n", "  - id: 2\n    title: b\n"
    )


def test_a_value_yaml_cannot_hold_is_refused() -> None:
    with pytest.raises(WriteBackError, match=r"^cannot write a bytes into YAML$"):
        set_field("a: 1\n", (), "a", b"raw")


def test_assign_to_an_item_that_is_an_alias_of_the_one_before_is_refused() -> None:
    with pytest.raises(WriteBackError, match=r"^cases\[1\] is an alias; edit its anchor instead$"):
        assign_keys("cases:\n  - &c {title: a}\n  - *c\n", [(("cases", 1), "id", 2)])


# -- missing parents ---------------------------------------------------------------------


def test_set_under_a_missing_key_adds_the_mapping() -> None:
    assert set_field("- title: x\n", (0, "custom_fields"), "Owner", "bob") == (
        "- title: x\n  custom_fields:\n    Owner: bob\n"
    )


def test_append_to_a_missing_list_adds_it() -> None:
    assert append_item("# new file\n", ("cases",), {"title": "x"}) == (
        "# new file\ncases:\n  - title: x\n"
    )


def test_set_under_a_missing_key_of_a_missing_mapping_is_an_error() -> None:
    with pytest.raises(WriteBackError, match=r"^nothing at \[0\]\.a$"):
        set_field("- title: x\n", (0, "a", "b"), "c", 1)


# -- several changes at once -----------------------------------------------------------


def test_changes_to_separate_places_share_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    parse = Mock(wraps=yamlspans.parse)
    monkeypatch.setattr(yamlspans, "parse", parse)
    changes: list[yamledit.Edit] = [
        SetField(("cases", 0), "title", "Renamed"),
        RemoveField(("cases", 0), "tags"),
        SetField(("cases", 1), "status", "deprecated"),
        AppendItem(("cases",), {"title": "New"}),
    ]

    result = apply_edits(CASE, changes)

    assert parse.call_count == 1
    assert result == (
        CASE.replace("title: Login works", "title: Renamed")
        .replace("    tags: [ auth ,smoke ]\r\n", "")
        .replace("steps: []}", "steps: [], status: deprecated}")
        .replace("settings: 1", "  - title: New\r\nsettings: 1")
    )


@pytest.mark.parametrize(
    "changes",
    [
        [AppendItem(("cases",), {"title": "New"}), SetField(("cases", 2), "flaky", False)],
        [SetField((), "extra", {"a": 1}), SetField(("extra",), "b", 2)],
        [SetField(("cases", 0), "tags", ["x"]), RemoveField(("cases", 0), "tags")],
    ],
)
def test_changes_that_interfere_are_made_one_after_another(changes: list[yamledit.Edit]) -> None:
    one_by_one = CASE
    for change in changes:
        one_by_one = apply_edits(one_by_one, [change])

    assert apply_edits(CASE, changes) == one_by_one


# -- remove_item ----------------------------------------------------------------------

LISTED = (
    "# head\r\n"
    "cases:  # the list\r\n"
    "  - id: 1\r\n"
    "    title: a   # first\r\n"
    "\r\n"
    "  # the second\r\n"
    "  - id: 2\r\n"
    "    steps:\r\n"
    "      - action: x\r\n"
    "  - {id: 3, title: c}\r\n"
    "other: 1\r\n"
)


@pytest.mark.parametrize(
    ("index", "gone"),
    [
        (0, "  - id: 1\r\n    title: a   # first\r\n"),
        (1, "  - id: 2\r\n    steps:\r\n      - action: x\r\n"),
        (2, "  - {id: 3, title: c}\r\n"),
    ],
)
def test_remove_an_item_takes_its_lines_and_keeps_the_comments_around_it(
    index: int, gone: str
) -> None:
    assert remove_item(LISTED, ("cases", index)) == LISTED.replace(gone, "")


@pytest.mark.parametrize(
    ("before", "index", "after"),
    [
        ("cases:\n- id: 1\n  title: a\n# end\n", 0, "cases: []\n# end\n"),
        ("cases:  # c\n  - id: 1\n", 0, "cases: []  # c\n"),
        ("cases: [a, b, c]\n", 1, "cases: [a, c]\n"),
        ("cases: [a, b, c]\n", 2, "cases: [a, b]\n"),
        ("cases: [{id: 1}]\n", 0, "cases: []\n"),
    ],
)
def test_remove_the_last_item_leaves_an_empty_list(before: str, index: int, after: str) -> None:
    assert remove_item(before, ("cases", index)) == after


def test_remove_an_item_that_is_not_there_is_an_error() -> None:
    with pytest.raises(WriteBackError, match=r"^nothing at cases\[3\]$"):
        remove_item(LISTED, ("cases", 3))


def test_remove_an_item_whose_anchor_is_used_later_is_refused() -> None:
    with pytest.raises(WriteBackError, match="would not parse"):
        remove_item("cases:\n  - &a {id: 1}\n  - *a\n", ("cases", 0))


def test_remove_and_append_in_one_batch_keep_the_indexes_of_the_text_before() -> None:
    changes: list[yamledit.Edit] = [
        RemoveItem(("cases", 0)),
        SetField(("cases", 1), "title", "b"),
        RemoveItem(("cases", 2)),
        AppendItem(("cases",), {"id": 5, "title": "new"}),
    ]
    assert apply_edits(LISTED, changes) == (
        "# head\r\ncases:  # the list\r\n\r\n  # the second\r\n  - id: 2\r\n"
        "    steps:\r\n      - action: x\r\n    title: b\r\n  - id: 5\r\n    title: new\r\n"
        "other: 1\r\n"
    )


def test_remove_the_only_item_and_append_another() -> None:
    changes: list[yamledit.Edit] = [RemoveItem(("cases", 0)), AppendItem(("cases",), {"id": 2})]
    assert apply_edits("cases:\n- id: 1\n", changes) == "cases:\n- id: 2\n"


def test_value_at_reads_an_item_with_changes_made() -> None:
    changes: list[SetField | RemoveField] = [
        SetField(("cases", 1), "title", "b"),
        RemoveField(("cases", 1), "steps"),
    ]
    assert value_at(LISTED, ("cases", 1), changes) == {"id": 2, "title": "b"}
    assert value_at(LISTED, ("cases", 1)) == {"id": 2, "steps": [{"action": "x"}]}
