"""Large trees are read by two processes; the result is the same as with one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from qasesync import loader, parallel
from qasesync.errors import ValidationError
from qasesync.loader import load_tree

DATA = Path(__file__).parent / "data"
needs_fork = pytest.mark.skipif(not parallel.available(), reason="no fork here (not Linux)")


def outcome(tree: Path) -> object:
    digests: dict[str, str] = {}
    try:
        loaded = load_tree(tree, digests=digests)
    except ValidationError as error:
        return [str(p) for p in error.problems], digests
    return loaded, [c.location for c in loaded.cases], digests


@needs_fork
def test_split_computes_the_second_part_in_another_process() -> None:
    here = os.getpid()
    mine, theirs = parallel.split(os.getpid, os.getpid)
    assert mine == here
    assert theirs != here


@needs_fork
def test_split_falls_back_to_this_process_when_the_child_fails() -> None:
    here = os.getpid()

    def second() -> str:
        if os.getpid() != here:
            raise RuntimeError("fails in the child only")
        return "computed here"

    assert parallel.split(lambda: "first", second) == ("first", "computed here")


@needs_fork
@pytest.mark.parametrize(
    "scenario", ["valid-full", "invalid-many-problems", "invalid-duplicate-case-id"]
)
def test_two_processes_give_what_one_gives(scenario: str, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = outcome(DATA / scenario)
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)
    assert outcome(DATA / scenario) == serial


@needs_fork
def test_duplicates_across_the_two_halves_name_the_first_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(DATA / "valid-minimal", tmp_path / "t")
    for name in ("a", "b", "c", "d"):
        (tmp_path / "t" / f"{name}.yaml").write_text(f"cases:\n  - id: 7\n    title: {name}\n")
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)
    with pytest.raises(ValidationError) as raised:
        load_tree(tmp_path / "t")
    assert [str(p) for p in raised.value.problems] == [
        f"{name}.yaml:2:9: case id 7 is used twice (first at a.yaml:2:9)" for name in "bcd"
    ]
