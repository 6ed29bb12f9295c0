"""The route table of the emulated API: each route a method, a path pattern and a handler.

Handlers take a :class:`Request` and return ``(status, JSON body)``; errors are raised as
:class:`~qasesync.emulator.apierrors.ApiError`. Paths are relative to the ``/v1`` base.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from qasesync.emulator.apierrors import ApiError, Invalid, Problems
from qasesync.emulator.store import Store

JSON = dict[str, Any]
Answer = tuple[int, JSON]
MAX_LIMIT = 100
MAX_OFFSET = 100_000
DEFAULT_LIMIT = 10
AUTOMATION_SLUGS = {"is-not-automated": 0, "to-be-automated": 1, "automated": 2}
CASE_ENUM_FILTERS = ("severity", "priority", "type", "behavior", "status")


@dataclass(frozen=True)
class Request:
    """One parsed request, as handlers see it."""

    store: Store
    params: Mapping[str, str]
    query: Mapping[str, list[str]]
    body: Any

    def arg(self, name: str) -> str | None:
        """The last value of query parameter ``name`` (or ``filters[name]``)."""
        found = self.query.get(name) or self.query.get(f"filters[{name}]")
        return found[-1] if found else None

    @property
    def code(self) -> str:
        """The ``{code}`` path parameter."""
        return self.params["code"]

    @property
    def id(self) -> int:
        """The integer ``{id}`` path parameter."""
        return int(self.params["id"])

    def payload(self) -> JSON:
        """The JSON object body; 400 when the body is not an object."""
        if not isinstance(self.body, dict):
            raise Invalid([("body", "The request body must be a JSON object.")])
        return self.body


Handler = Callable[[Request], Answer]


def ok(result: Any = None) -> Answer:
    """``200 {"status": true, "result": ...}`` (no ``result`` key when None)."""
    return 200, ({"status": True} if result is None else {"status": True, "result": result})


def paging(request: Request) -> tuple[int, int]:
    """``(limit, offset)``: limit 1..100, default 10; offset 0..100000; else 400."""
    problems = Problems()
    limit = _bounded(request.arg("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, problems)
    offset = _bounded(request.arg("offset"), "offset", 0, 0, MAX_OFFSET, problems)
    problems.raise_if_any()
    return limit, offset


def _bounded(
    raw: str | None, name: str, default: int, low: int, high: int, problems: Problems
) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.add(name, "The {field} must be an integer.")
        return default
    if value < low:
        problems.add(name, f"The {{field}} must be at least {low}.")
    elif value > high:
        problems.add(name, f"The {{field}} must not be greater than {high}.")
    return value


def page(total: int, filtered: int, entities: list[JSON]) -> Answer:
    """A list envelope."""
    return ok({"total": total, "filtered": filtered, "count": len(entities), "entities": entities})


def page_of(request: Request, everything: list[JSON], kept: list[JSON]) -> Answer:
    """Page ``kept`` (already filtered from ``everything``) by the request's limit/offset."""
    limit, offset = paging(request)
    return page(len(everything), len(kept), kept[offset : offset + limit])


def search(request: Request, entities: list[JSON]) -> list[JSON]:
    """Entities whose title contains the ``search`` text, case-insensitively."""
    text = (request.arg("search") or "").strip().lower()
    return [e for e in entities if text in str(e.get("title", "")).lower()] if text else entities


# --- projects and fields ------------------------------------------------------------------


def list_projects(request: Request) -> Answer:
    everything = [request.store.get_project(c) for c in request.store.project_codes()]
    return page_of(request, everything, everything)


def get_project(request: Request) -> Answer:
    return ok(request.store.get_project(request.code))


def system_fields(request: Request) -> Answer:
    return ok(request.store.system_fields())


def list_custom_fields(request: Request) -> Answer:
    everything = request.store.custom_fields()
    kept = request.store.custom_fields(entity=request.arg("entity"), kind=request.arg("type"))
    return page_of(request, everything, kept)


def get_custom_field(request: Request) -> Answer:
    return ok(request.store.get_custom_field(request.id))


# --- suites -------------------------------------------------------------------------------


def list_suites(request: Request) -> Answer:
    everything = request.store.suites(request.code)
    return page_of(request, everything, search(request, everything))


