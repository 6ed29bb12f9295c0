"""Write-back of ids and hashes into the files of a cases tree (docs/design.md §7)."""

from __future__ import annotations

import os
import shutil
import tempfile
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


# --- one write-back is all or nothing across its files ----------------------------------


def _temporaries(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*.tmp"))


def test_a_failure_between_the_temporaries_and_the_renames_changes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    before = _files(root)
    seen: list[list[str]] = []
    real_check = writeback.check_unchanged

    def failing(items: Sequence[writeback.Pending]) -> None:
        real_check(items)
        seen.append(_temporaries(root))
        raise WriteBackError("injected failure")

    monkeypatch.setattr(writeback, "check_unchanged", failing)

    with pytest.raises(WriteBackError, match=r"^injected failure$"):
        write_back(root, HAND_FORMATTED)

    assert [len(names) for names in seen] == [5]  # every new text was in its temporary
    assert _files(root) == before
    assert _temporaries(root) == []


def test_a_file_changed_after_the_temporaries_were_written_stops_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    before = _files(root)
    real_check = writeback.check_unchanged

    def racing(items: Sequence[writeback.Pending]) -> None:
        (root / "checkout/cart.yaml").write_bytes(b"cases: []\n")
        real_check(items)

    monkeypatch.setattr(writeback, "check_unchanged", racing)

    with pytest.raises(WriteBackError) as caught:
        write_back(root, HAND_FORMATTED)

    assert str(caught.value) == f"checkout/cart.yaml: {writeback.CHANGED_ON_DISK}"
    assert _files(root) == {**before, "checkout/cart.yaml": b"cases: []\n"}
    assert _temporaries(root) == []


def test_a_rename_that_fails_puts_back_the_files_renamed_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    before = _files(root)
    real_replace = os.replace
    renames: list[str] = []

    def replace(source: str | Path, target: str | Path) -> None:
        renames.append(Path(target).name)
        if len(renames) == 5:  # shared_steps.yaml, after four files were renamed
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)

    with pytest.raises(WriteBackError) as caught:
        write_back(root, HAND_FORMATTED)

    assert str(caught.value) == (
        "shared_steps.yaml: could not write: [Errno 28] No space left on device"
    )
    assert _files(root) == before  # checkout/suite.yaml, created, is removed again
    assert _temporaries(root) == []


def test_a_file_that_cannot_be_put_back_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_bytes(b"cases:\n  - title: x\n")
    (tmp_path / "b.yaml").write_bytes(b"cases:\n  - title: y\n")
    real_replace = os.replace
    calls = 0

    def replace(source: str | Path, target: str | Path) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:  # b.yaml, and then putting a.yaml back
            raise OSError(5, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)

    with pytest.raises(WriteBackError) as caught:
        write_back(tmp_path, [_id("a.yaml", ("cases", 0), 1), _id("b.yaml", ("cases", 0), 2)])

    assert str(caught.value) == (
        "b.yaml: could not write: [Errno 5] Input/output error;"
        " these files hold the new ids already: a.yaml"
    )
    assert (tmp_path / "a.yaml").read_bytes() == b"cases:\n  - id: 1\n    title: x\n"
    assert (tmp_path / "b.yaml").read_bytes() == b"cases:\n  - title: y\n"
    assert _temporaries(tmp_path) == []


def test_a_temporary_that_cannot_be_written_changes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    before = _files(root)
    real_mkstemp = tempfile.mkstemp

    def mkstemp(prefix: str, suffix: str, dir: Path) -> tuple[int, str]:
        if prefix.startswith(".shared_steps"):
            raise OSError(28, "No space left on device")
        return real_mkstemp(prefix=prefix, suffix=suffix, dir=dir)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)

    with pytest.raises(WriteBackError) as caught:
        write_back(root, HAND_FORMATTED)

    assert str(caught.value) == (
        "shared_steps.yaml: could not write: [Errno 28] No space left on device"
    )
    assert _files(root) == before
    assert _temporaries(root) == []


