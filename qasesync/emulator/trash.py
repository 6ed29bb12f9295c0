"""The trash bin, listed: imitates a service whose case lists hold deleted cases.

Qase keeps a deleted case in its trash bin, restorable, with the case schema's ``deleted``
date set; whether ``GET /case/{code}`` lists such cases is not known. Behind
``Emulator(list_trashed=True)`` (``qasesync emulator --list-trashed``) a case deleted by
``DELETE /case/{code}/{id}`` keeps being listed, after the live cases, with ``deleted`` set,
and counts in ``total`` and ``filtered`` (of a list filtered by nothing but ``suite_id``).
Single reads of it answer 404, as before.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from qasesync.emulator.store import JSON, Store

_CASE = re.compile(r"/v1/case/(?P<code>[A-Za-z0-9]{2,10})(?:/(?P<id>\d+))?/?")


class Trash:
    """Deleted cases, per project, as the lists show them."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cases: dict[str, list[JSON]] = {}
        self._lock = threading.Lock()

    def doomed(self, method: str, path: str) -> JSON | None:
        """Before ``DELETE /case/{code}/{id}``: the case as a list shows it, else None."""
        match = _CASE.fullmatch(path)
        if method != "DELETE" or match is None or match["id"] is None:
            return None
        try:
            return self._store.get_case(match["code"], int(match["id"]))
        except Exception:  # no such case: the delete answers 404 itself
            return None

    def after(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        answer: tuple[int, JSON],
        doomed: JSON | None,
    ) -> tuple[int, JSON]:
        """The answer, with a deleted case put into the trash or the trash into a list."""
        status, body = answer
        match = _CASE.fullmatch(path)
        if status != 200 or match is None:
            return answer
        if doomed is not None:
            stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
            with self._lock:
                self._cases.setdefault(match["code"], []).append({**doomed, "deleted": stamp})
        elif method == "GET" and match["id"] is None:
            body = self._listed(match["code"], query, body)
        return status, body

    def _listed(self, code: str, query: Mapping[str, list[str]], body: JSON) -> JSON:
        with self._lock:
            everything = list(self._cases.get(code, []))
        suites = self._filtered(code, _last(query, "suite_id") or _last(query, "filters[suite_id]"))
        kept = [c for c in everything if suites is None or c.get("suite_id") in suites]
        if "external_issues" in (_last(query, "include") or ""):
            kept = [{**c, "external_issues": []} for c in kept]
        result = dict(body["result"])
        live = int(result["filtered"])
        offset = int(_last(query, "offset") or 0)
        limit = int(_last(query, "limit") or 10)
        extra = kept[max(0, offset - live) : max(0, offset + limit - live)]
        result["entities"] = [*result["entities"], *extra]
        result.update(
            count=len(result["entities"]),
            filtered=live + len(kept),
            total=int(result["total"]) + len(everything),
        )
        return {**body, "result": result}

    def _filtered(self, code: str, suite: str | None) -> set[int] | None:
        """The suites a ``suite_id`` filter lists (None: no filter); a value that is no
        suite id lists none."""
        if suite is None:
            return None
        return self._store.filtered_suites(code, int(suite)) if suite.isdigit() else set()


def _last(query: Mapping[str, list[str]], name: str) -> Any:
    values = query.get(name)
    return values[-1] if values else None
