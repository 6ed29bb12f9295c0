"""Qase's paged lists, as pure functions: how many pages, and whether they add up.

A list answer is ``{"total", "filtered", "count", "entities"}``; pages are read with
``limit=100`` and ``offset`` up to 100,000 (so 100,100 entities at most). The client
(:meth:`qasesync.qase.client.QaseClient.list_all`) does the reading.
"""

from __future__ import annotations

from typing import Any

from qasesync.errors import ApiError

PAGE_SIZE = 100
MAX_OFFSET = 100_000
MAX_ENTITIES = MAX_OFFSET + PAGE_SIZE


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


def _key(entity: Any) -> Any:
    if isinstance(entity, dict):
        key = entity.get("id", entity.get("hash"))
        if key is not None:
            return key
    return ("object", id(entity))
