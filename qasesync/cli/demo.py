"""`qasesync demo`: the whole job on the example tree, against an emulator started in-process.

The demo serves an empty project on a free loopback port (seeded with the custom fields
the example tree uses), copies the example tree into a temporary folder, and runs the real
commands on the copy — validate, plan, apply --yes, plan --detailed-exitcode; then a tester's
edit in the web app (made in the emulator), the plan that shows it as changed in Qase and
leaves it alone, pull, and a last clean plan — through a runner the CLI gives it, so that
each step prints exactly what the command prints. The
checkout (or the installed example) is never modified, and the environment variables it
sets for the run are restored afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import qasesync
from qasesync.errors import QasesyncError
from qasesync.model import Tree

if TYPE_CHECKING:
    from qasesync.emulator import Emulator

#: Runs one qasesync command line (without the program name); returns its exit code.
Runner = Callable[[Sequence[str]], int]

PROJECT = "SHOP"
#: Where the CLI expects the tree in the temporary folder (also what the headings show).
TREE = "cases"
#: Variables that would point the demo's commands elsewhere or slow them down: unset for the run.
CLEARED = ("QASE_PROJECT", "QASE_WEB_URL", "QASE_RATE_LIMIT", "QASE_TIMEOUT")
EXIT_OK, EXIT_FAILED, EXIT_CHANGES = 0, 1, 2
#: Exit codes of a step passed through as they are: a bug, an interruption.
PASSED_THROUGH = (3, 130)


@dataclass(frozen=True)
class Step:
    """One command of the demo and the exit codes that let the demo go on; a step
    without a command is the tester's edit in the web app, made in the emulator."""

    title: str
    argv: tuple[str, ...] = ()
    succeeds: tuple[int, ...] = (EXIT_OK,)


#: The case a tester edits in the web app, and how.
WEB_EDIT = (1, "priority", "low")


STEPS = (
    Step("validate the tree (offline)", ("validate", TREE)),
    Step("plan: what apply would change in the empty project", ("plan", TREE)),
    Step("apply the plan, writing the new ids back into the YAML", ("apply", TREE, "--yes")),
    Step(
        "plan again: the project matches the tree, so no changes",
        ("plan", TREE, "--detailed-exitcode"),
    ),
    Step("a tester sets the priority of case #1 to low in the Qase web app"),
    Step(
        "plan: the tester's edit is a change made in Qase, which apply leaves alone",
        ("plan", TREE, "--detailed-exitcode"),
    ),
    Step("pull: the tester's edit comes into the YAML", ("pull", TREE)),
    Step("plan again: the tree, the record and Qase agree", ("plan", TREE, "--detailed-exitcode")),
)


def example_tree() -> Path:
    """The example tree: shipped in the wheel as ``qasesync/examples/cases``, else the
    checkout's ``cases/`` (a development install)."""
    package = Path(qasesync.__file__).resolve().parent
    for candidate in (package / "examples" / "cases", package.parent / "cases"):
        if (candidate / "qasesync.yaml").is_file():
            return candidate
    raise QasesyncError(f"the example tree is missing: no examples/cases/ beside {package}")


def custom_fields_of(tree: Tree, project: str) -> list[dict[str, Any]]:
    """``GET /custom_field`` entities for every custom field the tree's cases use: a list
    value makes a multiselect (its options: every title used), a boolean a checkbox, a
    number a number field, anything else a string field."""
    values: dict[str, list[Any]] = {}
    for case in tree.cases:
        for title, value in case.custom_fields.items():
            values.setdefault(title, []).append(value)
    return [
        _custom_field(number, title, used, project)
        for number, (title, used) in enumerate(sorted(values.items()), start=1)
    ]


def _custom_field(number: int, title: str, used: list[Any], project: str) -> dict[str, Any]:
    kind, options = "string", None
    if any(isinstance(value, tuple) for value in used):
        titles = sorted({item for value in used if isinstance(value, tuple) for item in value})
        kind, options = "Multiselect", [{"id": i, "title": t} for i, t in enumerate(titles, 1)]
    elif all(isinstance(value, bool) for value in used):
        kind = "Checkbox"
    elif all(isinstance(value, (int, float)) for value in used):
        kind = "number"
    stamp = "2024-01-01T00:00:00+00:00"
    return {
        "id": number,
        "title": title,
        "entity": "case",
        "type": kind,
        "placeholder": None,
        "default_value": None,
        "value": None if options is None else json.dumps(options),
        "is_required": False,
        "is_visible": True,
        "is_filterable": True,
        "is_enabled_for_all_projects": False,
        "projects_codes": [project],
        "created_at": stamp,
        "updated_at": stamp,
    }


