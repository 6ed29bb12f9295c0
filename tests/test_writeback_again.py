"""The write-back record (`apply --record`) and `qasesync writeback`, which writes it into a
tree that others edited since (docs/design.md §7)."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit.apply import copy_cases, on_socket, shop_emulator
from kit.apply import run_cli as run

from qasesync.emulator import Emulator
from qasesync.errors import ConfigError
from qasesync.tree.idplace import Placement, place
from qasesync.tree.idrecord import (
    BaseEntry,
    WriteRecord,
    Written,
    parse_record,
    render_record,
)
from qasesync.tree.load import load_tree

PAYMENTS = "checkout/payments.yaml"


def tree_of(root: Path, files: dict[str, str]) -> Path:
    """A tree of project SHOP holding ``files``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "qasesync.yaml").write_text("project: SHOP\n", encoding="utf-8")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def case(
    title: str, index: int, value: int, *, file: str = PAYMENTS, old: int | None = None
) -> Written:
    folder = file.rpartition("/")[0] or None
    return Written("case", title, folder, file, ("cases", index), 2 + 2 * index, "id", value, old)


def placed(root: Path, *written: Written) -> Placement:
    return place(load_tree(root), written)


def where(placement: Placement) -> list[tuple[int | str, str, tuple[str | int, ...], str]]:
    return [(p.item.value, p.now.file, p.now.path, p.note) for p in placement.placed]


CARD = case("Pay by card", 0, 11)
VOUCHER = case("Pay by voucher", 1, 12)


# --- finding the entity again -------------------------------------------------------------


def test_an_id_goes_to_the_entity_at_its_place_with_its_title(tmp_path: Path) -> None:
    root = tree_of(
        tmp_path, {PAYMENTS: "cases:\n  - title: Pay by card\n  - title: Pay by voucher\n"}
    )
    assert where(placed(root, CARD, VOUCHER)) == [
        (11, PAYMENTS, ("cases", 0), ""),
        (12, PAYMENTS, ("cases", 1), ""),
    ]


def test_a_case_reordered_in_its_file_is_found_by_its_title(tmp_path: Path) -> None:
    text = "cases:\n  - title: Gift card\n  - title: Pay by voucher\n  - title: Pay by card\n"
    root = tree_of(tmp_path, {PAYMENTS: text})
    assert where(placed(root, CARD, VOUCHER)) == [
        (11, PAYMENTS, ("cases", 2), "reordered"),
        (12, PAYMENTS, ("cases", 1), ""),
    ]


def test_a_case_moved_to_another_file_of_its_folder_is_found_there(tmp_path: Path) -> None:
    root = tree_of(
        tmp_path,
        {
            PAYMENTS: "cases:\n  - title: Pay by card\n",
            "checkout/vouchers.yaml": "cases:\n  - id: 3\n    title: Gift\n"
            "  - title: Pay by voucher\n",
        },
    )
    assert where(placed(root, CARD, VOUCHER)) == [
        (11, PAYMENTS, ("cases", 0), ""),
        (12, "checkout/vouchers.yaml", ("cases", 1), f"moved from {PAYMENTS}"),
    ]


def test_a_case_moved_to_another_folder_is_left_out(tmp_path: Path) -> None:
    root = tree_of(
        tmp_path,
        {
            PAYMENTS: "cases:\n  - title: Pay by card\n",
            "cart/c.yaml": "cases:\n  - title: Pay by voucher\n",
        },
    )
    placement = placed(root, CARD, VOUCHER)
    assert [p.item.value for p in placement.placed] == [11]
    assert [(o.item.value, o.reason) for o in placement.left_out] == [
        (12, f"no case of this title in checkout/, and none retitled at cases[1] of {PAYMENTS}")
    ]


def test_a_retitled_case_takes_the_id_as_the_only_one_of_its_file_without_one(
    tmp_path: Path,
) -> None:
    text = "cases:\n  - title: Pay by card\n  - title: Pay with a voucher\n  - id: 5\n"
    text += "    title: Cash\n"
    root = tree_of(tmp_path, {PAYMENTS: text})
    placement = placed(root, VOUCHER, CARD)
    assert where(placement) == [
        (12, PAYMENTS, ("cases", 1), "retitled from 'Pay by voucher'"),
        (11, PAYMENTS, ("cases", 0), ""),
    ]
    assert placement.placed[0].now.title == "Pay with a voucher"


