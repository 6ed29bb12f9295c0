"""The documentation site: its configuration, the pages in its nav, the links into it from
the README, and the hook that publishes the JSON Schemas where their ``$id``s point."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def mkdocs_config() -> dict[str, Any]:
    config: dict[str, Any] = YAML(typ="safe").load((REPO / "mkdocs.yml").read_text("utf-8"))
    return config


def nav_pages(nav: list[Any]) -> list[str]:
    pages: list[str] = []
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def site_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("site_hooks", DOCS / "hooks" / "site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def slug(heading: str) -> str:
    """The anchor MkDocs (Python-Markdown's toc) gives a heading."""
    text = re.sub(r"[^\w\s-]", "", heading.replace("`", "")).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text("utf-8"), flags=re.DOTALL)
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def test_the_site_builds_strictly_with_every_page_in_its_nav() -> None:
    config = mkdocs_config()
    assert config["strict"] is True
    assert config["theme"]["name"] == "mkdocs"
    pages = nav_pages(config["nav"])
    assert len(pages) == len(set(pages))
    assert sorted(pages) == sorted(p.name for p in DOCS.glob("*.md"))


def test_the_hook_publishes_each_schema_at_the_address_of_its_id(tmp_path: Path) -> None:
    site_url = mkdocs_config()["site_url"]
    site_hooks().on_post_build({"site_dir": str(tmp_path)})

    published = sorted((tmp_path / "schemas" / "v1").iterdir())
    sources = sorted((REPO / "schemas").glob("*.json"))
    assert [p.name for p in published] == [p.name for p in sources]
    assert "catalog.json" in [p.name for p in published]
    for copy, source in zip(published, sources, strict=True):
        assert copy.read_bytes() == source.read_bytes()
        schema = json.loads(source.read_text("utf-8"))
        if source.name != "catalog.json":
            assert schema["$id"] == f"{site_url}schemas/v1/{source.name}"
    catalog = json.loads((REPO / "schemas" / "catalog.json").read_text("utf-8"))
    for entry in catalog["schemas"]:
        assert entry["url"].startswith(f"{site_url}schemas/v1/"), entry


def test_a_pipe_in_a_table_s_code_span_loses_its_backslash_on_the_site() -> None:
    page = "\n".join(
        [
            "`a\\|b` outside a table keeps it",
            "| `plan [--format text\\|json]` | a \\| b |",
        ]
    )
    assert site_hooks().on_page_markdown(page) == "\n".join(
        ["`a\\|b` outside a table keeps it", "| `plan [--format text|json]` | a \\| b |"]
    )


def test_every_link_of_the_readme_into_the_repository_resolves() -> None:
    checked = 0
    for target in LINK.findall((REPO / "README.md").read_text("utf-8")):
        if target.startswith(("http://", "https://", "#")):
            continue
        path, _, anchor = target.partition("#")
        assert (REPO / path).exists(), target
        if anchor:
            assert anchor in anchors(REPO / path), target
        checked += 1
    assert checked >= 15


def test_the_slugs_are_the_ones_mkdocs_makes() -> None:
    assert slug("The destroy limit (`max_destroy`)") == "the-destroy-limit-max_destroy"
    assert slug("Three sides: the tree, the last sync and Qase") == (
        "three-sides-the-tree-the-last-sync-and-qase"
    )


def test_the_readme_stays_a_tutorial() -> None:
    # The reference lives in docs/; the README is the tutorial and links there.
    size = len((REPO / "README.md").read_bytes())
    assert size < 16_000, f"README.md is {size} bytes: move reference material into docs/"