def test_two_names_of_one_file_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "cases.yaml").write_bytes(b"cases:\n  - title: x\n")
    (tmp_path / "auth2").symlink_to("auth")

    with pytest.raises(WriteBackError) as caught:
        write_back(
            tmp_path,
            [
                _id("auth/suite.yaml", (), 1),
                _id("auth2/suite.yaml", (), 2),
                _id("auth/cases.yaml", ("cases", 0), 3),
            ],
        )

    assert str(caught.value) == (
        "auth2/suite.yaml: the same file as auth/suite.yaml (a symlink); not written"
    )
    assert sorted(p.name for p in (tmp_path / "auth").iterdir()) == ["cases.yaml"]
    assert (tmp_path / "auth" / "cases.yaml").read_bytes() == b"cases:\n  - title: x\n"


def test_a_symlink_out_of_the_tree_is_not_written_through(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_bytes(b"cases:\n  - title: x\n")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "link.yaml").symlink_to("../outside.yaml")

    with pytest.raises(WriteBackError) as caught:
        write_back(tmp_path / "tree", [_id("link.yaml", ("cases", 0), 5)])

    assert str(caught.value) == "link.yaml: a symlink leads out of the tree; not written"
    assert (tmp_path / "outside.yaml").read_bytes() == b"cases:\n  - title: x\n"


def test_a_temporary_that_cannot_be_flushed_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    before = _files(root)

    def fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)

    with pytest.raises(WriteBackError) as caught:
        write_back(root, HAND_FORMATTED)

    assert str(caught.value) == f"{LOGIN}: could not write: [Errno 5] Input/output error"
    assert _files(root) == before
    assert _temporaries(root) == []


def test_a_file_that_cannot_be_read_again_before_the_renames_stops_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    before = _files(root)
    real_read = Path.read_bytes
    reads: list[str] = []

    def read_bytes(path: Path) -> bytes:
        reads.append(path.name)
        if path.name == "cart.yaml" and reads.count("cart.yaml") == 2:
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)

    with pytest.raises(WriteBackError) as caught:
        write_back(root, HAND_FORMATTED)

    assert str(caught.value) == "checkout/cart.yaml: could not read: [Errno 13] Permission denied"
    monkeypatch.undo()
    assert _files(root) == before
    assert _temporaries(root) == []


def test_a_symlink_loop_is_not_written_through(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")

    with pytest.raises(WriteBackError) as caught:
        write_back(tmp_path, [_id("loop.yaml", ("cases", 0), 5)])

    assert str(caught.value) == "loop.yaml: a symlink loop; not written"
    assert (tmp_path / "loop.yaml").is_symlink()


def test_without_hard_links_a_failed_rename_still_puts_back_the_old_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    before = _files(root)
    real_replace = os.replace

    def link(source: str | Path, target: str | Path) -> None:
        raise OSError(1, "Operation not permitted")

    def replace(source: str | Path, target: str | Path) -> None:
        if Path(target).name == "shared_steps.yaml":
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "link", link)
    monkeypatch.setattr(os, "replace", replace)

    with pytest.raises(WriteBackError, match=r"^shared_steps.yaml: could not write: "):
        write_back(root, HAND_FORMATTED)

    assert _files(root) == before  # the old bytes came back from copies
    assert _temporaries(root) == []


def test_a_file_given_in_pieces_is_written_whole_and_not_again_when_the_same(
    tmp_path: Path,
) -> None:
    assert writeback.replace_stream(tmp_path, "a.jsonl", None, [b"one\n", b"two\n"])
    assert (tmp_path / "a.jsonl").read_bytes() == b"one\ntwo\n"

    assert not writeback.replace_stream(tmp_path, "a.jsonl", b"one\ntwo\n", [b"one\ntwo\n"])
    assert _temporaries(tmp_path) == []


def test_pieces_that_cannot_be_written_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.jsonl").write_bytes(b"old\n")

    def fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)

    with pytest.raises(WriteBackError) as caught:
        writeback.replace_stream(tmp_path, "a.jsonl", b"old\n", [b"new\n"])

    assert str(caught.value) == "a.jsonl: could not write: [Errno 5] Input/output error"
    assert (tmp_path / "a.jsonl").read_bytes() == b"old\n"
    assert _temporaries(tmp_path) == []
