"""Validate, first apply, no-op plan and no-op apply of a large tree, each command in its
own process against the emulator in ITS own process: requests, wall, user CPU and peak RSS.

    PYTHONPATH=. .venv/bin/python bench/bench_scale.py [--cases 100000] [--keep DIR]

Generates the tree of ``bench/gen_tree.py`` (500 suites, 200 shared steps; no ids),
writes the same content into an emulator's store, saves that store, and serves it with
``qasesync emulator --state`` in a process of its own (under ``--debug``, whose log of
each request is how the requests are counted). Then, each as a child process:

1. ``validate``;
2. the first ``apply --yes``: the tree has no ids and the project holds its content
   already, so nothing is created: every suite, shared step and case is matched by
   title, its id is written back into the YAML (``--cases`` + 700 ids into 500 files)
   and the whole base record is written. This is the heaviest first apply in memory
   (one write-back of every id, a record of every case); an apply into an empty project
   writes the same ids a batch at a time (``bench/bench_apply.py`` measures that one);
3. the no-op ``plan --detailed-exitcode`` (the tree now holds ids and a base record):
   must exit 0, at most 1,010 requests at 100,000 cases (10 + one page per 100 cases);
4. the no-op ``apply --yes``: nothing to do but the reads and the apply lock.

Every command must stay within 600 MB peak RSS (the qasesync process alone: the
emulator is in another). The children run the qasesync this script imports. Exits 1
when a command fails or a figure is over its budget.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import PROJECT, TOKEN, seed
from gen_tree import generate

import qasesync
from qasesync.emulator import Emulator, sample_custom_fields
from qasesync.tree.base import BASE_FILE
from qasesync.tree.load import load_tree

RSS_MB = 600.0
#: A request as the emulator's ``--debug`` log shows it: ``ADDRESS "GET /v1/... HTTP/1.1" 200``.
REQUEST = re.compile(r'"(?:GET|POST|PATCH|PUT|DELETE|HEAD) /')
CHECKOUT = Path(qasesync.__file__).resolve().parent.parent


@dataclass
class Run:
    """One command's figures."""

    name: str
    code: int
    requests: int
    wall_s: float
    user_s: float
    rss_mb: float
    load: float
    output: str
    budget_requests: int | None = None

    def over(self) -> list[str]:
        over = (
            [f"{self.name}: rss_mb {self.rss_mb:.0f} > {RSS_MB:g}"] if self.rss_mb > RSS_MB else []
        )
        if self.budget_requests is not None and self.requests > self.budget_requests:
            over.append(f"{self.name}: requests {self.requests} > {self.budget_requests}")
        return over


class RequestCounter:
    """Counts the requests in the emulator's log (its stderr), read in a thread."""

    def __init__(self, stream: IO[str]) -> None:
        self.count = 0
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            if REQUEST.search(line):
                self.count += 1

    def settled(self) -> int:
        """The count once no request has been logged for 0.5 s (the log line of the
        last answer may be written just after the client has it)."""
        seen = -1
        while seen != self.count:
            seen = self.count
            time.sleep(0.5)
        return seen


def prepare(folder: Path, cases: int) -> tuple[Path, Path]:
    """The tree (no ids) and the saved emulator state holding the same content."""
    tree_dir = folder / "cases"
    started = time.perf_counter()
    generate(tree_dir, cases)
    tree = load_tree(tree_dir)
    emu = Emulator(token=TOKEN, projects=(PROJECT,), custom_fields=sample_custom_fields((PROJECT,)))
    seed(emu, tree)
    state = folder / "state.json"
    emu.save_state(state)
    print(
        f"tree and emulator state ready in {time.perf_counter() - started:.1f} s: {tree.summary()}"
    )
    return tree_dir, state


@contextmanager
def emulator_process(state: Path) -> Iterator[tuple[str, RequestCounter]]:
    """``qasesync emulator --state`` in its own process: its URL and its request count."""
    command = [sys.executable, "-m", "qasesync", "emulator", "--debug", "--port", "0"]
    command += ["--token", TOKEN, "--project", PROJECT, "--state", str(state)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        counter = RequestCounter(process.stderr)
        first = process.stdout.readline()
        if " at " not in first:
            sys.exit(f"the emulator did not start: {first}")
        yield first.split(" at ")[1].split(" ")[0], counter
    finally:  # its state is not wanted back (and SIGINT is ignored under nohup)
        process.terminate()
        process.communicate(timeout=60)


def _env(url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT), "QASE_RATE_LIMIT": "100000"}
    if url is not None:
        env |= {"QASE_TOKEN": TOKEN, "QASE_API_URL": url}
    return env


def child(name: str, args: list[str], url: str, counter: RequestCounter) -> Run:
    """``python -m qasesync ARGS`` as a child process; its own rusage (os.wait4)."""
    load = os.getloadavg()[0]
    before = counter.settled()
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "qasesync", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_env(url),
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    requests = counter.settled() - before
    return Run(
        name,
        process.returncode,
        requests,
        wall,
        usage.ru_utime,
        usage.ru_maxrss / 1024,
        load,
        output,
    )


def runs(tree_dir: Path, url: str, counter: RequestCounter, cases: int) -> Iterator[Run]:
    tree = str(tree_dir)
    yield child("validate", ["validate", tree], url, counter)
    first = child("first apply", ["apply", tree, "--yes"], url, counter)
    yield first
    if not (tree_dir / BASE_FILE).is_file():
        sys.exit(f"the first apply wrote no {BASE_FILE}:\n{first.output[-3000:]}")
    plan = child("no-op plan", ["plan", tree, "--detailed-exitcode"], url, counter)
    plan.budget_requests = 10 + -(-cases // 100)
    yield plan
    yield child("no-op apply", ["apply", tree, "--yes"], url, counter)


def report(results: list[Run]) -> None:
    print(
        f"{'command':<12} {'exit':>4} {'requests':>8} {'wall_s':>8} {'user_s':>8} "
        f"{'rss_mb':>8}  load"
    )
    for run in results:
        print(
            f"{run.name:<12} {run.code:>4} {run.requests:>8} {run.wall_s:>8.1f} "
            f"{run.user_s:>8.1f} {run.rss_mb:>8.0f}  {run.load:.1f}"
        )
    failed = [f"{run.name} exited {run.code}:\n{run.output[-3000:]}" for run in results if run.code]
    over = [line for run in results for line in run.over()]
    if failed or over:
        sys.exit("\n".join([*failed, *over]))
    print(f"every command within {RSS_MB:g} MB; the no-op plan within its requests")


def prepared(folder: Path, cases: int) -> tuple[Path, Path]:
    """`prepare` in a child process: a child's peak RSS counts its parent's from before
    the exec (Linux keeps ``ru_maxrss`` across ``execve``), so this process stays small."""
    command = [sys.executable, __file__, "--cases", str(cases), "--prepare", str(folder)]
    subprocess.run(command, check=True, env=_env())
    return folder / "cases", folder / "state.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and leave it there")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.cases)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print(f"qasesync from {CHECKOUT}; load average {os.getloadavg()[0]:.1f}")
    try:
        tree_dir, state = prepared(folder, args.cases)
        with emulator_process(state) as (url, counter):
            results = []
            for run in runs(tree_dir, url, counter, args.cases):
                print(
                    f"  {run.name}: exit {run.code}, {run.rss_mb:.0f} MB, {run.wall_s:.1f} s",
                    flush=True,
                )
                results.append(run)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    report(results)


if __name__ == "__main__":
    main()
