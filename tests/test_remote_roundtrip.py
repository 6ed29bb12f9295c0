"""Property: any case the model can hold, written through Remote, reads back as itself."""

from __future__ import annotations

import dataclasses
import string
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qasesync.emulator import Emulator, sample_custom_fields
from qasesync.model import DEFAULT_OPTIONS, Case, SharedStep, Step
from qasesync.qase.client import QaseClient
from qasesync.qase.remote import Remote

SHARED = SharedStep(key="s", title="Shared", steps=(Step(action="One"), Step(action="Two")))
WORD = st.text(string.ascii_letters + string.digits + "-_ ", min_size=1, max_size=12).map(str.strip)
TEXT = st.text(string.printable, max_size=40).map(str.strip)
NAME = WORD.filter(bool)


def enum(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(DEFAULT_OPTIONS[name])


@st.composite
def steps(draw: st.DrawFn, depth: int = 0) -> tuple[Step, ...]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()) and depth == 0:
            out.extend([Step(shared="s")] * draw(st.integers(1, 2)))
            continue
        nested = draw(steps(depth + 1)) if depth < 2 else ()
        out.append(
            Step(action=draw(NAME), expected_result=draw(TEXT), data=draw(TEXT), steps=nested)
        )
    return tuple(out)


CUSTOM = st.fixed_dictionaries(
    {},
    optional={
        "Owner": NAME,
        "Notes": TEXT.filter(bool),
        "Estimate": st.one_of(st.integers(-1000, 1000), st.sampled_from([0.5, 2.25, -3.75])),
        "Reviewed": st.just(True),
        "Component": st.sampled_from(["web", "api", "mobile"]),
        "Platform": st.sampled_from(["linux", "macos"]),
        "Components": st.sets(st.sampled_from(["web", "api", "mobile"]), min_size=1).map(
            lambda s: tuple(sorted(s))
        ),
        "Reviewer": st.integers(1, 99).map(str),
        "Due": st.just("2026-04-29T15:00:00Z"),
    },
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    gherkin = draw(st.one_of(st.none(), NAME))
    enums: dict[str, Any] = {name: draw(enum(name)) for name in DEFAULT_OPTIONS}
    return Case(
        title=draw(NAME),
        description=draw(TEXT),
        preconditions=draw(TEXT),
        postconditions=draw(TEXT),
        **enums,
        automation=draw(st.sampled_from(["manual", "to-be-automated", "automated"])),
        flaky=draw(st.booleans()),
        tags=tuple(draw(st.lists(NAME, unique=True, max_size=3))),
        custom_fields=draw(CUSTOM),
        parameters=draw(
            st.dictionaries(NAME, st.lists(NAME, min_size=1, max_size=3).map(tuple), max_size=2)
        ),
        steps=() if gherkin is not None else draw(steps()),
        gherkin=gherkin,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_a_case_written_through_remote_reads_back_as_itself(case: Case) -> None:
    emu = Emulator(token="T", projects=("DEMO",), custom_fields=sample_custom_fields())
    transport = httpx.WSGITransport(app=emu.app)
    with QaseClient(token="T", base_url="http://127.0.0.1/v1", transport=transport) as client:
        remote = Remote(client, "DEMO")
        shared = remote.create_shared_step(SHARED)
        live = _live_refs(case, shared)
        case_id = remote.create_case(live, suite_ids={None: None}, shared_hashes={shared: shared})
        (read,) = remote.read().tree.cases
    assert read == dataclasses.replace(live, id=case_id)


def _live_refs(case: Case, shared: str) -> Case:
    def walk(items: tuple[Step, ...]) -> tuple[Step, ...]:
        return tuple(
            Step(shared=shared) if s.shared else dataclasses.replace(s, steps=walk(s.steps))
            for s in items
        )

    return dataclasses.replace(case, steps=walk(case.steps))
