"""The command line's grammar: `build_parser()` and the argparse types it uses.

A bad command line raises `UsageError` (exit 1), never argparse's exit 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

from qasesync import __version__
from qasesync.cli.common import UsageError
from qasesync.tree.schema import SCHEMA_URL
from qasesync.tree.write import LOCAL_SCHEMAS


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().rstrip()}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qasesync", description="Qase.io test cases as code.")
    parser.add_argument("--version", action="version", version=f"qasesync {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="log requests and retries; show tracebacks of bugs"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = sub.add_parser("validate", help="check a cases tree offline")
    validate.add_argument("tree", nargs="?")
    validate.add_argument("--format", choices=["text", "json"], default="text")

    plan = sub.add_parser("plan", help="show what apply would change in Qase")
    plan.add_argument("tree", nargs="?")
    plan.add_argument("--format", choices=["text", "markdown", "json", "github"], default="text")
    plan.add_argument("--out", metavar="PLAN.json", help="save the plan for `apply --plan`")
    plan.add_argument(
        "--detailed-exitcode", action="store_true", help="exit 2 when there are changes"
    )

    show = sub.add_parser("show", help="show a plan saved by `plan --out` (no Qase reads)")
    show.add_argument("plan", metavar="PLAN.json")
    show.add_argument("--format", choices=["text", "markdown", "json", "github"], default="text")
    show.add_argument(
        "--tree", help="the tree the plan was made from: where annotations point (github)"
    )

    apply = sub.add_parser("apply", help="make the live project match the tree")
    apply.add_argument("tree", nargs="?")
    apply.add_argument("--plan", metavar="PLAN.json", help="apply this saved plan exactly")
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    apply.add_argument("--allow-destroy", action="store_true", help="lift the max_destroy limit")
    apply.add_argument(
        "--no-write-back", action="store_true", help="do not write ids into the YAML"
    )
    apply.add_argument(
        "--record",
        metavar="PATH",
        help="save what was written back (for `qasesync writeback`), however apply ends",
    )

    writeback = sub.add_parser(
        "writeback", help="write the ids that `apply --record` recorded into the tree again"
    )
    writeback.add_argument("written", metavar="RECORD")
    writeback.add_argument("tree", nargs="?")
    writeback.add_argument(
        "--record", metavar="PATH", help="save what was written back, as `apply --record` does"
    )

    export = sub.add_parser("export", help="write the live project as a cases tree")
    export.add_argument("--project", required=True)
    export.add_argument("--out", default="cases")
    export.add_argument("--force", action="store_true", help="write into a non-empty folder")
    _schemas_option(export)

    pull = sub.add_parser("pull", help="bring web-app edits into the YAML")
    pull.add_argument("tree", nargs="?")
    pull.add_argument("--dry-run", action="store_true", help="print the YAML diff, write nothing")

    import_csv = sub.add_parser("import-csv", help="turn a CSV of legacy cases into a tree")
    import_csv.add_argument("file")
    import_csv.add_argument("--out", required=True)
    import_csv.add_argument("--skip-bad", action="store_true", help="leave bad rows out")
    _schemas_option(import_csv)
    import_csv.add_argument(
        "--project", help="Qase project code for qasesync.yaml (default: the placeholder CHANGEME)"
    )

    schema = sub.add_parser(
        "schema", help="write the JSON Schemas of the tree's files, for editors (offline)"
    )
    schema.add_argument(
        "--write",
        metavar="DIR",
        required=True,
        help="the folder to write the schemas and their catalog (catalog.json) into",
    )

    emulator = sub.add_parser("emulator", help="run the local Qase API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8787)
    emulator.add_argument(
        "--token",
        default="emulator-token",
        help="the token clients must send as QASE_TOKEN (default: emulator-token)",
    )
    emulator.add_argument(
        "--project",
        help="the project code served (default: the --custom-fields-from tree's, else DEMO)",
    )
    emulator.add_argument(
        "--custom-fields-from",
        metavar="TREE",
        help="start with the custom fields this cases tree uses (as `qasesync demo` does)",
    )
    emulator.add_argument("--state", metavar="FILE", help="load from and save to this JSON file")
    shapes = emulator.add_argument_group("live shapes", "imitate other deployments")
    shapes.add_argument(
        "--no-include",
        action="store_true",
        help="refuse include=external_issues with 400, as older self-hosted deployments do",
    )
    faults = emulator.add_argument_group("faults", "injected into requests, reproducibly")
    for flag, kind, default, metavar, text in (
        ("--latency", _at_least(0.0), 0.0, "S", "seconds added to each request"),
        ("--rate-429", _share, 0.0, "P", "share of requests answered 429 (0..1)"),
        ("--retry-after", _at_least(0.0), 1.0, "S", "the 429s' Retry-After (default 1)"),
        ("--rate-5xx", _share, 0.0, "P", "share of requests answered 503"),
        ("--rate-drop", _share, 0.0, "P", "share of writes processed, then left unanswered"),
        ("--rate-limit", _at_least(1), None, "N", "at most N requests a rolling minute"),
        ("--seed", int, 0, "N", "seed of the fault draws (default 0)"),
    ):
        faults.add_argument(flag, type=kind, default=default, metavar=metavar, help=text)

    sub.add_parser("demo", help="validate, plan, apply and plan the example tree on an emulator")
    return parser


def _share(text: str) -> float:
    value = _at_least(0.0)(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"a share is between 0 and 1, not {text}")
    return value


def _at_least(low: float) -> Callable[[str], float]:
    """An argparse type: a number (an int when ``low`` is one) not below ``low``."""

    def parse(text: str) -> float:
        try:
            value: float = type(low)(text)
        except ValueError:
            whole = "whole " if isinstance(low, int) else ""
            raise argparse.ArgumentTypeError(f"not a {whole}number: {text}") from None
        if not low <= value < float("inf"):  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {text}")
        return value

    return parse


def _schemas_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--schemas",
        metavar="WHERE",
        type=_schemas,
        default=LOCAL_SCHEMAS,
        help="where each file's `# yaml-language-server: $schema=` line points: a folder in the"
        f" tree, which gets a copy of the schemas (default: {LOCAL_SCHEMAS}), a URL such as"
        f" {SCHEMA_URL.rstrip('/')}, or `none` for no such line",
    )


def _schemas(value: str) -> str | None:
    return None if value == "none" else value
