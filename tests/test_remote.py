"""Remote against the emulator: a project seeded directly reads into the expected model,
and what Remote writes reads back as the model it wrote."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from kit.remote_json import system_field
from kit.spec import check_request

from qasesync.emulator import Emulator, default_system_fields, sample_custom_fields
from qasesync.errors import NotFoundError, PlanError
from qasesync.model import Case, SharedStep, Step, Suite
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote

TOKEN = "T"


def make_remote(emu: Emulator, project: str = "DEMO") -> Iterator[Remote]:
    transport = httpx.WSGITransport(app=emu.app)
    with QaseClient(token=TOKEN, base_url="http://127.0.0.1/v1", transport=transport) as client:
        yield Remote(client, project)


@pytest.fixture
def emu() -> Emulator:
    return Emulator(token=TOKEN, projects=("DEMO",), custom_fields=sample_custom_fields())


@pytest.fixture
def remote(emu: Emulator) -> Iterator[Remote]:
    yield from make_remote(emu)


def live(case: Case, **changes: Any) -> Case:
    """``case`` as the live side holds it: every enum filled in with the emulator's defaults."""
    filled = {
        "severity": "undefined",
        "priority": "undefined",
        "type": "other",
        "behavior": "undefined",
        "layer": "unknown",
        "status": "actual",
        "automation": "manual",
        "flaky": False,
    }
    given = {name: getattr(case, name) for name in filled if getattr(case, name) is not None}
    return dataclasses.replace(case, **{**filled, **given, **changes})


SIGN_IN = SharedStep(
    key="sign-in",
    title="Sign in",
    steps=(Step(action="Open /login", expected_result="Form"), Step(action="Submit")),
)


# --- reading a project seeded directly --------------------------------------------------


def seed(emu: Emulator) -> dict[str, Any]:
    store = emu.store
    auth = store.create_suite("DEMO", {"title": "Auth", "description": "Signing in"})
    sso = store.create_suite("DEMO", {"title": "SSO", "parent_id": auth, "preconditions": "IdP"})
    shared = store.create_shared_step(
        "DEMO",
        {
            "title": "Sign in",
            "steps": [{"action": "Open /login", "expected_result": "Form"}, {"action": "Submit"}],
        },
    )
    full = store.create_case(
        "DEMO",
        {
            "title": "Login works",
            "suite_id": sso,
            "description": "Lands on the dashboard",
            "severity": 2,
            "priority": 1,
            "type": 8,
            "behavior": 2,
            "layer": 1,
            "status": 1,
            "is_flaky": 1,
            "isManual": False,
            "tags": ["auth", "smoke"],
            "custom_field": {"1": "alice", "3": "2.5", "4": "1", "5": "2", "7": "3,1"},
            "parameters": [{"title": "browser", "values": ["chrome", "firefox"]}],
            "steps": [
                {"action": "Open", "steps": [{"action": "Inner", "expected_result": "Deep"}]},
                {"shared": shared},
                {"shared": shared},
                {"action": "Check", "data": "x"},
            ],
        },
    )
    gherkin = store.create_case(
        "DEMO",
        {"title": "Gherkin", "steps_type": "gherkin", "steps": [{"value": "Given a\nWhen b"}]},
    )
    store.attach_external_issues(
        "DEMO", {"type": "jira-cloud", "links": [{"case_id": full, "external_issues": ["ENG-1"]}]}
    )
    return {"auth": auth, "sso": sso, "shared": shared, "full": full, "gherkin": gherkin}


def test_a_project_seeded_directly_reads_into_the_expected_model(
    emu: Emulator, remote: Remote
) -> None:
    ids = seed(emu)
    tree = remote.read().tree
    auth, sso, shared = ids["auth"], ids["sso"], ids["shared"]
    assert tree.suites == (
        Suite(key=f"#{auth}", title="Auth", id=auth, description="Signing in"),
        Suite(key=f"#{sso}", title="SSO", id=sso, parent=f"#{auth}", preconditions="IdP"),
    )
    assert tree.shared_steps == (dataclasses.replace(SIGN_IN, key=shared, hash=shared),)
    assert tree.shared_steps[0].used_by == (ids["full"],)
    expected_full = Case(
        title="Login works",
        id=ids["full"],
        suite=f"#{sso}",
        description="Lands on the dashboard",
        severity="critical",
        priority="high",
        type="functional",
        behavior="positive",
        layer="e2e",
        status="draft",
        automation="automated",
        flaky=True,
        tags=("auth", "smoke"),
        external_issues=("ENG-1",),
        custom_fields={
            "Owner": "alice",
            "Estimate": 2.5,
            "Reviewed": True,
            "Component": "api",
            "Components": ("mobile", "web"),
        },
        parameters={"browser": ("chrome", "firefox")},
        steps=(
            Step(action="Open", steps=(Step(action="Inner", expected_result="Deep"),)),
            Step(shared=shared),
            Step(shared=shared),
            Step(action="Check", data="x"),
        ),
    )
    expected_gherkin = live(Case(title="Gherkin", id=ids["gherkin"], gherkin="Given a\nWhen b"))
    assert tree.cases == (expected_full, expected_gherkin)
    assert all(case.updated_at for case in tree.cases)


