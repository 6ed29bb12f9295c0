"""Benchmark: QaseClient.list_all of 10,000 cases from the emulator on a real socket,
with 50 ms of latency added to every request, concurrent paging against sequential.

    .venv/bin/python bench/bench_client.py [--cases 10000] [--latency 0.05] [--workers 8]
                                           [--repeat 3]

Prints, for each mode, the requests made and the wall time of each run (best and
median). Exits 1 if a listing misses a case or makes other than ceil(cases / 100)
requests.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Sequence

from qasesync.emulator import Emulator, Faults, serve
from qasesync.qase.client import QaseClient

TOKEN = "bench-token"


def run(url: str, workers: int, cases: int) -> tuple[float, int]:
    """One listing: its wall time and the requests it made."""
    with QaseClient(token=TOKEN, base_url=url, max_workers=workers) as client:
        started = time.perf_counter()
        listed = client.list_all("/case/DEMO")
        elapsed = time.perf_counter() - started
        if len({case["id"] for case in listed}) != cases:
            raise SystemExit(f"listed {len(listed)} cases, expected {cases}")
        return elapsed, client.request_count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    emu = Emulator(token=TOKEN, projects=("DEMO",))
    emu.store.create_cases("DEMO", [{"title": f"case {n}"} for n in range(args.cases)])
    emu.faults = Faults(latency=args.latency)
    expected = max(1, math.ceil(args.cases / 100))
    print(
        f"{args.cases:,} cases, {args.latency * 1000:.0f} ms latency per request, "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    failed = False
    with serve(emu, host="127.0.0.1", port=0) as server:
        for mode, workers in (("concurrent", args.workers), ("sequential", 1)):
            runs = [run(server.url, workers, args.cases) for _ in range(args.repeat)]
            times = [elapsed for elapsed, _ in runs]
            counts = {count for _, count in runs}
            failed |= counts != {expected}
            print(
                f"{mode:>10} ({workers} worker{'s' if workers > 1 else ''}): "
                f"requests {sorted(counts)}, best {min(times):.2f} s, "
                f"median {statistics.median(times):.2f} s, runs {[round(t, 2) for t in times]}"
            )
    if failed:
        print(f"FAILED: every listing should make exactly {expected} requests", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
