"""Requests of a no-op plan when the tree's `scope` owns one suite of a large project.

    python bench/bench_scope.py [--cases 10000] [--baseline /path/to/other/checkout]

Generates the 10,000-case tree (bench/gen_tree.py), moves the cases of four sibling
suites into ``area-00/feature-0/part-0`` (so it holds 100 cases), puts that project into
the emulator, and writes a second tree that owns only that suite (``scope``; its cases
with their ids, its parents' suite.yaml files, the shared steps, a base record). Then,
with ``qasesync plan`` in a child process against the emulator on a socket:

- the no-op plan: requests (target: at most 12), wall time, peak RSS;
- with one of the suite's cases moved to another suite in the emulator (as in the web
  app): requests, and the plan matches it by id (it is drift, never a create).

``--baseline DIR`` runs the same plans with the qasesync of another checkout first (say
one from before scoped reads) for the "before" figures. Exits 1 when a plan is wrong or
the after figure is over its target.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import PROJECT, TOKEN, in_process_remote, seed
from gen_tree import generate

from qasesync.emulator import Emulator, sample_custom_fields, serve
from qasesync.plans.planner import live_base
from qasesync.tree.base import write_base
from qasesync.tree.load import load_tree

OWNED = "area-00/feature-0/part-0"
DONORS = [f"area-00/feature-0/part-{n}" for n in range(1, 5)]
TARGET = 12


def concentrate(root: Path) -> None:
    """Move the cases of the DONORS suites into OWNED (by their YAML text)."""
    owned = root / OWNED / "cases.yaml"
    text = owned.read_text(encoding="utf-8")
    for donor in DONORS:
        path = root / donor / "cases.yaml"
        text += path.read_text(encoding="utf-8").removeprefix("cases:\n")
        path.write_text("cases: []\n", encoding="utf-8")
    owned.write_text(text, encoding="utf-8")


def scoped_tree(full: Path, out: Path, emu: Emulator) -> dict[str, int]:
    """The tree owning OWNED only, its cases carrying their live ids; {title: id}."""
    out.mkdir()
    settings = (full / "qasesync.yaml").read_text(encoding="utf-8")
    (out / "qasesync.yaml").write_text(settings + f"scope:\n  - {OWNED}\n", encoding="utf-8")
    for name in ("shared_steps.yaml", "shared_steps/more.yaml"):
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text((full / name).read_text(encoding="utf-8"), encoding="utf-8")
    parts = OWNED.split("/")
    for depth in range(1, len(parts) + 1):
        folder = "/".join(parts[:depth])
        (out / folder).mkdir()
        suite = (full / folder / "suite.yaml").read_text(encoding="utf-8")
        (out / folder / "suite.yaml").write_text(suite, encoding="utf-8")
    ids = {str(c["title"]): int(c["id"]) for c in emu.store.cases(PROJECT)}
    text = (full / OWNED / "cases.yaml").read_text(encoding="utf-8")
    text = re.sub(
        r"(?m)^  - title: (.*)$", lambda m: f"  - id: {ids[m[1]]}\n    title: {m[1]}", text
    )
    (out / OWNED / "cases.yaml").write_text(text, encoding="utf-8")
    return ids


def child_plan(tree: Path, url: str, code: Path) -> tuple[float, float, dict[str, Any]]:
    """``qasesync plan --format json`` of ``tree`` run from checkout ``code``."""
    env = {
        **os.environ,
        "QASE_TOKEN": TOKEN,
        "QASE_API_URL": url,
        "QASE_RATE_LIMIT": "100000",
        "PYTHONPATH": str(code),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "qasesync", "plan", str(tree), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=code,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"plan exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, rss_mb, json.loads(done.stdout)


def measured(emu: Emulator, tree: Path, url: str, code: Path) -> tuple[int, float, dict[str, Any]]:
    before = len(emu.log)
    wall, _, plan = child_plan(tree, url, code)
    return len(emu.log) - before, wall, plan


def check_noop(plan: dict[str, Any]) -> None:
    if any(plan["summary"].values()):
        sys.exit(f"the plan is not empty: {plan['summary']}")


def check_moved(plan: dict[str, Any], moved: int) -> None:
    """The moved case is matched by id: no create; it shows as drift (a move in Qase)."""
    if plan["summary"]["create"]:
        sys.exit(f"the moved case is planned as a create: {plan['summary']}")
    if str(moved) not in json.dumps(plan.get("drift", [])):
        sys.exit(f"the moved case #{moved} is not in the plan's drift")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--baseline", type=Path, help="another checkout to measure first")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        full = Path(folder) / "full"
        generate(full, args.cases)
        concentrate(full)
        tree = load_tree(full)
        assert tree.settings is not None
        emu = Emulator(
            token=TOKEN, projects=(PROJECT,), custom_fields=sample_custom_fields((PROJECT,))
        )
        seed(emu, tree)
        scoped = Path(folder) / "scoped"
        ids = scoped_tree(full, scoped, emu)
        write_base(scoped, live_base(in_process_remote(emu).read(), tree.settings), None)
        owned_cases = sum(1 for c in tree.cases if c.suite == OWNED)
        print(f"project: {tree.summary()}; the tree owns {OWNED} ({owned_cases} cases)")
        moved = min(ids[c.title] for c in tree.cases if c.suite == OWNED)
        other = next(s["id"] for s in emu.store.suites(PROJECT) if s["parent_id"] is None)
        with serve(emu) as server:
            runs = [("before", args.baseline)] if args.baseline else []
            for label, code in [*runs, ("after", here)]:
                requests, wall, plan = measured(emu, scoped, server.url, code)
                check_noop(plan)
                print(f"{label:>6} no-op plan: {requests:4d} requests, {wall:5.2f} s")
            emu.store.patch_case(PROJECT, moved, {"suite_id": other})
            for label, code in [*runs, ("after", here)]:
                requests_moved, wall, plan = measured(emu, scoped, server.url, code)
                check_moved(plan, moved)
                print(
                    f"{label:>6} case #{moved} moved out: {requests_moved:4d} requests, "
                    f"{wall:5.2f} s, matched by id (drift, no create)"
                )
    over = [n for n in (requests, requests_moved) if n > TARGET]
    if over:
        sys.exit(f"over the target of {TARGET} requests: {over}")


if __name__ == "__main__":
    main()
