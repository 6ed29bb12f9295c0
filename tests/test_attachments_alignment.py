"""Files on a live step go to the step that takes its place, never to a stranger: the
fallback by position applies where a run of steps was replaced by as many steps (only
text changed), not where steps were inserted or removed around the edited one. There
the files have no place, and the plan says so (a loss the user must accept)."""

from __future__ import annotations

from qasesync.model import Step
from qasesync.plans.attachments import carry

OPEN, PAY, READ = Step("Open the cart"), Step("Pay", attachments=("shot",)), Step("Read")
SHARED = Step(shared="sign-in")


def files(steps: tuple[Step, ...]) -> dict[str, tuple[str, ...]]:
    return {s.action: s.attachments for s in steps if not s.reference}


def test_an_inserted_step_does_not_take_the_files_of_the_edited_step_after_it() -> None:
    desired = (OPEN, Step("Inserted"), Step("Pay by card"), READ, SHARED)
    carried = carry((OPEN, PAY, READ, SHARED), desired)
    assert files(carried.steps)["Inserted"] == ()
    assert [str(lost) for lost in carried.lost] == ["steps[2] 'Pay' (1 attachment)"]


def test_a_removed_step_before_the_edited_one_gives_no_stranger_its_files() -> None:
    carried = carry((OPEN, PAY, READ), (Step("Pay by card"), Step("Read the receipt")))
    assert all(not s.attachments for s in carried.steps)
    assert [lost.path for lost in carried.lost] == ["steps[2]"]


def test_an_edited_step_keeps_its_files_when_steps_are_added_elsewhere() -> None:
    desired = (Step("First"), OPEN, Step("Pay by card"), READ, Step("Last"), SHARED)
    carried = carry((OPEN, PAY, READ, SHARED), desired)
    assert files(carried.steps)["Pay by card"] == ("shot",)
    assert carried.lost == ()


def test_an_edited_step_keeps_its_files_in_a_run_of_edited_steps() -> None:
    desired = (OPEN, Step("Pay now"), Step("Read it"))
    carried = carry((OPEN, PAY, Step("Read", attachments=("log",))), desired)
    assert files(carried.steps) == {"Open the cart": (), "Pay now": ("shot",), "Read it": ("log",)}
