"""A first apply of 2,000 cases with the adaptive bulk size, against an emulator whose
bulk creates take time in proportion to their size.

    python bench/bench_bulk.py [--cases 2000] [--per-case 0.01] [--scale 200] [--fixed N]

The live service is modelled as taking 2 s a case in a bulk create, so that a batch of
100 (200 s) outlasts the client's 180 s bulk deadline. Both are scaled down by
``--scale``: the emulator waits ``--per-case`` s a case (`--bulk-latency-per-case`) and
the client gives a bulk create 180 / scale s. The tree: 20 suites of cases without
automation (all go through bulk creates). Reports the bulk sizes, the request count, the
wall time of the apply, and the batches that got no answer in time (ambiguous: read back
before anything is sent again). ``--fixed N`` sends N a batch instead (``bulk_size``).

Exits 1 when a batch was ambiguous or the project does not hold every case once.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from qasesync.apply.applier import apply
from qasesync.emulator import Emulator, serve
from qasesync.emulator.shapes import Shapes
from qasesync.plans.planner import plan
from qasesync.qase.client import QaseClient
from qasesync.qase.connection import BULK_DEADLINE
from qasesync.qase.remote import Remote
from qasesync.tree.load import load_tree

TOKEN = "bench-token"
PROJECT = "BULK"
SUITES = 20


def write_tree(root: Path, cases: int) -> None:
    root.mkdir(parents=True)
    (root / "qasesync.yaml").write_text(f"project: {PROJECT}\n", encoding="utf-8")
    per_suite = -(-cases // SUITES)
    for s in range(SUITES):
        folder = root / f"suite{s:02d}"
        folder.mkdir(parents=True)
        lines = ["cases:"]
        for n in range(s * per_suite, min(cases, (s + 1) * per_suite)):
            lines += [
                f"  - title: Case {n}",
                "    steps:",
                f"      - action: Step of case {n}",
                "        expected_result: It works",
            ]
        (folder / "cases.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


class Ambiguous(logging.Handler):
    """Counts the bulk creates that got no answer in time (the applier reads them back)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().endswith("reading back"):
            self.count += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases in the tree")
    parser.add_argument("--per-case", type=float, default=0.01, help="emulator s a case")
    parser.add_argument("--scale", type=float, default=200.0, help="time scaled down by")
    parser.add_argument("--fixed", type=int, help="a fixed bulk size instead of adaptive")
    args = parser.parse_args()
    deadline = BULK_DEADLINE / args.scale
    ambiguous = Ambiguous()
    logging.getLogger("qasesync.apply.cases").addHandler(ambiguous)
    emu = Emulator(
        token=TOKEN, projects=(PROJECT,), shapes=Shapes(bulk_latency_per_case=args.per_case)
    )
    with tempfile.TemporaryDirectory() as tmp, serve(emu) as server:
        root = Path(tmp) / "cases"
        write_tree(root, args.cases)
        tree = load_tree(root)
        assert tree.settings is not None
        with QaseClient(
            token=TOKEN, base_url=server.url, rate_limit=100_000, bulk_deadline=deadline
        ) as client:
            remote = Remote(client, PROJECT)
            live = remote.read()
            made = plan(tree, live, tree.settings)
            started = time.monotonic()
            report = apply(made, remote, live=live.tree, batch_size=args.fixed)
            wall = time.monotonic() - started
        bulks = [r for r in emu.log if r.method == "POST" and r.path.endswith("/bulk")]
        sizes = [len(r.body["cases"]) for r in bulks]
        titles = Counter(c["title"] for c in emu.store.cases(PROJECT))
    print(
        f"bulk deadline {deadline:.2f} s; {args.per_case} s a case: a batch of 100 takes "
        f"{100 * args.per_case:.2f} s"
    )
    print(f"bulk sizes: {sizes}")
    print(f"requests of the apply: {report.requests} ({len(bulks)} bulk creates)")
    print(f"wall time of the apply: {wall:.2f} s")
    print(
        f"ambiguous batches (read back): {ambiguous.count}; cases found live after a lost "
        f"answer: {report.adopted}; failures: {len(report.failures)}"
    )
    complete = len(titles) == args.cases and set(titles.values()) == {1}
    print(f"live cases: {sum(titles.values())}, each once: {complete}")
    return 0 if complete and ambiguous.count == 0 and not report.failures else 1


if __name__ == "__main__":
    sys.exit(main())
