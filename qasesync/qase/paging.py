"""Qase's paged lists, as pure functions: how many pages, and whether they add up.

A list answer is ``{"total", "filtered", "count", "entities"}``; pages are read with
``limit=100`` and ``offset`` up to 100,000 (so 100,100 entities at most). The client
(:meth:`qasesync.qase.client.QaseClient.list_all`) does the reading.

A list that people edit while it is read may not add up: a case created or deleted between
two pages moves ``filtered`` or shifts an entity from one page to the next. Such a read is
never used; the whole list is read again, up to `LIST_READS` times in all, pausing
`settle_pause` seconds before each new read (1, 2, 3, 4 s: at most 10 s of waiting), so
that a burst of edits can settle. Only a list that never adds up is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qasesync.errors import ApiError

PAGE_SIZE = 100
MAX_OFFSET = 100_000
MAX_ENTITIES = MAX_OFFSET + PAGE_SIZE
LIST_READS = 5
"""Reads of a whole list, at most, before a list that keeps changing is an error."""


def settle_pause(read: int) -> float:
    """Seconds to wait before read number ``read`` (2, 3, …) of a list that changed."""
    return float(read - 1)


def count_of(path: str, page: Any) -> int:
    """How many entities the list holds, from its first page (``filtered``); ApiError for
    what is no list or cannot be paged to the end."""
    if not isinstance(page, dict):
        raise ApiError("the API answered a list request with no list", method="GET", path=path)
    filtered = page.get("filtered", page.get("total"))
    if not isinstance(filtered, int):
        filtered = len(page.get("entities") or [])
    if filtered > MAX_ENTITIES:
        raise ApiError(
            f"{filtered:,} entities: the Qase API cannot page beyond offset {MAX_OFFSET:,}, "
            f"so no list longer than {MAX_ENTITIES:,} can be read; narrow it with a filter",
            method="GET",
            path=path,
        )
    return filtered


def offsets_after_first(filtered: int) -> range:
    """The offsets of every page but the first: ceil(filtered / 100) pages, no more."""
    return range(PAGE_SIZE, filtered, PAGE_SIZE)


def unique(pages: list[Any]) -> list[Any]:
    """The pages' entities in order, each once (by ``id``, else ``hash``)."""
    seen: dict[Any, Any] = {}
    for page in pages:
        entities = page.get("entities") if isinstance(page, dict) else None
        for entity in entities or []:
            seen.setdefault(_key(entity), entity)
    return list(seen.values())


def merge(pages: list[Any], filtered: int) -> list[Any] | None:
    """The pages' entities, each once, or None when they do not add up to ``filtered``
    (a page counted differently, or too few or too many distinct entities arrived)."""
    if any(not isinstance(p, dict) or p.get("filtered", filtered) != filtered for p in pages):
        return None
    entities = unique(pages)
    return entities if len(entities) == filtered else None


@dataclass(frozen=True, slots=True)
class Keyed:
    """An entity decoded as its page arrived, under the key of its JSON form."""

    key: Any
    value: Any


def decoded(page: Any, each: Callable[[Any], Any] | None) -> Any:
    """``page`` with every entity replaced by ``Keyed(key, each(entity))``: the JSON of a
    page is dropped as soon as it is decoded, so that a long list never sits in memory
    twice, as JSON and as what it decodes to. A page that is no list page is kept."""
    entities = page.get("entities") if isinstance(page, dict) else None
    if each is None or not isinstance(entities, list):
        return page
    rest = {name: value for name, value in page.items() if name != "entities"}
    return {**rest, "entities": [Keyed(_key(e), each(e)) for e in entities]}


def values(entities: list[Any]) -> list[Any]:
    """The entities of merged pages, decoded ones as what they decoded to."""
    return [e.value if isinstance(e, Keyed) else e for e in entities]


def _key(entity: Any) -> Any:
    if isinstance(entity, Keyed):
        return entity.key
    if isinstance(entity, dict):
        key = entity.get("id", entity.get("hash"))
        if key is not None:
            return key
    return ("object", id(entity))
