"""Pull, property-based: a small project exported to a tree, then edited in the "web app"
(the emulator's store: any field of any case, its automation, its suite — the root and a
new suite included —, new cases, a new suite with a case), pulls into a tree that reads
back and on which the plan has no change."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit.apply import PROJECT, TOKEN, shop_emulator
from kit.projects import LINE, case, case_payload, option_ids, projects, put, steps

from qasesync.adopt.export import exported_tree
from qasesync.adopt.pull import pull, write
from qasesync.emulator import Emulator
from qasesync.model import Live
from qasesync.plans.planner import plan
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote
from qasesync.tree.load import load_tree
from qasesync.tree.write import write_tree

#: What a web-app edit may change through the API (moves and automation: `web_app_only`).
EDITABLE = (
    "title",
    "description",
    "tags",
    "severity",
    "priority",
    "type",
    "behavior",
    "layer",
    "status",
    "is_flaky",
    "custom_field",
    "steps",
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    project = draw(projects())
    suites, shared = len(project["suites"]), len(project["shared"])
    patches = [
        (index, draw(case(suites, shared)), draw(st.sets(st.sampled_from(EDITABLE), min_size=1)))
        for index in range(len(project["cases"]))
        if draw(st.booleans())
    ]
    cases = range(len(project["cases"]))
    # A move's target: a suite by index, -1 the root, ``suites`` the new suite (if any).
    moves = [(index, draw(st.integers(-1, suites))) for index in cases if draw(st.booleans())]
    automation = [(index, draw(st.integers(0, 2))) for index in cases if draw(st.booleans())]
    created = draw(st.lists(case(suites, shared), max_size=2))
    new_suite = draw(st.none() | st.tuples(LINE, st.integers(-1, suites - 1), case(0, shared)))
    shared_edit = (
        draw(st.none() | st.tuples(st.integers(0, shared - 1), LINE, steps(0))) if shared else None
    )
    new_shared = draw(st.none() | st.tuples(LINE, steps(0).filter(bool), case(suites, 1)))
    return {
        "project": project,
        "patches": patches,
        "moves": moves,
        "automation": automation,
        "created": created,
        "new_suite": new_suite,
        "shared_edit": shared_edit,
        "new_shared": new_shared,
    }


def edit_live(emu: Emulator, scenario: dict[str, Any]) -> None:
    store, ids = emu.store, option_ids(emu)
    suites = [s["id"] for s in store.suites(PROJECT)]
    hashes = [s["hash"] for s in store.shared_steps(PROJECT)]
    for index, item, keys in scenario["patches"]:
        payload = case_payload(item, ids, suites, hashes)
        store.patch_case(PROJECT, index + 1, {k: payload[k] for k in keys})
    for item in scenario["created"]:
        store.create_case(PROJECT, case_payload(item, ids, suites, hashes))
    edit_shared(emu, scenario, hashes, suites)
    if scenario["new_suite"] is not None:
        title, parent, item = scenario["new_suite"]
        body = {"title": title, "parent_id": suites[parent] if parent >= 0 else None}
        suite = store.create_suite(PROJECT, body)
        store.create_case(PROJECT, case_payload({**item, "suite": 0}, ids, [suite], hashes))
        suites.append(suite)
    web_app_only(emu, scenario, suites)


def web_app_only(emu: Emulator, scenario: dict[str, Any], suites: list[int]) -> None:
    """Cases moved (to the root too) and automation changed: edits the API cannot make."""
    cases = emu.store._project(PROJECT)["cases"]
    for index, target in scenario["moves"]:
        cases[index + 1]["suite_id"] = suites[target] if 0 <= target < len(suites) else None
    for index, automation in scenario["automation"]:
        cases[index + 1]["automation"] = automation


def edit_shared(
    emu: Emulator, scenario: dict[str, Any], hashes: list[str], suites: list[int]
) -> None:
    """A shared step's title and steps changed; a new shared step used by a new case."""
    store = emu.store
    if scenario["shared_edit"] is not None:
        index, title, new_steps = scenario["shared_edit"]
        body = {"title": title, "steps": new_steps or [{"action": "Only step"}]}
        hashes[index] = store.patch_shared_step(PROJECT, hashes[index], body)
    if scenario["new_shared"] is not None:
        title, new_steps, item = scenario["new_shared"]
        created = store.create_shared_step(PROJECT, {"title": title, "steps": new_steps})
        item = {**item, "steps": [{"shared": 0}, *item["steps"]]}
        store.create_case(PROJECT, case_payload(item, option_ids(emu), suites, [created]))


def read(emu: Emulator) -> Live:
    transport = httpx.WSGITransport(app=emu.app)
    with QaseClient(token=TOKEN, base_url="http://emulator/v1", transport=transport) as client:
        return Remote(client, PROJECT).read()


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_any_web_app_edit_pulls_into_a_tree_that_plans_clean(scenario: dict[str, Any]) -> None:
    emu = shop_emulator()
    put(emu, scenario["project"])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_tree(exported_tree(read(emu), PROJECT).tree, root, force=True)
        edit_live(emu, scenario)
        digests: dict[str, str] = {}
        tree = load_tree(root, digests=digests)
        assert tree.settings is not None
        live = read(emu)
        pulled = pull(root, tree, live, tree.settings)
        write(root, pulled, digests)
        after = load_tree(root)
    assert pulled.skipped == []
    assert after.settings is not None
    assert plan(after, live, after.settings).changes == ()
