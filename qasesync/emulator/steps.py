"""Case and shared-step steps: the write form checked and stored, the read form expanded.

Stored steps are either ``{"shared": hash}`` (a reference, expanded on every read, so an
edited shared step shows in every case that uses it) or a plain step
``{"hash", "action", "expected_result", "data", "attachments", "steps"}``, where
``attachments`` holds the hashes of files the store knows. A write replaces the whole
step list, so a step sent without its ``attachments`` loses them, as on the live service.

A reference reads *expanded* (each inner step its own entry carrying the shared step's
hash) or, with ``collapsed``, as one entry per use (docs/qase-api.md: the evidence leaves
the live shape open).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from qasesync.emulator import values
from qasesync.emulator.apierrors import Problems

JSON = dict[str, Any]
NewHash = Callable[[], str]
SharedLookup = Callable[[str], "JSON | None"]
#: An attachment's metadata by hash (``filename``, ``mime``, ``size``), None if unknown.
FileLookup = Callable[[str], "JSON | None"]


#: Where an attachment's URL points (the hash and the file name follow).
ATTACHMENT_URL = "https://emulator.qase.invalid/attachment"


def no_files(_: str) -> JSON | None:
    return None


def parse_case_steps(
    raw: Any,
    problems: Problems,
    *,
    gherkin: bool,
    shared: SharedLookup,
    new_hash: NewHash,
    files: FileLookup = no_files,
) -> list[JSON]:
    """The stored form of a case's ``steps`` (classic or gherkin)."""
    if not isinstance(raw, list):
        problems.add("steps", "The {field} must be an array.")
        return []
    if gherkin:
        return [
            _parse_gherkin(item, problems.sub(f"steps.{index}."), new_hash)
            for index, item in enumerate(raw)
        ]
    return [
        step
        for index, item in enumerate(raw)
        if (step := _parse_classic(item, problems.sub(f"steps.{index}."), shared, new_hash, files))
        is not None
    ]


def _parse_classic(
    raw: Any, problems: Problems, shared: SharedLookup, new_hash: NewHash, files: FileLookup
) -> JSON | None:
    if not isinstance(raw, dict):
        problems.add("action", "The {field} field is required.")
        return None
    reference = raw.get("shared")
    if reference not in (None, ""):
        if not isinstance(reference, str) or shared(reference) is None:
            problems.add("shared", "The selected {field} is invalid.")
            return None
        return {"shared": reference}
    # shared_step_hash is not part of the write form: the live API ignores it.
    return _plain(
        raw,
        problems,
        new_hash,
        files,
        nested=lambda r, p: _parse_classic(r, p, shared, new_hash, files),
    )


def _plain(
    raw: Mapping[str, Any],
    problems: Problems,
    new_hash: NewHash,
    files: FileLookup,
    *,
    nested: Callable[[Any, Problems], JSON | None],
) -> JSON:
    action = values.text(raw.get("action"), "action", problems, required=True)
    children = raw.get("steps") or []
    if not isinstance(children, list):
        problems.add("steps", "The {field} must be an array.")
        children = []
    return {
        "hash": new_hash(),
        "action": action or "",
        "expected_result": values.text(raw.get("expected_result"), "expected_result", problems),
        "data": values.text(raw.get("data"), "data", problems),
        "attachments": _attachments(raw.get("attachments"), problems, files),
        "steps": [
            step
            for index, item in enumerate(children)
            if (step := nested(item, problems.sub(f"steps.{index}."))) is not None
        ],
    }


def _attachments(raw: Any, problems: Problems, files: FileLookup) -> list[str]:
    """The hashes of uploaded files (``AttachmentHashList``); an unknown one is refused."""
    if raw is None:
        return []
    hashes = values.string_list(raw, "attachments", problems)
    for index, found in enumerate(hashes):
        if files(found) is None:
            problems.add(f"attachments.{index}", "The selected {field} is invalid.")
    return hashes


def _parse_gherkin(raw: Any, problems: Problems, new_hash: NewHash) -> JSON:
    if not isinstance(raw, dict):
        problems.add("value", "The {field} field is required.")
        raw = {}
    for key in ("expected_result", "data", "shared", "attachments", "steps"):
        if raw.get(key):
            problems.add(key, "The {field} field is prohibited for gherkin steps.")
    if raw.get("value") and raw.get("action"):
        problems.add("action", "The {field} field is prohibited when value is present.")
    scenario = values.text(raw.get("value", raw.get("action")), "value", problems, required=True)
    return {
        "hash": new_hash(),
        "action": scenario or "",
        "expected_result": None,
        "data": None,
        "attachments": [],
        "steps": [],
    }