def get_suite(request: Request) -> Answer:
    return ok(request.store.get_suite(request.code, request.id))


def create_suite(request: Request) -> Answer:
    return ok({"id": request.store.create_suite(request.code, request.payload())})


def patch_suite(request: Request) -> Answer:
    return ok({"id": request.store.patch_suite(request.code, request.id, request.payload())})


def delete_suite(request: Request) -> Answer:
    body = request.body if isinstance(request.body, dict) else {}
    destination = body.get("destination_id")
    if destination is not None and (
        isinstance(destination, bool) or not isinstance(destination, int)
    ):
        raise Invalid([("destination_id", "The destination id must be an integer.")])
    return ok({"id": request.store.delete_suite(request.code, request.id, destination)})


# --- cases --------------------------------------------------------------------------------


def list_cases(request: Request) -> Answer:
    limit, offset = paging(request)
    keep = case_filter(request)
    total, filtered, entities = request.store.list_cases(
        request.code,
        keep=keep,
        offset=offset,
        limit=limit,
        include_external=_include(request),
        shared_reads=True,
    )
    return page(total, filtered, entities)


def get_case(request: Request) -> Answer:
    include = _include(request)
    return ok(request.store.get_case(request.code, request.id, include_external=include))


def create_case(request: Request) -> Answer:
    return ok({"id": request.store.create_case(request.code, request.payload())})


def create_cases(request: Request) -> Answer:
    cases = request.payload().get("cases")
    if not isinstance(cases, list) or not cases:
        raise Invalid([("cases", "The cases field is required.")])
    latency = request.store.shapes.bulk_latency_per_case * len(cases)
    if latency > 0:  # a bulk takes time in proportion to its size, then commits
        time.sleep(latency)
    return ok({"ids": request.store.create_cases(request.code, cases)})


def patch_case(request: Request) -> Answer:
    return ok({"id": request.store.patch_case(request.code, request.id, request.payload())})


def delete_case(request: Request) -> Answer:
    return ok({"id": request.store.delete_case(request.code, request.id)})


def attach_issues(request: Request) -> Answer:
    request.store.attach_external_issues(request.code, request.payload(), attach=True)
    return ok()


def detach_issues(request: Request) -> Answer:
    request.store.attach_external_issues(request.code, request.payload(), attach=False)
    return ok()


def _include(request: Request) -> bool:
    raw = request.arg("include")
    if raw is None or raw == "":
        return False
    if any(part.strip() != "external_issues" for part in raw.split(",")):
        raise ApiError(400, {"status": False, "errorMessage": "Invalid include value"})
    return True


def case_filter(request: Request) -> Callable[[JSON], bool] | None:
    """A predicate over stored cases for the list filters in the query, or None."""
    tests: list[Callable[[JSON], bool]] = []
    tests.extend(_suite_filter(request))
    tests.extend(_id_filter(request, "milestone_id"))
    for name in CASE_ENUM_FILTERS:
        wanted = _slugs(request, name)
        if wanted is not None:
            tests.append(_in(name, request.store.system.ids_for(name, wanted)))
    tests.extend(_automation_filter(request))
    tests.extend(_search_filter(request))
    tests.extend(_issue_filter(request))
    return (lambda case: all(test(case) for test in tests)) if tests else None


def _in(name: str, ids: set[int]) -> Callable[[JSON], bool]:
    return lambda case: case[name] in ids


def _id_filter(request: Request, name: str) -> list[Callable[[JSON], bool]]:
    raw = request.arg(name)
    if raw is None or raw == "":
        return []
    if not raw.isdigit():
        raise Invalid([(name, f"The {name.replace('_', ' ')} must be an integer.")])
    return [lambda c: c[name] == int(raw)]


def _suite_filter(request: Request) -> list[Callable[[JSON], bool]]:
    """``suite_id``: the suite's cases, and its children's under ``--suite-filter
    descendants``."""
    found = _id_filter(request, "suite_id")
    if not found:
        return found
    suites = request.store.filtered_suites(request.code, int(request.arg("suite_id") or 0))
    return [lambda case: case["suite_id"] in suites]


def _slugs(request: Request, name: str) -> set[str] | None:
    raw = request.arg(name)
    return None if raw is None or raw == "" else {s.strip() for s in raw.split(",")}


