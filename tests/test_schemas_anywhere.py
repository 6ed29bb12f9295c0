"""The schemas work in any repository: a stable `$id` under the published URL, copies that
export and import-csv write into the tree itself (schema lines point there, so editors
resolve them offline), `qasesync schema --write DIR`, and a SchemaStore-style catalog."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

import pytest
from kit.apply import run_cli as run
from test_pull import TOKEN, one_file_tree, plans_clean, pull_in_process

from qasesync.emulator import Emulator
from qasesync.tree.schema import KINDS, SCHEMA_URL, catalog, schema, schema_dir, schema_file
from qasesync.tree.write import schemas_base

DATA = Path(__file__).parent / "data"
LINE = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")


def schema_lines(root: Path, *, every: bool = True) -> dict[str, str]:
    """Each YAML file of the tree → where its schema line points; ``every``: each has one."""
    found = {}
    for path in sorted(root.rglob("*.yaml")):
        line = LINE.match(path.read_text(encoding="utf-8"))
        assert line is not None or not every, f"{path} has no schema line"
        if line is not None:
            found[path.relative_to(root).as_posix()] = line.group(1)
    return found


def assert_resolved_inside(root: Path) -> None:
    """Every schema line points at a file inside the tree that is the right schema."""
    for file, target in schema_lines(root).items():
        resolved = (root / PurePosixPath(file).parent / target).resolve()
        assert resolved.is_relative_to(root.resolve()), (file, target)
        document = json.loads(resolved.read_text(encoding="utf-8"))
        assert document["$id"] == SCHEMA_URL + resolved.name


@pytest.mark.parametrize("kind", KINDS)
def test_each_schema_id_is_under_the_published_url(kind: str) -> None:
    assert schema(kind)["$id"] == f"https://qasesync.github.io/schemas/v1/{schema_file(kind)}"


def test_the_shipped_catalog_is_the_one_the_code_writes() -> None:
    shipped = json.loads((schema_dir() / "catalog.json").read_text(encoding="utf-8"))
    assert shipped == catalog()
    assert [entry["url"] for entry in shipped["schemas"]] == [schema(kind)["$id"] for kind in KINDS]
    matches = {m for entry in shipped["schemas"] for m in entry["fileMatch"]}
    assert matches == {
        "qasesync.yaml",
        "suite.yaml",
        "cases.yaml",
        "*.cases.yaml",
        "shared_steps.yaml",
    }


def test_schema_write_copies_the_shipped_files(tmp_path: Path) -> None:
    code, text = run("schema", "--write", str(tmp_path / "editor"))
    assert code == 0
    assert text.startswith(f"5 files written to {tmp_path / 'editor'}: ")
    for kind in KINDS:
        name = schema_file(kind)
        assert (tmp_path / "editor" / name).read_bytes() == (schema_dir() / name).read_bytes()
    written = json.loads((tmp_path / "editor" / "catalog.json").read_text(encoding="utf-8"))
    assert written == catalog()


def test_schema_write_into_a_file_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("a file")
    assert run("schema", "--write", str(tmp_path / "taken"))[0] == 1
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'taken'}: the schemas cannot")


def test_import_csv_writes_the_schemas_into_the_tree_and_points_there(tmp_path: Path) -> None:
    out = tmp_path / "imported"
    assert run("import-csv", str(DATA / "csv" / "bulk.csv"), "--out", str(out))[0] == 0
    assert sorted(p.name for p in (out / ".schemas").iterdir()) == sorted(
        ["catalog.json", *(schema_file(kind) for kind in KINDS)]
    )
    lines = schema_lines(out)
    assert lines["qasesync.yaml"] == ".schemas/qasesync.schema.json"
    assert any(target.startswith("../") for target in lines.values())  # nested files climb
    assert_resolved_inside(out)
    assert run("validate", str(out))[0] == 0  # `.schemas/` is not read as part of the tree


def test_a_url_or_none_instead_of_copies(tmp_path: Path) -> None:
    url = SCHEMA_URL.rstrip("/")
    by_url, bare = tmp_path / "by-url", tmp_path / "bare"
    csv = str(DATA / "csv" / "bulk.csv")
    assert run("import-csv", csv, "--out", str(by_url), "--schemas", url)[0] == 0
    assert run("import-csv", csv, "--out", str(bare), "--schemas", "none")[0] == 0
    assert not (by_url / ".schemas").exists() and not (bare / ".schemas").exists()
    targets = set(schema_lines(by_url).values())
    assert SCHEMA_URL + "qasesync.schema.json" in targets
    assert targets <= {SCHEMA_URL + schema_file(kind) for kind in KINDS}
    assert not any("yaml-language-server" in p.read_text() for p in bare.rglob("*.yaml"))


def test_the_base_of_a_tree_is_read_from_its_settings_file() -> None:
    line = b"# yaml-language-server: $schema=../schemas/qasesync.schema.json\nproject: X\n"
    assert schemas_base(line) == "../schemas"
    assert schemas_base(b"# yaml-language-server: $schema=.schemas/qasesync.schema.json\r\n")
    assert schemas_base(b"# yaml-language-server: $schema=qasesync.schema.json\n") == "."
    assert schemas_base(b"# a comment\nproject: X\n") is None
    assert schemas_base(None) is None


def test_pull_gives_new_files_the_schema_lines_the_tree_uses(tmp_path: Path) -> None:
    emu = Emulator(token=TOKEN)
    root = one_file_tree(tmp_path, "cases: []\n")
    (root / "qasesync.yaml").write_text(
        "# yaml-language-server: $schema=.schemas/qasesync.schema.json\nproject: DEMO\n"
    )
    outer = emu.store.create_suite("DEMO", {"title": "Outer"})
    inner = emu.store.create_suite("DEMO", {"title": "Inner", "parent_id": outer})
    emu.store.create_case("DEMO", {"title": "Made in the web app", "suite_id": inner})
    pull_in_process(emu, root)
    lines = schema_lines(root, every=False)
    assert lines["outer/inner/cases.yaml"] == "../../.schemas/cases.schema.json"
    assert lines["outer/suite.yaml"] == "../.schemas/suite.schema.json"
    assert plans_clean(root, emu)
