"""Start the emulator with a project's content, ids and hashes as the caller's files have
them: ``qasesync emulator --from-tree DIR`` and ``--from-csv FILE``.

The content comes as plain data (the CLI turns a cases tree into it; the emulator shares
no code with qasesync's model): suites ``{"key", "id", "title", "description",
"preconditions", "parent"}`` (``parent`` a key), shared steps ``{"key", "hash", "title",
"steps"}``, cases ``{"id", "title", "description", "preconditions", "postconditions",
"suite"`` (a key)``, "severity" … "status"`` (slugs)``, "automation"`` (``manual``,
``to-be-automated``, ``automated``)``, "is_flaky", "milestone_id", "tags", "parameters"``
(name → values)``, "custom_fields"`` (title → value)``, "steps", "gherkin"}``; a step is
``{"action", "expected_result", "data", "steps"}`` or ``{"shared": key}``.

Everything goes in through the store's own create operations, so it is checked as the
API checks a write; then each suite, case and shared step gets the id or hash given (one
without gets the next free id, or a new hash). Automation is set as a single create sets
it (a bulk create ignores it). A custom field's value needs the field to exist (the
caller seeds those the content uses): option titles become option ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from qasesync.emulator.fields import ENUM_FIELDS, field_type
from qasesync.emulator.store import Store

JSON = dict[str, Any]
_AUTOMATION = {"manual": 0, "to-be-automated": 1, "automated": 2}


def seed_project(
    store: Store,
    code: str,
    *,
    suites: Sequence[JSON] = (),
    shared_steps: Sequence[JSON] = (),
    cases: Sequence[JSON] = (),
) -> None:
    """Put the content into project ``code`` (made when missing)."""
    store.add_project(code)
    with store.locked():
        project = store._project(code)
        suite_ids = _seed_suites(store, project, code, suites)
        hashes = _seed_shared(store, project, code, shared_steps)
        _seed_cases(store, project, code, cases, suite_ids, hashes)


# --- suites -----------------------------------------------------------------------------


def _seed_suites(store: Store, project: JSON, code: str, suites: Sequence[JSON]) -> dict[str, int]:
    ids = _wanted_ids(suites, project["next_suite"])
    for suite in _parents_first(suites):
        project["next_suite"] = ids[suite["key"]]  # create_suite gives the next id
        parent = suite.get("parent")
        payload = {
            "title": suite["title"],
            "description": suite.get("description", ""),
            "preconditions": suite.get("preconditions", ""),
            "parent_id": ids.get(parent) if parent is not None else None,
        }
        store.create_suite(code, payload)
    project["next_suite"] = max([project["next_suite"] - 1, *ids.values()]) + 1
    return ids


def _wanted_ids(suites: Sequence[JSON], following: int) -> dict[str, int]:
    given = [suite["id"] for suite in suites if suite.get("id") is not None]
    following = max([following - 1, *given])
    ids = {}
    for suite in suites:
        if suite.get("id") is None:
            following += 1
        ids[suite["key"]] = suite["id"] if suite.get("id") is not None else following
    return ids


def _parents_first(suites: Sequence[JSON]) -> list[JSON]:
    keys = {suite["key"] for suite in suites}
    placed: set[str | None] = {None}
    ordered: list[JSON] = []
    while len(ordered) < len(suites):
        ready = [s for s in suites if s["key"] not in placed and _placeable(s, placed, keys)]
        if not ready:
            raise ValueError("the suites' parent links form a cycle")
        ordered += ready
        placed |= {s["key"] for s in ready}
    return ordered


def _placeable(suite: JSON, placed: set[str | None], keys: set[str]) -> bool:
    parent = suite.get("parent")
    return parent in placed or parent not in keys


# --- shared steps -----------------------------------------------------------------------


def _seed_shared(
    store: Store, project: JSON, code: str, shared_steps: Sequence[JSON]
) -> dict[str, str]:
    hashes = {}
    for shared in shared_steps:
        made = store.create_shared_step(
            code, {"title": shared["title"], "steps": [_plain(s, {}) for s in shared["steps"]]}
        )
        wanted = shared.get("hash")
        if wanted and wanted not in project["shared"]:
            project["shared"][wanted] = {**project["shared"].pop(made), "hash": wanted}
            made = wanted
        hashes[shared["key"]] = made
    return hashes


def _plain(step: JSON, hashes: Mapping[str, str]) -> JSON:
    if step.get("shared") is not None:
        return {"shared": hashes.get(step["shared"], step["shared"])}
    return {
        "action": step.get("action", ""),
        "expected_result": step.get("expected_result", ""),
        "data": step.get("data", ""),
        "steps": [_plain(s, hashes) for s in step.get("steps", [])],
    }


# --- cases ------------------------------------------------------------------------------


def _seed_cases(
    store: Store,
    project: JSON,
    code: str,
    cases: Sequence[JSON],
    suite_ids: Mapping[str, int],
    hashes: Mapping[str, str],
) -> None:
    known = [case for case in cases if case.get("id") is not None]
    new = [case for case in cases if case.get("id") is None]
    store.create_cases(code, [_payload(store, case, suite_ids, hashes) for case in known])
    made = store.create_cases(code, [_payload(store, case, suite_ids, hashes) for case in new])
    for case, case_id in zip([*known, *new], [*(c["id"] for c in known), *made], strict=True):
        if case.get("automation") in _AUTOMATION:
            project["cases"][case_id]["automation"] = _AUTOMATION[case["automation"]]


def _payload(
    store: Store, case: JSON, suite_ids: Mapping[str, int], hashes: Mapping[str, str]
) -> JSON:
    payload: JSON = {
        name: case.get(name, "")
        for name in ("title", "description", "preconditions", "postconditions")
    }
    for name in ("id", "is_flaky", "milestone_id"):
        if case.get(name) is not None:
            payload[name] = case[name]
    if case.get("suite") is not None:
        payload["suite_id"] = suite_ids[case["suite"]]
    for name in ENUM_FIELDS:
        option = store.system.ids_for(name, [case[name]]) if case.get(name) else set()
        if option:
            payload[name] = option.pop()
    payload["tags"] = list(case.get("tags", []))
    parameters = case.get("parameters", {})
    payload["parameters"] = [{"title": k, "values": list(v)} for k, v in parameters.items()]
    payload["custom_field"] = _custom(store.custom_field_list, case.get("custom_fields", {}))
    if case.get("gherkin") is not None:
        text = case["gherkin"]
        payload.update(steps_type="gherkin", steps=[{"value": text}] if text else [])
    else:
        steps = [_plain(s, hashes) for s in case.get("steps", [])]
        payload.update(steps_type="classic", steps=steps)
    return payload


def _custom(fields: Sequence[JSON], values: Mapping[str, Any]) -> dict[str, str]:
    by_title = {str(f["title"]): f for f in fields}
    return {
        str(by_title[title]["id"]): _custom_value(by_title[title], value)
        for title, value in values.items()
        if title in by_title
    }


def _custom_value(field: JSON, value: Any) -> str:
    options = {str(o["title"]): str(o["id"]) for o in _options(field)}
    if isinstance(value, list | tuple):
        return ",".join(options.get(str(item), str(item)) for item in value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if field_type(field) in ("selectbox", "radio"):
        return options.get(str(value), str(value))
    return str(value)


def _options(field: JSON) -> list[JSON]:
    """An option field's options, from its JSON-encoded ``value`` (as the API has them)."""
    try:
        options = json.loads(field.get("value") or "[]")
    except ValueError:
        return []
    return [o for o in options if isinstance(o, dict) and "id" in o and "title" in o]