def test_read_has_the_workspace_enums_and_custom_fields(remote: Remote) -> None:
    workspace = remote.read().workspace
    assert workspace.enums["severity"].default == "undefined"
    assert workspace.enums["type"].options[:3] == ("other", "smoke", "regression")
    assert [f.type for f in workspace.custom_fields][:4] == ["string", "text", "number", "checkbox"]


def test_an_unknown_project_is_one_clear_line(emu: Emulator) -> None:
    for nope in make_remote(emu, "NOPE"):
        with pytest.raises(NotFoundError) as error:
            nope.read()
    assert str(error.value) == (
        "GET /project/NOPE → 404: project NOPE not found: check `project` in qasesync.yaml"
        " or QASE_PROJECT, and that the token's user can see it"
    )


def test_read_cases_of_one_suite_folds_shared_steps_without_a_full_read(
    emu: Emulator, remote: Remote
) -> None:
    ids = seed(emu)
    (case,) = remote.read_cases(suite_id=ids["sso"])
    assert case.steps[1:3] == (Step(shared=ids["shared"]),) * 2


# --- writing and reading back -----------------------------------------------------------


def id_of(case: Case) -> int:
    """The id of a case read back from Qase, which always has one."""
    assert case.id is not None
    return case.id


def hash_of(step: Step) -> str:
    """The hash of a shared-step reference."""
    assert step.shared is not None
    return step.shared


def write_project(remote: Remote) -> tuple[list[Case], dict[str, Any]]:
    """Suites, a shared step and cases of every kind written through Remote."""
    auth = remote.create_suite(Suite(key="auth", title="Auth", preconditions="P"), parent_id=None)
    sso = remote.create_suite(Suite(key="auth/sso", title="SSO"), parent_id=auth)
    shared = remote.create_shared_step(SIGN_IN)
    suite_ids = {None: None, f"#{auth}": auth, f"#{sso}": sso}
    hashes = {shared: shared}
    cases = [
        Case(
            title="Every field",
            suite=f"#{sso}",
            description="D",
            preconditions="Pre",
            postconditions="Post",
            severity="blocker",
            priority="low",
            type="security",
            behavior="negative",
            layer="api",
            status="draft",
            automation="to-be-automated",
            flaky=True,
            tags=("b", "a"),
            custom_fields={
                "Owner": "alice",
                "Notes": "long\ntext",
                "Estimate": 3,
                "Reviewed": True,
                "Component": "mobile",
                "Platform": "macos",
                "Components": ("api", "web"),
                "Spec link": "https://example.com/spec",
                "Reviewer": "42",
                "Due": "2026-04-29T15:00:00Z",
            },
            parameters={"browser": ("chrome", "firefox"), "os": ("linux",)},
            steps=(
                Step(action="Open", expected_result="Shown", data="d"),
                Step(shared=shared),
                Step(shared=shared),
                Step(action="Menu", steps=(Step(action="Click"), Step(shared=shared))),
            ),
        ),
        Case(title="Gherkin", suite=f"#{auth}", gherkin="Given a\nWhen b\nThen c"),
        Case(title="Root case"),
    ]
    single = remote.create_case(cases[0], suite_ids=suite_ids, shared_hashes=hashes)
    bulk = remote.create_cases(cases[1:], suite_ids=suite_ids, shared_hashes=hashes)
    written = [dataclasses.replace(c, id=i) for c, i in zip(cases, [single, *bulk], strict=True)]
    return written, {"suite_ids": suite_ids, "shared_hashes": hashes, "auth": auth, "sso": sso}


def test_cases_written_read_back_as_the_model_that_was_written(remote: Remote) -> None:
    written, _ = write_project(remote)
    assert remote.read().tree.cases == tuple(live(case) for case in written)