def parse_shared_content(
    raw: Any, problems: Problems, *, new_hash: NewHash, files: FileLookup = no_files
) -> list[JSON]:
    """The stored steps of a shared step (each needs an ``action``; no references)."""
    if not isinstance(raw, list):
        problems.add("steps", "The {field} must be an array.")
        return []
    return [
        _shared_content(item, problems.sub(f"steps.{index}."), new_hash, files)
        for index, item in enumerate(raw)
    ]


def _shared_content(raw: Any, problems: Problems, new_hash: NewHash, files: FileLookup) -> JSON:
    if not isinstance(raw, dict):
        problems.add("action", "The {field} field is required.")
        raw = {}
    return _plain(
        raw,
        problems,
        new_hash,
        files,
        nested=lambda r, p: _shared_content(r, p, new_hash, files),
    )


# --- read forms -------------------------------------------------------------------------


def read_case_steps(
    stored: list[JSON],
    shared: SharedLookup,
    files: FileLookup = no_files,
    *,
    collapsed: bool = False,
) -> list[JSON]:
    """The ``steps`` of a case as GET returns them: references expanded (or one entry per
    use when ``collapsed``), positions 1..n."""
    result: list[JSON] = []
    for step in stored:
        if "shared" in step:
            result.extend(_reference(step["shared"], shared, files, collapsed))
        else:
            result.append(_read_step(step, None, None, shared, files, collapsed))
    for position, step in enumerate(result, start=1):
        step["position"] = position
    return result


def _reference(
    reference: str, shared: SharedLookup, files: FileLookup, collapsed: bool
) -> list[JSON]:
    target = shared(reference)
    if target is None:
        return []
    if collapsed:
        title = {
            "hash": reference,
            "action": target["title"],
            "expected_result": None,
            "data": None,
        }
        return [_read_step({**title, "steps": []}, reference, None, shared, files, collapsed)]
    return [
        _read_step(inner, reference, inner["hash"], shared, files, collapsed)
        for inner in target["steps"]
    ]


def _read_step(
    step: JSON,
    shared_hash: str | None,
    nested_hash: str | None,
    shared: SharedLookup,
    files: FileLookup,
    collapsed: bool,
) -> JSON:
    return {
        "hash": step["hash"],
        "shared_step_hash": shared_hash,
        "shared_step_nested_hash": nested_hash,
        "position": 0,
        "action": step["action"],
        "expected_result": step["expected_result"],
        "data": step["data"],
        "attachments": [_case_attachment(h, files) for h in step.get("attachments", ())],
        "steps": read_case_steps(step["steps"], shared, files, collapsed=collapsed),
    }


def _case_attachment(found: str, files: FileLookup) -> JSON:
    """A case step's attachment as the spec's ``TestStep`` reads it: no ``hash``; the URL
    holds it (``…/attachment/<hash>/<filename>``)."""
    meta = files(found) or {"filename": "", "mime": "", "size": 0}
    return {
        "size": meta["size"],
        "mime": meta["mime"],
        "filename": meta["filename"],
        "url": f"{ATTACHMENT_URL}/{found}/{meta['filename']}",
    }


def read_shared_content(stored: list[JSON], files: FileLookup = no_files) -> list[JSON]:
    """The ``steps`` of a shared step as GET returns them; attachments with their hash
    (the spec's ``SharedStepContent``)."""
    return [
        {
            "hash": step["hash"],
            "action": step["action"],
            "expected_result": step["expected_result"] or "",
            "data": step["data"] or "",
            "attachments": [
                {**_case_attachment(h, files), "hash": h} for h in step.get("attachments", ())
            ],
            "steps": read_shared_content(step["steps"], files),
        }
        for step in stored
    ]


def references(stored: list[JSON]) -> set[str]:
    """Hashes of the shared steps a stored step list uses, at any depth."""
    found: set[str] = set()
    for step in stored:
        if "shared" in step:
            found.add(step["shared"])
        else:
            found |= references(step["steps"])
    return found


def inline(
    stored: list[JSON], reference: str, content: list[JSON], new_hash: NewHash
) -> list[JSON]:
    """``stored`` with each use of ``reference`` replaced by plain copies of ``content``."""
    result: list[JSON] = []
    for step in stored:
        if step.get("shared") == reference:
            result.extend(_copy(inner, new_hash) for inner in content)
        elif "shared" in step:
            result.append(step)
        else:
            result.append({**step, "steps": inline(step["steps"], reference, content, new_hash)})
    return result


def _copy(step: JSON, new_hash: NewHash) -> JSON:
    return {**step, "hash": new_hash(), "steps": [_copy(s, new_hash) for s in step["steps"]]}
