"""What the CLI's output guard (qasesync/cli/output.py) costs: a plan-like text of N lines
written through it, in each mode, against the same text written straight to the stream.

    python bench/bench_output.py --lines 100000 --runs 5
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

from qasesync.cli.output import GuardedOutput

LINES = [
    "  # authentication/login",
    '  + create case "Customer signs in with a valid email and password — «café»"',
    "      severity: blocker, priority: high, tags: [login, smoke], 3 steps (1 shared: sign-in)",
    '      title: "Old title" → "New title"',
    "      tags: +regression −smoke",
    "::notice file=cases/auth/login.yaml,line=12::qasesync plan: create case %22Title%22",
]


def text_of(lines: int) -> str:
    return "\n".join(LINES[i % len(LINES)] for i in range(lines)) + "\n"


def timed(text: str, mode: str | None, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        stream = io.StringIO()
        started = time.perf_counter()
        if mode is None:
            stream.write(text)
        else:
            guard = GuardedOutput(
                stream, mode=mode, secret="a-token-of-40-characters-0123456789abcd"
            )
            guard.write(text)  # a renderer's whole output is one write
            guard.flush()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = text_of(args.lines)
    for mode in (None, "text", "github", "json"):
        times = timed(text, mode, args.runs)
        print(
            f"{mode or 'unguarded':9} {args.lines:,} lines: best {min(times):.3f} s, "
            f"median {statistics.median(times):.3f} s"
        )


if __name__ == "__main__":
    main()
