"""Two `qasesync apply` runs started at once, many rounds: the apply lock (docs/design.md
§12) under a real race, with no gate holding either run.

    python bench/bench_lock.py [--rounds 20] [--latency 0.005]

Each round serves a fresh emulator on a socket (``--latency`` seconds added to every
request, so that the two runs overlap), copies the example tree ``cases/`` twice (a laptop
and a CI checkout) and starts ``qasesync apply --yes`` on both at the same moment. It counts
the rounds in which one run waited for the other, the duplicates (two live cases with one
title in one suite, more cases or suites than the tree has, a lock left behind) and each
round's wall time. Exits 1 on any duplicate, any failed run, or any round in which both
runs created something.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from qasesync.cli.demo import custom_fields_of
from qasesync.emulator import Emulator, Faults, serve
from qasesync.qase.lockentity import LOCK_TITLE
from qasesync.tree.load import load_tree

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
PROJECT = "SHOP"
CASES, SUITES = 46, 18


def one_round(work: Path, latency: float) -> tuple[bool, list[str], float]:
    """(did one run wait, the problems found, wall seconds)."""
    fields = custom_fields_of(load_tree(REPO / "cases"), PROJECT)
    emu = Emulator(
        token=TOKEN, projects=(PROJECT,), faults=Faults(latency=latency), custom_fields=fields
    )
    trees = []
    for name in ("laptop", "ci"):
        shutil.copytree(REPO / "cases", work / name)
        trees.append(work / name)
    with serve(emu) as server:
        env = {**os.environ, "QASE_TOKEN": TOKEN, "QASE_API_URL": server.url}
        env.pop("QASE_PROJECT", None)
        env["PYTHONPATH"] = str(REPO)
        start = time.monotonic()
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "qasesync", "apply", str(tree), "--yes"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for tree in trees
        ]
        results = [(child.wait(300), *child.communicate()) for child in children]
        wall = time.monotonic() - start
    return _judge(emu, results), _problems(emu, results), wall


def _judge(emu: Emulator, results: list[tuple[int, str, str]]) -> bool:
    return any("is locked by another apply" in err for _, _, err in results)


def _problems(emu: Emulator, results: list[tuple[int, str, str]]) -> list[str]:
    problems = [f"a run exited {code}: {err.strip()}" for code, _, err in results if code]
    creators = [out for _, out, _ in results if "Apply complete: 68 created" in out]
    if len(creators) != 1:
        problems.append(f"{len(creators)} runs created the project")
    cases = emu.store.cases(PROJECT)
    twice = [k for k, n in Counter((c["suite_id"], c["title"]) for c in cases).items() if n > 1]
    suites = emu.store.suites(PROJECT)
    if twice or len(cases) != CASES or len(suites) != SUITES:
        problems.append(f"{len(cases)} cases, {len(suites)} suites, duplicated: {twice}")
    if any(s["title"] == LOCK_TITLE for s in suites):
        problems.append("a lock suite was left behind")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.005)
    args = parser.parse_args()
    waited, failed, walls = 0, 0, []
    for number in range(1, args.rounds + 1):
        with tempfile.TemporaryDirectory() as work:
            did_wait, problems, wall = one_round(Path(work), args.latency)
        waited += did_wait
        failed += bool(problems)
        walls.append(wall)
        status = "; ".join(problems) or ("one waited" if did_wait else "no overlap")
        print(f"round {number}: {wall:.2f} s, {status}", flush=True)
    walls.sort()
    print(
        f"{args.rounds} rounds: {failed} with a duplicate or failure, {waited} in which one run "
        f"waited for the other; wall median {walls[len(walls) // 2]:.2f} s, max {walls[-1]:.2f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
