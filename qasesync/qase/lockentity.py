"""The apply lock as Qase holds it: a root suite with a fixed title and a JSON description
(docs/design.md §12). Pure: what is and is not a lock suite, and its description both ways.

Every reader of the live project (`Remote.read_suites`) leaves lock suites out, so plan,
export, pull, pruning and the three-way sync never see one; `qasesync.apply.lock` takes,
renews and releases them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from qasesync.model import LOCK_SUITE_TITLE
from qasesync.safetext import terminal

LOCK_TITLE = LOCK_SUITE_TITLE
LOCK_SEARCH = "qasesync: apply in progress"
"""What ``GET /suite?search=`` is given: the title's ASCII part (the search matches parts)."""

_KIND = "qasesync-apply-lock"


def is_lock(item: dict[str, Any]) -> bool:
    """A suite that is an apply lock: at the root, titled `LOCK_TITLE`."""
    return item.get("title") == LOCK_TITLE and item.get("parent_id") is None


@dataclass(frozen=True)
class LockSuite:
    """One lock suite as read: who holds it since when, until when (None: unreadable)."""

    id: int
    holder: str
    since: datetime | None
    expires: datetime | None
    nonce: str = ""
    process: tuple[str, int] | None = None
    """Where the holder runs, when it could say: (pid namespace of which boot, pid)."""

    def expired(self, now: datetime) -> bool:
        """Past its expiry, or a description no qasesync wrote (it cannot be renewed)."""
        return self.expires is None or self.expires <= now

    def describe(self) -> str:
        """``#12 held by ci@runner since 2026-12-06 03:10:06 UTC``, safe for a terminal."""
        since = f" since {stamp(self.since)}" if self.since else ""
        return f"#{self.id} held by {printable(self.holder)}{since}"


def lock_from_json(item: dict[str, Any]) -> LockSuite:
    """The lock a lock suite holds; a description that is not one reads as expired."""
    try:
        data = json.loads(str(item.get("description") or ""))
        if not isinstance(data, dict) or data.get("kind") != _KIND:
            raise ValueError("not a qasesync lock")
        since, expires = _when(data["since"]), _when(data["expires"])
        holder, nonce = str(data["holder"]), str(data.get("nonce") or "")
        process = _process(data.get("process"))
    except (ValueError, KeyError, TypeError):
        return LockSuite(int(item["id"]), "(unreadable description)", None, None)
    return LockSuite(int(item["id"]), holder, since, expires, nonce, process)


def lock_description(
    holder: str,
    since: datetime,
    expires: datetime,
    nonce: str,
    process: tuple[str, int] | None = None,
) -> str:
    """The description of a lock suite: JSON a person can read in the web app."""
    return json.dumps(
        {
            "kind": _KIND,
            "holder": holder,
            "since": since.isoformat(timespec="seconds"),
            "expires": expires.isoformat(timespec="seconds"),
            "nonce": nonce,
            "process": None if process is None else {"where": process[0], "pid": process[1]},
            "note": "qasesync apply holds this lock on the project; it removes this suite "
            "when it ends. If no apply is running, `qasesync unlock` removes it.",
        },
        ensure_ascii=False,
    )


def stamp(when: datetime) -> str:
    """A moment as the lock messages show it: ``2026-12-06 03:10:06 UTC``."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def printable(text: str, limit: int = 200) -> str:
    """Text from Qase for one terminal line (`qasesync.safetext.terminal`: control and
    bidi characters and line separators escaped), cut at ``limit`` characters."""
    out = terminal(text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _process(data: Any) -> tuple[str, int] | None:
    if data is None:
        return None
    return str(data["where"]), int(data["pid"])


def _when(text: Any) -> datetime:
    when = datetime.fromisoformat(str(text))
    if when.tzinfo is None:
        raise ValueError("a lock's times carry their zone")
    return when