def test_bulk_ids_come_back_in_submission_order(remote: Remote) -> None:
    ids = remote.create_cases(
        [Case(title=f"C{i}") for i in range(5)], suite_ids={None: None}, shared_hashes={}
    )
    titles = {case.id: case.title for case in remote.read_cases()}
    assert [titles[i] for i in ids] == [f"C{i}" for i in range(5)]


def test_suites_and_shared_steps_written_read_back(remote: Remote) -> None:
    _, refs = write_project(remote)
    tree = remote.read().tree
    auth, sso = refs["auth"], refs["sso"]
    assert tree.suites == (
        Suite(key=f"#{auth}", title="Auth", id=auth, preconditions="P"),
        Suite(key=f"#{sso}", title="SSO", id=sso, parent=f"#{auth}"),
    )
    (shared,) = tree.shared_steps
    assert shared.steps == SIGN_IN.steps and shared.title == "Sign in"


def test_a_patch_changes_exactly_the_named_fields(remote: Remote) -> None:
    written, refs = write_project(remote)
    case = written[0]
    edited = dataclasses.replace(
        case,
        title="Renamed",
        suite=f"#{refs['auth']}",
        severity=None,
        tags=("c",),
        custom_fields={**case.custom_fields, "Owner": "bob", "Components": ("mobile",)},
        steps=(Step(action="Only"),),
        description="not sent",
    )
    fields = [
        "title",
        "suite",
        "severity",
        "tags",
        "custom_fields.Owner",
        "custom_fields.Components",
    ]
    remote.update_case(id_of(case), edited, [*fields, "steps", "automation"], **refs_of(refs))
    (after,) = [c for c in remote.read_cases() if c.id == case.id]
    assert after == live(
        dataclasses.replace(edited, description="D", severity="undefined"),
    )


def test_a_patch_can_clear_a_custom_field(remote: Remote) -> None:
    written, refs = write_project(remote)
    case = written[0]
    without = {k: v for k, v in case.custom_fields.items() if k not in ("Owner", "Reviewed")}
    edited = dataclasses.replace(case, custom_fields=without)
    remote.update_case(
        id_of(case), edited, ["custom_fields.Owner", "custom_fields.Reviewed"], **refs_of(refs)
    )
    (after,) = [c for c in remote.read_cases() if c.id == case.id]
    assert after.custom_fields == without


def test_a_shared_step_update_is_seen_in_the_cases_using_it(remote: Remote) -> None:
    written, _ = write_project(remote)
    shared_hash = hash_of(written[0].steps[1])
    longer = dataclasses.replace(
        SIGN_IN, title="Sign in v2", steps=(*SIGN_IN.steps, Step(action="Wait"))
    )
    new_hash = remote.update_shared_step(shared_hash, longer)
    tree = remote.read().tree
    (shared,) = tree.shared_steps
    assert (shared.hash, shared.title, shared.steps) == (new_hash, "Sign in v2", longer.steps)
    assert tree.cases[0].steps[1:3] == (Step(shared=new_hash),) * 2


def test_suite_update_moves_and_renames(remote: Remote) -> None:
    _, refs = write_project(remote)
    moved = Suite(key="sso", title="Single sign-on")
    remote.update_suite(refs["sso"], moved, ["title", "parent"], parent_id=None)
    suites = {s.id: s for s in remote.read_suites()}
    assert (suites[refs["sso"]].title, suites[refs["sso"]].parent) == ("Single sign-on", None)


def test_deletes_remove_cases_shared_steps_and_suites(remote: Remote) -> None:
    written, refs = write_project(remote)
    remote.delete_case(id_of(written[2]))
    remote.delete_shared_step(hash_of(written[0].steps[1]))
    remote.delete_suite(refs["sso"])
    tree = remote.read().tree
    assert [s.id for s in tree.suites] == [refs["auth"]]
    assert tree.shared_steps == ()
    assert [c.id for c in tree.cases] == [written[1].id]


def test_external_issues_attach_and_detach(remote: Remote) -> None:
    written, _ = write_project(remote)
    first, second = id_of(written[0]), id_of(written[1])
    remote.attach_external_issues({first: ["ENG-1", "ENG-2"], second: ["ENG-3"]})
    remote.detach_external_issues({first: ["ENG-1"], second: []})
    issues = {c.id: c.external_issues for c in remote.read_cases()}
    assert (issues[first], issues[second]) == (("ENG-2",), ("ENG-3",))


