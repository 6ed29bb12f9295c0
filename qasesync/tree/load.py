"""Cases tree on disk → `Tree`, or a `ValidationError` holding every problem at once.

The pipeline for each file: bytes (digest) → UTF-8 → YAML (`yamlread`) → JSON Schema
(`schemacheck`) → rules (`checks`) → model. Settings and shared steps are read first,
because case files are checked against them (enum options, shared-step keys). Ids, keys,
hashes and titles that must be unique are collected as claims and settled at the end in
file order, each duplicate naming the first place (so large trees can be read by two
processes, `parallel`). A file, case or shared step with a schema error is left out of the
later checks, so that one mistake is reported once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qasesync.errors import ConfigError, Problem, ValidationError
from qasesync.model import (
    LOCK_SUITE_TITLE,
    Case,
    Location,
    Settings,
    SharedStep,
    Suite,
    Tree,
    collector_paused,
)
from qasesync.tree import parallel, rules, schema
from qasesync.tree.build import allowed_options, as_int, case_from, settings_from, steps_from
from qasesync.tree.files import SETTINGS_FILE, SUITE_FILE, Layout, find_files
from qasesync.tree.rules import Claim, Rules, Spot, claim
from qasesync.yamltext.read import Document, YamlProblem, parse

_EMPTY = {
    "qasesync": "the file is empty; it needs at least `project:`",
    "cases": "the file is empty; a case file holds `cases:`",
    "shared-steps": "the file is empty; a shared steps file holds `shared_steps:`",
}


def load_tree(root: Path, *, digests: dict[str, str] | None = None) -> Tree:
    """Read the cases tree at ``root``.

    Raises `ValidationError` with every problem found (sorted), or `ConfigError` when
    ``root`` is not a folder. With ``digests``, fills it with {file relative to root:
    sha256 of the bytes read}, so that write-back can refuse a file changed since.
    """
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"{root}: no cases tree there (not a folder)")
    with collector_paused():
        run = _Run(root, digests if digests is not None else {})
        tree = run.load()
    if run.problems:
        raise ValidationError(run.problems)
    return tree


# --- reading the files ------------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    """A file that passed the schema, but for the top-level items in ``bad``, which maps
    each to the keys that have schema errors (``clean``: no schema error at all)."""

    spot: Spot
    data: Any
    bad: Mapping[int, frozenset[str | int]] = field(default_factory=dict)
    clean: bool = True


@dataclass(frozen=True)
class _Cases:
    """What reading some case files gave: sent back from the second process."""

    cases: list[Case]
    problems: list[Problem]
    claims: list[Claim]
    digests: dict[str, str]


#: From this many bytes of case files on, two processes read them (see bench/README.md).
PARALLEL_BYTES = 2_000_000


def _halfway(root: Path, files: list[str]) -> int:
    """Where to split ``files`` into two halves of about equal bytes; 0: don't split."""
    sizes = [_size(root / rel) for rel in files]
    total = sum(sizes)
    if total < PARALLEL_BYTES or not parallel.available():
        return 0
    running = 0
    for index, size in enumerate(sizes):
        running += size
        if running * 2 >= total:
            return index + 1
    return 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reported when the file is read
        return 0


