"""The release's pieces agree: one version, named by `--version`, the changelog, the
example workflows' action pins and the pre-commit snippet; the licence is the one declared."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import qasesync
from qasesync.cli import main

ROOT = Path(__file__).resolve().parent.parent
VERSION = qasesync.__version__


def test_the_version_is_written_once() -> None:
    # (tomllib is 3.11+; the project runs on 3.10: the lines are read as text.)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r"^version\s*=", pyproject, re.MULTILINE) is None
    assert 'dynamic = ["version"]' in pyproject
    hatch_version = r'\[tool.hatch.version\]\n(#.*\n)*path = "qasesync/__init__.py"'
    assert re.search(hatch_version, pyproject)
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_version_flag_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"qasesync {VERSION}\n"


def test_every_pin_names_this_version() -> None:
    pins: list[tuple[str, str]] = []
    texts = [
        ROOT / "README.md",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "examples" / "workflows").glob("*.yml")),
    ]
    for path in texts:
        text = path.read_text()
        pins += [
            (path.name, tag)
            # Pinned by the release's commit (COMMIT, for the user to fill in), the tag after it.
            for tag in re.findall(r"qasesync/.github/actions/qasesync@(?:COMMIT # )?(\S+)", text)
        ]
        pins += [(path.name, tag) for tag in re.findall(r"^\s*rev: (\S+)", text, re.MULTILINE)]
        pins += [(path.name, f"v{pin}") for pin in re.findall(r"qasesync==([\w.]+)", text)]
    assert len(pins) >= 8, pins
    assert {tag for _, tag in pins} == {f"v{VERSION}"}, pins


def test_the_changelog_has_a_section_for_this_version() -> None:
    notes = subprocess.run(
        ["bash", str(ROOT / ".ci" / "release-notes"), VERSION],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "### Added" in notes
    assert "## [" not in notes  # the next section is not part of these notes
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert changelog.index("## [Unreleased]") < changelog.index(f"## [{VERSION}]")


def test_release_notes_refuse_a_version_without_a_section() -> None:
    missing = subprocess.run(
        ["bash", str(ROOT / ".ci" / "release-notes"), "99.0.0"], capture_output=True, text=True
    )
    assert missing.returncode == 1
    assert 'no section "## [99.0.0]"' in missing.stderr


def test_the_licence_file_is_the_declared_one() -> None:
    assert '\nlicense = "MIT"\n' in (ROOT / "pyproject.toml").read_text()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


def test_the_release_workflow_checks_the_tag_against_the_version() -> None:
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert 'tags: ["v*"]' in workflow
    assert '"$TAG" != "v$version"' in workflow
    assert "id-token: write" in workflow  # trusted publishing, no stored token
