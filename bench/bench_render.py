"""A 6,000-update plan, rendered for a human: text lines, markdown bytes, annotations, JSON.

    python bench/bench_render.py [--cases 6000] [--deprecate 150]

Generates the 6,000-case tree (bench/gen_tree.py, 500 suites), puts the same project into
the emulator through its store, plus ``--deprecate`` live cases the tree lacks (the plan
deprecates them), then plans the tree with every case's description edited: 6,000 updates
and 150 deprecations. It renders the plan in each format and reports:

- ``text_lines``: lines of ``plan`` (text);
- ``markdown_bytes``: bytes of the pull-request comment (budget 65,000) and whether every
  deprecation is listed in it (``destructive_complete``);
- ``annotations``: workflow commands of ``--format github`` (budget 31: 10 of each level
  and one that counts the rest);
- ``json_bytes``: the saved plan, and per changed field (budget 1,024 bytes). The tree
  holds no ids, so the plan also carries 6,000 adoptions (ids matched by title); they
  count in the bytes, not in the fields.

It exits 1 when a budget is exceeded. Runs against any checkout of qasesync (``PYTHONPATH``),
so that a version before and after a change can be measured with the same script.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import PROJECT, TOKEN, in_process_remote, seed
from gen_tree import generate

from qasesync.emulator import Emulator, sample_custom_fields
from qasesync.plans.planner import plan
from qasesync.plans.render import View, render
from qasesync.tree.load import load_tree

BUDGETS = {"markdown_bytes": 65_000, "annotations": 31, "json_bytes_per_changed_field": 1024}


def planned(cases: int, deprecate: int) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cases"
        generate(root, cases)
        tree = load_tree(root)
    emu = Emulator(token=TOKEN, projects=(PROJECT,), custom_fields=sample_custom_fields((PROJECT,)))
    seed(emu, tree)
    suite = next(s["id"] for s in emu.store.suites(PROJECT))
    for n in range(deprecate):
        emu.store.create_case(PROJECT, {"title": f"Gone {n}", "suite_id": suite})
    live = in_process_remote(emu).read()
    edited = tuple(replace(c, description=(c.description or "") + " Edited.") for c in tree.cases)
    assert tree.settings is not None
    return plan(replace(tree, cases=edited), live, tree.settings)


def measure(result: Any) -> dict[str, Any]:
    view = View()
    figures: dict[str, Any] = {"changes": dict(result.counts())}
    started = time.perf_counter()
    text = render(result, "text", view)
    markdown = render(result, "markdown", view)
    github = render(result, "github", view)
    saved = render(result, "json", view)
    figures["render_s"] = round(time.perf_counter() - started, 2)
    figures["text_lines"] = len(text.splitlines())
    figures["markdown_bytes"] = len(markdown.encode("utf-8"))
    gone = [c for c in result.changes if c.kind in ("deprecate", "delete")]
    figures["destructive_complete"] = all(f'"{c.name}"' in text for c in gone) and all(
        f"{PROJECT}-{c.live_id})" in markdown for c in gone
    )
    figures["annotations"] = sum(1 for line in github.splitlines() if line.startswith("::"))
    figures["json_bytes"] = len(saved.encode("utf-8"))
    fields = sum(len(c.diffs) for c in result.changes) or 1
    figures["json_bytes_per_changed_field"] = round(figures["json_bytes"] / fields)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=6000)
    parser.add_argument("--deprecate", type=int, default=150)
    args = parser.parse_args()
    figures = measure(planned(args.cases, args.deprecate))
    for name, value in figures.items():
        print(f"{name}: {value}")
    over = [n for n, limit in BUDGETS.items() if figures[n] > limit]
    if over or not figures["destructive_complete"]:
        sys.exit(f"over budget: {over}; destructive complete: {figures['destructive_complete']}")


if __name__ == "__main__":
    main()