def test_issues_of_another_type_are_inexpressible(emu: Emulator, remote: Remote) -> None:
    written, _ = write_project(remote)
    emu.store.attach_external_issues(
        "DEMO",
        {
            "type": "jira-server",
            "links": [{"case_id": written[2].id, "external_issues": ["OLD-1"]}],
        },
    )
    (case,) = [c for c in remote.read_cases() if c.id == written[2].id]
    assert (case.external_issues, case.inexpressible) == ((), ("external_issues",))


def refs_of(refs: dict[str, Any]) -> dict[str, Any]:
    return {"suite_ids": refs["suite_ids"], "shared_hashes": refs["shared_hashes"]}


# --- a workspace with other option ids ----------------------------------------------------


def odd_system_fields() -> list[dict[str, Any]]:
    """Every option id shifted by 100, and severity with an extra slug as its default."""
    fields = []
    for field in default_system_fields():
        field = {**field, "options": [{**o, "id": o["id"] + 100} for o in field["options"]]}
        fields.append(field)
    severity = system_field(
        "severity", [(150, "normal"), (151, "showstopper"), (152, "minor")], "normal"
    )
    return [severity if f["slug"] == "severity" else f for f in fields]


@pytest.fixture
def odd_remote() -> Iterator[Remote]:
    emu = Emulator(token=TOKEN, projects=("DEMO",), system_fields=odd_system_fields())
    yield from make_remote(emu)


def test_a_workspace_with_other_ids_and_an_extra_slug_round_trips(odd_remote: Remote) -> None:
    cases = [
        Case(title="Stop", severity="showstopper", priority="high", status="draft", layer="unit"),
        Case(title="Defaults"),
    ]
    ids = odd_remote.create_cases(cases, suite_ids={None: None}, shared_hashes={})
    read = odd_remote.read()
    assert read.workspace.enums["severity"].options == ("normal", "showstopper", "minor")
    assert read.tree.cases == (
        live(dataclasses.replace(cases[0], id=ids[0])),
        live(dataclasses.replace(cases[1], id=ids[1]), severity="normal"),
    )


def test_a_slug_the_workspace_lacks_fails_before_any_write(odd_remote: Remote) -> None:
    with pytest.raises(PlanError, match="severity 'blocker' is not an option of this workspace"):
        odd_remote.create_case(
            Case(title="X", severity="blocker"), suite_ids={None: None}, shared_hashes={}
        )
    assert odd_remote.read().tree.cases == ()


# --- what goes over the wire ------------------------------------------------------------


def test_every_request_remote_sends_fits_the_spec(
    emu: Emulator, remote: Remote, openapi_spec: dict[str, Any]
) -> None:
    written, refs = write_project(remote)
    remote.update_case(
        id_of(written[0]), written[0], ["title", "custom_fields", "steps"], **refs_of(refs)
    )
    remote.update_shared_step(hash_of(written[0].steps[1]), SIGN_IN)
    remote.attach_external_issues({id_of(written[0]): ["ENG-1"]})
    writes = [r for r in emu.log if r.method != "GET"]
    assert len(writes) == 8
    for record in writes:
        assert record.status == 200, record
        check_request(openapi_spec, record.method, record.path, record.body)


def test_read_makes_one_request_per_list(emu: Emulator, remote: Remote) -> None:
    seed(emu)
    remote.read()
    assert [(r.method, r.path, r.query) for r in emu.log] == [
        ("GET", "/v1/project/DEMO", {}),
        ("GET", "/v1/system_field", {}),
        ("GET", "/v1/custom_field", {"entity": "case", "limit": "100", "offset": "0"}),
        ("GET", "/v1/suite/DEMO", {"limit": "100", "offset": "0"}),
        ("GET", "/v1/shared_step/DEMO", {"limit": "100", "offset": "0"}),
        ("GET", "/v1/case/DEMO", {"include": "external_issues", "limit": "100", "offset": "0"}),
    ]


def test_a_patch_with_nothing_to_send_makes_no_request(emu: Emulator, remote: Remote) -> None:
    (case_id,) = remote.create_cases([Case(title="X")], suite_ids={None: None}, shared_hashes={})
    before = len(emu.log)
    remote.update_case(
        case_id, Case(title="X"), ["automation"], suite_ids={None: None}, shared_hashes={}
    )
    remote.attach_external_issues({case_id: []})
    assert remote.create_cases([], suite_ids={None: None}, shared_hashes={}) == []
    assert len(emu.log) == before
