"""Apply writes ids back batch by batch, and each batch all or nothing across its files:
a write-back that fails part-way through a batch's renames leaves none of that batch's
ids in any file, keeps the batches written before it, and the next apply finishes the job
without creating anything twice."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from kit.apply import PROJECT, duplicate_titles, on_socket, shop_emulator, write_tree
from kit.apply import run_cli as run

from qasesync.emulator import Emulator

FILES = {
    "qasesync.yaml": f"project: {PROJECT}\n",
    "auth/cases.yaml": "cases:\n  - title: Login works\n",
    "billing/cases.yaml": "cases:\n  - title: Invoice is sent\n",
}


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


def test_a_batch_whose_rename_fails_leaves_none_of_its_ids_behind(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = write_tree(tmp_path / "cases", FILES)
    real_replace = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        if str(target).endswith("billing/cases.yaml"):  # after auth/cases.yaml, same batch
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    err = io.StringIO()
    with redirect_stderr(err):
        code, _ = run("apply", str(tree), "--yes")

    assert code == 1
    assert (
        "error: write-back stopped: billing/cases.yaml: could not write:"
        " [Errno 28] No space left on device"
    ) in err.getvalue()
    assert len(emu.store.cases(PROJECT)) == 2
    for folder in ("auth", "billing"):  # the suites' batches were written before
        assert (tree / folder / "suite.yaml").read_text(encoding="utf-8").startswith("id: ")
        assert (tree / folder / "cases.yaml").read_text(encoding="utf-8") == FILES[
            f"{folder}/cases.yaml"
        ]
    assert sorted(p.name for p in tree.rglob(".*.tmp")) == []

    monkeypatch.setattr(os, "replace", real_replace)
    code, text = run("apply", str(tree), "--yes")
    assert code == 0, text
    assert len(emu.store.cases(PROJECT)) == 2 and duplicate_titles(emu) == []
    assert (
        (tree / "billing" / "cases.yaml").read_text(encoding="utf-8").startswith("cases:\n  - id: ")
    )
    assert run("plan", str(tree), "--detailed-exitcode")[0] == 0
