"""Benchmark: the emulator on a socket serves a 10,000-case project's 100 list pages of 100,
8 requests at a time. Target: under 2 s wall.

    .venv/bin/python bench/bench_emulator.py [--cases 10000] [--concurrency 8] [--rounds 3]
        [--process]   # serve from `qasesync emulator` in its own process
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from qasesync.emulator import Emulator, serve

PAGE = 100


def seed(emulator: Emulator, count: int) -> None:
    """``count`` cases in 20 suites, each with three steps, two tags and a description."""
    suites = [emulator.store.create_suite("DEMO", {"title": f"Suite {i}"}) for i in range(20)]
    for start in range(0, count, 500):
        batch = [_case(n, suites[n % len(suites)]) for n in range(start, min(count, start + 500))]
        emulator.store.create_cases("DEMO", batch)


def _case(number: int, suite: int) -> dict[str, object]:
    return {
        "title": f"Case {number}: the user signs in and lands on the dashboard",
        "suite_id": suite,
        "description": "A registered user who signs in lands on the dashboard.",
        "severity": 1 + number % 6,
        "tags": ["smoke", f"area-{number % 7}"],
        "steps": [
            {"action": f"Step {k}", "expected_result": f"Result {k}", "data": "x"} for k in range(3)
        ],
    }


def fetch_all(url: str, count: int, concurrency: int) -> tuple[float, int]:
    """Wall seconds to fetch every page, and the number of cases received."""
    offsets = list(range(0, count, PAGE))
    with httpx.Client(base_url=url, headers={"Token": "T"}, timeout=30) as client:

        def fetch(offset: int) -> int:
            response = client.get("/case/DEMO", params={"limit": PAGE, "offset": offset})
            response.raise_for_status()
            return int(response.json()["result"]["count"])

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            received = sum(pool.map(fetch, offsets))
        return time.perf_counter() - started, received


def run_rounds(url: str, args: argparse.Namespace) -> list[float]:
    """Fetch every page ``args.rounds`` times; the wall seconds of each round."""
    walls: list[float] = []
    pages = -(-args.cases // PAGE)
    for round_number in range(1, args.rounds + 1):
        wall, received = fetch_all(url, args.cases, args.concurrency)
        assert received == args.cases, received
        walls.append(wall)
        note = " (first: read forms not cached yet)" if round_number == 1 else ""
        shape = f"{pages} pages of {PAGE}, {args.concurrency} at a time"
        print(f"round {round_number}: {shape}: {wall:.2f} s wall{note}")
    return walls


@contextmanager
def separate_process(emulator: Emulator) -> Iterator[str]:
    """``qasesync emulator`` in its own process, loaded with ``emulator``'s state."""
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "state.json"
        emulator.save_state(state)
        command = [sys.executable, "-m", "qasesync", "emulator", "--port", "0", "--token", "T"]
        process = subprocess.Popen(
            [*command, "--state", str(state)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert process.stdout is not None
            yield process.stdout.readline().split(" at ")[1].split(" ")[0]
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--process", action="store_true", help="serve from `qasesync emulator` in its own process"
    )
    args = parser.parse_args()
    emulator = Emulator(token="T", projects=("DEMO",))
    started = time.perf_counter()
    seed(emulator, args.cases)
    print(f"seeded {args.cases} cases in {time.perf_counter() - started:.2f} s")
    where = "its own process" if args.process else "this process (sharing the GIL with the client)"
    print(f"emulator in {where}")
    with separate_process(emulator) if args.process else served(emulator) as url:
        walls = run_rounds(url, args)
    best, median = min(walls), statistics.median(walls)
    verdict = "PASS" if median < 2.0 else "FAIL"
    figures = f"first {walls[0]:.2f} s, best {best:.2f} s, median {median:.2f} s"
    print(f"{figures} (target < 2 s): {verdict}")


@contextmanager
def served(emulator: Emulator) -> Iterator[str]:
    """``emulator`` on a socket in this process."""
    with serve(emulator) as server:
        yield server.url


if __name__ == "__main__":
    main()
