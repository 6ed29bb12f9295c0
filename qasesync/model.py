"""The values both sides of a plan are made of: the tree in git and the live project.

`loader` builds a `Tree` from YAML; `remote` builds one from the Qase API. The
planner compares two trees. Nothing here does I/O or knows Qase's integers.

Conventions shared by both builders:

- Enum fields (`severity`, `priority`, `type`, `behavior`, `layer`, `status`)
  hold option *slugs*. ``None`` means "omitted in the YAML"; the live side
  always fills them in.
- Text fields hold the text as written (the planner trims before comparing);
  an omitted text is ``""``.
- Suites are identified inside one tree by ``Suite.key``: on the desired side
  the folder path relative to the tree (``"authentication/sso"``), on the live
  side ``"#<id>"`` (`live_suite_key`, `live_suite_id`). ``Suite.parent`` and
  ``Case.suite`` hold such keys; ``None`` is the project root.
- A step that uses a shared step holds ``shared`` only: on the desired side the
  shared step's ``key``; on the live side its ``hash`` (live shared steps have
  ``key == hash``).
- A step with ``workspace`` set uses a workspace-level shared step, by its hash: the
  API neither lists nor writes those, so the tree refers to one by hash and never edits
  it; on the live side ``steps`` holds its content as the case read gave it (read-only).
- A step's ``attachments`` are the hashes of the files Qase holds on it (live side
  only; the tree cannot name them): the planner carries them to the desired step that
  takes the live step's place, so that a steps write sends them back.
"""

from __future__ import annotations

import gc
import math
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Literal, overload

#: Enum fields of a case and the default table of option slugs (docs/design.md §3).
DEFAULT_OPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "severity": ("undefined", "blocker", "critical", "major", "normal", "minor", "trivial"),
        "priority": ("undefined", "high", "medium", "low"),
        "type": (
            "other",
            "functional",
            "smoke",
            "regression",
            "security",
            "usability",
            "performance",
            "acceptance",
            "compatibility",
            "integration",
            "exploratory",
        ),
        "behavior": ("undefined", "positive", "negative", "destructive"),
        "layer": ("unknown", "e2e", "api", "unit"),
        "status": ("actual", "draft", "deprecated"),
    }
)
ENUM_FIELDS: tuple[str, ...] = tuple(DEFAULT_OPTIONS)
#: What an omitted enum field means where the workspace is not known (offline).
DEFAULT_SLUGS: Mapping[str, str] = MappingProxyType(
    {
        "severity": "normal",
        "priority": "undefined",
        "type": "other",
        "behavior": "undefined",
        "layer": "unknown",
        "status": "actual",
    }
)
AUTOMATION_VALUES: tuple[str, ...] = ("manual", "to-be-automated", "automated")
PRUNE_MODES: tuple[str, ...] = ("deprecate", "delete", "off")
DRIFT_MODES: tuple[str, ...] = ("keep", "revert", "fail")

#: A custom field's value as the YAML holds it: text, number, boolean, or a list of option titles.
CustomValue = str | int | float | bool | tuple[str, ...]


@overload
def live_suite_key(suite_id: int) -> str: ...
@overload
def live_suite_key(suite_id: int | None) -> str | None: ...
def live_suite_key(suite_id: int | None) -> str | None:
    """The live side's key of a suite id (``"#12"``); None for the project root."""
    return None if suite_id is None else sys.intern(f"#{suite_id}")


def live_suite_id(key: str) -> int:
    """The id a live suite key names (``"#12"`` → 12)."""
    return int(key[1:])


def as_custom_value(data: CustomValue | list[str]) -> CustomValue:
    """A custom field's value from plain data (YAML or JSON), where a list of option
    titles arrives as a list."""
    return tuple(data) if isinstance(data, list) else data


def custom_number(text: str) -> int | float | str:
    """A number custom field's value read from text: an int when it is whole, else a
    float; text that is no finite number (``abc``, ``nan``, ``inf``) is kept as it is (a
    plan shows it rather than fail; NaN, which equals nothing, would differ forever)."""
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(number) if number.is_integer() else number


def custom_datetime(text: str) -> str:
    """A date custom field's value in one form, ISO 8601 in UTC (``2024-03-01T10:00:00Z``),
    whatever form it was given or read in (a bare date, ``YYYY-MM-DD HH:MM:SS``, another
    zone); text that is no date is kept as it is (a plan shows it rather than fail)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def custom_user(value: CustomValue) -> CustomValue:
    """A user custom field's value: the user's id as text (``7`` and ``"7"`` are one user,
    as the API reads it back: a string)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return value.strip() if isinstance(value, str) else value


