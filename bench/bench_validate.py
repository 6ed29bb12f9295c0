"""Time and memory of `qasesync validate` on the generated 10,000-case tree.

    python bench/bench_validate.py [--tree DIR] [--runs 5] [--compare] [--drop-caches]

Each run is a fresh `qasesync validate` process (nothing cached between runs); the
script reports wall time and peak RSS per run, the time an alias-bomb file takes to
be refused, and with ``--compare`` the cost of each loading stage in one process,
against the obvious alternatives (ruamel's safe loader, jsonschema on every file).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from gen_tree import generate  # noqa: E402

QASESYNC = Path(sys.executable).parent / "qasesync"


def drop_page_cache() -> bool:
    """Try to empty the OS page cache (root only); say whether it worked."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc (Linux)."""
    total = 0
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
        for one in pids:
            status = Path(f"/proc/{one}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0])
    except (OSError, IndexError):
        pass
    return total / 1024


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # seconds of CPU, user + system, both processes
    rss: float  # MB, peak of the largest process
    tree_rss: float  # MB, peak of both processes together, sampled every 5 ms
    code: int


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(tree: Path) -> Run:
    """One `qasesync validate` in a fresh process."""
    cpu = cpu_of_children()
    start = time.perf_counter()
    command = [str(QASESYNC), "validate", str(tree)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.005)
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Run(wall, cpu_of_children() - cpu, rss, peak, process.returncode)


def bomb_seconds() -> float:
    """Seconds for validate to refuse a billion-laughs file."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch)
        (tree / "qasesync.yaml").write_text("project: BOMB\n")
        (tree / "bomb.yaml").write_text("\n".join(lines) + "\n")
        run = run_once(tree)
    assert run.code == 1, run.code
    return run.wall


def timed(label: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    print(f"  {label:<52} {time.perf_counter() - start:6.2f} s")
    return result


def walk(tree: Path) -> None:
    """The walk that finds the files (`find_files`), best of 5: symlinks are resolved
    only where there are some."""
    from qasesync.tree.files import find_files

    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        find_files(tree, [])
        best = min(best, time.perf_counter() - start)
    print(f"  {'find_files: the walk, best of 5':<52} {best:6.3f} s")


def compare(tree: Path) -> None:
    """Each stage in one process, with the alternatives it was chosen over."""
    import jsonschema
    from ruamel.yaml import YAML

    from qasesync.tree.load import load_tree
    from qasesync.tree.schema import fast_check, schema
    from qasesync.yamltext.read import parse

    files = sorted(tree.rglob("cases.yaml"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    print(f"stages on {len(files)} case files (one process):")
    walk(tree)
    safe = YAML(typ="safe")
    timed("ruamel YAML(typ='safe').load (C parser), gc on", lambda: [safe.load(t) for t in texts])
    timed("yamlread.parse (C composer, own builder), gc on", lambda: [parse(t) for t in texts])
    gc.disable()
    docs = timed("yamlread.parse, gc paused", lambda: [parse(t).data for t in texts])
    gc.enable()
    validator = jsonschema.Draft202012Validator(schema("cases"))
    timed("jsonschema is_valid on every file", lambda: [validator.is_valid(d) for d in docs])
    check = fast_check("cases")
    timed("compiled fast check on every file", lambda: [check(d) for d in docs])
    timed("load_tree (whole pipeline)", lambda: load_tree(tree))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=BENCH / "out" / "tree")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument(
        "--drop-caches", action="store_true", help="empty the OS page cache before each run (root)"
    )
    args = parser.parse_args()
    if not (args.tree / "qasesync.yaml").is_file():
        generate(args.tree, 10_000)
    print(f"tree: {args.tree}; load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    for number in range(1, args.runs + 1):
        dropped = args.drop_caches and drop_page_cache()
        run = run_once(args.tree)
        cache = "page cache dropped" if dropped else "page cache kept"
        print(
            f"run {number}: {run.wall:.2f} s wall, {run.cpu:.2f} s CPU, peak RSS {run.rss:.0f} MB"
            f" (largest process), {run.tree_rss:.0f} MB (both, sampled), exit {run.code} ({cache})"
        )
    print(f"alias bomb refused in {bomb_seconds():.2f} s wall")
    if args.compare:
        compare(args.tree)


if __name__ == "__main__":
    main()
