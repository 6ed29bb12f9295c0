"""Live Qase JSON → the model, following the conventions in `qasesync.model`.

Suites become ``Suite(key="#<id>")``; cases get enum slugs (always filled in), custom
fields by title, shared-step runs folded back into one reference per use (a hash the
project's shared steps lack is a workspace-level shared step), and ``inexpressible``
naming what the tree cannot hold. Pure: no I/O.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qasesync.model import (
    Case,
    CustomValue,
    SharedStep,
    Step,
    Suite,
    live_suite_id,
    live_suite_key,
    shared_text,
)
from qasesync.qase.fields import FieldMap, JsonObject, decode_value

log = logging.getLogger(__name__)

#: The hash in an attachment's URL (``…/attachment/<hash>/<filename>``): a case step's
#: attachment reads as ``{size, mime, filename, url}`` without its hash (the spec's
#: ``TestStep``), a shared step's with it (``SharedStepContent``); docs/qase-api.md.
_ATTACHMENT_URL = re.compile(r"/attachment/([0-9a-fA-F]{32,64})(?:/|$|\?)")


# --- suites -----------------------------------------------------------------------------


def suites_from_json(items: Iterable[JsonObject]) -> tuple[Suite, ...]:
    """The flat suite list as a tree of keys, parents before children."""
    by_id = {int(item["id"]): item for item in items}
    suites = {sid: _suite(item, by_id) for sid, item in by_id.items()}
    return tuple(sorted(suites.values(), key=lambda s: (_depth(s, suites), s.id or 0)))


def _suite(item: JsonObject, by_id: Mapping[int, JsonObject]) -> Suite:
    parent_id = item.get("parent_id")
    if parent_id is not None and int(parent_id) not in by_id:
        log.warning(
            "suite %s has an unknown parent %s; read as a root suite", item["id"], parent_id
        )
        parent_id = None
    return Suite(
        key=live_suite_key(int(item["id"])),
        title=str(item.get("title") or ""),
        id=int(item["id"]),
        parent=live_suite_key(None if parent_id is None else int(parent_id)),
        description=item.get("description") or "",
        preconditions=item.get("preconditions") or "",
        updated_at=item.get("updated_at"),
    )


def _depth(suite: Suite, suites: Mapping[int, Suite]) -> int:
    depth, seen = 0, set()
    while suite.parent is not None and suite.id not in seen:
        seen.add(suite.id)
        suite = suites[live_suite_id(suite.parent)]
        depth += 1
    return depth


# --- shared steps -----------------------------------------------------------------------


def shared_step_from_json(item: JsonObject) -> SharedStep:
    """A live shared step: ``key == hash``."""
    flags: set[str] = set()
    steps = tuple(_plain_step(s, flags) for s in item.get("steps") or ())
    if not steps and item.get("action"):
        steps = (_plain_step(item, flags),)  # the deprecated single-step form
    return SharedStep(
        key=str(item["hash"]),
        title=str(item.get("title") or ""),
        hash=str(item["hash"]),
        steps=steps,
        used_by=tuple(int(c) for c in item.get("cases") or ()),
        updated_at=item.get("updated_at"),
        inexpressible=tuple(sorted(flags)),
    )


def _plain_step(item: JsonObject, flags: set[str]) -> Step:
    return Step(
        action=shared_text(item.get("action")),
        expected_result=shared_text(item.get("expected_result")),
        data=shared_text(item.get("data")),
        steps=tuple(_plain_step(s, flags) for s in item.get("steps") or ()),
        attachments=attachment_hashes(item.get("attachments"), flags),
    )


def attachment_hashes(items: Iterable[Any] | None, flags: set[str]) -> tuple[str, ...]:
    """The hashes of a step's attachments; one whose hash the read does not give (neither
    a ``hash`` nor a URL holding it) adds ``steps`` to ``flags``: a steps write would
    drop it, so the planner refuses one."""
    hashes: list[str] = []
    for item in items or ():
        found = _attachment_hash(item)
        if found is None:
            flags.add("steps")
        else:
            hashes.append(found)
    return tuple(hashes)


def _attachment_hash(item: Any) -> str | None:
    if isinstance(item, str):
        return item or None
    if not isinstance(item, Mapping):
        return None
    if item.get("hash"):
        return str(item["hash"])
    match = _ATTACHMENT_URL.search(str(item.get("url") or ""))
    return match.group(1) if match else None


# --- cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseReader:
    """Reads live cases against one workspace, its shared steps and the project's
    external issue type."""

    fields: FieldMap
    shared_lengths: Mapping[str, int]
    external_issue_type: str = "jira-cloud"

    def case(self, item: JsonObject) -> Case:
        flags: set[str] = set()
        steps, gherkin = self._steps(item, flags)
        return Case(
            title=str(item.get("title") or ""),
            id=int(item["id"]),
            suite=live_suite_key(None if item.get("suite_id") is None else int(item["suite_id"])),
            description=item.get("description") or "",
            preconditions=item.get("preconditions") or "",
            postconditions=item.get("postconditions") or "",
            severity=self._enum(item, "severity"),
            priority=self._enum(item, "priority"),
            type=self._enum(item, "type"),
            behavior=self._enum(item, "behavior"),
            layer=self._enum(item, "layer"),
            status=self._enum(item, "status"),
            automation=automation_from_json(item),
            flaky=bool(item.get("is_flaky")),
            milestone_id=item.get("milestone_id"),
            tags=tuple(_tag(t) for t in item.get("tags") or ()),
            external_issues=self._issues(item.get("external_issues") or (), flags),
            custom_fields=self._custom(item.get("custom_fields") or (), flags),
            parameters=_parameters(item, flags),
            steps=steps,
            gherkin=gherkin,
            inexpressible=tuple(sorted(flags)),
            updated_at=item.get("updated_at"),
        )

    def _enum(self, item: JsonObject, name: str) -> str:
        return self.fields.enum_slug(name, item.get(name), case_id=item.get("id"))

    def _steps(self, item: JsonObject, flags: set[str]) -> tuple[tuple[Step, ...], str | None]:
        raw = item.get("steps") or ()
        if item.get("steps_type") == "gherkin":
            first = raw[0] if raw else {}
            return (), str(first.get("action") or first.get("value") or "")
        return self.steps(raw, flags), None

    def steps(self, items: Sequence[JsonObject], flags: set[str]) -> tuple[Step, ...]:
        """Classic steps, each run of one shared step's entries folded into one reference
        per use: of the project's shared step, or of a workspace-level one (with the
        content the run read, read-only) when the project has no shared step of that hash."""
        out: list[Step] = []
        start = 0
        while start < len(items):
            shared = items[start].get("shared_step_hash")
            if not shared:
                out.append(self._own_step(items[start], flags))
                start += 1
                continue
            end = _run_end(items, start, shared)
            length = self.shared_lengths.get(shared)
            for use in _uses(items[start:end], length, shared):
                out.append(
                    Step(shared=sys.intern(shared))
                    if length is not None
                    else _workspace(shared, use)
                )
            start = end
        return tuple(out)

    def _own_step(self, item: JsonObject, flags: set[str]) -> Step:
        return Step(
            action=shared_text(item.get("action")),
            expected_result=shared_text(item.get("expected_result")),
            data=shared_text(item.get("data")),
            steps=self.steps(nested, flags) if (nested := item.get("steps")) else (),
            attachments=attachment_hashes(item.get("attachments"), flags),
        )

    def _issues(self, groups: Iterable[JsonObject], flags: set[str]) -> tuple[str, ...]:
        keys: list[str] = []
        for group in groups:
            ids = [str(issue.get("id")) for issue in group.get("issues") or ()]
            if group.get("type") == self.external_issue_type:
                keys.extend(ids)
            elif ids:
                flags.add("external_issues")
        return tuple(sorted(set(keys)))

    def _custom(self, values: Iterable[JsonObject], flags: set[str]) -> dict[str, CustomValue]:
        raw: dict[str, list[str]] = {}
        for entry in values:
            raw.setdefault(str(entry.get("id")), []).append(str(entry.get("value") or ""))
        out: dict[str, CustomValue] = {}
        for field_id, parts in raw.items():
            spec = self.fields.custom_by_id(field_id)
            joined = ",".join(p for p in parts if p)
            value = None if spec is None else decode_value(spec.field.type, spec.by_id, joined)
            if spec is None or value is None:
                continue
            if spec.field.title in out:
                flags.add("custom_fields")  # two fields share the title: the planner reports it
                continue
            out[spec.field.title] = value
        return out


def _run_end(items: Sequence[JsonObject], start: int, shared: str) -> int:
    end = start + 1
    while end < len(items) and items[end].get("shared_step_hash") == shared:
        end += 1
    return end


def _uses(run: Sequence[JsonObject], length: int | None, shared: str) -> list[Sequence[JsonObject]]:
    """A run of entries carrying one shared step's hash, split into its uses (back to
    back uses must not fold into one). Expanded entries carry the inner step's hash in
    ``shared_step_nested_hash``: a use starts where the first one comes again. Without
    it, entries that all read the same are collapsed uses (one entry each); else the run
    is expanded uses of ``length`` entries (unknown for a workspace shared step: one use)."""
    first = run[0].get("shared_step_nested_hash")
    if first:
        starts = [i for i, e in enumerate(run) if e.get("shared_step_nested_hash") == first]
        return [run[a:b] for a, b in zip(starts, [*starts[1:], len(run)], strict=True)]
    if len(run) == 1 or all(_texts(e) == _texts(run[0]) for e in run) or length == 1:
        return [[entry] for entry in run]
    if length is None:
        return [run]
    if len(run) % max(length, 1):
        log.warning(
            "shared step %s: a run of %d steps is no multiple of %d", shared, len(run), length
        )
    size = max(length, 1)
    return [run[i : i + size] for i in range(0, len(run), size)]


def _texts(entry: JsonObject) -> tuple[str, str, str]:
    return (
        str(entry.get("action") or ""),
        str(entry.get("expected_result") or ""),
        str(entry.get("data") or ""),
    )


def _workspace(shared: str, use: Sequence[JsonObject]) -> Step:
    """A use of a workspace-level shared step: its hash, and the content the case read
    (its files belong to the shared step: not kept)."""
    content = tuple(Step(*_texts(entry)) for entry in use)
    return Step(workspace=shared, steps=content)


def _tag(tag: Any) -> str:
    return sys.intern(tag if isinstance(tag, str) else str(tag.get("title", "")))


def automation_from_json(item: JsonObject) -> str:
    """manual, to-be-automated or automated: the booleans first, else the old integer."""
    manual = item.get("isManual", item.get("is_manual"))
    to_be = item.get("isToBeAutomated", item.get("is_to_be_automated"))
    if manual is None:
        return {1: "to-be-automated", 2: "automated"}.get(item.get("automation") or 0, "manual")
    if not manual:
        return "automated"
    return "to-be-automated" if to_be else "manual"


def _parameters(item: JsonObject, flags: set[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for param in item.get("parameters") or ():
        single = param.get("item")
        if param.get("type", "single") != "single" or param.get("shared_id") or not single:
            flags.add("parameters")
            continue
        out[str(single.get("title"))] = tuple(str(v) for v in single.get("values") or ())
    legacy = item.get("params")
    if not out and isinstance(legacy, dict):
        out = {str(k): tuple(str(v) for v in vs or ()) for k, vs in legacy.items()}
    return out
