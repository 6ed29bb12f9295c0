"""A "did you mean" for a word that is a typo of exactly one candidate, and never otherwise.

A suggestion must keep the meaning of what was written: `majr` → `major` helps, but
`is-not-automated` → `automated` (what difflib's ratio finds) turns a manual case into an
automated one. So a candidate is offered only when the word is a slip of it: the same
first letter and at most one edit (two for candidates longer than four characters;
an edit is an insertion, a deletion, a substitution or two neighbours swapped), or a
cut-off start of it (`prun` → `prune`). Prefixes that change meaning (`un-`, `not-`,
`is-not-`) change the first letter, and a word close to two candidates gets none. Qase's
own slug for one of our options (`is-not-automated`, which is `manual`) names it.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The shortest word taken as the cut-off start of a longer candidate.
PREFIX_MIN = 3
#: Qase's own words for our options (its CSV's automation slug): the same meaning.
SAME_MEANING = {"is-not-automated": "manual"}


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The one candidate ``word`` is a typo of (or Qase's word for), or None."""
    lowered = word.lower()
    options = list(dict.fromkeys(candidates))
    if SAME_MEANING.get(lowered) in options:
        return SAME_MEANING[lowered]
    scored = sorted(
        (cost, candidate)
        for candidate in options
        if (cost := _cost(lowered, candidate.lower())) is not None
    )
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def _cost(word: str, candidate: str) -> int | None:
    if not word or word == candidate or word[0] != candidate[:1]:
        return None
    distance = edits(word, candidate)
    if distance <= (1 if len(candidate) <= 4 else 2):
        return distance
    if len(word) >= PREFIX_MIN and candidate.startswith(word):
        return len(candidate) - len(word)
    return None


def edits(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours that make ``a`` into
    ``b`` (the optimal string alignment distance)."""
    before: list[int] | None = None
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, start=1):
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
    return row[-1]
