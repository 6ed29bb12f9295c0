"""Reading only the cases a tree's ``scope`` owns (docs/design.md §13), as pure decisions.

A scoped read lists the cases of each owned suite with the ``suite_id`` filter of
``GET /case``, then reads one by one the tree's cases it did not find (moved out of scope
in the web app). The suites' ``cases_count`` tells its cost before anything is read;
the project's case count tells the cost of reading every case. The cheaper one is read.

Whether ``suite_id`` also lists the cases of child suites is not documented. The read
finds out from its first answer: a case of a child suite in it means the filter takes
the children too ("descendants"), and the children are not listed again; a root suite
answering only its own cases while its children hold some (by ``cases_count``) means it
does not ("direct"), and each child with cases is listed too. Cases read twice count once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qasesync.qase.paging import PAGE_SIZE

Counts = Mapping[int, int | None]
"""``cases_count`` per live suite id; None when the answer gave none."""
Parents = Mapping[int, int | None]


def pages(count: int | None) -> int:
    """Requests to list ``count`` entities (an unknown count: at least one)."""
    return 1 if count is None else max(1, -(-count // PAGE_SIZE))


@dataclass(frozen=True)
class SuiteTree:
    """The live suites as the scoped read needs them: parents and case counts by id."""

    parents: Parents
    counts: Counts

    def roots(self, owned: frozenset[int]) -> list[int]:
        """The owned suites whose parent is not owned, by id."""
        return sorted(s for s in owned if self.parents.get(s) not in owned)

    def below(self, suite_id: int, owned: frozenset[int]) -> list[int]:
        """The owned suites under ``suite_id`` (not itself), by id."""
        return sorted(s for s in owned if s != suite_id and suite_id in self.lineage(s))

    def lineage(self, suite_id: int) -> list[int]:
        """``suite_id`` and its ancestors (a loop is cut where it closes)."""
        chain: list[int] = []
        current: int | None = suite_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parents.get(current)
        return chain

    def holds_cases(self, suite_id: int) -> bool:
        """Whether the suite may hold cases: a ``cases_count`` of 0 says it holds none."""
        return self.counts.get(suite_id) != 0

    def scoped_cost(self, owned: frozenset[int]) -> int:
        """Requests of a scoped read, as if ``suite_id`` took no children (the most it
        can cost): every owned suite that holds cases, paged."""
        return sum(pages(self.counts.get(s)) for s in owned if self.holds_cases(s))


def whole_cost(project_cases: int | None, counts: Counts) -> int | None:
    """Requests to list every case of the project: from the project's case count, else
    from the suites' counts when all are known (the root's cases are then not counted);
    None when neither tells."""
    if project_cases is not None:
        return pages(project_cases)
    if any(count is None for count in counts.values()):
        return None
    return pages(sum(count or 0 for count in counts.values()))


def prefer_scoped(scoped: int, whole: int | None) -> bool:
    """Whether the scoped read costs fewer requests than reading every case."""
    return whole is None or scoped < whole


def takes_children(suites: Iterable[str | None], suite: str | None) -> bool:
    """Whether a list filtered by one suite held a case of another (``suites``: the
    suite of each case listed): then the filter takes the children too."""
    return any(found != suite for found in suites)


def project_case_count(project: Any) -> int | None:
    """``counts.cases`` of a ``GET /project/{code}`` answer, when it has one."""
    counts = project.get("counts") if isinstance(project, dict) else None
    cases = counts.get("cases") if isinstance(counts, dict) else None
    return cases if isinstance(cases, int) and not isinstance(cases, bool) else None


def case_count(item: Any) -> int | None:
    """A suite answer's ``cases_count``, when it has one."""
    count = item.get("cases_count") if isinstance(item, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None
