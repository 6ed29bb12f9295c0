"""Helpers of the apply tests: the SHOP workspace, trees, an in-process remote with fake
time, and checks of the emulator's state."""

from __future__ import annotations

import io
import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kit.client import FakeTime
from qasesync.cli import main
from qasesync.emulator import Emulator, serve
from qasesync.model import Live, Tree
from qasesync.plans.plan import Plan
from qasesync.plans.planner import plan
from qasesync.qase.client import QaseClient
from qasesync.qase.lockentity import LOCK_TITLE
from qasesync.qase.remote import Remote
from qasesync.tree.load import load_tree

REPO = Path(__file__).resolve().parents[2]
TOKEN = "apply-token"
PROJECT = "SHOP"
COMPONENTS = ["web", "api", "search", "email", "payments"]


def shop_fields() -> list[dict[str, Any]]:
    """The case custom fields the example tree uses, Owner (string) and Components
    (multiselect), and Estimate (a number, unused by the tree)."""
    stamp = "2024-01-01T00:00:00+00:00"
    common = {
        "entity": "case",
        "placeholder": None,
        "default_value": None,
        "is_required": False,
        "is_visible": True,
        "is_filterable": True,
        "is_enabled_for_all_projects": False,
        "projects_codes": [PROJECT],
        "created_at": stamp,
        "updated_at": stamp,
        "created": "2024-01-01 00:00:00",
        "updated": "2024-01-01 00:00:00",
    }
    options = json.dumps([{"id": i + 1, "title": t} for i, t in enumerate(COMPONENTS)])
    return [
        {**common, "id": 1, "title": "Owner", "type": "string", "value": None},
        {**common, "id": 2, "title": "Components", "type": "Multiselect", "value": options},
        {**common, "id": 3, "title": "Estimate", "type": "number", "value": None},
    ]


def shop_emulator(**options: Any) -> Emulator:
    return Emulator(token=TOKEN, projects=(PROJECT,), custom_fields=shop_fields(), **options)


def on_socket(
    monkeypatch: pytest.MonkeyPatch, emulator: Emulator, *, token: str = TOKEN
) -> Iterator[Emulator]:
    """``emulator`` served on a loopback socket while the generator is open, with
    ``QASE_TOKEN`` and ``QASE_API_URL`` pointing at it and the other QASE_* unset (a
    fixture's body: ``yield from on_socket(...)``)."""
    with serve(emulator) as server:
        monkeypatch.setenv("QASE_TOKEN", token)
        monkeypatch.setenv("QASE_API_URL", server.url)
        for name in ("QASE_PROJECT", "QASE_WEB_URL", "QASE_RATE_LIMIT", "NO_COLOR"):
            monkeypatch.delenv(name, raising=False)
        yield emulator


def run_cli(*argv: str) -> tuple[int, str]:
    """``qasesync ARGV`` in process: the exit code and what it wrote to stdout."""
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def looping_suites(emulator: Emulator, project: str) -> str:
    """Two suites whose parents loop (corrupt data the API refuses to make), put into
    the store through its state; the problem that plan, export and pull report."""
    first = emulator.store.create_suite(project, {"title": "Loop A"})
    second = emulator.store.create_suite(project, {"title": "Loop B", "parent_id": first})
    state = emulator.store.dump()
    for suite in state["projects"][project]["suites"]:
        if suite["id"] == first:
            suite["parent_id"] = second
    emulator.store.load(state)
    return (
        f"the parents of live suites loop: #{first} 'Loop A' → #{second} 'Loop B' → #{first} "
        "(corrupt data in Qase); give one of them another parent in the Qase web app, then "
        "plan again"
    )


def copy_cases(tmp_path: Path) -> Path:
    """A copy of the example tree ``cases/``."""
    root = tmp_path / "cases"
    shutil.copytree(REPO / "cases", root)
    return root


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def generated_tree(root: Path, *, suites: int, per_suite: int) -> Path:
    """``suites`` suites (every third one nested in the one before) of ``per_suite``
    cases each: steps, a shared-step reference, tags, custom fields; every 25th case
    automated, every 40th with an external issue."""
    files = {
        "qasesync.yaml": f"project: {PROJECT}\n",
        "shared_steps.yaml": (
            "shared_steps:\n  - key: sign-in\n    title: Sign in\n    steps:\n"
            "      - action: Open /login\n        expected_result: The form\n"
            "      - action: Submit\n"
        ),
    }
    folder = ""
    number = 0
    for s in range(suites):
        folder = f"{folder}/s{s}" if s % 3 and folder else f"s{s}"
        lines = ["cases:"]
        for _ in range(per_suite):
            number += 1
            lines += _generated_case(number)
        files[f"{folder}/cases.yaml"] = "\n".join(lines) + "\n"
    return write_tree(root, files)


def _generated_case(n: int) -> list[str]:
    lines = [
        f"  - title: Case number {n}",
        f"    severity: {('major', 'minor', 'critical')[n % 3]}",
        f"    tags: [t{n % 5}, generated]",
        "    custom_fields:",
        f"      Owner: team-{n % 4}",
        f"      Components: [{COMPONENTS[n % 5]}]",
        "    steps:",
        "      - shared: sign-in",
        f"      - action: Do thing {n}",
        f"        expected_result: Thing {n} done",
    ]
    if n % 25 == 0:
        lines.append("    automation: automated")
    if n % 40 == 0:
        lines.append(f"    external_issues: [ENG-{n}]")
    return lines


def in_process_remote(
    emu: Emulator,
    wrap: Callable[[httpx.BaseTransport], httpx.BaseTransport] = lambda t: t,
    fake: FakeTime | None = None,
    **options: Any,
) -> Remote:
    """A Remote of the in-process emulator whose client never really sleeps."""
    fake = fake or FakeTime()
    client = QaseClient(
        token=TOKEN,
        base_url="http://emulator/v1",
        transport=wrap(httpx.WSGITransport(app=emu.app)),
        sleep=fake.sleep,
        clock=fake.clock,
        **options,
    )
    return Remote(client, PROJECT)


def plan_of(root: Path, remote: Remote) -> tuple[Tree, Live, Plan]:
    tree = load_tree(root)
    assert tree.settings is not None
    live = remote.read()
    return tree, live, plan(tree, live, tree.settings)


def duplicate_titles(emu: Emulator) -> list[tuple[Any, str]]:
    """(suite id, title) that more than one live case has."""
    counted = Counter((c["suite_id"], c["title"]) for c in emu.store.cases(PROJECT))
    return [key for key, n in counted.items() if n > 1]


def writes(emu: Emulator, method: str = "", suffix: str = "") -> list[Any]:
    """The write requests the emulator logged (processed ones: no refused faults), but
    for those of the apply lock (docs/design.md §12)."""
    locks = lock_paths(emu)
    return [
        r
        for r in emu.log
        if r.method in ("POST", "PATCH", "DELETE")
        and r.fault in (None, "drop")
        and (not method or r.method == method)
        and r.path.endswith(suffix)
        and not (r.path in locks or _creates_lock(r))
    ]


def lock_paths(emu: Emulator) -> set[str]:
    """The paths of the lock suites every apply created (``/v1/suite/SHOP/6``)."""
    return {
        f"{r.path}/{r.answer['result']['id']}"
        for r in emu.log
        if _creates_lock(r) and isinstance(r.answer, dict) and r.answer.get("result")
    }


def _creates_lock(record: Any) -> bool:
    return (
        record.method == "POST"
        and isinstance(record.body, dict)
        and record.body.get("title") == LOCK_TITLE
    )
