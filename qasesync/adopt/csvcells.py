"""One CSV cell → one model value, for both layouts `importcsv` reads.

A cell that cannot become a value raises `BadRow` with the reason; the reader adds the
line. A suggestion (``did you mean``) is offered only for a typo of one option
(`qasesync.tree.typos`), never for a word of another meaning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from qasesync.model import AUTOMATION_VALUES, DEFAULT_OPTIONS
from qasesync.tree.typos import closest

TITLE_MAX = 255

# The API's integers for severity and priority under the default table. Legacy CSVs
# made from API dumps hold these; a workspace with other options has other integers,
# which only `GET /system_field` could tell, so only the default table is read here.
SEVERITY_BY_ID = {
    0: "undefined",
    1: "blocker",
    2: "critical",
    3: "major",
    4: "normal",
    5: "minor",
    6: "trivial",
}
PRIORITY_BY_ID = {0: "undefined", 1: "high", 2: "medium", 3: "low"}
_BY_ID = {"severity": SEVERITY_BY_ID, "priority": PRIORITY_BY_ID}

#: Qase's automation slugs (its CSV) and ours (the YAML), each to the YAML's slug.
AUTOMATION_SLUGS: Mapping[str, str] = {
    "is-not-automated": "manual",
    "manual": "manual",
    "to-be-automated": "to-be-automated",
    "automated": "automated",
}
#: The YAML's automation slug → the one Qase's CSV writes.
QASE_AUTOMATION: Mapping[str, str] = {
    "manual": "is-not-automated",
    "to-be-automated": "to-be-automated",
    "automated": "automated",
}
BOOLEANS: Mapping[str, bool] = {
    "true": True,
    "yes": True,
    "1": True,
    "false": False,
    "no": False,
    "0": False,
}


class BadRow(Exception):
    """One row that cannot become a case; ``line`` is set by the reader."""

    def __init__(self, reason: str, line: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def title(record: Mapping[str, str]) -> str:
    text = record.get("title", "")
    if not text:
        raise BadRow("the title is empty")
    if "\n" in text:
        raise BadRow("the title spans several lines")
    if len(text) > TITLE_MAX:
        raise BadRow(f"the title has {len(text)} characters; at most {TITLE_MAX} are allowed")
    return text


def slug(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def enum(record: Mapping[str, str], name: str) -> str | None:
    text = record.get(name, "")
    if not text:
        return None
    if text.isdigit() and name in _BY_ID:
        return _by_id(name, int(text))
    return known(name, slug(text), DEFAULT_OPTIONS[name], text)


def _by_id(name: str, number: int) -> str:
    table = _BY_ID[name]
    if number not in table:
        raise BadRow(f"{name} {number} is not one of the API's integers 0-{max(table)}")
    return table[number]


def known(name: str, value: str, allowed: Sequence[str], text: str) -> str:
    """``value`` when it is one of ``allowed``; else a `BadRow` that suggests an option
    only for a typo of it."""
    if value in allowed:
        return value
    close = closest(value, allowed)
    hint = f"did you mean `{close}`?" if close else f"expected one of {', '.join(allowed)}"
    raise BadRow(f"unknown {name} `{text}` ({hint})")


def automation(text: str) -> str | None:
    """Qase's ``is-not-automated`` or our ``manual``, ``to-be-automated``, ``automated``."""
    if not text:
        return None
    value = slug(text)
    if value in AUTOMATION_SLUGS:
        return AUTOMATION_SLUGS[value]
    return known("automation", value, AUTOMATION_VALUES, text)


def flag(record: Mapping[str, str], name: str) -> bool | None:
    """``yes``/``no`` (also ``true``/``false``, ``1``/``0``), or None when empty."""
    text = record.get(name, "")
    if not text:
        return None
    if text.lower() not in BOOLEANS:
        raise BadRow(f"{name} `{text}` is neither yes nor no")
    return BOOLEANS[text.lower()]


def tags(text: str) -> tuple[str, ...]:
    parts = (tag.strip() for tag in text.split(","))
    return tuple(dict.fromkeys(tag for tag in parts if tag))


def positive(record: Mapping[str, str], name: str) -> int | None:
    """A positive integer (an id), or None when the cell is empty."""
    text = record.get(name, "")
    if not text:
        return None
    if not text.isdigit() or int(text) == 0:
        raise BadRow(f"{name} `{text}` is not a positive integer")
    return int(text)
