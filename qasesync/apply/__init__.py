"""Doing what a plan says: its changes sent through `qase.Remote`, phase by phase.

applier    apply(plan): the phases in order (suites, shared steps, cases, prunes), write-back
cases      the case phases: bulk creates, patches, external issues, deprecations, deletes
bulksize   how many cases one bulk create carries: bulk_size, else adapted to the answer time
lock       the apply lock held in the Qase project itself (docs/design.md §12)
ledger     what the run knows and has done: live ids, ids to write back, failures
reconcile  after a write whose outcome is unknown: read back and adopt what exists
report     the final report and the failures, as text
"""
