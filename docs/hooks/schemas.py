"""MkDocs hook: publish the JSON Schemas at /schemas/v1/ of the site.

Each schema's ``$id`` is ``https://qasesync.github.io/schemas/v1/NAME``; the site serves the
files of ``schemas/`` (the schemas and their catalog) at exactly that path.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
PUBLISHED = Path("schemas") / "v1"


def publish(site_dir: Path) -> list[Path]:
    """Copies every ``schemas/*.json`` into ``site_dir/schemas/v1/``; returns the copies."""
    target = site_dir / PUBLISHED
    target.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(source, target)) for source in sorted(SCHEMAS.glob("*.json"))]


def on_post_build(config: Any, **_: Any) -> None:
    publish(Path(config["site_dir"]))
