"""Golden files: expected output kept in ``tests/data/golden/``.

Regenerate them after an intended change with ``QASESYNC_GOLDEN=update``.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"


def golden(name: str, actual: str) -> None:
    """Assert that ``actual`` is the golden file ``name`` (or write it, when updating)."""
    path = GOLDEN / name
    if os.environ.get("QASESYNC_GOLDEN") == "update":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")
