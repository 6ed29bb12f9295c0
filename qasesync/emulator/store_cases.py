"""Cases (single, bulk, patch, list) and their external issues."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qasesync.emulator import cases as case_forms
from qasesync.emulator import values
from qasesync.emulator.apierrors import ApiError, Problems
from qasesync.emulator.storebase import AUTHOR_ID, JSON, StoreBase


class CasesMixin(StoreBase):
    """The case operations of :class:`~qasesync.emulator.store.Store`."""

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
        shared_reads: bool = False,
    ) -> tuple[int, int, list[JSON]]:
        """``(total, filtered, page)``: stored cases kept by ``keep``, ascending id, paged.

        With ``shared_reads`` the read forms come from a cache and must not be modified
        (the HTTP layer only encodes them); otherwise each is built afresh.
        """
        with self._lock:
            project = self._project(code)
            ordered = [project["cases"][i] for i in sorted(project["cases"])]
            kept = ordered if keep is None else [c for c in ordered if keep(c)]
            end = None if limit is None else offset + limit
            context = self._context(project)
            read = self._cached_read if shared_reads else self._fresh_read
            page = [read(code, c, context, include_external) for c in kept[offset:end]]
            return len(ordered), len(kept), page

    def _fresh_read(
        self, code: str, record: JSON, context: case_forms.CaseContext, include_external: bool
    ) -> JSON:
        return case_forms.read_case(record, context, include_external=include_external)

    def _cached_read(
        self, code: str, record: JSON, context: case_forms.CaseContext, include_external: bool
    ) -> JSON:
        """The read form, rebuilt when the case was written or any shared step changed
        (every case write moves ``updated_at``)."""
        slot = (code, int(record["id"]), include_external)
        version = (str(record["updated_at"]), self._shared_version, self.shared_read)
        hit = self._reads.get(slot)
        if hit is not None and hit[0] == version:
            return hit[1]
        form = case_forms.read_case(record, context, include_external=include_external)
        self._reads[slot] = (version, form)
        return form

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
            self._forget_reads(code, case_id)
            return case_id

    def _case(self, project: JSON, case_id: int) -> JSON:
        return self._record(project["cases"], case_id, "Test case not found")

    def _context(self, project: JSON) -> case_forms.CaseContext:
        return case_forms.CaseContext(
            project=project["code"],
            system=self.system,
            custom_fields=self.custom_field_list,
            suite_exists=lambda suite_id: suite_id in project["suites"],
            shared=self._shared_lookup(project),
            new_hash=self._new_hash,
            files=self.files.get,
            collapsed=self.shared_read == "collapsed",
            shapes=self.shapes,
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


def _check_issue_keys(keys: list[str]) -> None:
    """Jira keys look like ``PROJ-1``; anything else is answered as the live API does."""
    bad = [k for k in keys if not _looks_like_issue_key(k)]
    if bad:
        message = f"Issues with ids: {', '.join(bad)} not found."
        raise ApiError(400, {"status": False, "errorMessage": message})


def _looks_like_issue_key(key: str) -> bool:
    prefix, _, number = key.partition("-")
    return prefix.isalnum() and prefix[:1].isalpha() and prefix.isupper() and number.isdigit()
