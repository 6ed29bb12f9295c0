"""MkDocs hooks of the documentation site.

- The JSON Schemas are published at /schemas/v1/ of the site: each schema's ``$id`` is
  ``https://qasesync.github.io/schemas/v1/NAME``, and the site serves the files of
  ``schemas/`` (the schemas and their catalog) at exactly that path.
- A pipe inside a code span of a table row is written ``\\|`` so that GitHub renders the
  page's tables; Python-Markdown keeps a code span's pipe as it is and would show the
  backslash, so the site's copy drops it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
PUBLISHED = Path("schemas") / "v1"
CODE_SPAN = re.compile(r"`[^`\n]*`")


def publish(site_dir: Path) -> list[Path]:
    """Copies every ``schemas/*.json`` into ``site_dir/schemas/v1/``; returns the copies."""
    target = site_dir / PUBLISHED
    target.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(source, target)) for source in sorted(SCHEMAS.glob("*.json"))]


def table_pipes(markdown: str) -> str:
    """``\\|`` inside the code spans of table rows becomes ``|``; nothing else changes."""
    return "\n".join(
        CODE_SPAN.sub(lambda span: span.group().replace("\\|", "|"), line)
        if line.startswith("|")
        else line
        for line in markdown.split("\n")
    )


def on_page_markdown(markdown: str, **_: Any) -> str:
    return table_pipes(markdown)


def on_post_build(config: Any, **_: Any) -> None:
    publish(Path(config["site_dir"]))
