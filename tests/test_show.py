"""`qasesync show PLAN.json`: a plan saved by `plan --out`, rendered again in every format
exactly as `plan` rendered it, without a request to Qase."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit.apply import copy_cases, on_socket, shop_emulator
from kit.apply import run_cli as run

from qasesync.cli import main
from qasesync.emulator import Emulator


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    yield from on_socket(monkeypatch, shop_emulator())


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return copy_cases(tmp_path)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def edited(tree: Path) -> None:
    """A plan of every kind of line: a create, field diffs, a shared step's users, a
    deprecation."""
    assert run("apply", str(tree), "--yes")[0] == 0
    edit(tree / "shared_steps.yaml", "the cart badge shows 1", "the badge shows 1")
    edit(tree / "cart/suite.yaml", "title: Cart\n", "title: Shopping cart\n")
    edit(tree / "checkout/cases.yaml", "tags: [checkout, guest]", "tags: [checkout]")
    login = tree / "authentication/login/cases.yaml"
    text = login.read_text(encoding="utf-8")
    login.write_text(text + "  - title: A new case\n    severity: major\n", encoding="utf-8")
    cases = tree / "authentication/password-reset/cases.yaml"
    blocks = cases.read_text(encoding="utf-8").split("\n  - ")
    cases.write_text("\n  - ".join(blocks[:-1]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "github"])
def test_show_renders_the_saved_plan_as_plan_did_without_reading_qase(
    emu: Emulator, tree: Path, tmp_path: Path, fmt: str
) -> None:
    edited(tree)
    saved = tmp_path / "plan.json"
    code, planned = run("plan", str(tree), "--format", fmt, "--out", str(saved))
    assert code == 0
    assert {"create", "update", "deprecate"} <= {
        c["kind"] for c in json.loads(saved.read_text())["changes"]
    }
    requests = len(emu.log)
    assert run("show", str(saved), "--format", fmt, "--tree", str(tree)) == (0, planned)
    assert len(emu.log) == requests


def test_show_points_annotations_at_the_default_tree(
    emu: Emulator, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited(tree)
    saved = tmp_path / "plan.json"
    assert run("plan", str(tree), "--out", str(saved))[0] == 0
    monkeypatch.chdir(tree.parent)  # ./cases, as plan and apply take it without a tree
    code, shown = run("show", str(saved), "--format", "github")
    assert code == 0
    assert "::notice file=cases/cart/suite.yaml,line=2::qasesync plan: update suite" in shown


def test_show_of_a_file_that_is_no_saved_plan_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.json"
    notes.write_text('{"project": "SHOP"}\n', encoding="utf-8")
    assert main(["show", str(notes)], out=io.StringIO()) == 1
    assert capsys.readouterr().err == (
        "error: saved plan has format_version None; expected 3 (plan again with this qasesync)\n"
    )
    assert main(["show", str(tmp_path / "missing.json")], out=io.StringIO()) == 1
    assert "not a saved plan" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-5", "nan", "many"])
def test_show_refuses_a_rate_limit_that_is_no_positive_count_as_plan_does(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = Path(__file__).parent / "data" / "golden" / "mixed.json"
    monkeypatch.setenv("QASE_RATE_LIMIT", value)
    assert main(["show", str(saved)], out=io.StringIO()) == 1
    assert capsys.readouterr().err == (
        f"error: QASE_RATE_LIMIT must be a whole number of requests per minute ≥ 1: {value!r}\n"
    )


def test_show_estimates_the_apply_at_the_rate_limit_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = Path(__file__).parent / "data" / "golden" / "mixed.json"
    monkeypatch.setenv("QASE_RATE_LIMIT", "120")
    out = io.StringIO()
    assert main(["show", str(saved)], out=out) == 0
    assert "at 120 requests/minute)." in out.getvalue()


def test_a_plan_file_past_the_size_limit_is_refused_without_reading_it_all(
    tmp_path: Path,
) -> None:
    from qasesync.cli.common import read_plan
    from qasesync.errors import ConfigError

    saved = Path(__file__).parent / "data" / "golden" / "mixed.json"
    size = saved.stat().st_size
    assert read_plan(str(saved), limit=size).project == "DEMO"
    with pytest.raises(ConfigError, match=rf"not a saved plan \(larger than {size - 1:,} bytes\)"):
        read_plan(str(saved), limit=size - 1)
    with pytest.raises(ConfigError, match=r"/dev/zero: not a saved plan \(larger than 1,024 bytes"):
        read_plan("/dev/zero", limit=1024)  # endless: only the limit is read
