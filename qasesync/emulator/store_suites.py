"""Suites: create, read, patch (move by ``parent_id``), delete (with ``destination_id``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qasesync.emulator import values
from qasesync.emulator.apierrors import Invalid, Problems
from qasesync.emulator.storebase import JSON, StoreBase, legacy_stamp


class SuitesMixin(StoreBase):
    """The suite operations of :class:`~qasesync.emulator.store.Store`."""

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
            self._forget_reads(project["code"], case["id"])
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
        return self._record(project["suites"], suite_id, "Suite not found")

    def _lineage(self, project: JSON, suite_id: int | None) -> list[int]:
        """``suite_id`` and its ancestors."""
        chain: list[int] = []
        while suite_id is not None and suite_id not in chain:
            chain.append(suite_id)
            suite_id = project["suites"][suite_id]["parent_id"]
        return chain

    def filtered_suites(self, code: str, suite_id: int) -> set[int]:
        """The suites whose cases ``suite_id=<suite_id>`` lists (`suite_filter`)."""
        if self.suite_filter != "descendants":
            return {suite_id}
        with self._lock:
            project = self._project(code)
            return self._subtree(project, suite_id) | {suite_id}

    def _subtree(self, project: JSON, suite_id: int) -> set[int]:
        return {s for s in project["suites"] if suite_id in self._lineage(project, s)}

    def _case_counts(self, project: JSON) -> dict[int | None, int]:
        counts: dict[int | None, int] = {}
        for case in project["cases"].values():
            counts[case["suite_id"]] = counts.get(case["suite_id"], 0) + 1
        return counts


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
        "created": legacy_stamp(suite["created_at"]),
        "updated": legacy_stamp(suite["updated_at"]),
    }
