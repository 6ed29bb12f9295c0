"""plans.attachments: each live step's files go to the desired step that takes its place;
what no step takes is lost."""

from __future__ import annotations

from qasesync.model import Step
from qasesync.plans.attachments import Lost, carry, count

A, B, C = "a" * 40, "b" * 40, "c" * 40


def test_reordered_steps_keep_their_files_by_their_unchanged_text() -> None:
    live = (Step("One", attachments=(A,)), Step("Two"), Step("Three", attachments=(B, C)))
    desired = (Step("Three "), Step("New"), Step("One"), Step("Two"))
    result = carry(live, desired)
    assert [s.attachments for s in result.steps] == [(B, C), (), (A,), ()]
    assert (result.kept, result.lost) == (3, ())


def test_a_step_whose_text_changed_keeps_its_files_at_its_position() -> None:
    live = (Step("One"), Step("Two", expected_result="ok", attachments=(A,)))
    result = carry(live, (Step("One"), Step("Two", expected_result="fine")))
    assert result.steps[1] == Step("Two", expected_result="fine", attachments=(A,))


def test_a_position_taken_by_an_unchanged_step_is_no_place_for_the_files() -> None:
    live = (Step("One", attachments=(A,)), Step("Two"))
    result = carry(live, (Step("Two"), Step("Zwei")))
    assert [s.attachments for s in result.steps] == [(), ()]
    assert result.lost == (Lost("steps[1]", "One", 1),)
    assert str(result.lost[0]) == "steps[1] 'One' (1 attachment)"


def test_a_deleted_step_loses_its_files_and_those_of_its_nested_steps() -> None:
    nested = Step("Parent", attachments=(A,), steps=(Step("Child", attachments=(B, C)),))
    result = carry((Step("Keep"), nested), (Step("Keep"),))
    assert result.lost == (
        Lost("steps[2]", "Parent", 1),
        Lost("steps[2].steps[1]", "Child", 2),
    )
    assert str(result.lost[1]) == "steps[2].steps[1] 'Child' (2 attachments)"


def test_nested_steps_carry_inside_their_pair() -> None:
    live = (Step("Parent", steps=(Step("x", attachments=(A,)), Step("y", attachments=(B,)))),)
    desired = (Step("Parent", steps=(Step("y"),)),)
    result = carry(live, desired)
    assert result.steps[0].steps == (Step("y", attachments=(B,)),)
    assert result.lost == (Lost("steps[1].steps[1]", "x", 1),)


def test_shared_references_carry_nothing_and_lose_nothing() -> None:
    live = (Step(shared="h", attachments=(A,)), Step("Own", attachments=(B,)))
    desired = (Step(shared="k"), Step("Own"))
    result = carry(live, desired)
    assert result.steps == (Step(shared="k"), Step("Own", attachments=(B,)))
    assert (result.kept, result.lost) == (1, ())
    assert count(live) == 1


def test_steps_sharing_a_text_keep_their_own_files_when_one_is_edited() -> None:
    live = (Step("Same", attachments=(A,)), Step("Other"), Step("Same", attachments=(B,)))
    desired = (Step("Same, edited"), Step("Other"), Step("Same"))
    result = carry(live, desired)
    assert [s.attachments for s in result.steps] == [(A,), (), (B,)]
    assert result.lost == ()