def canonical_custom(kind: str, value: CustomValue) -> CustomValue:
    """A custom value of a field of type ``kind`` in the one form the tree and the live
    read are compared in: a date as `custom_datetime`, a user as `custom_user`."""
    if kind == "datetime" and isinstance(value, str):
        return custom_datetime(value)
    if kind == "user":
        return custom_user(value)
    return value


def shared_text(value: Any) -> Any:
    """A text as one shared copy (``sys.intern``), ``""`` for none: step texts, tags and
    keys repeat across cases, and the tree and the live project hold the same ones, so a
    large project keeps each once instead of once per case and side."""
    return sys.intern(value) if isinstance(value, str) else value or ""


@dataclass(frozen=True, slots=True)
class Location:
    """Where an entity stands in the tree: a file relative to the tree root, 1-based
    line and column, and the YAML path inside the file (``("cases", 3)``). Line 0: a
    file not written (yet), such as the ``suite.yaml`` of a folder that has none."""

    file: str
    line: int
    col: int
    path: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        """``FILE:LINE:COL``, as every problem and plan message shows its place."""
        if self.line == 0:  # no line to point at, such as a folder's absent suite.yaml
            folder, _, name = self.file.rpartition("/")
            return f"{folder}/ (no {name})"
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Assignment:
    """Give the entity at ``location`` the key ``key`` (``"id"`` or ``"hash"``): what apply
    and the plan ask write-back to insert into the YAML."""

    location: Location
    key: str
    value: int | str


@dataclass(frozen=True, slots=True)
class Step:
    """A classic step, or a reference to a shared step (``shared`` set, nothing else), or
    to a workspace-level one (``workspace`` set; live: its content in ``steps``).
    ``attachments``: the hashes of the files attached to the step (module docstring)."""

    action: str = ""
    expected_result: str = ""
    data: str = ""
    steps: tuple[Step, ...] = ()
    shared: str | None = None
    attachments: tuple[str, ...] = ()
    workspace: str | None = None

    @property
    def reference(self) -> bool:
        """Whether the step stands for a shared step (of the project or the workspace)."""
        return self.shared is not None or self.workspace is not None


@dataclass(frozen=True, slots=True)
class Case:
    title: str
    id: int | None = None
    suite: str | None = None
    description: str = ""
    preconditions: str = ""
    postconditions: str = ""
    severity: str | None = None
    priority: str | None = None
    type: str | None = None
    behavior: str | None = None
    layer: str | None = None
    status: str | None = None
    automation: str | None = None
    flaky: bool | None = None
    milestone_id: int | None = None
    tags: tuple[str, ...] = ()
    external_issues: tuple[str, ...] = ()
    custom_fields: Mapping[str, CustomValue] = field(default_factory=dict)
    parameters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    gherkin: str | None = None
    location: Location | None = field(default=None, compare=False)
    #: Live side only: fields holding what the tree cannot express (docs/design.md §3),
    #: e.g. ``("steps",)`` for a step attachment the read gave no hash of,
    #: ``("parameters",)`` for group parameters.
    inexpressible: tuple[str, ...] = field(default=(), compare=False)
    #: Live side only: the ``updated_at`` stamp, for plan fingerprints.
    updated_at: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Suite:
    key: str
    title: str
    id: int | None = None
    parent: str | None = None
    description: str = ""
    preconditions: str = ""
    location: Location | None = field(default=None, compare=False)
    updated_at: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class SharedStep:
    key: str
    title: str
    hash: str | None = None
    steps: tuple[Step, ...] = ()
    location: Location | None = field(default=None, compare=False)
    #: Live side only: ids of the cases that use it.
    used_by: tuple[int, ...] = field(default=(), compare=False)
    updated_at: str | None = field(default=None, compare=False)
    #: Live side only: ``("steps",)`` when a step holds an attachment whose hash the read
    #: did not give, so that a steps write would drop it (docs/design.md §3).
    inexpressible: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class MaxDestroy:
    """How many live cases one apply may deprecate or delete (docs/design.md §5): a count
    (``25``) or a share (``25%``) of the live cases in scope of the same status.

    ``explicit``: set in qasesync.yaml, where ``location`` points; it then applies to a
    project of any size. The default (`DEFAULT_MAX_DESTROY`, 25 %) applies at any size too
    but always allows at least one case."""

    value: float
    percent: bool = True
    explicit: bool = True
    location: Location | None = field(default=None, compare=False)

    def allowed(self, in_scope: int) -> float:
        """How many of ``in_scope`` cases may go."""
        limit = in_scope * self.value / 100 if self.percent else self.value
        return limit if self.explicit else max(limit, 1)

    def __str__(self) -> str:
        return f"{self.value:g} %" if self.percent else f"{self.value:g}"


DEFAULT_MAX_DESTROY = MaxDestroy(25, explicit=False)

