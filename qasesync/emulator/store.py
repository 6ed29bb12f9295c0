"""The emulator's in-memory workspace: projects, suites, cases, shared steps and fields.

Every method takes and returns the API's JSON forms and is thread-safe (one re-entrant
lock). Writes check their payload as the live API does and raise
:class:`~qasesync.emulator.apierrors.ApiError` (``Invalid``: 400 ``Data is invalid.``;
``NotFound``: 404). The store knows nothing of HTTP, tokens or faults: tests use it
directly to seed and inspect the emulated Qase.
"""

from __future__ import annotations

from qasesync.emulator.store_cases import CasesMixin
from qasesync.emulator.store_shared import SharedStepsMixin
from qasesync.emulator.store_suites import SuitesMixin
from qasesync.emulator.storebase import JSON, StoreBase

__all__ = ["JSON", "Store", "StoreBase"]


class Store(SuitesMixin, CasesMixin, SharedStepsMixin):
    """The workspace state; see the module docstring."""
