"""A `Tree` written out as a cases tree on disk (docs/design.md §2), for `export` and
`import-csv`.

Layout: a folder per suite, named from its title (`slugify`), holding ``suite.yaml`` and
the suite's cases in ``cases.yaml``; root cases in ``cases.yaml`` at the root;
``shared_steps.yaml``; ``qasesync.yaml``. Keys come in the order docs/yaml-format.md shows,
multi-line text as ``|`` blocks, empty and default fields are left out, and every file starts with
a ``# yaml-language-server: $schema=...`` line.

`prepare` gives the tree as it reads back from disk (suite keys are folder paths,
shared-step keys are slugs), so that ``load_tree(out) == prepare(tree)``.
"""

from __future__ import annotations

import io
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from qasesync.errors import ConfigError
from qasesync.model import (
    ENUM_FIELDS,
    Case,
    CustomValue,
    MaxDestroy,
    Settings,
    SharedStep,
    Step,
    Suite,
    Tree,
)
from qasesync.tree.files import SETTINGS_FILE, SHARED_FILE, SUITE_FILE
from qasesync.tree.schema import CATALOG_FILE, catalog, schema_dir, schema_file

SLUG_MAX = 60
CASES_FILE = "cases.yaml"
SCHEMAS = {
    SETTINGS_FILE: schema_file("qasesync"),
    SUITE_FILE: schema_file("suite"),
    CASES_FILE: schema_file("cases"),
    SHARED_FILE: schema_file("shared-steps"),
}
#: Where export and import-csv put the schema files, relative to the tree root.
LOCAL_SCHEMAS = ".schemas"
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"com{n}" for n in range(1, 10)]
    + [f"lpt{n}" for n in range(1, 10)]
)
# What stays plain in a flow list or as a mapping key; anything else is quoted, because
# libyaml rejects some plain scalars that ruamel.yaml's emitter allows there (`[0?]`).
_SIMPLE = re.compile(r"[A-Za-z0-9][\w .,/@+-]*[\w.+-]|[A-Za-z0-9]", re.ASCII)
# Characters a YAML block or plain scalar cannot hold as they are: only a double-quoted
# scalar (with escapes) reads back as exactly that text.
_UNPRINTABLE = re.compile(
    "[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
#: An empty string that is written anyway (a required ``action``, an empty ``gherkin``).
_EMPTY = DoubleQuotedScalarString("")
_CASE_TEXT = ("description", "preconditions", "postconditions")
_CASE_SCALARS = ("status", "automation", "flaky", "milestone_id")
# Plain scalars that a YAML 1.2 reader could take for something other than text.
_NOT_TEXT = re.compile(
    r"[-+]?\.?[0-9][0-9a-z_.+-]*|[-+]?\.(?:inf|nan)|~|null|true|false|yes|no|on|off|y|n",
    re.IGNORECASE,
)


# --- names ------------------------------------------------------------------------------


def slugify(title: str, *, fallback: str = "suite") -> str:
    """A file-system-safe name: lowercase ASCII, runs of anything else as one ``-``,
    at most `SLUG_MAX` characters, never empty nor a Windows device name."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-") or fallback
    return f"{slug}-{fallback}" if slug in _WINDOWS_RESERVED else slug


def unique_names(titles: Sequence[str], *, fallback: str = "suite") -> list[str]:
    """Slugs for sibling titles, made unique in order by ``-2``, ``-3``, … suffixes."""
    taken: set[str] = set()
    names = []
    for title in titles:
        base = slugify(title, fallback=fallback)
        name, number = base, 1
        while name in taken:
            number += 1
            suffix = f"-{number}"
            name = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        taken.add(name)
        names.append(name)
    return names


def suite_folders(tree: Tree) -> dict[str, str]:
    """Suite key → folder path relative to the tree (``"checkout/payments"``).

    Siblings are named in the order of their ids (suites without one last, in tree
    order), so a suite keeps its folder name when another one with the same title
    is added later."""
    keys = {suite.key for suite in tree.suites}
    children: dict[str | None, list[tuple[int, Suite]]] = {}
    for index, suite in enumerate(tree.suites):
        parent = suite.parent if suite.parent in keys else None
        children.setdefault(parent, []).append((index, suite))
    folders: dict[str, str] = {}
    _name_children(children, None, "", folders)
    if len(folders) != len(keys):
        raise ValueError("the suites' parent links form a cycle")
    return folders


def _name_children(
    children: Mapping[str | None, list[tuple[int, Suite]]],
    parent: str | None,
    prefix: str,
    folders: dict[str, str],
) -> None:
    siblings = sorted(children.get(parent, []), key=_sibling_order)
    names = unique_names([suite.title for _, suite in siblings])
    for (_, suite), name in zip(siblings, names, strict=True):
        folders[suite.key] = prefix + name
        _name_children(children, suite.key, prefix + name + "/", folders)


def _sibling_order(item: tuple[int, Suite]) -> tuple[bool, int, int]:
    index, suite = item
    return (suite.id is None, suite.id or 0, index)


def shared_step_keys(shared_steps: Sequence[SharedStep]) -> dict[str, str]:
    """Old key → key on disk. A key that is only the Qase hash (a live shared step)
    gives way to one made from the title; every other key is kept."""
    kept = {s.key for s in shared_steps if s.key != s.hash}
    keys = {s.key: s.key for s in shared_steps if s.key in kept}
    derived = [s for s in shared_steps if s.key not in kept]
    names = unique_names([*sorted(kept), *(s.title for s in derived)], fallback="shared-step")[
        len(kept) :
    ]
    keys.update({s.key: name for s, name in zip(derived, names, strict=True)})
    return keys


# --- the tree as it reads back ----------------------------------------------------------


def prepare(tree: Tree) -> Tree:
    """The tree as it reads back from disk: suite keys are folder paths, shared-step
    keys as written, no empty option lists."""
    folders = suite_folders(tree)
    keys = shared_step_keys(tree.shared_steps)
    suites = tuple(
        replace(s, key=folders[s.key], parent=folders.get(s.parent or "")) for s in tree.suites
    )
    cases = tuple(
        replace(c, suite=_folder_of(c, folders), steps=rekey_steps(c.steps, keys))
        for c in tree.cases
    )
    shared = tuple(
        replace(s, key=keys[s.key], steps=rekey_steps(s.steps, keys)) for s in tree.shared_steps
    )
    settings = tree.settings and replace(
        tree.settings, options={k: v for k, v in tree.settings.options.items() if v}
    )
    return replace(tree, settings=settings, suites=suites, cases=cases, shared_steps=shared)


def without_defaults(tree: Tree, enum_defaults: Mapping[str, str]) -> Tree:
    """The tree as a person would write it: enum fields equal to the workspace's default
    option, ``automation: manual`` and ``flaky: false`` left out (None). The planner
    reads an omitted field as that default (docs/design.md §3), so nothing changes."""
    return replace(tree, cases=tuple(_case_without_defaults(c, enum_defaults) for c in tree.cases))


def _case_without_defaults(case: Case, enum_defaults: Mapping[str, str]) -> Case:
    enums: dict[str, Any] = {
        name: None if getattr(case, name) == enum_defaults.get(name) else getattr(case, name)
        for name in ENUM_FIELDS
    }
    return replace(
        case,
        **enums,
        automation=None if case.automation == "manual" else case.automation,
        flaky=case.flaky or None,
    )


def _folder_of(case: Case, folders: Mapping[str, str]) -> str | None:
    if case.suite is None:
        return None
    if case.suite not in folders:
        raise ValueError(f"case {case.title!r} is in an unknown suite {case.suite!r}")
    return folders[case.suite]


def rekey_steps(steps: Sequence[Step], keys: Mapping[str, str]) -> tuple[Step, ...]:
    """``steps`` with each shared step's key looked up in ``keys`` (kept when absent),
    nested steps included."""
    return tuple(
        replace(step, shared=keys.get(step.shared, step.shared))
        if step.shared is not None
        else Step(workspace=step.workspace)  # its live content is not the tree's
        if step.workspace is not None
        else replace(step, steps=rekey_steps(step.steps, keys))
        for step in steps
    )


# --- documents --------------------------------------------------------------------------


def render_tree(tree: Tree, *, schemas: str | None = LOCAL_SCHEMAS) -> dict[PurePosixPath, str]:
    """Every file of the tree, as text, by path relative to the tree root.

    ``schemas`` is where the JSON Schema files are, relative to the tree root (by default
    the tree's own `.schemas/`, which `write_tree` fills), or a URL; ``None`` writes no
    schema line."""
    tree = prepare(tree)
    documents: dict[PurePosixPath, Any] = {}
    if tree.settings is not None:
        documents[PurePosixPath(SETTINGS_FILE)] = settings_document(tree.settings)
    if tree.shared_steps:
        shared = [shared_step_document(s) for s in tree.shared_steps]
        documents[PurePosixPath(SHARED_FILE)] = _map([("shared_steps", shared)])
    for suite in tree.suites:
        documents[PurePosixPath(suite.key, SUITE_FILE)] = suite_document(suite)
    for folder, cases in _cases_by_folder(tree.cases).items():
        documents[PurePosixPath(folder, CASES_FILE)] = _map([("cases", cases)])
    return {path: _text_of(path, doc, schemas) for path, doc in sorted(documents.items())}


def _cases_by_folder(cases: Iterable[Case]) -> dict[str, list[CommentedMap]]:
    folders: dict[str, list[CommentedMap]] = {}
    for case in cases:
        folders.setdefault(case.suite or "", []).append(case_document(case))
    return folders


def settings_document(settings: Settings) -> CommentedMap:
    """``qasesync.yaml``: the project, then only what differs from the defaults."""
    default = Settings(project=settings.project)
    candidates: list[tuple[str, bool, Any]] = [
        ("project", True, _text(settings.project)),
        ("prune", settings.prune != default.prune, settings.prune),
        ("scope", bool(settings.scope), _list(settings.scope)),
        ("max_destroy", settings.max_destroy != default.max_destroy, _limit(settings.max_destroy)),
        (
            "external_issue_type",
            settings.external_issue_type != default.external_issue_type,
            _text(settings.external_issue_type),
        ),
        ("write_back", not settings.write_back, settings.write_back),
        ("drift", settings.drift != default.drift, settings.drift),
        ("ignore_fields", bool(settings.ignore_fields), _list(sorted(settings.ignore_fields))),
        ("options", any(settings.options.values()), _options(settings.options)),
        ("bulk_size", settings.bulk_size is not None, settings.bulk_size),
    ]
    return _map([(name, value) for name, wanted, value in candidates if wanted])


def _limit(limit: MaxDestroy) -> Any:
    number = int(limit.value) if float(limit.value).is_integer() else limit.value
    return f"{number}%" if limit.percent else number


def _options(options: Mapping[str, Sequence[str]]) -> CommentedMap | None:
    known = [name for name in ENUM_FIELDS if name in options]
    names = known + sorted(set(options) - set(known))
    return _or_none(_map([(_key(name), _list(options[name])) for name in names]))


def suite_document(suite: Suite) -> CommentedMap:
    """``suite.yaml``: id when known, title, description, preconditions."""
    return _map(
        [
            ("id", suite.id),
            ("title", _text(suite.title)),
            ("description", _text(suite.description)),
            ("preconditions", _text(suite.preconditions)),
        ]
    )


def shared_step_document(shared: SharedStep) -> CommentedMap:
    """One entry of ``shared_steps``: key, hash, title, steps."""
    return _map(
        [
            ("key", _text(shared.key)),
            ("hash", _text(shared.hash or "")),
            ("title", _text(shared.title)),
            ("steps", _steps(shared.steps)),
        ]
    )


def case_document(case: Case) -> CommentedMap:
    """One entry of ``cases``, fields in the documented order, empty ones left out."""
    pairs: list[tuple[str, Any]] = [("id", case.id), ("title", _text(case.title))]
    pairs += [(name, _text(getattr(case, name))) for name in _CASE_TEXT]
    pairs += [(name, _enum(getattr(case, name))) for name in ENUM_FIELDS if name != "status"]
    pairs += [(name, _scalar(getattr(case, name))) for name in _CASE_SCALARS]
    pairs += [
        ("tags", _list(case.tags)),
        ("external_issues", _list(case.external_issues)),
        ("custom_fields", _custom_fields(case.custom_fields)),
        ("parameters", _or_none(_map([(_key(k), _list(v)) for k, v in case.parameters.items()]))),
        ("steps", _steps(case.steps)),
    ]
    if case.gherkin is not None:
        pairs.append(("gherkin", _text(case.gherkin) or _EMPTY))
    return _map(pairs)


def _enum(value: str | None) -> Any:
    return None if value is None else _text(value)


def _scalar(value: Any) -> Any:
    return _text(value) if isinstance(value, str) else value


def _custom_fields(fields: Mapping[str, CustomValue]) -> CommentedMap | None:
    return _or_none(_map([(_key(n), _custom_value(v)) for n, v in fields.items()]))


def _custom_value(value: CustomValue) -> Any:
    if isinstance(value, tuple):
        return _list(value) if value else CommentedSeq()
    if isinstance(value, str):
        return _text(value) or _EMPTY
    return value


def _steps(steps: Sequence[Step]) -> CommentedSeq | None:
    return CommentedSeq(_step(step) for step in steps) if steps else None


def _step(step: Step) -> CommentedMap:
    if step.shared is not None:
        return _map([("shared", _text(step.shared))])
    if step.workspace is not None:
        return _map([("workspace_shared", _text(step.workspace))])
    return _map(
        [
            ("action", _text(step.action) or _EMPTY),
            ("expected_result", _text(step.expected_result)),
            ("data", _text(step.data)),
            ("steps", _steps(step.steps)),
        ]
    )


# --- YAML text --------------------------------------------------------------------------


def _map(pairs: Iterable[tuple[Any, Any]]) -> CommentedMap:
    """A mapping of the pairs whose value is not None (the producers below give None
    for what is empty, and `_EMPTY` for an empty string that must stay)."""
    result = CommentedMap()
    for key, value in pairs:
        if value is not None:
            result[key] = value
    return result


def _or_none(mapping: CommentedMap) -> CommentedMap | None:
    return mapping or None


def _list(items: Iterable[str]) -> CommentedSeq | None:
    values = list(items)
    if not values:
        return None
    seq = CommentedSeq(_text(v, block=False) or _EMPTY for v in values)
    if all("\n" not in v for v in values) and sum(len(v) + 2 for v in values) < 80:
        seq.fa.set_flow_style()
    return seq


def _text(value: str, *, block: bool = True) -> Any:
    """A string as the scalar style that reads back as exactly that string; None for ""."""
    if not value:
        return None
    # libyaml cannot tell a block's indentation when its first line starts with a tab.
    if _UNPRINTABLE.search(value) or value.lstrip("\n").startswith("\t"):
        return DoubleQuotedScalarString(value)
    if "\n" in value:
        return LiteralScalarString(value) if block else DoubleQuotedScalarString(value)
    if _NOT_TEXT.fullmatch(value) or not (block or _SIMPLE.fullmatch(value)):
        return SingleQuotedScalarString(value)
    return value


def _key(value: str) -> Any:
    if "\n" in value or not value:
        return DoubleQuotedScalarString(value)
    return _text(value, block=False)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 1_000_000  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    return yaml


def _text_of(path: PurePosixPath, document: Any, schemas: str | None) -> str:
    buffer = io.StringIO()
    _yaml().dump(document, buffer)
    return schema_line(path, schemas) + buffer.getvalue()


def schema_line(path: PurePosixPath, schemas: str | None) -> str:
    """The ``$schema`` comment that starts the file at ``path`` (relative to the tree);
    none when ``schemas`` is None."""
    if schemas is None:
        return ""
    base = schemas if "://" in schemas else "../" * (len(path.parts) - 1) + schemas
    return f"# yaml-language-server: $schema={base.rstrip('/')}/{SCHEMAS[path.name]}\n"


# --- disk -------------------------------------------------------------------------------


def write_tree(
    tree: Tree, out: Path, *, force: bool = False, schemas: str | None = LOCAL_SCHEMAS
) -> list[Path]:
    """Write ``tree`` as a cases tree into ``out``; return the files written.

    A non-empty ``out`` is refused unless ``force``; with ``force``, the YAML files
    already there (hidden ones aside) are removed first, so that nothing stale stays
    in the tree. Text files are UTF-8 with ``\\n`` line ends. When ``schemas`` is a
    folder inside the tree, the schema files are written there too, so that editors
    resolve the schema lines offline, in any repository."""
    files = render_tree(tree, schemas=schemas)
    _clear_target(out, force=force)
    written = []
    if schemas is not None and _inside_tree(schemas):
        written += write_schemas(out.joinpath(*PurePosixPath(schemas).parts))
    for relative, text in files.items():
        path = out.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(path)
    return written


def schemas_base(settings: bytes | None) -> str | None:
    """Where the schema line of a tree's ``qasesync.yaml`` (its bytes) points, as
    ``schema_line`` takes it; None when the file has no such line."""
    first = (settings or b"").split(b"\n", 1)[0].decode("utf-8", "replace")
    found = _SCHEMA_LINE.fullmatch(first.rstrip("\r"))
    return (found.group(1) or ".") if found else None


def write_schemas(folder: Path) -> list[Path]:
    """Copy the JSON Schemas, and a SchemaStore-style catalog of them, into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(SCHEMAS.values()):
        target = folder / name
        target.write_bytes((schema_dir() / name).read_bytes())
        written.append(target)
    target = folder / CATALOG_FILE
    target.write_text(json.dumps(catalog(), indent=2) + "\n", encoding="utf-8")
    return [*written, target]


_SCHEMA_LINE = re.compile(
    r"# yaml-language-server: \$schema=(.*?)/?" + re.escape(SCHEMAS[SETTINGS_FILE])
)


def _inside_tree(schemas: str) -> bool:
    parts = PurePosixPath(schemas).parts
    return "://" not in schemas and bool(parts) and ".." not in parts and parts[0] != "/"


def _clear_target(out: Path, *, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not force:
        raise ConfigError(f"{out} is not empty; use --force to write into it")
    for folder, names in _visible_walk(out):
        for name in names:
            if name.endswith((".yaml", ".yml")):
                (folder / name).unlink()
    for folder, _ in reversed(list(_visible_walk(out))):
        if folder != out and not any(folder.iterdir()):
            folder.rmdir()


def _visible_walk(root: Path) -> Iterator[tuple[Path, list[str]]]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        yield Path(folder), [f for f in files if not f.startswith(".")]
