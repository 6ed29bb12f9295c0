"""How many cases one ``POST /case/bulk`` carries: fixed by ``bulk_size`` in
qasesync.yaml, else adapted to how fast the service answers.

The live service can take over a minute on a bulk of 100 (docs/qase-api.md), and a batch
that outlasts the client's deadline is ambiguous: it may commit after the client gave up.
The adaptive size starts at `START` (Qase's own migration tools send 20 a bulk) and after
each answer aims the next batch at `TARGET_SHARE` of the deadline, from the time per case
the last batch took: it grows (at most doubling) while batches answer fast and shrinks at
once when one is slow; a batch that got no answer quarters it. Always 1 to `MAX_SIZE`.
"""

from __future__ import annotations

from dataclasses import dataclass

from qasesync.plans.plan import BULK_SIZE, FIRST_BULK

#: The service's limit of cases in one bulk create.
MAX_SIZE = BULK_SIZE
#: The first batch of the adaptive size (the plan's request estimate assumes it too).
START = FIRST_BULK
#: The share of the bulk deadline the next batch aims at: well under it, so that a
#: service slowing down by half again still answers in time.
TARGET_SHARE = 0.25


@dataclass
class BulkSize:
    """The size of the next batch; ``fixed`` (the ``bulk_size`` setting) never changes."""

    deadline: float
    fixed: int | None = None
    current: int = START

    def __post_init__(self) -> None:
        if self.fixed is not None:
            if not 1 <= self.fixed <= MAX_SIZE:
                raise ValueError(f"bulk_size must be 1 to {MAX_SIZE}, not {self.fixed}")
            self.current = self.fixed

    def answered(self, cases: int, seconds: float) -> None:
        """A batch of ``cases`` answered after ``seconds``: aim the next at the target."""
        if self.fixed is not None or cases < 1:
            return
        per_case = max(seconds, 0.0) / cases
        aimed = MAX_SIZE if per_case == 0 else int(TARGET_SHARE * self.deadline / per_case)
        self.current = max(1, min(MAX_SIZE, 2 * self.current, aimed))

    def lost(self) -> None:
        """A batch got no answer in time: the next is a quarter of it."""
        if self.fixed is None:
            self.current = max(1, self.current // 4)
