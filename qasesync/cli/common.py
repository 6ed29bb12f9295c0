"""What the command modules share: exit codes, `UsageError`, the `Command` signature,
where the tree is, and how a plan is read back and shown.

A leaf of the `cli` package (it imports none of its siblings), so that the command
modules and the error boundary in `qasesync.cli` can all import it.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from qasesync.errors import QasesyncError

if TYPE_CHECKING:
    from qasesync.plans.plan import Plan
    from qasesync.plans.render import View

EXIT_OK = 0
EXIT_USER = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


class UsageError(QasesyncError):
    """A bad command line. Exit 1, never argparse's 2."""


Command = Callable[[argparse.Namespace, TextIO], int]


def resolve_tree(arg: str | None) -> Path:
    """The tree argument, else the current folder when it holds qasesync.yaml, else ./cases."""
    if arg:
        return Path(arg)
    here = Path.cwd()
    return here if (here / "qasesync.yaml").is_file() else here / "cases"


def project_code(code: str | None) -> str:
    from qasesync.adopt.importcsv import PLACEHOLDER_PROJECT

    if code is None:
        return PLACEHOLDER_PROJECT
    if not (code.isascii() and code.isalpha() and 2 <= len(code) <= 10):
        raise UsageError(f"--project {code!r}: a Qase project code is 2 to 10 letters")
    return code.upper()


#: Larger than any saved plan (100,000 changed cases take about 75 MB): reading stops
#: there, so that a device or a runaway file is refused instead of read for ever.
MAX_PLAN_BYTES = 1 << 30


def read_plan(path: str, *, limit: int = MAX_PLAN_BYTES) -> Plan:
    """A plan saved by ``plan --out``; a file that is none is the user's to fix (exit 1)."""
    from qasesync.errors import ConfigError
    from qasesync.plans.plan import Plan

    try:
        text = _read_at_most(Path(path), limit)
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        saved = Plan.from_json(data)
    except KeyError as error:
        raise ConfigError(f"{path}: not a saved plan (no {error})") from error
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise ConfigError(f"{path}: not a saved plan ({error})") from error
    except RecursionError as error:  # deeper than `json` reads
        raise ConfigError(f"{path}: not a saved plan (nested too deep)") from error
    return saved


def _read_at_most(path: Path, limit: int) -> str:
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit:,} bytes")
    return data.decode("utf-8")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different (JSON lets the last of two win, which a
    reviewer reading the file would not see)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        repeated = next(k for i, (k, _) in enumerate(pairs) if k in dict(pairs[:i]))
        raise ValueError(f"the key {json.dumps(repeated)} twice in an object")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def plan_view(root: Path, out: TextIO, *, color: bool, full: bool = False) -> View:
    from qasesync.plans.render import View
    from qasesync.qase.connection import env_rate_limit, web_base

    rate = env_rate_limit(os.environ)
    tty = color and out.isatty() and not os.environ.get("NO_COLOR")
    view = View(web_base(os.environ), rate, tty, tree_prefix(root))
    return replace(view, rollup=None) if full else view


def tree_prefix(root: Path) -> str:
    """The tree's folder as GitHub annotations need it (relative to the checkout)."""
    relative = os.path.relpath(root)
    return "" if relative == "." else relative.replace(os.sep, "/") + "/"