@contextmanager
def environment(values: Mapping[str, str], *, cleared: Sequence[str] = CLEARED) -> Iterator[None]:
    """``os.environ`` with ``values`` set and ``cleared`` unset, restored on exit."""
    names = [*values, *cleared]
    saved = {name: os.environ.get(name) for name in names}
    try:
        for name in cleared:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Run inside ``path`` (so that the steps show ``cases/``, not a temporary path)."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_demo(run: Runner, out: TextIO, *, source: Path | None = None) -> int:
    """Run the demo's steps on a copy of ``source`` (default: :func:`example_tree`) against
    a fresh emulator; 0 when every step succeeded and the second plan is clean, else 1
    (3 or 130 when a step exited so)."""
    from qasesync.emulator import Emulator, serve
    from qasesync.tree.load import load_tree

    source = source or example_tree()
    fields = custom_fields_of(load_tree(source), PROJECT)
    token = secrets.token_hex(16)
    emulator = Emulator(token=token, projects=(PROJECT,), custom_fields=fields)
    with tempfile.TemporaryDirectory(prefix="qasesync-demo-") as folder, serve(emulator) as server:
        shutil.copytree(source, Path(folder) / TREE, ignore=shutil.ignore_patterns("__pycache__"))
        out.write(_introduction(server.url, source, fields, folder))
        variables = {"QASE_API_URL": server.url, "QASE_TOKEN": token}
        with environment(variables), working_directory(Path(folder)):
            code = _run_steps(run, out, emulator)
    out.write(_conclusion(code))
    return code


def _run_steps(run: Runner, out: TextIO, emulator: Emulator) -> int:
    for number, step in enumerate(STEPS, start=1):
        out.write(f"\n== Step {number}/{len(STEPS)}: {step.title}\n")
        if not step.argv:
            edited = _web_edit(emulator)
            out.write(edited or f"\nStep {number}: the project has no case #{WEB_EDIT[0]}.\n")
            if edited is None:
                return EXIT_FAILED
            continue
        out.write(f"$ qasesync {' '.join(step.argv)}\n")
        out.flush()
        code = run(step.argv)
        out.flush()
        if code not in step.succeeds:
            out.write(f"\nStep {number} exited {code}{_meaning(code)}.\n")
            return code if code in PASSED_THROUGH else EXIT_FAILED
    return EXIT_OK


def _web_edit(emulator: Emulator) -> str | None:
    """What a tester does in the web app: one field of one case, straight in the store
    (None when apply did not create the case)."""
    case_id, name, slug = WEB_EDIT
    if not any(case["id"] == case_id for case in emulator.store.cases(PROJECT)):
        return None
    field = next(f for f in emulator.store.system_fields() if f["slug"] == name)
    option = next(o["id"] for o in field["options"] if o["slug"] == slug)
    emulator.store.patch_case(PROJECT, case_id, {name: option})
    return f"(in the emulator: case #{case_id} gets {name} {slug})\n"


def _meaning(code: int) -> str:
    return " (the plan still has changes)" if code == EXIT_CHANGES else ""


def _introduction(url: str, source: Path, fields: list[dict[str, Any]], folder: str) -> str:
    titles = ", ".join(str(field["title"]) for field in fields) or "none"
    return (
        "qasesync demo: the example tree against a local Qase API emulator\n"
        f"  emulator: {url} (project {PROJECT}, empty; custom fields: {titles})\n"
        f"  tree:     a copy of {source} in {folder}/{TREE} (deleted afterwards)\n"
    )


def _conclusion(code: int) -> str:
    if code == EXIT_OK:
        return (
            "\nDemo complete: the tree was applied, the tester's edit was kept and pulled, and\n"
            "the last plan shows no changes.\n"
            "Against your own workspace, set QASE_TOKEN and run the same commands.\n"
        )
    return "\nDemo failed: see the step above.\n"
