"""The live Qase project as the model, and the model's writes to it.

`Remote` is the only place that knows Qase's endpoints; the mapping between Qase's
JSON and the model lives in `qasesync.qase.decode` (read), `qasesync.qase.encode` (write) and
`qasesync.qase.fields` (option ids and custom fields). Every request goes through the
client's ``get`` / ``list_all`` / ``post`` / ``patch`` / ``delete``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, TypeVar

from qasesync.errors import ApiError, NotFoundError
from qasesync.model import (
    Case,
    CaseScope,
    Live,
    SharedStep,
    Suite,
    Tree,
    live_suite_id,
    live_suite_key,
)
from qasesync.qase.client import QaseClient
from qasesync.qase.decode import CaseReader, shared_step_from_json, suites_from_json
from qasesync.qase.encode import CaseEncoder, shared_step_payload, suite_payload
from qasesync.qase.fields import FieldMap, JsonObject
from qasesync.qase.lockentity import LOCK_SEARCH, LOCK_TITLE, LockSuite, is_lock, lock_from_json
from qasesync.qase.scoped import (
    SuiteTree,
    case_count,
    prefer_scoped,
    project_case_count,
    takes_children,
    whole_cost,
)

log = logging.getLogger(__name__)

SuiteIds = Mapping[str | None, int | None]
SharedHashes = Mapping[str, str]
R = TypeVar("R")


class Remote:
    """One Qase project, read as a `Live` model and written entity by entity.

    Writes take model values and return live ids (hashes for shared steps). Case
    bodies need the workspace's fields: they are read by `read`, or on first need.
    """

    def __init__(
        self, client: QaseClient, project: str, *, external_issue_type: str = "jira-cloud"
    ) -> None:
        self.client = client
        self.project = project
        self.external_issue_type = external_issue_type
        self._fields: FieldMap | None = None
        self._shared_lengths: dict[str, int] | None = None
        self._suites: SuiteTree | None = None
        self.external_issues_read = True
        """False once the deployment refused ``include=external_issues``."""
        self.own_lock: int | None = None
        """The id of the lock suite this run holds (`qasesync.apply.lock`), if any."""

    # --- reading --------------------------------------------------------------------

    def read(self, select: Callable[[Live], CaseScope | None] | None = None) -> Live:
        """The live project: suites, shared steps, cases and the workspace.

        ``select`` sees the project without its cases and may name a `CaseScope`: then
        only the cases of its suites, and its ids found elsewhere, are read when that
        costs fewer requests than reading every case (docs/design.md §13)."""
        project = self.check_project()
        fields = self.read_fields()
        head = Tree(settings=None, suites=self.read_suites(), shared_steps=self.read_shared_steps())
        scope = select(Live(tree=head, workspace=fields.workspace)) if select else None
        cases, cases_of = self._read_in_scope(scope, project_case_count(project))
        tree = replace(head, cases=cases)
        log.info("read %s: %s", self.project, tree.summary())
        unread = frozenset() if self.external_issues_read else frozenset({"external_issues"})
        return Live(tree=tree, workspace=fields.workspace, unread=unread, cases_of=cases_of)

    def check_project(self) -> Any:
        """The project's answer; fails with one clear line when it does not exist."""
        path = f"/project/{self.project}"
        try:
            return self.client.get(path)
        except NotFoundError as error:
            raise NotFoundError(
                f"project {self.project} not found: check `project` in qasesync.yaml"
                " or QASE_PROJECT, and that the token's user can see it",
                method="GET",
                path=path,
                status=error.status,
            ) from error

    def read_fields(self) -> FieldMap:
        """The workspace's system fields and the project's case custom fields."""
        system = self.client.get("/system_field") or []
        custom = self.client.list_all("/custom_field", {"entity": "case"})
        with self._reading("/system_field and /custom_field"):
            self._fields = FieldMap.from_json(system, custom, self.project)
        return self._fields

    def read_suites(self) -> tuple[Suite, ...]:
        """Every suite, keyed ``"#<id>"``, parents before children; apply locks left
        out (docs/design.md §12), with a warning when another run holds one."""
        items = self.client.list_all(f"/suite/{self.project}")
        with self._reading(f"/suite/{self.project}"):
            if self.own_lock is None:  # a run holding the lock sees only losers' suites
                self._warn_of_lock(lock_from_json(item) for item in items if is_lock(item))
            kept = [item for item in items if not is_lock(item)]
            suites = suites_from_json(kept)
            self._suites = SuiteTree(
                parents={
                    s.id: (None if s.parent is None else live_suite_id(s.parent))
                    for s in suites
                    if s.id
                },
                counts={int(item["id"]): case_count(item) for item in kept},
            )
        return suites

    def _warn_of_lock(self, locks: Iterable[LockSuite]) -> None:
        now = datetime.now(timezone.utc)
        holding = sorted((k for k in locks if not k.expired(now)), key=lambda k: k.id)
        if holding:
            log.warning(
                "an apply is running on %s (lock %s): what is read now may change when it ends",
                self.project,
                holding[0].describe(),
            )

    # --- the apply lock (docs/design.md §12) ----------------------------------------

    def read_locks(self) -> list[LockSuite]:
        """The project's lock suites, by ascending id."""
        items = self.client.list_all(f"/suite/{self.project}", {"search": LOCK_SEARCH})
        return sorted((lock_from_json(i) for i in items if is_lock(i)), key=lambda k: k.id)

    def create_lock(self, description: str) -> int:
        """A new lock suite at the root; its id."""
        body = {"title": LOCK_TITLE, "description": description}
        return int(self.client.post(f"/suite/{self.project}", body)["id"])

    def lock_path(self, lock_id: int) -> str:
        """The path of a lock suite: what renewing and removing it write to."""
        return f"/suite/{self.project}/{lock_id}"

    def renew_lock(self, lock_id: int, description: str) -> None:
        self.client.patch(self.lock_path(lock_id), {"description": description})

    def delete_lock(self, lock_id: int) -> bool:
        """Delete a lock suite; False when it was gone already."""
        try:
            self.client.delete(self.lock_path(lock_id))
        except NotFoundError:
            return False
        return True

    def read_shared_steps(self) -> tuple[SharedStep, ...]:
        """Every shared step (``key == hash``); remembers their lengths for folding."""
        items = self.client.list_all(f"/shared_step/{self.project}")
        with self._reading(f"/shared_step/{self.project}"):
            shared = tuple(shared_step_from_json(item) for item in items)
        self._shared_lengths = {s.key: len(s.steps) for s in shared}
        return shared

    def read_cases(self, *, suite_id: int | None = None) -> tuple[Case, ...]:
        """Every case of the project, or of one suite (and of its children, where the
        service's filter takes them); cases in Qase's trash bin, should the list hold
        any, are left out (`trashed`)."""
        params: dict[str, Any] = {} if suite_id is None else {"suite_id": suite_id}
        return tuple(self._cases(params))

    def _reader(self) -> Callable[[Any], Case | None]:
        """A case's JSON → the case (None for one in the trash bin)."""
        if self._shared_lengths is None:
            self.read_shared_steps()  # runs of shared steps fold by their lengths
        lengths = self._shared_lengths or {}
        reader = CaseReader(self.fields(), lengths, self.external_issue_type)
        path = f"/case/{self.project}"

        def read(item: Any) -> Case | None:
            with self._reading(path):
                return None if trashed(item) else reader.case(item)

        return read

    # --- a scoped read (docs/design.md §13) -------------------------------------------

    def _read_in_scope(
        self, scope: CaseScope | None, project_cases: int | None
    ) -> tuple[tuple[Case, ...], frozenset[str] | None]:
        """The cases of ``scope`` and the suites read whole, or every case and None."""
        if scope is None or self._suites is None:
            return self.read_cases(), None
        whole = whole_cost(project_cases, self._suites.counts)
        scoped = self._suites.scoped_cost(scope.suites)
        if not prefer_scoped(scoped, whole):
            log.info("reading every case: %s requests, scoped %s", whole, scoped)
            return self.read_cases(), None
        found = self._scoped_cases(scope.suites)
        missing = sorted(scope.ids - found.keys())
        if whole is not None and len(missing) > whole:
            log.info("reading every case: %s cases of the tree are elsewhere", len(missing))
            return self.read_cases(), None
        for case in self.client.map_concurrent(self._case_by_id, missing):
            if case is not None and case.id is not None:
                found.setdefault(case.id, case)
        keys = frozenset(key for s in scope.suites if (key := live_suite_key(s)) is not None)
        return tuple(found[i] for i in sorted(found)), keys

    def _scoped_cases(self, owned: frozenset[int]) -> dict[int, Case]:
        """The cases of the ``owned`` suites by id, each suite listed as the filter
        needs (`qasesync.qase.scoped`)."""
        suites = self._suites
        assert suites is not None
        found: dict[int, Case] = {}
        children: bool | None = None  # whether suite_id takes child suites: not yet known
        for root in suites.roots(owned):
            below = suites.below(root, owned)
            if not any(suites.holds_cases(s) for s in (root, *below)):
                continue
            cases = self._cases({"suite_id": root})
            found.update(_by_id(cases))
            if children is None and takes_children((c.suite for c in cases), live_suite_key(root)):
                children = True
            elif children is None and any(suites.counts.get(s) for s in below):
                children = False  # a child holds cases and the answer had none of them
            if children is not True:
                rest = [s for s in below if suites.holds_cases(s)]
                for chunk in self.client.map_concurrent(self._suite_cases, rest):
                    found.update(_by_id(chunk))
        return found

    def _suite_cases(self, suite_id: int) -> list[Case]:
        return self._cases({"suite_id": suite_id})

    def _case_by_id(self, case_id: int) -> Case | None:
        """One case read by id, or None when it is gone (404) or in the trash bin."""
        path = f"/case/{self.project}/{case_id}"
        try:
            item = self._with_include(path, lambda params: self.client.get(path, params), {})
        except NotFoundError:
            log.info("case %s of the tree is gone from %s", case_id, self.project)
            return None
        return self._reader()(item) if isinstance(item, dict) else None

    def _cases(self, params: dict[str, Any]) -> list[Case]:
        """The case list, each page decoded as it arrives; trashed cases left out."""
        path = f"/case/{self.project}"
        read = self._reader()
        found = self._with_include(path, lambda p: self.client.list_all(path, p, each=read), params)
        return [case for case in found if case is not None]

    def _with_include(
        self, path: str, read: Callable[[dict[str, Any]], R], params: dict[str, Any]
    ) -> R:
        """A case read with its external issues (``include=external_issues``), or
        without them once the deployment refused the parameter (`include_refused`): then
        once more without it, and never again asking for it on this `Remote`."""
        if self.external_issues_read:
            try:
                return read({"include": "external_issues", **params})
            except ApiError as error:
                if not include_refused(error):
                    raise
                self.external_issues_read = False
                log.warning(
                    "external issues not read: this Qase deployment refused "
                    "include=external_issues (GET %s → %s: %s); this run leaves every "
                    "case's external issues as they are",
                    path,
                    error.status,
                    error.error_message,
                )
        return read(params)

    @contextmanager
    def _reading(self, path: str) -> Iterator[None]:
        """Reading the answer to ``GET path`` into the model: an answer whose JSON has
        another shape than the Qase API's (an id that is no number, steps that are no
        list) is an `ApiError` naming the call, not a crash."""
        try:
            yield
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as error:
            why = self.client.redact(f"{type(error).__name__}: {error}")
            raise ApiError(
                f"the answer has a shape the Qase API does not give ({why}); nothing was written",
                method="GET",
                path=path,
            ) from error

    def fields(self) -> FieldMap:
        """The workspace's fields, read once."""
        return self._fields if self._fields is not None else self.read_fields()

    # --- suites ---------------------------------------------------------------------

    def create_suite(self, suite: Suite, *, parent_id: int | None) -> int:
        """Create ``suite`` under ``parent_id`` (None: the root); return its id."""
        result = self.client.post(
            f"/suite/{self.project}", suite_payload(suite, parent_id=parent_id)
        )
        return int(result["id"])

    def update_suite(
        self, suite_id: int, suite: Suite, fields: Collection[str], *, parent_id: int | None
    ) -> None:
        """PATCH ``fields`` ⊂ {title, description, preconditions, parent}."""
        body = suite_payload(suite, fields, parent_id=parent_id)
        self.client.patch(f"/suite/{self.project}/{suite_id}", body)

    def delete_suite(self, suite_id: int) -> None:
        """Delete a suite with what it holds (no ``destination_id``)."""
        self.client.delete(f"/suite/{self.project}/{suite_id}")

    # --- shared steps ---------------------------------------------------------------

    def create_shared_step(self, shared: SharedStep) -> str:
        """Create ``shared``; return its hash."""
        result = self.client.post(f"/shared_step/{self.project}", shared_step_payload(shared))
        self._remember(str(result["hash"]), shared)
        return str(result["hash"])

    def update_shared_step(self, hash: str, shared: SharedStep) -> str:
        """Send the title and every step; return the hash the service answers."""
        path = f"/shared_step/{self.project}/{hash}"
        result = self.client.patch(path, shared_step_payload(shared))
        new_hash = str((result or {}).get("hash") or hash)
        self._remember(new_hash, shared)
        return new_hash

    def _remember(self, hash: str, shared: SharedStep) -> None:
        if self._shared_lengths is not None:
            self._shared_lengths[hash] = len(shared.steps)

    def delete_shared_step(self, hash: str) -> None:
        self.client.delete(f"/shared_step/{self.project}/{hash}")

    # --- cases ----------------------------------------------------------------------

    def case_payload(
        self,
        case: Case,
        *,
        suite_ids: SuiteIds,
        shared_hashes: SharedHashes,
        for_bulk: bool = False,
        ignored: frozenset[str] = frozenset(),
    ) -> JsonObject:
        """The create body of ``case`` (pure but for reading the workspace once), the
        ``ignored`` fields (``ignore_fields``) left out."""
        return self._encoder(suite_ids, shared_hashes, ignored).create(case, for_bulk=for_bulk)

    def create_case(
        self,
        case: Case,
        *,
        suite_ids: SuiteIds,
        shared_hashes: SharedHashes,
        ignored: frozenset[str] = frozenset(),
    ) -> int:
        """One ``POST /case``: the only write that sets automation."""
        body = self.case_payload(
            case, suite_ids=suite_ids, shared_hashes=shared_hashes, ignored=ignored
        )
        return int(self.client.post(f"/case/{self.project}", body)["id"])

    def create_cases(
        self,
        cases: Sequence[Case],
        *,
        suite_ids: SuiteIds,
        shared_hashes: SharedHashes,
        ignored: frozenset[str] = frozenset(),
    ) -> list[int]:
        """One ``POST /case/bulk``; the new ids in submission order."""
        if not cases:
            return []
        encoder = self._encoder(suite_ids, shared_hashes, ignored)
        body = {"cases": [encoder.create(case, for_bulk=True) for case in cases]}
        result = self.client.post(f"/case/{self.project}/bulk", body, bulk=True)
        return [int(i) for i in result["ids"]]

    def update_case(
        self,
        case_id: int,
        case: Case,
        fields: Collection[str],
        *,
        suite_ids: SuiteIds,
        shared_hashes: SharedHashes,
    ) -> None:
        """PATCH only the model ``fields`` (``"custom_fields.<title>"`` for one custom field)."""
        body = self._encoder(suite_ids, shared_hashes).patch(case, fields)
        if not body:
            log.debug("case %s: nothing to patch in %s", case_id, sorted(fields))
            return
        self.client.patch(f"/case/{self.project}/{case_id}", body)

    def delete_case(self, case_id: int) -> None:
        """Delete a case (it goes to Qase's trash bin)."""
        self.client.delete(f"/case/{self.project}/{case_id}")

    def attach_external_issues(self, links: Mapping[int, Sequence[str]]) -> None:
        """Attach issue keys (of the project's external issue type) to cases by id."""
        self._external_issues("attach", links)

    def detach_external_issues(self, links: Mapping[int, Sequence[str]]) -> None:
        """Detach issue keys from cases by id."""
        self._external_issues("detach", links)

    def _external_issues(self, action: str, links: Mapping[int, Sequence[str]]) -> None:
        body_links = [
            {"case_id": case_id, "external_issues": list(keys)}
            for case_id, keys in links.items()
            if keys
        ]
        if not body_links:
            return
        body = {"type": self.external_issue_type, "links": body_links}
        # Attaching a key twice, or detaching one already gone, leaves the same links.
        self.client.post(f"/case/{self.project}/external-issue/{action}", body, idempotent=True)

    def _encoder(
        self,
        suite_ids: SuiteIds,
        shared_hashes: SharedHashes,
        ignored: frozenset[str] = frozenset(),
    ) -> CaseEncoder:
        return CaseEncoder(self.fields(), suite_ids, shared_hashes, ignored)


def _by_id(cases: Iterable[Case]) -> dict[int, Case]:
    return {case.id: case for case in cases if case.id is not None}


def trashed(item: Any) -> bool:
    """A case in Qase's trash bin: ``deleted`` holds when it was deleted (the spec's
    ``TestCase.deleted``, a nullable date-time), ``is_deleted`` is the flag some API
    shapes use. A deleted case is restorable in the web app but is no live case."""
    if not isinstance(item, dict):
        return False
    return bool(item.get("deleted")) or bool(item.get("is_deleted"))


def include_refused(error: ApiError) -> bool:
    """The refusal older deployments give to ``include=external_issues`` on a case read:
    a plain 400 (or 422) such as ``Invalid include value``. Not a missing project or
    token, a rate limit or a lost answer: those are other `ApiError` subclasses. Qase's
    MCP server retries without the parameter on such a refusal; a request refused for
    another reason is refused again without it, and that second error is raised."""
    return type(error) is ApiError and error.status in (400, 422)