def test_a_retitled_case_is_left_out_beside_another_case_without_an_id(tmp_path: Path) -> None:
    text = "cases:\n  - title: Pay by card\n  - title: Pay with a voucher\n  - title: Cash\n"
    root = tree_of(tmp_path, {PAYMENTS: text})
    placement = placed(root, CARD, VOUCHER)
    assert [p.item.value for p in placement.placed] == [11]
    assert [o.item.value for o in placement.left_out] == [12]


def test_a_deleted_case_is_left_out_saying_where_it_was(tmp_path: Path) -> None:
    root = tree_of(tmp_path, {PAYMENTS: "cases:\n  - title: Pay by card\n"})
    [left] = placed(root, CARD, VOUCHER).left_out
    assert left.item is VOUCHER
    assert left.item.place == f"{PAYMENTS}:4 (cases[1])"
    assert left.reason == (
        f"no case of this title in checkout/, and none retitled at cases[1] of {PAYMENTS}"
    )


def test_an_entity_that_carries_the_id_already_needs_nothing(tmp_path: Path) -> None:
    text = "cases:\n  - title: Pay by card\n  - id: 12\n    title: Pay by voucher (renamed)\n"
    root = tree_of(tmp_path, {PAYMENTS: text})
    placement = placed(root, CARD, VOUCHER)
    assert [(p.item.value, p.now.path) for p in placement.present] == [(12, ("cases", 1))]
    assert where(placement) == [(11, PAYMENTS, ("cases", 0), "")]


def test_an_entity_at_its_place_carrying_another_id_is_an_error(tmp_path: Path) -> None:
    text = "cases:\n  - id: 7\n    title: Pay by card\n  - title: Pay by voucher\n"
    root = tree_of(tmp_path, {PAYMENTS: text})
    placement = placed(root, CARD, VOUCHER)
    assert [(o.item.value, o.reason) for o in placement.left_out] == [
        (11, f"{PAYMENTS}:2:5 carries id 7")
    ]
    assert where(placement) == [(12, PAYMENTS, ("cases", 1), "")]


def test_a_stale_id_the_write_replaced_is_replaced_again(tmp_path: Path) -> None:
    text = "cases:\n  - id: 7\n    title: Pay by card\n"
    root = tree_of(tmp_path, {PAYMENTS: text})
    stale = case("Pay by card", 0, 11, old=7)
    assert where(placed(root, stale)) == [(11, PAYMENTS, ("cases", 0), "")]


def test_two_entities_that_could_take_the_id_leave_the_item_out(tmp_path: Path) -> None:
    root = tree_of(
        tmp_path,
        {
            PAYMENTS: "cases:\n  - title: Pay by card\n",
            "checkout/a.yaml": "cases:\n  - id: 7\n    title: Pay by voucher\n",
            "checkout/b.yaml": "cases:\n  - title: Pay by voucher\n",
        },
    )
    stale = case("Pay by voucher", 1, 12, old=7)
    [left] = placed(root, CARD, stale).left_out
    assert left.reason == (
        "2 entities of this title without id: checkout/a.yaml:2:5, checkout/b.yaml:2:5"
    )


def test_a_suite_is_found_by_its_folder_also_retitled(tmp_path: Path) -> None:
    root = tree_of(
        tmp_path,
        {
            "checkout/suite.yaml": "title: Paying\n",
            PAYMENTS: "cases: []\n",
            "cart/c.yaml": "cases: []\n",
        },
    )
    checkout = Written("suite", "checkout", "checkout", "checkout/suite.yaml", (), 0, "id", 4)
    cart = Written("suite", "cart", "cart", "cart/suite.yaml", (), 0, "id", 5)
    assert where(placed(root, checkout, cart)) == [
        (4, "checkout/suite.yaml", (), "retitled from 'checkout'"),
        (5, "cart/suite.yaml", (), ""),
    ]


def test_a_suite_whose_folder_is_gone_is_left_out(tmp_path: Path) -> None:
    root = tree_of(tmp_path, {"cart/c.yaml": "cases: []\n"})
    checkout = Written("suite", "checkout", "checkout", "checkout/suite.yaml", (), 0, "id", 4)
    [left] = placed(root, checkout).left_out
    assert left.reason == "no folder checkout/, and no suite of this title in the tree root"


