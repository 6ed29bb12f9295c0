"""The three-way comparison and the base record, unit by unit (docs/design.md §11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qasesync.apply.ledger import Ledger
from qasesync.errors import ConfigError
from qasesync.model import Base, SharedStep, Step
from qasesync.plans.normalise import steps_data, steps_key, steps_view, steps_view_of_data
from qasesync.plans.plan import Change, Plan
from qasesync.plans.threeway import (
    Layered,
    Packed,
    Record,
    Sides,
    classify,
    data,
    field_key,
    merged_items,
    resolve_new,
    updated,
)
from qasesync.tree.base import BASE_FILE, parse_base, read_base, render_base, write_base


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("title", "title"),
        ("steps[2].steps[1].action", "steps"),
        ("custom_fields.Owner", "custom_fields.Owner"),
        ("parameters.browser", "parameters.browser"),
        ("tags", "tags"),
    ],
)
def test_a_display_path_belongs_to_one_field(path: str, key: str) -> None:
    assert field_key(path) == key


def test_each_difference_is_attributed_to_the_side_that_left_the_base() -> None:
    base = {"title": "a", "priority": "high", "severity": "major", "layer": "e2e"}
    tree = {"title": "b", "priority": "high", "severity": "minor", "layer": "api"}
    live = {"title": "a", "priority": "low", "severity": "blocker", "layer": "api"}
    keys = ["title", "priority", "severity"]  # layer: both sides made the same change
    assert classify(keys, tree, live, base) == Sides(
        changed=frozenset({"title"}),
        drift=frozenset({"priority"}),
        conflict=frozenset({"severity"}),
    )


def test_without_a_base_every_difference_is_the_trees() -> None:
    sides = classify(["title"], {"title": "b"}, {"title": "a"}, None)
    assert sides == Sides(changed=frozenset({"title"}))


def test_a_field_emptied_on_one_side_is_that_sides_change() -> None:
    # Empty values are left out of the synced form: absent equals empty.
    assert classify(["description"], {}, {"description": "x"}, {}) == Sides(
        drift=frozenset({"description"})
    )


def test_tags_are_never_a_conflict_both_sides_edits_merge() -> None:
    sides = classify(["tags"], {"tags": ["a"]}, {"tags": ["a", "b", "c"]}, {"tags": ["a", "b"]})
    assert sides == Sides(changed=frozenset({"tags"}), drift=frozenset({"tags"}))
    # The tree removed b, Qase added c: both hold.
    assert merged_items(["a"], ["a", "b", "c"], ["a", "b"]) == ["a", "c"]
    assert merged_items(["x", "a"], ["a", "y"], ["a"]) == ["x", "a", "y"]


def test_records_set_merge_and_forget_entities() -> None:
    base = Base(cases={1: {"title": "a", "priority": "high"}, 2: {"title": "b"}})
    after = updated(
        base,
        [
            Record("case", 1, {"priority": None, "severity": "major"}, merge=True),
            Record("case", 2, None),
            Record("case", 3, {"title": "c"}),
        ],
    )
    assert after.cases == {1: {"title": "a", "severity": "major"}, 3: {"title": "c"}}


def test_records_of_a_base_read_from_its_file_are_not_parsed_to_be_updated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = parse_base(
        b'{"qasesync_base":1}\n{"case_id":1,"title":"a"}\n{"case_id":2,"title":"b"}\n'
    )
    parsed: list[str] = []
    real_loads = json.loads

    def loads(text: str) -> object:
        parsed.append(text)
        return real_loads(text)

    monkeypatch.setattr(json, "loads", loads)

    after = updated(base, [Record("case", 3, {"title": "c"}), Record("case", 2, None)])

    assert parsed == []
    assert dict(after.cases) == {1: {"title": "a"}, 3: {"title": "c"}}
    assert (len(after.cases), 2 in after.cases) == (2, False)


def test_a_layered_mapping_sets_and_removes_without_touching_what_it_layers() -> None:
    under = {1: {"title": "a"}, 2: {"title": "b"}}
    layered = Layered(under)
    layered[2] = {"title": "B"}
    del layered[1]
    layered[1] = {"title": "again"}
    del layered[2]

    assert dict(layered) == {1: {"title": "again"}} and len(layered) == 1
    assert under == {1: {"title": "a"}, 2: {"title": "b"}}
    with pytest.raises(KeyError):
        layered[2]
    with pytest.raises(KeyError):
        del layered[2]


def test_packed_fields_unpack_to_what_was_packed() -> None:
    fields = {"title": "Paiement réussi", "steps": [["Open", "", "", []]], "flaky": True, "n": 1.5}
    packed = Packed(fields)

    assert packed == fields and dict(packed.items()) == fields and len(packed) == 3 + 1
    assert (packed["title"], list(packed)) == ("Paiement réussi", list(fields))
    assert packed.unpacked() is not packed.unpacked()  # nothing unpacked is kept


def test_a_record_written_from_packed_fields_is_the_same_line(tmp_path: Path) -> None:
    fields = {"title": "b", "suite": "#3", "tags": ["x"]}
    packed = updated(None, [Record("case", 12, Packed(fields))])

    assert write_base(tmp_path, packed, None)
    assert (tmp_path / BASE_FILE).read_bytes() == render_base(Base(cases={12: fields}))


def test_references_to_what_apply_created_get_their_ids() -> None:
    fields = {
        "suite": "(new) cart/checkout",
        "steps": [["shared", "(new) sign-in"], ["Open", "", "", [["shared", "abc"]]]],
    }
    assert resolve_new(fields, {"cart/checkout": 7}, {"sign-in": "f00"}) == {
        "suite": "#7",
        "steps": [["shared", "f00"], ["Open", "", "", [["shared", "abc"]]]],
    }


def test_the_record_file_is_one_sorted_line_per_entity_and_reads_back(tmp_path: Path) -> None:
    base = Base(
        cases={12: {"title": "b", "suite": "#3"}, 2: {"title": "a", "tags": ["x"]}},
        suites={3: {"title": "Cart"}},
    )
    text = render_base(base).decode("utf-8")
    assert text == (
        '{"qasesync_base":1}\n'
        '{"suite_id":3,"title":"Cart"}\n'
        '{"case_id":2,"tags":["x"],"title":"a"}\n'
        '{"case_id":12,"suite":"#3","title":"b"}\n'
    )
    assert write_base(tmp_path, base, None)
    read, data = read_base(tmp_path)
    assert read == base and data == text.encode("utf-8")
    assert not write_base(tmp_path, base, data)  # unchanged: not written again


def test_case_records_are_read_from_their_lines_when_asked_for() -> None:
    data = (
        b'{"qasesync_base":1}\r\n{"case_id":7,"title":"a","steps":[["Open","","",[]]]}\r\n'
        b'\n{"case_id":3,"tags":["x"]}'
    )
    cases = parse_base(data).cases
    assert (len(cases), list(cases), 7 in cases, 8 in cases) == (2, [7, 3], True, False)
    assert cases[7] == {"title": "a", "steps": [["Open", "", "", []]]} and cases.get(8) is None
    assert repr(cases) == "{7: {'title': 'a', 'steps': [['Open', '', '', []]]}, 3: {'tags': ['x']}}"


def test_no_record_file_means_no_base(tmp_path: Path) -> None:
    assert read_base(tmp_path) == (None, None)


def test_an_entity_on_two_lines_after_a_merge_has_no_base() -> None:
    data = (
        b'{"qasesync_base":1}\n{"case_id":1,"title":"a"}\n'
        b'{"case_id":1,"title":"b"}\n{"case_id":2,"title":"c"}\n'
    )
    base = parse_base(data)
    assert base.cases == {2: {"title": "c"}} and base.unsure == (("case", 1),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"qasesync_base":2}\n', f"{BASE_FILE}:1: expected the header"),
        (b'{"qasesync_base":1}\n[1]\n', f"{BASE_FILE}:2: not a JSON object"),
        (b'{"qasesync_base":1}\n{"case_id":1\n', f"{BASE_FILE}:2: not a JSON object"),
        (b'{"qasesync_base":1}\n{"title":"a"}\n', f"{BASE_FILE}:2: a line names one entity"),
        (b'{"qasesync_base":1}\n{"case_id":"1"}\n', f"{BASE_FILE}:2: `case_id` must be int"),
        (b"\xff\n", f"{BASE_FILE}: not UTF-8"),
        (
            b'{"qasesync_base":1}\n{"shared_step_hash":"a\\u001b[2J"}\n',
            f"{BASE_FILE}:2: `shared_step_hash` must be a shared step's hash",
        ),
        (b'{"qasesync_base":1}\n{"case_id":1,"x\\u001b":{}}\n', f'{BASE_FILE}:2: "x\\u001b" must'),
        (b'{"qasesync_base":1}\n{"case_id":1,"tags":5}\n', f'{BASE_FILE}:2: "tags" must be'),
        (b'{"qasesync_base":1}\n{"case_id":1,"tags":[["x"]]}\n', f'{BASE_FILE}:2: "tags"'),
        (b'{"qasesync_base":1}\n{"case_id":1,"steps":[[1]]}\n', f'{BASE_FILE}:2: "steps"'),
        (b'{"qasesync_base":1}\n{"case_id":1,"title":{}}\n', f'{BASE_FILE}:2: "title" must'),
    ],
)
def test_a_broken_record_is_an_error_naming_its_line(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_base(data)
    assert str(raised.value).startswith(message)


def test_a_shared_step_update_that_moved_its_hash_moves_its_record() -> None:
    live = SharedStep(key="old", title="Sign in", hash="old")
    change = Change(
        "update",
        "shared_step",
        "Sign in",
        desired=SharedStep(key="sign-in", title="Sign in"),
        live=live,
        synced={"title": "Sign in"},
    )
    ledger = Ledger(Plan("DEMO", changes=(change,)), None)
    ledger.record(change, "new", "shared steps")
    assert ledger.report.synced == [
        Record("shared_step", "old", None),
        Record("shared_step", "new", {"title": "Sign in"}),
    ]


def test_recorded_steps_read_back_as_the_steps_a_diff_shows() -> None:
    steps = (
        Step("shared", "an action that is the word", steps=(Step("workspace", "x"),)),
        Step(shared="login"),
        Step(workspace="ws1"),
        Step("Open", data="page"),
    )
    ref = {"login": "abc"}.__getitem__
    assert steps_view_of_data(steps_data(steps, ref)) == steps_view(steps, ref)


def test_the_synced_steps_are_the_compared_steps_as_plain_data() -> None:
    steps = (
        Step(" Open ", "page", steps=(Step("inner", data="x"),)),
        Step(shared="login"),
        Step(workspace="ws1", steps=(Step("read only"),)),
    )
    ref = {"login": "abc"}.__getitem__
    assert steps_data(steps, ref) == data(steps_key(steps, ref))
    assert steps_data(steps, ref) == [
        ["Open", "page", "", [["inner", "", "x", []]]],
        ["shared", "abc"],
        ["workspace", "ws1"],
    ]
    assert isinstance(steps_key(steps, ref)[0][3], tuple)
