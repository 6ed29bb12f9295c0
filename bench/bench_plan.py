"""A no-op plan of the 10,000-case tree against the emulator on a socket.

    python bench/bench_plan.py [--cases 10000]

Generates the tree (bench/gen_tree.py), puts the same project into the emulator directly
through its store, writes the tree's base record (qasesync.base.jsonl, as export or a
first apply would: the plan is three-way), then measures:

- ``qasesync plan`` run as a child process against the emulator on a loopback socket:
  requests made (budget 112), wall time (budget 8 s) and the child's peak RSS
  (budget 400 MB);
- matching and diffing alone (``planner.plan`` on an already loaded tree and live
  project, with the base): CPU time (budget 1 s);
- the base record's size (no budget; reported).

It exits 1 when the plan is not empty or a budget is exceeded.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import childrss
from gen_tree import generate

from qasesync.emulator import Emulator, sample_custom_fields, serve
from qasesync.model import Base, Tree
from qasesync.plans.planner import live_base, plan
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote
from qasesync.tree.base import BASE_FILE, read_base, write_base
from qasesync.tree.load import load_tree

TOKEN = "bench-token"
PROJECT = "BENCH"
BUDGETS = {"requests": 112, "wall_s": 8.0, "cpu_s": 1.0, "rss_mb": 400.0}


def in_process_remote(emu: Emulator) -> Remote:
    transport = httpx.WSGITransport(app=emu.app)
    client = QaseClient(
        token=TOKEN, base_url="http://127.0.0.1/v1", transport=transport, rate_limit=10**6
    )
    return Remote(client, PROJECT)


def seed(emu: Emulator, tree: Tree) -> None:
    """The tree's content, written straight into the emulator's store."""
    store = emu.store
    remote = in_process_remote(emu)
    suite_ids: dict[str | None, int | None] = {None: None}
    for suite in sorted(tree.suites, key=lambda s: s.key.count("/")):
        body = {
            "title": suite.title,
            "description": suite.description,
            "parent_id": suite_ids[suite.parent],
        }
        suite_ids[suite.key] = store.create_suite(PROJECT, body)
    hashes = {}
    for shared in tree.shared_steps:
        steps = [
            {"action": s.action, "expected_result": s.expected_result, "data": s.data}
            for s in shared.steps
        ]
        hashes[shared.key] = store.create_shared_step(
            PROJECT, {"title": shared.title, "steps": steps}
        )
    bodies = [
        remote.case_payload(c, suite_ids=suite_ids, shared_hashes=hashes, for_bulk=True)
        for c in tree.cases
    ]
    for start in range(0, len(bodies), 500):
        store.create_cases(PROJECT, bodies[start : start + 500])


def child_plan(tree_dir: Path, url: str) -> tuple[float, float, str]:
    """``qasesync plan`` in a child process: wall seconds, peak RSS in MB, its output.
    The child is started from a process that stayed small (`childrss`): this one holds
    the tree and the emulator, whose size a child started here would report as its own."""
    env = {**os.environ, "QASE_TOKEN": TOKEN, "QASE_API_URL": url, "QASE_RATE_LIMIT": "100000"}
    command = [sys.executable, "-m", "qasesync", "plan", str(tree_dir), "--detailed-exitcode"]
    done = childrss.run(command, env)
    if done.code != 0:
        sys.exit(f"plan exited {done.code}:\n{done.output[-2000:]}\n{done.errors[-2000:]}")
    return done.wall_s, done.rss_mb, done.output


def planner_cpu(tree: Tree, emu: Emulator, base: Base | None) -> float:
    """CPU seconds of matching and diffing alone (best of three)."""
    live = in_process_remote(emu).read()
    assert tree.settings is not None
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        result = plan(tree, live, tree.settings, base=base)
        best = min(best, time.process_time() - started)
        assert not result.changes, result.changes[:3]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    childrss.start()
    with tempfile.TemporaryDirectory() as folder:
        tree_dir = Path(folder) / "cases"
        generate(tree_dir, args.cases)
        tree = load_tree(tree_dir)
        emu = Emulator(
            token=TOKEN, projects=(PROJECT,), custom_fields=sample_custom_fields((PROJECT,))
        )
        seed(emu, tree)
        assert tree.settings is not None
        write_base(tree_dir, live_base(in_process_remote(emu).read(), tree.settings), None)
        base_mb = (tree_dir / BASE_FILE).stat().st_size / 2**20
        with serve(emu) as server:
            before = len(emu.log)
            wall, rss_mb, output = child_plan(tree_dir, server.url)
            requests = len(emu.log) - before
        cpu = planner_cpu(tree, emu, read_base(tree_dir)[0])
    figures = {"requests": requests, "wall_s": wall, "cpu_s": cpu, "rss_mb": rss_mb}
    report(figures, tree, output)
    print(f"  base_mb: {base_mb:10.2f}  ({BASE_FILE}, {len(tree.cases)} cases)")


def report(figures: dict[str, Any], tree: Tree, output: str) -> None:
    print(f"tree: {tree.summary()}")
    print(output.strip().splitlines()[-2])
    over = []
    for name, value in figures.items():
        ok = value <= BUDGETS[name]
        over += [] if ok else [name]
        print(f"{name:>9}: {value:10.2f}  (budget {BUDGETS[name]:g}){'' if ok else '  OVER'}")
    if over:
        sys.exit(f"over budget: {', '.join(over)}")


if __name__ == "__main__":
    main()