def test_a_shared_step_moved_to_another_shared_steps_file_gets_its_new_hash(
    tmp_path: Path,
) -> None:
    step = "  - key: {key}\n    {hash}title: {title}\n    steps:\n      - action: Sign in\n"
    root = tree_of(
        tmp_path,
        {
            "shared_steps.yaml": "shared_steps:\n" + step.format(key="a", hash="", title="Other"),
            "shared_steps/auth.yaml": "shared_steps:\n"
            + step.format(key="b", hash="hash: old1\n    ", title="Sign in"),
        },
    )
    updated = Written(
        "shared_step",
        "Sign in",
        None,
        "shared_steps.yaml",
        ("shared_steps", 1),
        6,
        "hash",
        "new2",
        "old1",
    )
    assert where(placed(root, updated)) == [
        ("new2", "shared_steps/auth.yaml", ("shared_steps", 0), "moved from shared_steps.yaml")
    ]


# --- the record as JSON ---------------------------------------------------------------------

RECORD = WriteRecord(
    "SHOP",
    (PAYMENTS, "qasesync.base.jsonl"),
    (CARD, Written("suite", "checkout", "checkout", "checkout/suite.yaml", (), 0, "id", 4)),
    (BaseEntry("case", 11, {"title": "Pay by card", "tags": ["x"]}), BaseEntry("case", 9, None)),
)


def test_a_record_reads_back_as_it_was_written() -> None:
    text = render_record(RECORD)
    assert parse_record(text, "r.json") == RECORD
    assert text.splitlines()[:3] == [
        '{"qasesync_writeback": 1,',
        ' "project": "SHOP",',
        ' "files": ["checkout/payments.yaml", "qasesync.base.jsonl"],',
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "r.json: not a write-back record (no 'qasesync_writeback' version)"),
        (
            '{"qasesync_writeback": 2}',
            "r.json: not a write-back record (version 2; this qasesync reads version 1)",
        ),
        ('{"qasesync_writeback": 1}', "r.json: not a write-back record (no 'project')"),
        (
            "{",
            "r.json: not a write-back record (Expecting property name enclosed in double "
            "quotes: line 1 column 2 (char 1))",
        ),
    ],
)
def test_what_is_no_record_is_refused_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_record(text, "r.json")
    assert str(caught.value) == message


# --- the command ----------------------------------------------------------------------------


def save(path: Path, record: WriteRecord) -> Path:
    path.write_text(render_record(record), encoding="utf-8")
    return path


def test_writeback_writes_the_ids_and_merges_the_base_lines_the_recorded_ones_winning(
    tmp_path: Path,
) -> None:
    root = tree_of(
        tmp_path / "cases",
        {
            PAYMENTS: "cases:\n  - title: Pay by card  # the card\n  - title: Pay with a voucher\n",
            "qasesync.base.jsonl": '{"qasesync_base":1}\n{"case_id":9,"title":"Old"}\n'
            '{"case_id":10,"title":"Kept"}\n{"case_id":11,"title":"Stale"}\n',
        },
    )
    record = WriteRecord(
        "SHOP",
        (),
        (CARD, VOUCHER),
        (
            BaseEntry("case", 11, {"title": "Pay by card"}),
            BaseEntry("case", 12, {"title": "Pay by voucher"}),
            BaseEntry("case", 9, None),
        ),
    )
    code, text = run(
        "writeback",
        str(save(tmp_path / "r.json", record)),
        str(root),
        "--record",
        str(tmp_path / "again.json"),
    )
    assert code == 0
    assert text == (
        f"+ case 'Pay by card' (id: 11): {PAYMENTS}:2 (cases[0])\n"
        f"+ case 'Pay with a voucher' (id: 12): {PAYMENTS}:3 (cases[1]), "
        "retitled from 'Pay by voucher'\n"
        "Wrote 2 ids back into 1 file:\n"
        f"  {PAYMENTS}\n"
        "Merged the lines of 3 entities into qasesync.base.jsonl.\n"
    )
    assert (root / PAYMENTS).read_text() == (
        "cases:\n  - id: 11\n    title: Pay by card  # the card\n"
        "  - id: 12\n    title: Pay with a voucher\n"
    )
    assert (root / "qasesync.base.jsonl").read_text() == (
        '{"qasesync_base":1}\n{"case_id":10,"title":"Kept"}\n'
        '{"case_id":11,"title":"Pay by card"}\n{"case_id":12,"title":"Pay by voucher"}\n'
    )
    again = parse_record((tmp_path / "again.json").read_text(), "again.json")
    assert again.files == (PAYMENTS, "qasesync.base.jsonl")
    assert [(w.title, w.value) for w in again.written] == [
        ("Pay by card", 11),
        ("Pay with a voucher", 12),
    ]

    # A second time there is nothing left to write.
    code, text = run("writeback", str(tmp_path / "r.json"), str(root))
    assert (code, text.splitlines()[-1]) == (0, "No id or hash to write back.")


