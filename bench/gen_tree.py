"""Write a large, deterministic, valid cases tree for benchmarks.

    python bench/gen_tree.py OUT [--cases 10000]

500 suites in three levels (10 top, 7 below each, 6 below those), 200 shared
steps, about 5 steps a case (some nested, some shared references), tags,
custom fields and parameters; the same bytes on every run.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

TOP, MID, LEAF = 10, 7, 6
SHARED_STEPS = 200
SEVERITIES = ("blocker", "critical", "major", "normal", "minor", "trivial")
PRIORITIES = ("high", "medium", "low")
TYPES = ("functional", "smoke", "regression", "security", "usability")
WORDS = tuple(
    [
        "cart",
        "checkout",
        "payment",
        "login",
        "token",
        "session",
        "search",
        "filter",
        "catalog",
        "banner",
        "coupon",
        "invoice",
        "refund",
        "order",
        "address",
        "profile",
        "avatar",
        "password",
        "email",
        "basket",
        "wishlist",
    ]
)


def suite_folders() -> list[str]:
    """The 500 suite folders, parents before children."""
    folders: list[str] = []
    for t in range(TOP):
        top = f"area-{t:02d}"
        folders.append(top)
        for m in range(MID):
            mid = f"{top}/feature-{m}"
            folders.append(mid)
            folders.extend(f"{mid}/part-{leaf}" for leaf in range(LEAF))
    return folders


def phrase(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def step_lines(rng: random.Random, indent: str) -> list[str]:
    lines = [
        f"{indent}- action: Open the {phrase(rng, 2)} page",
        f"{indent}  expected_result: The {phrase(rng, 3)} is shown",
    ]
    if rng.random() < 0.3:
        lines.append(f'{indent}  data: "{phrase(rng, 2)}"')
    return lines


def case_lines(rng: random.Random, number: int) -> list[str]:
    lines = [
        f"  - title: Case {number} {phrase(rng, 4)}",
        f"    description: Checks that the {phrase(rng, 3)} works for {phrase(rng, 2)}.",
        f"    severity: {rng.choice(SEVERITIES)}",
        f"    priority: {rng.choice(PRIORITIES)}",
        f"    type: {rng.choice(TYPES)}",
        f"    tags: [{', '.join(rng.sample(WORDS, 2))}]",
    ]
    if rng.random() < 0.2:
        lines += ["    custom_fields:", f"      Owner: {rng.choice(WORDS)}"]
    if rng.random() < 0.1:
        lines += ["    parameters:", "      browser: [chrome, firefox]"]
    lines.append("    steps:")
    for _ in range(4):
        lines += step_lines(rng, "      ")
    if rng.random() < 0.5:
        lines.append(f"      - shared: shared-{rng.randrange(SHARED_STEPS):03d}")
    else:
        lines.append("      - action: Open the nested menu")
        lines.append("        steps:")
        lines += step_lines(rng, "          ")
    return lines


def shared_step_lines(rng: random.Random, number: int) -> list[str]:
    lines = [f"  - key: shared-{number:03d}", f"    title: Shared {number} {phrase(rng, 3)}"]
    lines.append("    steps:")
    for _ in range(3):
        lines += step_lines(rng, "      ")
    return lines


def write(path: Path, header: str, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")


def generate(out: Path, total_cases: int) -> None:
    """Replace OUT with the generated tree."""
    rng = random.Random(20261127)
    if out.exists():
        shutil.rmtree(out)
    write(out / "qasesync.yaml", "project: BENCH", ["options:", "  severity: [showstopper]"])
    half = SHARED_STEPS // 2
    write(
        out / "shared_steps.yaml",
        "shared_steps:",
        [line for n in range(half) for line in shared_step_lines(rng, n)],
    )
    write(
        out / "shared_steps" / "more.yaml",
        "shared_steps:",
        [line for n in range(half, SHARED_STEPS) for line in shared_step_lines(rng, n)],
    )
    folders = suite_folders()
    for index, folder in enumerate(folders):
        write(
            out / folder / "suite.yaml",
            f"title: Suite {index} {phrase(rng, 2)}",
            [f"description: Everything about {phrase(rng, 3)}"],
        )
        first = index * total_cases // len(folders)
        last = (index + 1) * total_cases // len(folders)
        cases = [line for n in range(first, last) for line in case_lines(rng, n)]
        write(out / folder / "cases.yaml", "cases:", cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    generate(args.out, args.cases)


if __name__ == "__main__":
    main()
