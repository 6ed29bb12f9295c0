"""The text `apply` prints: the report of what it did, its progress line, its failures."""

from __future__ import annotations

from pathlib import Path

from qasesync.apply.applier import YamlSink
from qasesync.apply.ledger import ApplyReport, Done
from qasesync.apply.report import RERUN, failure_lines, report_text
from qasesync.model import Assignment, Location

WEB = "https://app.qase.io"


def test_a_report_lists_each_change_with_its_link_and_what_was_deleted_by_id() -> None:
    report = ApplyReport(
        "SHOP",
        total=3,
        done=[
            Done("create", "case", "Login", 7),
            Done("update", "shared_step", "Sign in", "ab12", adopted=True),
            Done("delete", "case", "Old", 3),
        ],
        requests=4,
    )
    assert report_text(report, None, WEB, stopped=False) == (
        "\nApply complete: 1 created, 1 updated, 0 deprecated, 1 deleted "
        "(3 of 3 changes, 4 requests, 1 found live after a lost answer)\n"
        "  + case 'Login' https://app.qase.io/case/SHOP-7\n"
        "  ~ shared step 'Sign in' https://app.qase.io/shared-step/SHOP/ab12\n"
        "  - case 'Old' #3 (deleted)\n"
    )


def test_a_long_report_and_many_failures_are_cut_after_50_lines() -> None:
    done = [Done("create", "suite", f"S{n}", n) for n in range(53)]
    report = ApplyReport("SHOP", total=60, done=done, requests=53)
    text = report_text(report, None, WEB, stopped=True)
    assert text.startswith("\nApply stopped: 53 created, 0 updated")
    assert text.splitlines()[-2:] == [
        "  + suite 'S49' https://app.qase.io/project/SHOP?suite=49",
        "  ... and 3 more",
    ]
    lines = failure_lines([f"case {n}: refused" for n in range(51)])
    assert lines[-3:] == ["error: case 49: refused", "error: ... and 1 more", RERUN]


def test_a_report_of_one_change_and_one_request_speaks_in_the_singular() -> None:
    report = ApplyReport(
        "SHOP",
        total=1,
        done=[Done("create", "case", "Login", 7)],
        assignments=[Assignment(Location("a.yaml", 2, 5, ("cases", 0)), "id", 7)],
        requests=1,
    )
    assert report_text(report, None, WEB, stopped=False) == (
        "\nApply complete: 1 created, 0 updated, 0 deprecated, 0 deleted "
        "(1 of 1 change, 1 request)\n"
        "  + case 'Login' https://app.qase.io/case/SHOP-7\n"
        "1 id not written back (write-back is off); plan matches those entities by title\n"
    )


def test_what_was_written_back_is_counted_in_ids_and_hashes(tmp_path: Path) -> None:
    sink = YamlSink(tmp_path, {})
    sink.keys = ["id", "hash", "hash"]
    sink.files = {"shared_steps.yaml": None}
    report = ApplyReport("SHOP", assignments=[Assignment(Location("a", 1, 1), "id", 1)])
    assert report_text(report, sink, WEB, stopped=False).endswith(
        "Wrote 1 id and 2 hashes back into 1 file:\n  shared_steps.yaml\n"
    )


def test_the_files_written_back_are_cut_after_50_lines(tmp_path: Path) -> None:
    sink = YamlSink(tmp_path, {})
    sink.keys = ["id"] * 1002
    sink.files = {f"suite-{i}/cases.yaml": None for i in range(1002)}
    report = ApplyReport("SHOP", assignments=[Assignment(Location("a", 1, 1), "id", 1)])
    text = report_text(report, sink, WEB, stopped=False)
    assert "Wrote 1002 ids back into 1002 files:\n  suite-0/cases.yaml\n" in text
    assert text.endswith("  suite-49/cases.yaml\n  ... and 952 more\n")
    assert "suite-50/" not in text
