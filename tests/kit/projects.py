"""Small projects of any shape the tree can express, drawn by hypothesis, and put into the
emulator's store directly (as a person in the web app would): the export and pull
fixpoint tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from kit.apply import COMPONENTS, PROJECT
from qasesync.emulator import Emulator
from qasesync.model import DEFAULT_OPTIONS

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


def option_ids(emu: Emulator) -> dict[str, dict[str, int]]:
    return {
        f["slug"]: {o["slug"]: o["id"] for o in f["options"]} for f in emu.store.system_fields()
    }


def put(emu: Emulator, project: dict[str, Any]) -> None:
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
