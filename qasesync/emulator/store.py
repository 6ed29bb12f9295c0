"""The emulator's in-memory workspace: projects, suites, cases, shared steps and fields.

Every method takes and returns the API's JSON forms and is thread-safe (one re-entrant
lock). Writes check their payload as the live API does and raise
:class:`~qasesync.emulator.apierrors.ApiError` (``Invalid``: 400 ``Data is invalid.``;
``NotFound``: 404). The store knows nothing of HTTP, tokens or faults: tests use it
directly to seed and inspect the emulated Qase.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from qasesync.emulator import cases as case_forms
from qasesync.emulator import steps as step_forms
from qasesync.emulator import values
from qasesync.emulator.apierrors import ApiError, Invalid, NotFound, Problems
from qasesync.emulator.fields import SystemFields, default_system_fields, field_type

JSON = dict[str, Any]
Clock = Callable[[], datetime]
STAMP = "%Y-%m-%dT%H:%M:%S+00:00"
AUTHOR_ID = 1


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """The workspace state; see the module docstring."""

    def __init__(
        self,
        *,
        projects: Sequence[str] = (),
        system_fields: Sequence[Mapping[str, Any]] | None = None,
        custom_fields: Sequence[Mapping[str, Any]] | None = None,
        seed: int = 0,
        clock: Clock = _utcnow,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._seed = seed
        self._hashes = 0
        self.system = SystemFields(
            default_system_fields() if system_fields is None else system_fields
        )
        self.custom_field_list: list[JSON] = [dict(f) for f in custom_fields or []]
        self._projects: dict[str, JSON] = {}
        for code in projects:
            self.add_project(code)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store lock (for a consistent read across several calls)."""
        with self._lock:
            yield

    # --- projects -----------------------------------------------------------------------

    def add_project(self, code: str, title: str | None = None) -> None:
        """Add an empty project (no-op when it exists)."""
        with self._lock:
            self._projects.setdefault(code, _new_project(code, title or code))

    def project_codes(self) -> list[str]:
        """The codes of all projects, in creation order."""
        with self._lock:
            return list(self._projects)

    def get_project(self, code: str) -> JSON:
        """``GET /project/{code}``: title, code and counts."""
        with self._lock:
            project = self._project(code)
            return {
                "title": project["title"],
                "code": code,
                "counts": {
                    "cases": len(project["cases"]),
                    "suites": len(project["suites"]),
                    "milestones": 0,
                    "runs": {"total": 0, "active": 0},
                    "defects": {"total": 0, "open": 0},
                },
            }

    def _project(self, code: str) -> JSON:
        project = self._projects.get(code)
        if project is None:
            raise NotFound("Project not found")
        return project

    # --- suites -------------------------------------------------------------------------

    def create_suite(self, code: str, payload: Mapping[str, Any]) -> int:
        """``POST /suite/{code}``; returns the new id."""
        with self._lock:
            project = self._project(code)
            fields = self._suite_fields(project, payload, creating=True)
            suite_id: int = project["next_suite"]
            project["next_suite"] = suite_id + 1
            siblings = [
                s for s in project["suites"].values() if s["parent_id"] == fields["parent_id"]
            ]
            stamp = self._stamp(None)
            project["suites"][suite_id] = {
                "id": suite_id,
                **fields,
                "position": len(siblings) + 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
            return suite_id

    def get_suite(self, code: str, suite_id: int) -> JSON:
        """``GET /suite/{code}/{id}``."""
        with self._lock:
            project = self._project(code)
            return _read_suite(self._suite(project, suite_id), self._case_counts(project))

    def suites(self, code: str) -> list[JSON]:
        """All suites of a project, flat, by ascending id."""
        with self._lock:
            project = self._project(code)
            counts = self._case_counts(project)
            return [_read_suite(project["suites"][i], counts) for i in sorted(project["suites"])]

    def patch_suite(self, code: str, suite_id: int, payload: Mapping[str, Any]) -> int:
        """``PATCH /suite/{code}/{id}``; moving by ``parent_id`` (null: to the root)."""
        with self._lock:
            project = self._project(code)
            suite = self._suite(project, suite_id)
            fields = self._suite_fields(project, payload, creating=False)
            if fields.get("parent_id") is not None and suite_id in self._lineage(
                project, fields["parent_id"]
            ):
                raise Invalid([("parent_id", "The selected parent id is invalid.")])
            suite.update(fields)
            suite["updated_at"] = self._stamp(suite["updated_at"])
            return suite_id

    def delete_suite(self, code: str, suite_id: int, destination_id: int | None = None) -> int:
        """``DELETE /suite/{code}/{id}``: child suites go too; their cases move to
        ``destination_id`` when given, else they are deleted."""
        with self._lock:
            project = self._project(code)
            self._suite(project, suite_id)
            doomed = self._subtree(project, suite_id)
            if destination_id is not None and (
                destination_id in doomed or destination_id not in project["suites"]
            ):
                raise Invalid([("destination_id", "The selected destination id is invalid.")])
            for case in list(project["cases"].values()):
                if case["suite_id"] in doomed:
                    self._move_or_drop(project, case, destination_id)
            for doomed_id in doomed:
                del project["suites"][doomed_id]
            return suite_id

    def _move_or_drop(self, project: JSON, case: JSON, destination_id: int | None) -> None:
        if destination_id is None:
            del project["cases"][case["id"]]
            return
        case["suite_id"] = destination_id
        case["updated_at"] = self._stamp(case["updated_at"])

    def _suite_fields(self, project: JSON, payload: Mapping[str, Any], *, creating: bool) -> JSON:
        problems = Problems()
        fields: JSON = {}
        if creating or "title" in payload:
            fields["title"] = values.title(payload.get("title"), "title", problems)
        for name in ("description", "preconditions"):
            if creating or name in payload:
                fields[name] = values.text(payload.get(name), name, problems)
        if creating or "parent_id" in payload:
            parent = values.integer(payload.get("parent_id"), "parent_id", problems, nullable=True)
            if parent is not None and parent not in project["suites"]:
                problems.add("parent_id", "The selected {field} is invalid.")
            fields["parent_id"] = parent
        problems.raise_if_any()
        return fields

    def _suite(self, project: JSON, suite_id: int) -> JSON:
        suite = project["suites"].get(suite_id)
        if suite is None:
            raise NotFound("Suite not found")
        result: JSON = suite
        return result

    def _lineage(self, project: JSON, suite_id: int | None) -> list[int]:
        """``suite_id`` and its ancestors."""
        chain: list[int] = []
        while suite_id is not None and suite_id not in chain:
            chain.append(suite_id)
            suite_id = project["suites"][suite_id]["parent_id"]
        return chain

    def _subtree(self, project: JSON, suite_id: int) -> set[int]:
        return {s for s in project["suites"] if suite_id in self._lineage(project, s)}

    def _case_counts(self, project: JSON) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for case in project["cases"].values():
            counts[case["suite_id"]] = counts.get(case["suite_id"], 0) + 1
        return counts

    # --- cases --------------------------------------------------------------------------

    def create_case(self, code: str, payload: Mapping[str, Any]) -> int:
        """``POST /case/{code}`` (``isManual``/``isToBeAutomated`` honoured); the new id."""
        with self._lock:
            project = self._project(code)
            problems = Problems()
            fields = case_forms.parse_case(payload, problems, self._context(project), "create")
            problems.raise_if_any()
            return self._insert_case(project, fields, None)

    def create_cases(self, code: str, payloads: Sequence[Mapping[str, Any]]) -> list[int]:
        """``POST /case/{code}/bulk``: all or nothing; ids in submission order."""
        with self._lock:
            project = self._project(code)
            problems = Problems()
            context = self._context(project)
            parsed = [
                self._bulk_item(project, p, problems.sub(f"cases.{i}."), context)
                for i, p in enumerate(payloads)
            ]
            problems.raise_if_any()
            return [self._insert_case(project, fields, wanted) for fields, wanted in parsed]

    def _bulk_item(
        self, project: JSON, payload: Any, problems: Problems, context: case_forms.CaseContext
    ) -> tuple[JSON, int | None]:
        if not isinstance(payload, Mapping):
            problems.add("title", "The {field} field is required.")
            return {}, None
        wanted = values.integer(payload.get("id"), "id", problems, nullable=True)
        if wanted is not None and wanted in project["cases"]:
            problems.add("id", "The {field} has already been taken.")
        return case_forms.parse_case(payload, problems, context, "bulk"), wanted

    def _insert_case(self, project: JSON, fields: JSON, wanted: int | None) -> int:
        case_id = wanted if wanted is not None else project["next_case"]
        project["next_case"] = max(project["next_case"], case_id + 1)
        stamp = self._stamp(None)
        for tag in fields["tags"]:
            self._tag_id(project, tag)
        positions: dict[str, int] = project.setdefault("positions", {})
        slot = str(fields["suite_id"])
        positions[slot] = positions.get(slot, 0) + 1
        project["cases"][case_id] = {
            "id": case_id,
            **fields,
            "position": positions[slot],
            "author_id": AUTHOR_ID,
            "external_issues": {},
            "created_at": stamp,
            "updated_at": stamp,
        }
        return case_id

    def get_case(self, code: str, case_id: int, *, include_external: bool = False) -> JSON:
        """``GET /case/{code}/{id}``: the read form."""
        with self._lock:
            project = self._project(code)
            record = self._case(project, case_id)
            return case_forms.read_case(
                record, self._context(project), include_external=include_external
            )

    def cases(self, code: str, *, include_external: bool = False) -> list[JSON]:
        """Every case of a project, read form, by ascending id."""
        return self.list_cases(code, include_external=include_external)[2]

    def list_cases(
        self,
        code: str,
        *,
        keep: Callable[[JSON], bool] | None = None,
        offset: int = 0,
        limit: int | None = None,
        include_external: bool = False,
    ) -> tuple[int, int, list[JSON]]:
        """``(total, filtered, page)``: stored cases kept by ``keep``, ascending id, paged."""
        with self._lock:
            project = self._project(code)
            ordered = [project["cases"][i] for i in sorted(project["cases"])]
            kept = [c for c in ordered if keep is None or keep(c)]
            end = None if limit is None else offset + limit
            context = self._context(project)
            page = [
                case_forms.read_case(c, context, include_external=include_external)
                for c in kept[offset:end]
            ]
            return len(ordered), len(kept), page

    def patch_case(self, code: str, case_id: int, payload: Mapping[str, Any]) -> int:
        """``PATCH /case/{code}/{id}``: steps and tags replaced, custom_field partial."""
        with self._lock:
            project = self._project(code)
            record = self._case(project, case_id)
            problems = Problems()
            fields = case_forms.parse_case(
                payload, problems, self._context(project), "patch", record
            )
            problems.raise_if_any()
            custom = {**record["custom_field"], **fields.pop("custom_field", {})}
            record.update(fields)
            record["custom_field"] = {k: v for k, v in custom.items() if v != ""}
            for tag in record["tags"]:
                self._tag_id(project, tag)
            record["updated_at"] = self._stamp(record["updated_at"])
            return case_id

    def delete_case(self, code: str, case_id: int) -> int:
        """``DELETE /case/{code}/{id}``."""
        with self._lock:
            project = self._project(code)
            self._case(project, case_id)
            del project["cases"][case_id]
            return case_id

    def _case(self, project: JSON, case_id: int) -> JSON:
        record = project["cases"].get(case_id)
        if record is None:
            raise NotFound("Test case not found")
        result: JSON = record
        return result

    def _context(self, project: JSON) -> case_forms.CaseContext:
        shared = project["shared"]
        return case_forms.CaseContext(
            project=project["code"],
            system=self.system,
            custom_fields=self.custom_field_list,
            suite_exists=lambda suite_id: suite_id in project["suites"],
            shared=shared.get,
            new_hash=self._new_hash,
            tag_id=lambda title: self._tag_id(project, title),
        )

    def _tag_id(self, project: JSON, title: str) -> int:
        tags: dict[str, int] = project["tags"]
        if title not in tags:
            tags[title] = len(tags) + 1
        return tags[title]

    # --- external issues ----------------------------------------------------------------

    def attach_external_issues(
        self, code: str, payload: Mapping[str, Any], *, attach: bool = True
    ) -> None:
        """``POST /case/{code}/external-issue/attach`` (or ``detach``)."""
        with self._lock:
            project = self._project(code)
            kind, links = self._external_payload(project, payload)
            for case_id, keys in links:
                record = project["cases"][case_id]
                stored: list[str] = record["external_issues"].setdefault(kind, [])
                changed = (
                    [k for k in keys if k not in stored]
                    if attach
                    else [k for k in keys if k in stored]
                )
                stored[:] = stored + changed if attach else [k for k in stored if k not in changed]
                record["updated_at"] = self._stamp(record["updated_at"])

    def _external_payload(
        self, project: JSON, payload: Mapping[str, Any]
    ) -> tuple[str, list[tuple[int, list[str]]]]:
        problems = Problems()
        kind = payload.get("type")
        if kind not in ("jira-cloud", "jira-server"):
            problems.add("type", "The selected {field} is invalid.")
        raw_links = payload.get("links")
        if not isinstance(raw_links, list):
            problems.add("links", "The {field} field is required.")
            raw_links = []
        links = [
            self._external_link(project, link, problems.sub(f"links.{i}."))
            for i, link in enumerate(raw_links)
        ]
        problems.raise_if_any()
        _check_issue_keys([k for _, keys in links for k in keys])
        return str(kind), links

    def _external_link(self, project: JSON, link: Any, problems: Problems) -> tuple[int, list[str]]:
        link = link if isinstance(link, Mapping) else {}
        case_id = values.integer(link.get("case_id"), "case_id", problems)
        if case_id is not None and case_id not in project["cases"]:
            problems.add("case_id", "The selected {field} is invalid.")
        keys = values.string_list(link.get("external_issues"), "external_issues", problems)
        return case_id or 0, keys

    # --- shared steps -------------------------------------------------------------------

    def create_shared_step(self, code: str, payload: Mapping[str, Any]) -> str:
        """``POST /shared_step/{code}``; returns the new 40-hex hash."""
        with self._lock:
            project = self._project(code)
            fields = self._shared_fields(payload)
            shared_hash = self._new_hash()
            stamp = self._stamp(None)
            project["shared"][shared_hash] = {
                "hash": shared_hash,
                **fields,
                "created_at": stamp,
                "updated_at": stamp,
            }
            return shared_hash

    def get_shared_step(self, code: str, shared_hash: str) -> JSON:
        """``GET /shared_step/{code}/{hash}``."""
        with self._lock:
            project = self._project(code)
            return _read_shared(self._shared(project, shared_hash), self._usage(project))

    def shared_steps(self, code: str) -> list[JSON]:
        """All shared steps of a project, in creation order."""
        with self._lock:
            project = self._project(code)
            usage = self._usage(project)
            return [_read_shared(s, usage) for s in project["shared"].values()]

    def patch_shared_step(self, code: str, shared_hash: str, payload: Mapping[str, Any]) -> str:
        """``PATCH /shared_step/{code}/{hash}``: ``title`` required, steps replaced."""
        with self._lock:
            project = self._project(code)
            record = self._shared(project, shared_hash)
            fields = self._shared_fields(payload, patch=True)
            record.update(fields)
            record["updated_at"] = self._stamp(record["updated_at"])
            return shared_hash

    def delete_shared_step(self, code: str, shared_hash: str) -> str:
        """``DELETE /shared_step/{code}/{hash}``: cases that used it keep plain copies."""
        with self._lock:
            project = self._project(code)
            record = self._shared(project, shared_hash)
            for case in project["cases"].values():
                if shared_hash in step_forms.references(case["steps"]):
                    case["steps"] = step_forms.inline(
                        case["steps"], shared_hash, record["steps"], self._new_hash
                    )
            del project["shared"][shared_hash]
            return shared_hash

    def _shared_fields(self, payload: Mapping[str, Any], *, patch: bool = False) -> JSON:
        problems = Problems()
        title = values.title(payload.get("title"), "title", problems)
        raw = payload.get("steps")
        if raw is None and payload.get("action") is not None:
            raw = [{k: payload.get(k) for k in ("action", "expected_result", "data")}]
        if raw is None and patch:
            problems.raise_if_any()
            return {"title": title}
        content = step_forms.parse_shared_content(raw or [], problems, new_hash=self._new_hash)
        if not content:
            problems.add("steps", "The {field} field is required.")
        problems.raise_if_any()
        return {"title": title, "steps": content}

    def _shared(self, project: JSON, shared_hash: str) -> JSON:
        record = project["shared"].get(shared_hash)
        if record is None:
            raise NotFound("Shared step not found")
        result: JSON = record
        return result

    def _usage(self, project: JSON) -> dict[str, list[int]]:
        usage: dict[str, list[int]] = {}
        for case_id in sorted(project["cases"]):
            for ref in step_forms.references(project["cases"][case_id]["steps"]):
                usage.setdefault(ref, []).append(case_id)
        return usage

    # --- fields -------------------------------------------------------------------------

    def system_fields(self) -> list[JSON]:
        """``GET /system_field``: the bare list."""
        return [dict(f) for f in self.system.raw]

    def custom_fields(self, *, entity: str | None = None, kind: str | None = None) -> list[JSON]:
        """``GET /custom_field`` entities, optionally filtered by entity and type."""
        return [
            dict(f)
            for f in sorted(self.custom_field_list, key=lambda f: int(f["id"]))
            if (entity is None or str(f.get("entity", "")).lower() == entity)
            and (kind is None or field_type(f) == kind)
        ]

    def get_custom_field(self, field_id: int) -> JSON:
        """``GET /custom_field/{id}``."""
        for field in self.custom_field_list:
            if int(field["id"]) == field_id:
                return dict(field)
        raise NotFound("Custom field not found")

    # --- ids, hashes, time --------------------------------------------------------------

    def _new_hash(self) -> str:
        with self._lock:
            self._hashes += 1
            return hashlib.sha1(f"{self._seed}:{self._hashes}".encode()).hexdigest()

    def _stamp(self, previous: str | None) -> str:
        """Now, but always after ``previous``: ``updated_at`` changes on every write."""
        now = self._clock().astimezone(timezone.utc).replace(microsecond=0)
        if previous is not None:
            earliest = datetime.strptime(previous, STAMP).replace(tzinfo=timezone.utc) + timedelta(
                seconds=1
            )
            now = max(now, earliest)
        return now.strftime(STAMP)

    # --- state --------------------------------------------------------------------------

    def dump(self) -> JSON:
        """The whole state as JSON-able data (for ``--state``)."""
        with self._lock:
            return {
                "version": 1,
                "seed": self._seed,
                "hashes": self._hashes,
                "system_fields": self.system.raw,
                "custom_fields": self.custom_field_list,
                "projects": {code: _dump_project(p) for code, p in self._projects.items()},
            }

    def load(self, data: Mapping[str, Any]) -> None:
        """Replace the state with ``data`` from :meth:`dump`."""
        with self._lock:
            self._seed = int(data.get("seed", self._seed))
            self._hashes = int(data.get("hashes", 0))
            self.system = SystemFields(data.get("system_fields") or default_system_fields())
            self.custom_field_list = [dict(f) for f in data.get("custom_fields") or []]
            self._projects = {code: _load_project(p) for code, p in data["projects"].items()}


def _new_project(code: str, title: str) -> JSON:
    return {
        "code": code,
        "title": title,
        "next_case": 1,
        "next_suite": 1,
        "suites": {},
        "cases": {},
        "shared": {},
        "tags": {},
    }


def _dump_project(project: JSON) -> JSON:
    return {
        **project,
        "suites": list(project["suites"].values()),
        "cases": list(project["cases"].values()),
        "shared": list(project["shared"].values()),
    }


def _load_project(data: JSON) -> JSON:
    return {
        **data,
        "suites": {s["id"]: s for s in data["suites"]},
        "cases": {c["id"]: c for c in data["cases"]},
        "shared": {s["hash"]: s for s in data["shared"]},
    }


def _read_suite(suite: JSON, counts: Mapping[int | None, int]) -> JSON:
    return {
        "id": suite["id"],
        "title": suite["title"],
        "description": suite["description"],
        "preconditions": suite["preconditions"],
        "position": suite["position"],
        "cases_count": counts.get(suite["id"], 0),
        "parent_id": suite["parent_id"],
        "created_at": suite["created_at"],
        "updated_at": suite["updated_at"],
        "created": _legacy(suite["created_at"]),
        "updated": _legacy(suite["updated_at"]),
    }


def _read_shared(record: JSON, usage: Mapping[str, list[int]]) -> JSON:
    content = step_forms.read_shared_content(record["steps"])
    first = content[0] if content else {"action": "", "expected_result": "", "data": ""}
    used_by = usage.get(record["hash"], [])
    return {
        "hash": record["hash"],
        "title": record["title"],
        "action": first["action"],
        "expected_result": first["expected_result"],
        "data": first["data"],
        "steps": content,
        "cases": list(used_by),
        "cases_count": len(used_by),
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
        "created": _legacy(record["created_at"]),
        "updated": _legacy(record["updated_at"]),
    }


def _legacy(stamp: str) -> str:
    """The deprecated ``created``/``updated`` form: ``2021-12-30 19:23:59``."""
    return stamp[:19].replace("T", " ")


def _check_issue_keys(keys: list[str]) -> None:
    """Jira keys look like ``PROJ-1``; anything else is answered as the live API does."""
    bad = [k for k in keys if not _looks_like_issue_key(k)]
    if bad:
        message = f"Issues with ids: {', '.join(bad)} not found."
        raise ApiError(400, {"status": False, "errorMessage": message})


def _looks_like_issue_key(key: str) -> bool:
    prefix, _, number = key.partition("-")
    return prefix.isalnum() and prefix[:1].isalpha() and prefix.isupper() and number.isdigit()
