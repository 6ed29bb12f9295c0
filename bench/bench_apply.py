"""`qasesync apply` of the 10,000-case tree against the emulator on a socket.

    python bench/bench_apply.py [--cases 10000] [--rate-limit 600] [--rate-patches 600]

Generates the tree (bench/gen_tree.py; every 100th case made `automation: automated`),
then runs ``qasesync apply --yes`` as a child process three times:

1. the first apply into an empty project: total requests, bulk requests (budget: at most
   100 plus one ``POST /case`` per automated case), wall time;
2. 1,000 case titles edited (a fresh emulator holding the same project, so that step 1's
   requests do not count against the budget it advertises): exactly 1,000 PATCH requests;
3. another fresh emulator holding the same project enforces ``--rate-limit`` requests per
   rolling minute (429 with Retry-After beyond it) and the client is told the same
   (``QASE_RATE_LIMIT``); ``--rate-patches`` more titles edited, so that the run lasts
   about a minute. Reports the requests the emulator accepted in the busiest 60 s
   (budget: at least 90 % of the limit), the 429s, and whether anything failed for good.

Exits 1 when a budget is missed or the project does not match the tree afterwards.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_tree import generate

from qasesync.emulator import Emulator, Faults, sample_custom_fields, serve

TOKEN = "bench-token"
PROJECT = "BENCH"
AUTOMATED_EVERY = 100


class Stamps:
    """WSGI middleware: the monotonic time of each request the emulator accepted (not
    refused with 429)."""

    def __init__(self, emu: Emulator) -> None:
        self.inner = emu.app
        self.accepted: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        statuses: list[str] = []

        def recording(status: str, headers: Any, *rest: Any) -> Any:
            statuses.append(status)
            return start_response(status, headers, *rest)

        answer = self.inner(environ, recording)
        if statuses and not statuses[0].startswith("429"):
            with self.lock:
                self.accepted.append(time.monotonic())
        return answer


def emulator(faults: Faults | None = None) -> tuple[Emulator, Stamps]:
    emu = Emulator(
        token=TOKEN,
        projects=(PROJECT,),
        custom_fields=sample_custom_fields((PROJECT,)),
        faults=faults or Faults(),
    )
    stamps = Stamps(emu)
    object.__setattr__(emu, "app", stamps)
    return emu, stamps


def fresh(emu: Emulator, faults: Faults) -> Emulator:
    """A new emulator (a new rate-limit window) holding ``emu``'s project."""
    new, _ = emulator(faults)
    new.store.load(emu.store.dump())
    return new


def automate(tree: Path) -> int:
    """Make every AUTOMATED_EVERY-th case automated; return how many."""
    count = 0
    for path in sorted(tree.rglob("cases.yaml")):
        text = path.read_text(encoding="utf-8")

        def mark(match: re.Match[str]) -> str:
            nonlocal count
            if int(match.group(2)) % AUTOMATED_EVERY:
                return match.group(0)
            count += 1
            return f"{match.group(0)}\n    automation: automated"

        path.write_text(re.sub(r"(?m)^(  - (?:id: \d+\n    )?title: Case (\d+) .*)$", mark, text))
    return count


def retitle(tree: Path, numbers: range) -> int:
    """Append " v2" to the titles of the cases numbered in ``numbers``; return how many."""
    count = 0
    pattern = re.compile(r"(?m)^(    title: Case (\d+) .*)$")
    for path in sorted(tree.rglob("cases.yaml")):
        text = path.read_text(encoding="utf-8")

        def edit(match: re.Match[str]) -> str:
            nonlocal count
            if int(match.group(2)) not in numbers:
                return match.group(0)
            count += 1
            return match.group(0) + " v2"

        path.write_text(pattern.sub(edit, text), encoding="utf-8")
    return count


def child(command: list[str], url: str, rate_limit: int) -> tuple[int, float, str]:
    env = {"QASE_TOKEN": TOKEN, "QASE_API_URL": url, "QASE_RATE_LIMIT": str(rate_limit)}
    env["PATH"] = "/usr/bin:/bin"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "qasesync", *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, time.perf_counter() - started, done.stderr


def run_apply(emu: Emulator, tree: Path, rate_limit: int) -> dict[str, Any]:
    """``qasesync apply --yes`` in a child process, then a check that ``plan`` is clean."""
    with serve(emu) as server:
        before = len(emu.log)
        code, wall, stderr = child(["apply", "--yes", str(tree)], server.url, rate_limit)
        log = emu.log[before:]
        emu.faults = Faults()
        clean, _, _ = child(["plan", "--detailed-exitcode", str(tree)], server.url, 100_000)
    if code != 0 or clean != 0:
        sys.exit(f"apply exited {code}, the plan after it {clean}:\n{stderr[-3000:]}")
    return {
        "requests": len(log),
        "bulk": sum(r.method == "POST" and r.path.endswith("/bulk") for r in log),
        "single": sum(r.method == "POST" and r.path == f"/v1/case/{PROJECT}" for r in log),
        "patch": sum(r.method == "PATCH" for r in log),
        "refused_429": sum(r.status == 429 for r in log),
        "wall_s": wall,
    }


def busiest_minute(times: list[float]) -> int:
    """The most requests answered in any 60 s window."""
    best, start = 0, 0
    for end, stamp in enumerate(times):
        while stamp - times[start] >= 60.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rate-limit", type=int, default=600)
    parser.add_argument("--rate-patches", type=int, default=600)
    args = parser.parse_args()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "cases"
        generate(tree, args.cases)
        automated = automate(tree)
        emu, _ = emulator()
        first = run_apply(emu, tree, 100_000)
        print(f"first apply of {args.cases} cases ({automated} automated): {first}")
        if first["bulk"] > 100 or first["single"] != automated:
            failures.append(f"first apply: {first['bulk']} bulk, {first['single']} single")
        edited = retitle(tree, range(0, 1000))
        # a fresh emulator: its advertised budget (X-RateLimit-Remaining of 1500 a
        # minute), which the client heeds, is not spent by step 1's requests
        emu = fresh(emu, Faults())
        patched = run_apply(emu, tree, 100_000)
        print(f"{edited} titles edited: {patched}")
        if patched["patch"] != 1000:
            failures.append(f"patching 1,000 cases made {patched['patch']} PATCH requests")
        failures += rate_limited(emu, tree, args.rate_limit, args.rate_patches)
    if failures:
        sys.exit("\n".join(failures))


def rate_limited(emu: Emulator, tree: Path, limit: int, patches: int) -> list[str]:
    """Apply ``patches`` title edits while the emulator allows ``limit`` requests a minute."""
    limited = fresh(emu, Faults(rate_limit=limit))
    stamps = limited.app
    assert isinstance(stamps, Stamps)
    edited = retitle(tree, range(1000, 1000 + patches))
    figures = run_apply(limited, tree, limit)
    accepted = figures["requests"] - figures["refused_429"]
    times = stamps.accepted[:accepted]  # the apply's, not the check's
    busiest = busiest_minute(times)
    per_minute = accepted / figures["wall_s"] * 60
    spent = times[min(limit, len(times)) - 1] - times[0]
    print(
        f"rate limit {limit}/min, {edited} titles edited: {figures}; busiest 60 s: {busiest} "
        f"accepted ({busiest / limit:.0%} of the limit); {per_minute:.0f} accepted/min over "
        f"the run; the first {limit} accepted within {spent:.1f} s"
    )
    return [] if busiest >= 0.9 * limit else [f"busiest minute {busiest} < 90 % of {limit}"]


if __name__ == "__main__":
    main()