def test_writeback_writes_what_has_a_place_and_exits_1_naming_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree_of(tmp_path / "cases", {PAYMENTS: "cases:\n  - title: Pay by card\n"})
    record = save(tmp_path / "r.json", WriteRecord("SHOP", (), (CARD, VOUCHER), ()))
    out = io.StringIO()
    from qasesync.cli import main

    assert main(["writeback", str(record), str(root)], out=out) == 1
    assert "id: 11" in (root / PAYMENTS).read_text()
    assert capsys.readouterr().err == (
        f"error: case 'Pay by voucher' (id: 12), at {PAYMENTS}:4 (cases[1]) when apply wrote it: "
        f"no case of this title in checkout/, and none retitled at cases[1] of {PAYMENTS}\n"
        "error: 1 written-back id or hash has no place in the tree. Add each to its entity by "
        "hand, as its first key, and commit it, or the next apply creates the entity again; an "
        "entity deleted meanwhile needs nothing.\n"
    )


def test_writeback_refuses_a_record_of_another_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tree_of(tmp_path / "cases", {PAYMENTS: "cases:\n  - title: Pay by card\n"})
    record = save(tmp_path / "r.json", WriteRecord("DEMO", (), (CARD,), ()))
    assert run("writeback", str(record), str(root))[0] == 1
    assert capsys.readouterr().err == f"error: {record} records project DEMO, not SHOP\n"
    assert (root / PAYMENTS).read_text() == "cases:\n  - title: Pay by card\n"


# --- apply --record, end to end ---------------------------------------------------------------


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_record_of_an_apply_written_into_the_tree_it_read_gives_the_same_files(
    emu: Emulator, tmp_path: Path
) -> None:
    applied = copy_cases(tmp_path / "applied")
    pristine = copy_cases(tmp_path / "pristine")
    record = tmp_path / "record.json"

    before = files_of(applied)
    code, text = run("apply", str(applied), "--yes", "--record", str(record))
    assert code == 0, text

    saved = json.loads(record.read_text(encoding="utf-8"))
    assert saved["qasesync_writeback"] == 1 and saved["project"] == "SHOP"
    after = files_of(applied)
    assert sorted(saved["files"]) == sorted(n for n in after if before.get(n) != after[n])
    base_lines = (applied / "qasesync.base.jsonl").read_text(encoding="utf-8").splitlines()
    assert (len(saved["written"]), len(saved["base"])) == (68, len(base_lines) - 1)
    code, text = run("writeback", str(record), str(pristine))
    assert code == 0, text
    assert files_of(pristine) == after


def test_an_apply_that_writes_nothing_records_nothing(emu: Emulator, tmp_path: Path) -> None:
    root = copy_cases(tmp_path / "cases")
    assert run("apply", str(root), "--yes")[0] == 0
    record = tmp_path / "record.json"
    assert run("apply", str(root), "--yes", "--record", str(record))[0] == 0
    assert parse_record(record.read_text(encoding="utf-8"), "record.json") == WriteRecord("SHOP")


def test_an_apply_that_stops_before_reading_records_nothing(tmp_path: Path) -> None:
    root = copy_cases(tmp_path / "cases")
    shutil.rmtree(root / "checkout")
    (root / "smoke.yaml").write_text("cases:\n  - title: ''\n", encoding="utf-8")
    record = tmp_path / "record.json"
    assert run("apply", str(root), "--yes", "--record", str(record))[0] == 1
    assert not record.exists()
