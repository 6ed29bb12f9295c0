"""Errors the emulated API answers with, as exceptions carrying the status and JSON body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answer: ``status`` and the JSON ``body`` the live API would send."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body.get('errorMessage')}")
        self.status = status
        self.body = body


class Invalid(ApiError):
    """400 ``Data is invalid.`` with Laravel-style ``errorFields``."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        errors = [{"field": field, "error": error} for field, error in fields]
        super().__init__(
            400, {"status": False, "errorMessage": "Data is invalid.", "errorFields": errors}
        )
        self.fields = fields


class NotFound(ApiError):
    """404 with the live API's message, e.g. ``Test case not found``."""

    def __init__(self, message: str) -> None:
        super().__init__(404, {"status": False, "errorMessage": message})


class Problems:
    """Collects ``(field, error)`` pairs and raises :class:`Invalid` when there are any."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, error: str) -> None:
        """Record ``error`` for ``field`` (the prefix is prepended to the field and message)."""
        full = self.prefix + field
        self.items.append((full, error.replace("{field}", full.replace("_", " "))))

    def sub(self, prefix: str) -> Problems:
        """A collector writing into this one under ``prefix``."""
        child = Problems(self.prefix + prefix)
        child.items = self.items
        return child

    def raise_if_any(self) -> None:
        """Raise :class:`Invalid` with everything collected so far."""
        if self.items:
            raise Invalid(list(self.items))
