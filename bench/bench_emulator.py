"""Benchmark: the emulator on a socket serves a 10,000-case project's 100 list pages of 100,
8 requests at a time. Target: under 2 s wall.

    .venv/bin/python bench/bench_emulator.py [--cases 10000] [--concurrency 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    emulator = Emulator(token="T", projects=("DEMO",))
    started = time.perf_counter()
    seed(emulator, args.cases)
    print(f"seeded {args.cases} cases in {time.perf_counter() - started:.2f} s")
    walls: list[float] = []
    with serve(emulator) as server:
        for round_number in range(1, args.rounds + 1):
            wall, received = fetch_all(server.url, args.cases, args.concurrency)
            assert received == args.cases, received
            walls.append(wall)
            pages = -(-args.cases // PAGE)
            shape = f"{pages} pages of {PAGE}, {args.concurrency} at a time"
            print(f"round {round_number}: {shape}: {wall:.2f} s wall")
    best, median = min(walls), statistics.median(walls)
    verdict = "PASS" if median < 2.0 else "FAIL"
    print(f"best {best:.2f} s, median {median:.2f} s (target < 2 s): {verdict}")


if __name__ == "__main__":
    main()
