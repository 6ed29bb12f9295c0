"""Step attachments in the emulator: stored by hash, read in the spec's two shapes (a case
step's without its hash, the URL holding it; a shared step's with it), dropped by a steps
write that leaves them out, as Qase's docs warn; kept in the state file."""

from __future__ import annotations

from pathlib import Path

import httpx

from qasesync.emulator import Emulator
from qasesync.emulator.apierrors import Problems
from qasesync.emulator.steps import ATTACHMENT_URL, parse_case_steps


def test_a_case_step_reads_its_files_with_the_hash_in_the_url(
    emu: Emulator, api: httpx.Client
) -> None:
    shot = emu.store.add_attachment("shot.png", size=7)
    steps = [{"action": "A", "attachments": [shot], "steps": [{"action": "B"}]}]
    case = api.post("/case/DEMO", json={"title": "t", "steps": steps}).json()["result"]["id"]
    [step] = api.get(f"/case/DEMO/{case}").json()["result"]["steps"]
    assert step["attachments"] == [
        {
            "size": 7,
            "mime": "image/png",
            "filename": "shot.png",
            "url": f"{ATTACHMENT_URL}/{shot}/shot.png",
        }
    ]
    assert step["steps"][0]["attachments"] == []


def test_a_steps_patch_without_the_attachments_drops_them(emu: Emulator, api: httpx.Client) -> None:
    shot = emu.store.add_attachment("shot.png")
    case = emu.store.create_case(
        "DEMO", {"title": "t", "steps": [{"action": "A", "attachments": [shot]}]}
    )
    assert api.patch(f"/case/DEMO/{case}", json={"title": "u"}).status_code == 200
    assert emu.store.get_case("DEMO", case)["steps"][0]["attachments"] != []
    assert api.patch(f"/case/DEMO/{case}", json={"steps": [{"action": "A"}]}).status_code == 200
    assert emu.store.get_case("DEMO", case)["steps"][0]["attachments"] == []


def test_an_unknown_attachment_hash_is_refused(api: httpx.Client) -> None:
    steps = [{"action": "A", "attachments": ["f" * 40]}]
    response = api.post("/shared_step/DEMO", json={"title": "S", "steps": steps})
    assert response.status_code == 400
    assert response.json()["errorFields"] == [
        {
            "field": "steps.0.attachments.0",
            "error": "The selected steps.0.attachments.0 is invalid.",
        }
    ]


def test_a_shared_step_reads_its_files_with_their_hash_in_every_case_that_uses_it(
    emu: Emulator, api: httpx.Client
) -> None:
    log = emu.store.add_attachment("log.txt", mime="text/plain")
    shared = emu.store.create_shared_step(
        "DEMO", {"title": "S", "steps": [{"action": "A", "attachments": [log]}]}
    )
    [content] = api.get(f"/shared_step/DEMO/{shared}").json()["result"]["steps"]
    assert [(a["hash"], a["filename"]) for a in content["attachments"]] == [(log, "log.txt")]
    case = emu.store.create_case("DEMO", {"title": "t", "steps": [{"shared": shared}]})
    [step] = emu.store.get_case("DEMO", case)["steps"]
    assert [a["filename"] for a in step["attachments"]] == ["log.txt"]


def test_files_and_workspace_shared_steps_are_kept_in_the_state(
    emu: Emulator, tmp_path: Path
) -> None:
    shot = emu.store.add_attachment("shot.png")
    workspace = emu.store.add_workspace_shared_step("W", [{"action": "A", "attachments": [shot]}])
    emu.save_state(tmp_path / "state.json")
    again = Emulator(projects=("DEMO",))
    again.load_state(tmp_path / "state.json")
    assert again.store.files == emu.store.files
    assert list(again.store.workspace_shared) == [workspace]


def test_collapsed_reads_give_one_entry_per_use_of_a_shared_step(emu: Emulator) -> None:
    shared = emu.store.create_shared_step(
        "DEMO", {"title": "S", "steps": [{"action": "A"}, {"action": "B"}]}
    )
    steps = [{"shared": shared}, {"shared": shared}, {"action": "Own"}]
    case = emu.store.create_case("DEMO", {"title": "t", "steps": steps})
    assert len(emu.store.get_case("DEMO", case)["steps"]) == 5
    emu.store.shared_read = "collapsed"
    read = emu.store.cases("DEMO")[0]["steps"]
    assert [(s["action"], s["shared_step_hash"], s["shared_step_nested_hash"]) for s in read] == [
        ("S", shared, None),
        ("S", shared, None),
        ("Own", None, None),
    ]


def test_without_a_file_lookup_every_attachment_hash_is_unknown() -> None:
    problems = Problems()
    raw = [{"action": "A", "attachments": ["f" * 40]}]
    parse_case_steps(raw, problems, gherkin=False, shared=lambda _: None, new_hash=lambda: "h")
    assert problems.items == [
        ("steps.0.attachments.0", "The selected steps.0.attachments.0 is invalid.")
    ]