class _Run:
    """One load: the problems found so far and what later files are checked against."""

    def __init__(self, root: Path, digests: dict[str, str]) -> None:
        self.root = root
        self.digests = digests
        self.problems: list[Problem] = []
        self.claims: list[Claim] = []
        self.rules = Rules(options=None)
        self.settings_spot: Spot | None = None
        self.shared_keys: set[str] = set()

    def load(self) -> Tree:
        layout = find_files(self.root, self.problems)
        if SUITE_FILE in layout.case_files:
            layout.case_files.remove(SUITE_FILE)
            message = "the tree root is not a suite: suite.yaml belongs in a suite folder"
            self.problems.append(Problem(SUITE_FILE, 1, 1, message))
        settings = self.settings(layout.settings)
        shared = [step for rel in layout.shared for step in self.shared_steps(rel)]
        keys = frozenset(self.shared_keys)
        self.rules = Rules(options=allowed_options(settings), shared_keys=keys)
        suites = self.suites(layout)
        if settings is not None and self.settings_spot is not None:
            self._check_scope(settings, self.settings_spot, layout.folders)
        cases = self.all_cases(layout.case_files, settings)
        self.problems += rules.settle(self.claims)
        return Tree(settings, tuple(suites), tuple(cases), tuple(shared))

    def _check_scope(self, settings: Settings, spot: Spot, folders: set[str]) -> None:
        for index, entry in enumerate(settings.scope):
            if entry.strip("/") not in folders:
                message = (
                    f"scope folder `{entry}` is not in the tree{rules.suggest(entry, folders)}"
                )
                self.problems.append(spot.at(("scope", index), message))

    def read(self, rel: str, kind: str) -> _Read | None:
        """Parse and schema-check one file; None when nothing in it can be used."""
        doc = self._parse(rel)
        if doc is None:
            return None
        spot = Spot(rel, doc)
        if doc.data is None and kind != "suite":
            self.problems.append(Problem(rel, 1, 1, _EMPTY[kind]))
            return None
        data = {} if doc.data is None else doc.data
        if schema.fast_check(kind)(data):
            return _Read(spot, data)
        found = schema.errors(kind, data)
        self.problems.extend(rules.schema_problems(spot, found))
        if not _items_usable(kind, data, found):
            return None
        bad: dict[int, frozenset[str | int]] = {}
        for error in found:
            if len(error.path) > 1 and isinstance(error.path[1], int):
                bad[error.path[1]] = bad.get(error.path[1], frozenset()).union(error.path[2:3])
        return _Read(spot, data, bad, clean=not found)

    def _parse(self, rel: str) -> Document | None:
        try:
            raw = (self.root / rel).read_bytes()
        except OSError as error:
            self.problems.append(Problem(rel, 1, 1, f"cannot be read: {error.strerror}"))
            return None
        self.digests[rel] = hashlib.sha256(raw).hexdigest()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.problems.append(_not_utf8(rel, raw, error))
            return None
        try:
            return parse(text)
        except YamlProblem as problem:
            self.problems.append(Problem(rel, problem.line, problem.col, problem.message))
            return None

    # --- settings ---

    def settings(self, rel: str | None) -> Settings | None:
        if rel is None:
            self.problems.append(Problem(SETTINGS_FILE, 1, 1, "missing: every tree needs one"))
            return None
        read = self.read(rel, "qasesync")
        if read is None or not read.clean:
            return None
        self.settings_spot = read.spot
        limit_at = _location(read.spot, ("max_destroy",)) if "max_destroy" in read.data else None
        return settings_from(read.data, _location(read.spot, ()), limit_at=limit_at)

    # --- shared steps ---

    def shared_steps(self, rel: str) -> list[SharedStep]:
        read = self.read(rel, "shared-steps")
        if read is None:
            return []
        for index in read.bad:  # still a known key: no "unknown shared step" on top
            item = read.data["shared_steps"][index]
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                self.shared_keys.add(item["key"])
        return [
            self._shared_step(read.spot, index, item)
            for index, item in enumerate(read.data["shared_steps"])
            if index not in read.bad and self._shared_ok(read.spot, index, item)
        ]

    def _shared_ok(self, spot: Spot, index: int, item: Mapping[str, Any]) -> bool:
        path = ("shared_steps", index)
        self.shared_keys.add(item["key"])
        found = rules.step_problems(spot, (*path, "steps"), item["steps"], shared_keys=None)
        key, hash_ = item["key"], item.get("hash")
        message = f"shared step key `{key}` is used twice (first at {{first}})"
        self.claims.append(claim(spot, (*path, "key"), ("key", key), message))
        if hash_ is not None:
            message = f"shared step hash `{hash_}` is used twice (first at {{first}})"
            self.claims.append(claim(spot, (*path, "hash"), ("hash", hash_), message))
        self.problems.extend(found)
        return not found

    def _shared_step(self, spot: Spot, index: int, item: Mapping[str, Any]) -> SharedStep:
        return SharedStep(
            key=item["key"],
            title=item["title"],
            hash=item.get("hash"),
            steps=steps_from(item["steps"]),
            location=_location(spot, ("shared_steps", index)),
        )

    # --- suites ---

    def suites(self, layout: Layout) -> list[Suite]:
        keys = sorted(layout.folders)
        for key in keys:  # folder names first: a clash is reported at an explicit title
            if key not in layout.suite_files:
                self.claims.append(Claim(_title_claim(key, key.rpartition("/")[2]), f"{key}/"))
        return [self._suite(key, layout.suite_files.get(key)) for key in keys]

    def _suite(self, key: str, rel: str | None) -> Suite:
        parent = key.rpartition("/")[0] or None
        title = key.rpartition("/")[2]
        if rel is None:
            folder_only = Location(f"{key}/{SUITE_FILE}", 0, 0)
            self._not_the_lock(parent, title, folder_only)
            return Suite(key, title, parent=parent, location=folder_only)
        read = self.read(rel, "suite")
        data: Mapping[str, Any] = read.data if read is not None else {}
        title = data.get("title") or title
        if read is not None:
            self._suite_unique(read.spot, key, data, title)
        line, col = read.spot.doc.position(()) if read is not None else (1, 1)
        location = Location(rel, line, col)
        titled = read is not None and "title" in data
        where = _location(read.spot, ("title",)) if read and titled else location
        self._not_the_lock(parent, title, where)
        return Suite(
            key,
            title,
            id=as_int(data.get("id")),
            parent=parent,
            description=data.get("description") or "",
            preconditions=data.get("preconditions") or "",
            location=location,
        )

    def _not_the_lock(self, parent: str | None, title: str, where: Location) -> None:
        """A root suite may not take the apply lock's title (Qase trims titles): reads
        leave such a suite out and every apply deletes it with its cases."""
        if parent is None and title.strip() == LOCK_SUITE_TITLE:
            message = (
                f"the suite title `{LOCK_SUITE_TITLE}` at the root is reserved for the apply "
                "lock (Qase reads would hide this suite and the next apply would delete it "
                "with its cases); choose another title"
            )
            self.problems.append(Problem(where.file, where.line, where.col, message))

    def _suite_unique(self, spot: Spot, key: str, data: Mapping[str, Any], title: str) -> None:
        if "id" in data:
            message = f"suite id {as_int(data['id'])} is used twice (first at {{first}})"
            self.claims.append(claim(spot, ("id",), ("suite", str(as_int(data["id"]))), message))
            return  # with an id, a suite is told apart from a namesake (Qase allows those)
        message = f"two suites under one parent are titled `{title}` (first at {{first}})"
        self.claims.append(claim(spot, ("title",), _title_claim(key, title), message))

    # --- cases ---

    def all_cases(self, files: list[str], settings: Settings | None) -> list[Case]:
        """The cases of every file; a large tree is read by two processes at once."""
        half = _halfway(self.root, files)
        if half == 0:
            parts = [self.some_cases(files, settings)]
        else:
            parts = list(
                parallel.split(
                    lambda: self.some_cases(files[:half], settings),
                    lambda: self.some_cases(files[half:], settings),
                )
            )
        for part in parts:  # in the order of the files, as one process would
            self.problems += part.problems
            self.claims += part.claims
            self.digests.update(part.digests)
        return [case for part in parts for case in part.cases]

    def some_cases(self, files: list[str], settings: Settings | None) -> _Cases:
        """The cases of some files, with what reading them found (taken out of ``self``,
        so that it is the same whether this ran here or in another process)."""
        problems, claims = len(self.problems), len(self.claims)
        cases = [case for rel in files for case in self.cases(rel, settings)]
        found = _Cases(
            cases,
            self.problems[problems:],
            self.claims[claims:],
            {rel: self.digests[rel] for rel in files if rel in self.digests},
        )
        del self.problems[problems:], self.claims[claims:]
        return found

    def cases(self, rel: str, settings: Settings | None) -> list[Case]:
        read = self.read(rel, "cases")
        if read is None:
            return []
        spot = read.spot
        suite = rel.rpartition("/")[0] or None
        if suite is None and settings is not None and settings.scope:
            message = "cases at the tree root are not allowed with `scope` in qasesync.yaml"
            self.problems.append(spot.at(("cases",), message, key=True))
        built = []
        for index, item in enumerate(read.data["cases"]):
            if index in read.bad:
                self._rest_of_bad_case(spot, index, item, read.bad[index])
            elif self._case_ok(spot, index, item, suite):
                built.append(case_from(item, suite, _location(spot, ("cases", index))))
        return built

    def _rest_of_bad_case(self, spot: Spot, index: int, item: Any, bad: frozenset[Any]) -> None:
        """The rules on the keys of a case that passed the schema, so that a schema error
        does not hide an unknown enum name or shared step beside it."""
        if isinstance(item, dict):
            known = schema.schema("cases")["$defs"]["case"]["properties"]
            rest = {key: value for key, value in item.items() if key in known and key not in bad}
            self.problems += rules.case_problems(spot, index, rest, self.rules)

    def _case_ok(self, spot: Spot, index: int, item: Mapping[str, Any], suite: str | None) -> bool:
        found = rules.case_problems(spot, index, item, self.rules)
        path = ("cases", index)
        if "id" in item:
            message = f"case id {as_int(item['id'])} is used twice (first at {{first}})"
            self.claims.append(
                claim(spot, (*path, "id"), ("case", str(as_int(item["id"]))), message)
            )
        else:
            where = f"suite `{suite}`" if suite else "the tree root"
            message = (
                f"two cases without `id` in {where} are titled `{item['title']}`"
                " (first at {first}); they could not be told apart on a rerun"
            )
            what = ("title", suite or "", item["title"].strip())  # Qase trims titles
            self.claims.append(claim(spot, (*path, "title"), what, message))
        self.problems.extend(found)
        return not found


_ITEMS = {"cases": "cases", "shared-steps": "shared_steps"}


def _items_usable(kind: str, data: Any, found: list[schema.SchemaError]) -> bool:
    """Whether the items of a file with schema errors can still be checked one by one:
    an unknown key beside `cases:` (or `shared_steps:`) hides none of them."""
    items = _ITEMS.get(kind)
    if items is None or not isinstance(data, dict) or not isinstance(data.get(items), list):
        return all(len(error.path) > 1 for error in found)
    return all(
        len(error.path) > 1 or (error.path == () and error.keyword == "additionalProperties")
        for error in found
    )


def _not_utf8(rel: str, raw: bytes, error: UnicodeDecodeError) -> Problem:
    before = raw[: error.start]
    line = before.count(b"\n") + 1
    col = error.start - (before.rfind(b"\n") + 1) + 1
    return Problem(rel, line, col, f"not UTF-8 text (byte 0x{raw[error.start]:02x})")


def _location(spot: Spot, path: tuple[str | int, ...]) -> Location:
    return Location(spot.file, *spot.doc.position(path), path)


def _title_claim(key: str, title: str) -> tuple[str, ...]:
    return ("suite-title", key.rpartition("/")[0], title.strip())  # Qase trims titles
