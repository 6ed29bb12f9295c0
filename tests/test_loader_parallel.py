"""Large trees are read by two processes; the result is the same as with one.

Each test runs in a fresh interpreter: the loader forks only when no other thread runs,
and other tests in this session may leave threads behind.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the loader forks on Linux only")


def fresh_python(code: str, *argv: str) -> str:
    """Run ``code`` in a new interpreter, ``argv`` in `sys.argv`; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *argv],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def test_split_computes_the_second_part_in_another_process() -> None:
    printed = fresh_python(
        """
        import os
        from qasesync.tree import parallel
        mine, theirs = parallel.split(os.getpid, os.getpid)
        print(mine == os.getpid(), theirs == os.getpid())
        """
    )
    assert printed == "True False\n"


def test_split_falls_back_to_this_process_when_the_child_fails() -> None:
    printed = fresh_python(
        """
        import os
        from qasesync.tree import parallel
        here = os.getpid()
        def second():
            if os.getpid() != here:
                raise RuntimeError("fails in the child only")
            return "computed here"
        print(parallel.split(lambda: "first", second))
        """
    )
    assert printed == "('first', 'computed here')\n"


COMPARE = """
    import sys
    from pathlib import Path
    from qasesync.tree import load as loader
    from qasesync.tree import parallel
    from qasesync.errors import ValidationError

    def outcome(tree):
        digests = {}
        try:
            loaded = loader.load_tree(tree, digests=digests)
        except ValidationError as error:
            return [str(p) for p in error.problems], digests
        return loaded, [c.location for c in loaded.cases], digests

    tree = Path(sys.argv[1])
    serial = outcome(tree)
    loader.PARALLEL_BYTES = 0
    forked = []
    real_split = parallel.split
    parallel.split = lambda a, b: forked.append(1) or real_split(a, b)
    print(outcome(tree) == serial, forked == [1], parallel.available())
"""


@pytest.mark.parametrize(
    "scenario", ["valid-full", "invalid-many-problems", "invalid-duplicate-case-id"]
)
def test_two_processes_give_what_one_gives(scenario: str) -> None:
    assert fresh_python(COMPARE, str(DATA / scenario)) == "True True True\n"


def test_duplicates_across_the_two_halves_name_the_first_place(tmp_path: Path) -> None:
    (tmp_path / "qasesync.yaml").write_text("project: DEMO\n")
    for name in ("a", "b", "c", "d"):
        (tmp_path / f"{name}.yaml").write_text(f"cases:\n  - id: 7\n    title: {name}\n")
    printed = fresh_python(
        f"""
        from pathlib import Path
        from qasesync.tree import load as loader
        from qasesync.errors import ValidationError
        loader.PARALLEL_BYTES = 0
        try:
            loader.load_tree(Path({str(tmp_path)!r}))
        except ValidationError as error:
            print("\\n".join(str(p) for p in error.problems))
        """
    )
    assert printed.splitlines() == [
        f"{name}.yaml:2:9: case id 7 is used twice (first at a.yaml:2:9)" for name in "bcd"
    ]


def test_split_leaves_no_child_behind_when_the_first_part_fails() -> None:
    printed = fresh_python(
        """
        import os, time
        from qasesync.tree import parallel
        def first():
            raise KeyboardInterrupt
        try:
            parallel.split(first, lambda: time.sleep(30))
        except KeyboardInterrupt:
            pass
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            print("no child left")
        """
    )
    assert printed == "no child left\n"
