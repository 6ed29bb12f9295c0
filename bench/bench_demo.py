"""Install time and wall time of `qasesync demo` from a fresh virtual environment.

    python bench/bench_demo.py [--runs 5]

Builds a new virtual environment in a temporary folder, times ``pip install <checkout>``
(a wheel built from the working tree, as the README's first command does), then times
``qasesync demo`` ``--runs`` times, each a new process started outside the checkout (so
the demo uses the example tree packaged in the wheel). Fails when a demo exits other than 0
or its output lacks the clean second plan.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLEAN = "Demo complete: the tree was applied and the second plan shows no changes."


def timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    """Wall seconds of a command that must exit 0, and its output."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
        work = Path(folder)
        venv_seconds, _ = timed([sys.executable, "-m", "venv", str(work / "venv")], work)
        pip = [str(work / "venv" / "bin" / "pip"), "install", "--quiet", str(REPO)]
        install_seconds, _ = timed(pip, work)
        demo = [str(work / "venv" / "bin" / "qasesync"), "demo"]
        runs = []
        for _ in range(args.runs):
            seconds, output = timed(demo, work)
            if CLEAN not in output:
                sys.exit(f"the demo's second plan was not clean:\n{output}")
            runs.append(seconds)
    print(f"venv created: {venv_seconds:.2f} s; pip install: {install_seconds:.2f} s")
    shown = ", ".join(f"{seconds:.2f}" for seconds in runs)
    print(f"qasesync demo: first {runs[0]:.2f} s, median {statistics.median(runs):.2f} s")
    print(f"  runs: {shown} s")


if __name__ == "__main__":
    main()
