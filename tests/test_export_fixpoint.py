"""The export fixpoint, property-based: any small project the tree can express, put into
the emulator directly (as a person in the web app would), exports to a tree on which the
plan has no change and no warning, and which reads back as the tree that was written."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit.apply import COMPONENTS, PROJECT, TOKEN, shop_emulator
from test_pull import with_defaults

from qasesync.adopt.export import exported_tree
from qasesync.emulator import Emulator, sample_custom_fields
from qasesync.model import DEFAULT_OPTIONS, Case, Tree
from qasesync.plans.planner import plan
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote
from qasesync.tree.load import load_tree
from qasesync.tree.write import prepare, write_tree

WORDS = st.sampled_from(["Login", "login", "Ünïcode ✓", "a: b", "#x", "yes", "12", "- dash", "'q'"])
LINE = st.lists(WORDS, min_size=1, max_size=3).map(" ".join)
TEXT = st.one_of(st.just(""), LINE, st.lists(LINE, min_size=2, max_size=3).map("\n".join))


@st.composite
def steps(draw: st.DrawFn, shared: int, depth: int = 1) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        if shared and draw(st.booleans()):
            items.append({"shared": draw(st.integers(0, shared - 1))})
            continue
        step: dict[str, Any] = {"action": draw(LINE), "expected_result": draw(TEXT)}
        if depth and draw(st.booleans()):
            step["steps"] = draw(steps(0, depth - 1))
        items.append(step)
    return items


@st.composite
def case(draw: st.DrawFn, suites: int, shared: int) -> dict[str, Any]:
    enums = {name: draw(st.sampled_from(slugs)) for name, slugs in DEFAULT_OPTIONS.items()}
    return {
        "title": draw(LINE),
        "suite": draw(st.integers(-1, suites - 1)),
        "description": draw(TEXT),
        "tags": draw(st.lists(st.sampled_from(["smoke", "auth", "ü"]), unique=True, max_size=2)),
        "enums": enums,
        "owner": draw(st.sampled_from(["", "alice", "bob"])),
        "components": draw(st.lists(st.integers(1, len(COMPONENTS)), unique=True, max_size=2)),
        "automation": draw(st.sampled_from(["manual", "to-be-automated", "automated"])),
        "flaky": draw(st.booleans()),
        "steps": draw(steps(shared)),
    }


@st.composite
def projects(draw: st.DrawFn) -> dict[str, Any]:
    suites = [
        {"title": draw(LINE), "parent": draw(st.integers(-1, i - 1)), "description": draw(TEXT)}
        for i in range(draw(st.integers(0, 3)))
    ]
    shared = [
        {"title": draw(LINE), "steps": draw(steps(0).filter(bool))}
        for _ in range(draw(st.integers(0, 2)))
    ]
    cases = draw(st.lists(case(len(suites), len(shared)), max_size=4))
    return {"suites": suites, "shared": shared, "cases": cases}


def option_ids(emu: Any) -> dict[str, dict[str, int]]:
    return {
        f["slug"]: {o["slug"]: o["id"] for o in f["options"]} for f in emu.store.system_fields()
    }


def put(emu: Any, project: dict[str, Any]) -> None:
    """The project into the emulator's store, directly."""
    store, ids = emu.store, option_ids(emu)
    suite_ids: list[int] = []
    for suite in project["suites"]:
        parent = suite_ids[suite["parent"]] if suite["parent"] >= 0 else None
        body = {"title": suite["title"], "parent_id": parent, "description": suite["description"]}
        suite_ids.append(store.create_suite(PROJECT, body))
    hashes = [store.create_shared_step(PROJECT, s) for s in project["shared"]]
    for item in project["cases"]:
        store.create_case(PROJECT, case_payload(item, ids, suite_ids, hashes))


def case_payload(
    item: dict[str, Any], ids: dict[str, dict[str, int]], suites: list[int], hashes: list[str]
) -> dict[str, Any]:
    automation = item["automation"]
    return {
        "title": item["title"],
        "suite_id": suites[item["suite"]] if item["suite"] >= 0 else None,
        "description": item["description"],
        "tags": item["tags"],
        **{name: ids[name][slug] for name, slug in item["enums"].items()},
        "isManual": automation != "automated",
        "isToBeAutomated": automation == "to-be-automated",
        "is_flaky": int(item["flaky"]),
        "custom_field": {
            "1": item["owner"],
            "2": ",".join(str(i) for i in item["components"]),
        },
        "steps": [with_hash(step, hashes) for step in item["steps"]],
    }


def with_hash(step: dict[str, Any], hashes: list[str]) -> dict[str, Any]:
    if "shared" in step:
        return {"shared": hashes[step["shared"]]}
    return {**step, "steps": [with_hash(s, hashes) for s in step.get("steps", [])]}


def same(read: Tree, written: Tree) -> bool:
    """The same tree, whatever the order the loader reads suites and files in."""
    return (
        read.settings,
        *map(sorted_by_key, (read.suites, read.shared_steps)),
        sorted_cases(read),
    ) == (
        written.settings,
        *map(sorted_by_key, (written.suites, written.shared_steps)),
        sorted_cases(written),
    )


def sorted_by_key(items: tuple[Any, ...]) -> list[Any]:
    return sorted(items, key=lambda item: str(item.key))


def sorted_cases(tree: Tree) -> list[Case]:
    return sorted(tree.cases, key=lambda case: case.id or 0)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(projects())
def test_any_expressible_project_exports_to_a_tree_that_plans_clean(
    project: dict[str, Any],
) -> None:
    emu = shop_emulator()
    put(emu, project)
    transport = httpx.WSGITransport(app=emu.app)
    with QaseClient(token=TOKEN, base_url="http://emulator/v1", transport=transport) as client:
        live = Remote(client, PROJECT).read()
    export = exported_tree(live, PROJECT)
    with tempfile.TemporaryDirectory() as folder:
        write_tree(export.tree, Path(folder), force=True)
        tree = load_tree(Path(folder))
    assert same(tree, prepare(export.tree))
    assert tree.settings is not None and not tree.settings.ignore_fields
    result = plan(tree, live, tree.settings)
    assert (result.changes, result.warnings) == ((), ())


def test_an_empty_custom_value_of_a_field_with_a_default_is_exported_empty() -> None:
    emu = Emulator(
        token=TOKEN,
        projects=(PROJECT,),
        custom_fields=with_defaults(sample_custom_fields((PROJECT,))),
    )
    case_id = emu.store.create_case(PROJECT, {"title": "Cleared", "custom_field": {"1": "x"}})
    emu.store.patch_case(PROJECT, case_id, {"custom_field": {"1": "", "7": ""}})
    transport = httpx.WSGITransport(app=emu.app)
    with QaseClient(token=TOKEN, base_url="http://emulator/v1", transport=transport) as client:
        live = Remote(client, PROJECT).read()
    with tempfile.TemporaryDirectory() as folder:
        write_tree(exported_tree(live, PROJECT).tree, Path(folder))
        text = (Path(folder) / "cases.yaml").read_text(encoding="utf-8")
        tree = load_tree(Path(folder))
    assert text.endswith(
        f"  - id: {case_id}\n    title: Cleared\n    custom_fields:\n"
        '      Owner: ""\n      Components: []\n'
    )
    assert tree.settings is not None and plan(tree, live, tree.settings).changes == ()
