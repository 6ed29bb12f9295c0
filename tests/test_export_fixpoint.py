"""The export fixpoint, property-based: any small project the tree can express, put into
the emulator directly (as a person in the web app would), exports to a tree on which the
plan has no change and no warning, and which reads back as the tree that was written."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from kit.apply import PROJECT, TOKEN, shop_emulator
from kit.emulator import with_defaults
from kit.projects import projects, put

from qasesync.adopt.export import exported_tree
from qasesync.emulator import Emulator, sample_custom_fields
from qasesync.model import Case, Tree
from qasesync.plans.planner import plan
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote
from qasesync.tree.load import load_tree
from qasesync.tree.write import prepare, write_tree


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