LOCK_SUITE_TITLE = "qasesync: apply in progress — do not edit"
"""The title of the root suite that holds the apply lock (docs/design.md §12): reserved,
since every read leaves such a suite out and every apply deletes it."""


@dataclass(frozen=True)
class Settings:
    """``qasesync.yaml``."""

    project: str
    prune: Literal["deprecate", "delete", "off"] = "deprecate"
    scope: tuple[str, ...] = ()
    max_destroy: MaxDestroy = DEFAULT_MAX_DESTROY
    external_issue_type: str = "jira-cloud"
    write_back: bool = True
    drift: Literal["keep", "revert", "fail"] = "keep"
    ignore_fields: frozenset[str] = frozenset()
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Cases in one bulk create (1 to 100); None: adapted to how fast Qase answers.
    bulk_size: int | None = None
    location: Location | None = field(default=None, compare=False)

    def allowed_options(self, enum_field: str) -> tuple[str, ...]:
        """The default table plus what ``options`` adds for this field."""
        return DEFAULT_OPTIONS[enum_field] + tuple(self.options.get(enum_field, ()))


@dataclass(frozen=True)
class Tree:
    """A whole project: the cases tree on disk, or the live project."""

    settings: Settings | None
    suites: tuple[Suite, ...] = ()
    cases: tuple[Case, ...] = ()
    shared_steps: tuple[SharedStep, ...] = ()

    def suite_by_key(self) -> dict[str, Suite]:
        return {suite.key: suite for suite in self.suites}

    def summary(self) -> str:
        return (
            f"{len(self.cases)} cases in {len(self.suites)} suites, "
            f"{len(self.shared_steps)} shared steps"
        )


#: One entity's synced fields: field name → its value in the comparable form of
#: `qasesync.plans.threeway` (plain JSON data).
Synced = Mapping[str, Any]


@dataclass(frozen=True)
class Base:
    """The last synced state (docs/design.md §11): for each managed entity, each managed
    field's value as of the last apply, pull or export that agreed on it. Cases and suites
    by id, shared steps by hash. ``unsure`` names entities the record holds twice (two
    branches merged line by line): they have no base, and the plan says so. ``partial``
    names the fields some records leave out because they were in ``ignore_fields`` when
    recorded: a record without such a field has no base for it (not an empty one)."""

    cases: Mapping[int, Synced] = field(default_factory=dict)
    suites: Mapping[int, Synced] = field(default_factory=dict)
    shared_steps: Mapping[str, Synced] = field(default_factory=dict)
    unsure: tuple[tuple[str, int | str], ...] = ()  # (entity kind, id or hash)
    partial: frozenset[str] = frozenset()


@dataclass(frozen=True)
class EnumField:
    """A workspace's system field: its option slugs and the default one."""

    slug: str
    options: tuple[str, ...]
    default: str


@dataclass(frozen=True)
class CustomField:
    """A case custom field enabled for the project. ``options`` holds option titles."""

    id: int
    title: str
    type: str  # number, string, text, selectbox, checkbox, radio, multiselect, url, user, datetime
    options: tuple[str, ...] = ()
    default: CustomValue | None = None
    required: bool = False


@dataclass(frozen=True)
class Workspace:
    """What the live workspace offers: enum options and custom fields."""

    enums: Mapping[str, EnumField]
    custom_fields: tuple[CustomField, ...] = ()

    @staticmethod
    def default() -> Workspace:
        """The default table, for offline use."""
        return Workspace(
            enums={
                name: EnumField(name, options, DEFAULT_SLUGS[name])
                for name, options in DEFAULT_OPTIONS.items()
            }
        )


@dataclass(frozen=True)
class Live:
    """The live project as `remote` reads it. ``unread`` names the case fields the read
    could not see (``external_issues`` on a deployment that refuses to include them):
    the commands leave those fields unmanaged for the run, as under ``ignore_fields``."""

    tree: Tree
    workspace: Workspace
    unread: frozenset[str] = frozenset()
    #: The live suites (keys) whose cases were all read, when the read followed a
    #: `CaseScope`; ``tree.cases`` then holds those cases and the ones read by id. None:
    #: every case of the project was read.
    cases_of: frozenset[str] | None = None


@dataclass(frozen=True)
class CaseScope:
    """What a scoped read needs (docs/design.md §13): the live suites a tree's ``scope``
    owns (by id, descendants included) and the case ids the tree holds, so that a case
    moved out of those suites in the web app is still read, by id."""

    suites: frozenset[int]
    ids: frozenset[int]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a block builds or compares many model values.

    Model values are frozen trees of tuples, strings and numbers: they form no reference
    cycles, so the full collections that building ~10^6 of them triggers find nothing to
    free. Loading a large tree runs 4-6x faster without them, and planning a third faster.
    The collector is enabled again on the way out only if it was enabled on the way in, so
    that blocks nest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