def _automation_filter(request: Request) -> list[Callable[[JSON], bool]]:
    wanted = _slugs(request, "automation")
    if wanted is None:
        return []
    ids = {AUTOMATION_SLUGS[s] for s in wanted if s in AUTOMATION_SLUGS}
    return [lambda c: c["automation"] in ids]


def _search_filter(request: Request) -> list[Callable[[JSON], bool]]:
    text = (request.arg("search") or "").strip().lower()
    return [lambda c: text in c["title"].lower()] if text else []


def _issue_filter(request: Request) -> list[Callable[[JSON], bool]]:
    kind = request.arg("external_issues[type]")
    keys = set(request.query.get("external_issues[ids][]", []))
    if kind is None and not keys:
        return []

    def keep(case: JSON) -> bool:
        kinds = [kind] if kind else list(case["external_issues"])
        held = {k for t in kinds for k in case["external_issues"].get(t, [])}
        return bool(held & keys) if keys else bool(held)

    return [keep]


# --- shared steps -------------------------------------------------------------------------


def list_shared_steps(request: Request) -> Answer:
    everything = request.store.shared_steps(request.code)
    return page_of(request, everything, search(request, everything))


def get_shared_step(request: Request) -> Answer:
    return ok(request.store.get_shared_step(request.code, request.params["hash"]))


def create_shared_step(request: Request) -> Answer:
    return ok({"hash": request.store.create_shared_step(request.code, request.payload())})


def patch_shared_step(request: Request) -> Answer:
    shared_hash = request.params["hash"]
    return ok(
        {"hash": request.store.patch_shared_step(request.code, shared_hash, request.payload())}
    )


def delete_shared_step(request: Request) -> Answer:
    return ok({"hash": request.store.delete_shared_step(request.code, request.params["hash"])})


# --- the table ----------------------------------------------------------------------------

_CODE = r"(?P<code>[A-Za-z0-9]{2,10})"
_ID = r"(?P<id>\d+)"
_HASH = r"(?P<hash>[0-9A-Za-z]+)"

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/project", list_projects),
    ("GET", f"/project/{_CODE}", get_project),
    ("GET", "/system_field", system_fields),
    ("GET", "/custom_field", list_custom_fields),
    ("GET", f"/custom_field/{_ID}", get_custom_field),
    ("GET", f"/suite/{_CODE}", list_suites),
    ("POST", f"/suite/{_CODE}", create_suite),
    ("GET", f"/suite/{_CODE}/{_ID}", get_suite),
    ("PATCH", f"/suite/{_CODE}/{_ID}", patch_suite),
    ("DELETE", f"/suite/{_CODE}/{_ID}", delete_suite),
    ("GET", f"/case/{_CODE}", list_cases),
    ("POST", f"/case/{_CODE}", create_case),
    ("POST", f"/case/{_CODE}/bulk", create_cases),
    ("POST", f"/case/{_CODE}/external-issue/attach", attach_issues),
    ("POST", f"/case/{_CODE}/external-issue/detach", detach_issues),
    ("GET", f"/case/{_CODE}/{_ID}", get_case),
    ("PATCH", f"/case/{_CODE}/{_ID}", patch_case),
    ("DELETE", f"/case/{_CODE}/{_ID}", delete_case),
    ("GET", f"/shared_step/{_CODE}", list_shared_steps),
    ("POST", f"/shared_step/{_CODE}", create_shared_step),
    ("GET", f"/shared_step/{_CODE}/{_HASH}", get_shared_step),
    ("PATCH", f"/shared_step/{_CODE}/{_HASH}", patch_shared_step),
    ("DELETE", f"/shared_step/{_CODE}/{_HASH}", delete_shared_step),
]

_COMPILED = [(method, re.compile(pattern + "/?"), handler) for method, pattern, handler in ROUTES]


def resolve(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    """The handler and path parameters for ``method path``; 404 or 405 as ApiError."""
    allowed = False
    for route_method, pattern, handler in _COMPILED:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        if route_method == method:
            return handler, match.groupdict()
        allowed = True
    if allowed:
        raise ApiError(405, {"status": False, "errorMessage": "Method not allowed."})
    raise ApiError(404, {"status": False, "errorMessage": "Not found."})
