"""The layout rules of docs/design.md §1, checked on the source: who may import whom."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qasesync"

#: What each part of the package may import of qasesync (besides itself).
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "safetext": set(),
    "errors": {"safetext", "model"},
    "yamltext": {"safetext", "errors"},
    "tree": {"safetext", "model", "errors", "yamltext"},
    "qase": {"safetext", "model", "errors"},
    "plans": {"safetext", "model", "errors"},
    "apply": {"safetext", "model", "errors", "yamltext", "tree", "qase", "plans"},
    "adopt": {"safetext", "model", "errors", "yamltext", "tree", "qase", "plans"},
    "emulator": {"safetext", "model", "errors"},
    "cli": {
        "safetext",
        "model",
        "errors",
        "yamltext",
        "tree",
        "qase",
        "plans",
        "apply",
        "adopt",
        "emulator",
    },
}
#: Third-party libraries and the parts they may be used in.
DOORS: dict[str, set[str]] = {
    "httpx": {"qase", "emulator", "cli"},
    "httpcore": {"qase"},
    "ruamel": {"yamltext", "tree"},
    "jsonschema": {"tree"},
    "deepdiff": {"plans"},
}


def _part(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            if node.module == "qasesync":
                yield from (f"qasesync.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if _part(p) in ALLOWED]


def test_every_part_of_the_package_is_known() -> None:
    parts = {_part(p) for p in PACKAGE.rglob("*.py")}
    assert parts - {"__init__", "__main__"} == set(ALLOWED)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path: Path) -> None:
    me = _part(path)
    wrong = []
    for module in _imports(path):
        names = module.split(".")
        if names[0] == "qasesync" and len(names) > 1:
            other = names[1]
            if other != me and other not in ALLOWED[me] and other != "__version__":
                wrong.append(module)
        elif names[0] in DOORS and me not in DOORS[names[0]]:
            wrong.append(module)
    assert wrong == []


def _package_modules() -> list[tuple[str, str]]:
    """(docstring owner, module name) for every module of the package and its subpackages."""
    found = [("qasesync", p.stem) for p in PACKAGE.glob("*.py")]
    for init in PACKAGE.glob("*/__init__.py"):
        found += [(init.parent.name, p.stem) for p in init.parent.glob("*.py")]
    return sorted((owner, name) for owner, name in found if not name.startswith("__"))


@pytest.mark.parametrize("owner, module", _package_modules(), ids=lambda v: str(v))
def test_each_module_is_named_in_its_package_docstring(owner: str, module: str) -> None:
    init = PACKAGE / "__init__.py" if owner == "qasesync" else PACKAGE / owner / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert re.search(rf"(^|[\s,]){re.escape(module)}(/|,|\s)", doc, re.MULTILINE), module
