"""Shared steps: create, read (with the cases that use them), patch, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qasesync.emulator import steps as step_forms
from qasesync.emulator import values
from qasesync.emulator.apierrors import Problems
from qasesync.emulator.storebase import JSON, StoreBase, legacy_stamp


class SharedStepsMixin(StoreBase):
    """The shared-step operations of :class:`~qasesync.emulator.store.Store`, and the
    workspace's files and workspace-level shared steps."""

    def add_attachment(self, filename: str, *, mime: str = "image/png", size: int = 1024) -> str:
        """A file uploaded to the workspace (``POST /attachment`` is not emulated): its
        hash, for step ``attachments``."""
        with self._lock:
            found = self._new_hash()
            self.files[found] = {"hash": found, "filename": filename, "mime": mime, "size": size}
            return found

    def add_workspace_shared_step(self, title: str, steps: list[JSON]) -> str:
        """A workspace-level shared step (made in the web app; the API offers no endpoint):
        its hash. ``steps`` as a shared step's create body gives them."""
        with self._lock:
            problems = Problems()
            content = step_forms.parse_shared_content(
                steps, problems, new_hash=self._new_hash, files=self.files.get
            )
            problems.raise_if_any()
            found = self._new_hash()
            stamp = self._stamp(None)
            self.workspace_shared[found] = {
                "hash": found,
                "title": title,
                "steps": content,
                "created_at": stamp,
                "updated_at": stamp,
            }
            self._shared_version += 1
            return found

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
            record = self._shared(project, shared_hash)
            return _read_shared(record, self._usage(project), self.files.get)

    def shared_steps(self, code: str) -> list[JSON]:
        """All shared steps of a project, in creation order."""
        with self._lock:
            project = self._project(code)
            usage = self._usage(project)
            return [_read_shared(s, usage, self.files.get) for s in project["shared"].values()]

    def patch_shared_step(self, code: str, shared_hash: str, payload: Mapping[str, Any]) -> str:
        """``PATCH /shared_step/{code}/{hash}``: ``title`` required, steps replaced."""
        with self._lock:
            project = self._project(code)
            record = self._shared(project, shared_hash)
            fields = self._shared_fields(payload, patch=True)
            record.update(fields)
            record["updated_at"] = self._stamp(record["updated_at"])
            self._shared_version += 1
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
            self._shared_version += 1
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
        content = step_forms.parse_shared_content(
            raw or [], problems, new_hash=self._new_hash, files=self.files.get
        )
        if not content:
            problems.add("steps", "The {field} field is required.")
        problems.raise_if_any()
        return {"title": title, "steps": content}

    def _shared(self, project: JSON, shared_hash: str) -> JSON:
        return self._record(project["shared"], shared_hash, "Shared step not found")

    def _usage(self, project: JSON) -> dict[str, list[int]]:
        usage: dict[str, list[int]] = {}
        for case_id in sorted(project["cases"]):
            for ref in step_forms.references(project["cases"][case_id]["steps"]):
                usage.setdefault(ref, []).append(case_id)
        return usage


def _read_shared(
    record: JSON, usage: Mapping[str, list[int]], files: step_forms.FileLookup
) -> JSON:
    content = step_forms.read_shared_content(record["steps"], files)
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
        "created": legacy_stamp(record["created_at"]),
        "updated": legacy_stamp(record["updated_at"]),
    }
