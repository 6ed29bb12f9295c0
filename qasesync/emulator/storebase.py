"""The store's foundation: projects, the lock, ids, hashes, time, fields and state.

The entity operations live in mixins (``store_suites``, ``store_cases``,
``store_shared``); :class:`qasesync.emulator.store.Store` puts them together.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from qasesync.emulator.apierrors import NotFound
from qasesync.emulator.fields import SystemFields, default_system_fields, field_type
from qasesync.emulator.shapes import Shapes

JSON = dict[str, Any]
Clock = Callable[[], datetime]
STAMP = "%Y-%m-%dT%H:%M:%S+00:00"
AUTHOR_ID = 1


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class StoreBase:
    """Projects, the lock, fields, ids and time; the entity mixins build on it."""

    def __init__(
        self,
        *,
        projects: Sequence[str] = (),
        system_fields: Sequence[Mapping[str, Any]] | None = None,
        custom_fields: Sequence[Mapping[str, Any]] | None = None,
        seed: int = 0,
        clock: Clock = _utcnow,
        shared_read: str = "expanded",
        shapes: Shapes | None = None,
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
        # Read forms of cases served by list pages, keyed by (project, id, include).
        self._reads: dict[tuple[str, int, bool], tuple[tuple[str, int, str], JSON]] = {}
        self._shared_version = 0
        #: Uploaded files by hash (``filename``, ``mime``, ``size``): what step
        #: ``attachments`` may name; the workspace's, like its shared steps below.
        self.files: dict[str, JSON] = {}
        #: Workspace-level shared steps by hash: usable from every project's cases, listed
        #: by no project's ``/shared_step`` (docs/qase-api.md).
        self.workspace_shared: dict[str, JSON] = {}
        #: How a case reads a shared-step reference: "expanded" or "collapsed".
        self.shared_read = shared_read
        #: The other open shapes (`qasesync.emulator.shapes`); replaceable at runtime.
        self.shapes = shapes or Shapes()
        #: What ``GET /case?suite_id=`` lists: the suite's own cases ("direct") or also
        #: those of its child suites ("descendants"); Qase does not document which.
        self.suite_filter = "direct"
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

    @staticmethod
    def _record(table: Mapping[Any, JSON], key: Any, missing: str) -> JSON:
        """One entity of a project's table, or the 404 the live service answers."""
        record = table.get(key)
        if record is None:
            raise NotFound(missing)
        return record

    # --- fields -------------------------------------------------------------------------

    def system_fields(self) -> list[JSON]:
        """``GET /system_field``: the bare list."""
        return [dict(f) for f in self.system.raw]

    def custom_fields(self, *, entity: str | None = None, kind: str | None = None) -> list[JSON]:
        """``GET /custom_field`` entities, optionally filtered by entity and type."""
        return [
            dict(f)
            for f in sorted(self.custom_field_list, key=lambda f: int(f["id"]))
            if (entity is None or entity_name(f) == entity)
            and (kind is None or field_type(f) == kind)
        ]

    def get_custom_field(self, field_id: int) -> JSON:
        """``GET /custom_field/{id}``."""
        for field in self.custom_field_list:
            if int(field["id"]) == field_id:
                return dict(field)
        raise NotFound("Custom field not found")

    def _shared_lookup(self, project: JSON) -> Callable[[str], JSON | None]:
        """A shared-step reference's target: the project's shared step, else the
        workspace's."""
        own: dict[str, JSON] = project["shared"]
        return lambda found: own.get(found) or self.workspace_shared.get(found)

    def _forget_reads(self, code: str, case_id: int) -> None:
        for include in (False, True):
            self._reads.pop((code, case_id, include), None)

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
                "files": list(self.files.values()),
                "workspace_shared_steps": list(self.workspace_shared.values()),
                "projects": {code: _dump_project(p) for code, p in self._projects.items()},
            }

    def load(self, data: Mapping[str, Any]) -> None:
        """Replace the state with ``data`` from :meth:`dump`. A fixture may hold only some
        of ``system_fields``, ``custom_fields``, ``files`` and ``workspace_shared_steps``
        (each step as ``add_workspace_shared_step`` stores it): what it lacks is left as
        it was."""
        with self._lock:
            self._seed = int(data.get("seed", self._seed))
            self._hashes = int(data.get("hashes", self._hashes))
            if data.get("system_fields") is not None:
                self.system = SystemFields(data["system_fields"])
            if data.get("custom_fields") is not None:
                self.custom_field_list = [dict(f) for f in data["custom_fields"]]
            if data.get("files") is not None:
                self.files = {f["hash"]: dict(f) for f in data["files"]}
            if data.get("workspace_shared_steps") is not None:
                self.workspace_shared = {s["hash"]: s for s in data["workspace_shared_steps"]}
            if data.get("projects") is not None:
                self._projects = {code: _load_project(p) for code, p in data["projects"].items()}
            self._reads.clear()
            self._shared_version += 1


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


def entity_name(field: Mapping[str, Any]) -> str:
    """A custom field's entity as the list filter names it (the create form uses 0/1/2)."""
    raw = str(field.get("entity", "")).lower()
    return {"0": "case", "1": "run", "2": "defect"}.get(raw, raw)


def legacy_stamp(stamp: str) -> str:
    """The deprecated ``created``/``updated`` form: ``2021-12-30 19:23:59``."""
    return stamp[:19].replace("T", " ")
