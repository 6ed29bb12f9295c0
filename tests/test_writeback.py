"""Write-back of ids and hashes into the files of a cases tree (docs/design.md §7)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from unittest.mock import Mock

import pytest

from qasesync.errors import WriteBackError
from qasesync.model import Assignment, Location
from qasesync.tree import writeback
from qasesync.tree.writeback import digest, write_back
from qasesync.yamltext import edit as yamledit
from qasesync.yamltext import spans as yamlspans

DATA = Path(__file__).parent / "data" / "writeback"
LOGIN = "authentication/login.yaml"


def _id(file: str, path: tuple[str | int, ...], value: int | str, key: str = "id") -> Assignment:
    return Assignment(Location(file, 1, 1, path), key, value)


def _tree(tmp_path: Path, scenario: str = "hand-formatted") -> Path:
    root = tmp_path / "cases"
    shutil.copytree(DATA / scenario / "before", root)
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


HASHES = ("0223905c291bada23e6049d415385982af92d758", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b")
HAND_FORMATTED = [
    *(_id(LOGIN, ("cases", index), 101 + index) for index in range(7)),
    _id("authentication/suite.yaml", (), 12),
    _id("checkout/suite.yaml", (), 13),
    _id("checkout/cart.yaml", ("cases", 0), 201),
    _id("shared_steps.yaml", ("shared_steps", 0), HASHES[0], "hash"),
    _id("shared_steps.yaml", ("shared_steps", 1), HASHES[1], "hash"),
]


def test_hand_formatted_tree_gets_exactly_the_new_lines(tmp_path: Path) -> None:
    root = _tree(tmp_path)

    written = write_back(root, HAND_FORMATTED)

    assert written == [
        LOGIN,
        "authentication/suite.yaml",
        "checkout/cart.yaml",
        "checkout/suite.yaml",
        "shared_steps.yaml",
    ]
    assert _files(root) == _files(DATA / "hand-formatted" / "after")


def test_digests_that_match_allow_the_write(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    digests = {LOGIN: digest((root / LOGIN).read_bytes())}

    assert write_back(root, HAND_FORMATTED[:7], digests=digests) == [LOGIN]


def test_a_file_changed_on_disk_is_refused_and_no_file_is_written(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    digests = {LOGIN: digest((root / LOGIN).read_bytes())}
    (root / LOGIN).write_bytes(b"cases:\n  - title: edited meanwhile\n")
    before = _files(root)

    with pytest.raises(WriteBackError) as caught:
        write_back(root, HAND_FORMATTED, digests=digests)

    assert str(caught.value) == f"{LOGIN}: changed on disk since it was read; run plan again"
    assert _files(root) == before


def test_a_file_deleted_since_it_was_read_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    digests = {LOGIN: digest((root / LOGIN).read_bytes())}
    (root / LOGIN).unlink()

    with pytest.raises(WriteBackError, match="changed on disk since it was read"):
        write_back(root, HAND_FORMATTED[:1], digests=digests)


def test_a_failed_reparse_leaves_the_file_untouched(tmp_path: Path) -> None:
    # An explicit ("? ") key: inserting before it cannot give the intended document.
    original = b"cases:\n  - ? title\n    : Explicit key\n"
    (tmp_path / "odd.yaml").write_bytes(original)

    with pytest.raises(WriteBackError) as caught:
        write_back(tmp_path, [_id("odd.yaml", ("cases", 0), 5)])

    assert str(caught.value).startswith("odd.yaml: the edited text would not parse")
    assert (tmp_path / "odd.yaml").read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.yaml"]


def test_the_file_mode_is_kept(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"cases:\n  - title: x\n")
    (tmp_path / "a.yaml").chmod(0o640)

    write_back(tmp_path, [_id("a.yaml", ("cases", 0), 5)])

    assert (tmp_path / "a.yaml").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "a.yaml").read_bytes() == b"cases:\n  - id: 5\n    title: x\n"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"", b"id: 12\n"),
        (b"# only a comment\r\n", b"# only a comment\r\nid: 12\r\n"),
        (b"# no final line break", b"# no final line break\nid: 12\n"),
        (b"---\n", b"---\nid: 12\n"),
        (b"title: Auth\n", b"id: 12\ntitle: Auth\n"),
        (b"id: 7  # stale\ntitle: Auth\n", b"id: 12  # stale\ntitle: Auth\n"),
        (b"id:\ntitle: Auth\n", b"id: 12\ntitle: Auth\n"),
        (b"{title: Auth}\n", b"{id: 12, title: Auth}\n"),
    ],
)
def test_suite_yaml_receives_its_id(tmp_path: Path, before: bytes, after: bytes) -> None:
    (tmp_path / "suite.yaml").write_bytes(before)

    write_back(tmp_path, [_id("suite.yaml", (), 12)])

    assert (tmp_path / "suite.yaml").read_bytes() == after


def test_an_id_already_in_place_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "suite.yaml").write_bytes(b"id: 12\n")

    assert write_back(tmp_path, [_id("suite.yaml", (), 12)]) == []


def test_each_file_is_parsed_once_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    parse = Mock(wraps=yamlspans.parse)
    monkeypatch.setattr(yamlspans, "parse", parse)

    write_back(root, HAND_FORMATTED[:7])

    assert parse.call_count == 1


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"cases:\n  - title: caf\xe9\n")

    with pytest.raises(WriteBackError) as caught:
        write_back(tmp_path, [_id("a.yaml", ("cases", 0), 5)])

    assert str(caught.value) == "a.yaml: not UTF-8 (invalid continuation byte at byte 21)"


def test_a_path_that_is_not_in_the_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"cases:\n  - title: x\n")

    with pytest.raises(WriteBackError) as caught:
        write_back(tmp_path, [_id("a.yaml", ("cases", 3), 5)])

    assert str(caught.value) == "a.yaml: nothing at cases[3]"


def test_every_failing_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"cases: [\n")
    (tmp_path / "b.yaml").write_bytes(b"cases:\n  - title: x\n")

    with pytest.raises(WriteBackError) as caught:
        write_back(tmp_path, [_id("b.yaml", ("cases", 1), 6), _id("a.yaml", ("cases", 0), 5)])

    assert str(caught.value).splitlines() == [
        "a.yaml: line 2 column 1: YAML syntax: while parsing a flow node,"
        " did not find expected node content",
        "b.yaml: nothing at cases[1]",
    ]


def test_a_symlinked_file_is_written_through_its_link(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_bytes(b"cases:\n  - title: x\n")
    (tmp_path / "link.yaml").symlink_to("real.yaml")

    write_back(tmp_path, [_id("link.yaml", ("cases", 0), 5)])

    assert (tmp_path / "link.yaml").is_symlink()
    assert (tmp_path / "real.yaml").read_bytes() == b"cases:\n  - id: 5\n    title: x\n"


def test_a_second_write_back_in_one_run_accepts_the_files_the_first_wrote(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    digests = {LOGIN: digest((root / LOGIN).read_bytes())}

    write_back(root, HAND_FORMATTED[:3], digests=digests)
    write_back(root, HAND_FORMATTED[3:9], digests=digests)

    assert digests == {
        LOGIN: digest((root / LOGIN).read_bytes()),
        "authentication/suite.yaml": digest((root / "authentication/suite.yaml").read_bytes()),
        "checkout/suite.yaml": digest(b"id: 13\n"),
    }
    assert (root / LOGIN).read_bytes() == (DATA / "hand-formatted" / "after" / LOGIN).read_bytes()


def test_a_file_changed_while_its_new_text_was_built_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_bytes(b"cases:\n  - title: x\n")
    real = yamledit.assign_keys

    def racing(text: str, assignments: Sequence[tuple[tuple[str | int, ...], str, object]]) -> str:
        (tmp_path / "a.yaml").write_bytes(b"cases:\n  - title: edited\n")
        return real(text, assignments)

    monkeypatch.setattr(writeback, "assign_keys", racing)

    with pytest.raises(WriteBackError) as caught:
        write_back(tmp_path, [_id("a.yaml", ("cases", 0), 5)])

    assert str(caught.value) == "a.yaml: changed on disk since it was read; run plan again"
    assert (tmp_path / "a.yaml").read_bytes() == b"cases:\n  - title: edited\n"
