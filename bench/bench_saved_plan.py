"""Reading a saved plan back: `show` of the 6,000-update plan, and of one of 50,000.

    python bench/bench_saved_plan.py [--cases 6000 50000]

For each size, plans the tree of `gen_tree.py` with every case's description edited
(`bench_render.planned`: that many updates and 150 deprecations), saves it as
``plan --out`` does, then runs ``qasesync show PLAN.json --format json`` in a child
process (`childrss`: its own peak RSS) and reports the file's size, wall and user CPU
seconds and peak RSS. ``show`` reads the file whole, checks its shape and that it is what
``plan --out`` writes of the plan read (`qasesync.plans.planshape`, `Plan.from_json`),
and renders it again; ``apply --plan`` reads it the same way. It exits 1 when ``show``
fails or prints another plan than the one saved, or a run is over budget (60 s, 600 MB).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import childrss
from bench_render import planned

from qasesync.plans.render import View, render

BUDGETS = {"wall_s": 60.0, "rss_mb": 600.0}


def measure(cases: int, folder: Path) -> dict[str, float]:
    saved = render(planned(cases, 150), "json", View())
    path = folder / f"plan-{cases}.json"
    path.write_text(saved, encoding="utf-8")
    measured = childrss.run(
        [sys.executable, "-m", "qasesync", "show", str(path), "--format", "json"], dict(os.environ)
    )
    if measured.code != 0 or measured.output != saved:
        sys.exit(f"show of {path.name} exited {measured.code}: {measured.errors[-2000:]}")
    return {
        "changes": cases + 150,
        "file_mb": len(saved.encode("utf-8")) / 2**20,
        "wall_s": measured.wall_s,
        "user_s": measured.user_s,
        "rss_mb": measured.rss_mb,
    }


def main() -> None:
    childrss.start()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[6000, 50000])
    args = parser.parse_args()
    over = []
    print(f"{'changes':>8} {'file_mb':>8} {'wall_s':>7} {'user_s':>7} {'rss_mb':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for cases in args.cases:
            row = measure(cases, Path(folder))
            print(
                f"{row['changes']:>8.0f} {row['file_mb']:>8.1f} {row['wall_s']:>7.1f} "
                f"{row['user_s']:>7.1f} {row['rss_mb']:>7.0f}"
            )
            over += [f"{cases}: {k}" for k, limit in BUDGETS.items() if row[k] > limit]
    if over:
        sys.exit(f"over budget: {over}")


if __name__ == "__main__":
    main()
