"""Checks of scalar payload values, in the live API's Laravel wording."""

from __future__ import annotations

from typing import Any

from qasesync.emulator.apierrors import Problems

MAX_TITLE = 255


def text(value: Any, field: str, problems: Problems, *, required: bool = False) -> str | None:
    """A trimmed string, None when empty; records a problem when not a string or missing."""
    if value is None:
        if required:
            problems.add(field, "The {field} field is required.")
        return None
    if not isinstance(value, str):
        problems.add(field, "The {field} must be a string.")
        return None
    trimmed = value.strip()
    if not trimmed:
        if required:
            problems.add(field, "The {field} field is required.")
        return None
    return trimmed


def title(value: Any, field: str, problems: Problems) -> str:
    """A required title of at most 255 characters (after trimming)."""
    result = text(value, field, problems, required=True)
    if result is not None and len(result) > MAX_TITLE:
        problems.add(field, f"The {{field}} must not be greater than {MAX_TITLE} characters.")
    return result or ""


def integer(value: Any, field: str, problems: Problems, *, nullable: bool = False) -> int | None:
    """An integer (not a boolean); None is accepted only when ``nullable``."""
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(field, "The {field} must be an integer.")
        return None
    return value


def boolean(value: Any, field: str, problems: Problems) -> bool | None:
    """A JSON boolean."""
    if not isinstance(value, bool):
        problems.add(field, "The {field} field must be true or false.")
        return None
    return value


def string_list(value: Any, field: str, problems: Problems) -> list[str]:
    """A list of strings, each trimmed; empty strings dropped."""
    if not isinstance(value, list):
        problems.add(field, "The {field} must be an array.")
        return []
    result: list[str] = []
    for index, item in enumerate(value):
        got = text(item, f"{field}.{index}", problems)
        if got is not None:
            result.append(got)
    return result
