"""Property: what the live project holds and the tree cannot say survives a plan and apply
of unrelated tree edits. Random small projects are put into the emulator as the web app
would, with files attached to case steps and shared-step steps, group parameters and
external issues of the other Jira type; the project is exported, the tree edited (titles,
descriptions, tags, one step's text in place, the order of a case's steps), planned and
applied; each of those live fields is then as it was, and the next plan is clean.

``QASESYNC_EXAMPLES=N`` runs N examples (the suite runs a few; bench/README.md).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from kit.apply import PROJECT, TOKEN, shop_emulator
from kit.projects import projects, put

from qasesync.adopt.export import exported_tree
from qasesync.apply.applier import apply
from qasesync.emulator import Emulator
from qasesync.model import Case, Tree
from qasesync.plans.planner import plan
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote
from qasesync.tree.load import load_tree
from qasesync.tree.write import write_tree

EXAMPLES = int(os.environ.get("QASESYNC_EXAMPLES", "12"))
EDITS = ("none", "title", "description", "tags", "step text", "step order")
GROUP = [
    {"items": [{"title": "os", "values": ["linux", "mac"]}, {"title": "db", "values": ["pg"]}]}
]


def client(emu: Emulator) -> QaseClient:
    transport = httpx.WSGITransport(app=emu.app)
    return QaseClient(token=TOKEN, base_url="http://emulator/v1", transport=transport)


def attach(data: st.DataObject, emu: Emulator) -> None:
    """Files on random steps of every case and shared step; group parameters and
    jira-server issues on random cases: all put in as the web app would."""
    files = [emu.store.add_attachment(f"f{i}.png") for i in range(3)]
    state = emu.store.dump()
    project = state["projects"][PROJECT]
    pick = st.lists(st.sampled_from(files), max_size=2)
    for record in (*project["cases"], *project["shared"]):
        _files(data, record["steps"], pick)
    emu.store.load(state)
    for record in project["cases"]:
        if data.draw(st.booleans()):
            emu.store.patch_case(PROJECT, record["id"], {"parameters": GROUP})
        if data.draw(st.booleans()):
            links = [{"case_id": record["id"], "external_issues": ["OPS-1"]}]
            emu.store.attach_external_issues(PROJECT, {"type": "jira-server", "links": links})


def _files(data: st.DataObject, steps: list[dict[str, Any]], pick: Any) -> None:
    for step in steps:
        if "shared" not in step:
            step["attachments"] = data.draw(pick)
            _files(data, step["steps"], pick)


def edited(data: st.DataObject, tree: Tree) -> tuple[Tree, dict[int, str]]:
    """The tree with an unrelated edit of each case drawn (none that deletes a step)."""
    chosen = {case.id or 0: data.draw(st.sampled_from(EDITS)) for case in tree.cases}
    cases = tuple(_edit(case, chosen[case.id or 0]) for case in tree.cases)
    return replace(tree, cases=cases), chosen


def _edit(case: Case, edit: str) -> Case:
    own = [i for i, s in enumerate(case.steps) if s.shared is None]
    if edit == "title":
        return replace(case, title=case.title + " v2")
    if edit == "description":
        return replace(case, description="Edited in the tree")
    if edit == "tags":
        return replace(case, tags=(*case.tags, "edited"))
    if edit == "step text" and own:
        steps = list(case.steps)
        steps[own[0]] = replace(steps[own[0]], action=steps[own[0]].action + " (edited)")
        return replace(case, steps=tuple(steps))
    if edit == "step order":
        return replace(case, steps=tuple(reversed(case.steps)))
    return case


def kept(emu: Emulator) -> dict[str, Any]:
    """What the tree cannot say, per live entity: each case's files (with the text of
    their step), group parameters and other-type issues; each shared step's files."""
    cases = {
        c["id"]: (
            Counter(_held(c["steps"])),
            [p for p in c["parameters"] if p["type"] == "group"],
            [g for g in c["external_issues"] if g["type"] == "jira-server"],
        )
        for c in emu.store.cases(PROJECT, include_external=True)
    }
    shared = {s["title"]: Counter(_held(s["steps"])) for s in emu.store.shared_steps(PROJECT)}
    return {"cases": cases, "shared": shared}


def _held(steps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    for step in steps:
        if step.get("shared_step_hash") is None:
            found += [(step["action"], a["url"]) for a in step["attachments"]]
            found += _held(step["steps"])
    return found


def without_text(state: dict[str, Any]) -> dict[int, Counter[str]]:
    """Each case's files, whatever step holds them."""
    found: dict[int, Counter[str]] = {}
    for case_id, (files, _, _) in state["cases"].items():
        found[case_id] = Counter()
        for (_, url), n in files.items():
            found[case_id][url] += n
    return found


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(projects(), st.data())
def test_unrelated_tree_edits_leave_what_the_tree_cannot_say_untouched(
    project: dict[str, Any], data: st.DataObject
) -> None:
    emu = shop_emulator()
    put(emu, project)
    attach(data, emu)
    before = kept(emu)
    held = sum(sum(files.values()) for files, _, _ in before["cases"].values())
    event(f"files on case steps: {min(held, 3)}{'+' if held >= 3 else ''}")
    with client(emu) as http:
        qase = Remote(http, PROJECT)
        live = qase.read()
        with tempfile.TemporaryDirectory() as folder:
            write_tree(exported_tree(live, PROJECT).tree, Path(folder), force=True)
            tree, edits = edited(data, load_tree(Path(folder)))
        for edit in sorted(set(edits.values())):
            event(f"edit: {edit}")
        assert tree.settings is not None
        apply(plan(tree, live, tree.settings), qase, live=live.tree)
        after = kept(emu)
        assert after["shared"] == before["shared"]
        assert without_text(after) == without_text(before)
        for case_id, edit in edits.items():
            files, groups, issues = after["cases"][case_id]
            assert (groups, issues) == before["cases"][case_id][1:]
            if edit != "step text":
                assert files == before["cases"][case_id][0]
        again = plan(tree, qase.read(), tree.settings)
        assert again.changes == ()
