"""Read and write shapes of the live service that the evidence leaves open
(docs/qase-api.md): each alternative behind a switch of ``qasesync emulator``.

``create_default_severity``: the severity a create without one gets, when it is not the
option the workspace flags as default. ``bulk_latency_per_case``: seconds a bulk create
takes per case before it commits (so a large batch can outlast the client's deadline and
commit late). ``multiselect``: a multiselect value reads as one entry with the option ids
joined by commas, or as one entry per option (``repeated``). ``datetime_read``: a date
custom field reads as written (``YYYY-MM-DD HH:MM:SS``) or as ISO 8601 with a zone. (A
user field reads as the user's id in a string: the spec's ``CustomFieldValue.value`` is a
string, so no other shape is imitated.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MULTISELECT_SHAPES = ("joined", "repeated")
DATETIME_SHAPES = ("written", "iso")

JSON = dict[str, Any]


@dataclass(frozen=True)
class Shapes:
    """The emulator's choice for each open shape; the defaults are the likeliest."""

    create_default_severity: int | None = None
    bulk_latency_per_case: float = 0.0
    multiselect: str = "joined"
    datetime_read: str = "written"

    def __post_init__(self) -> None:
        for name, allowed in (
            ("multiselect", MULTISELECT_SHAPES),
            ("datetime_read", DATETIME_SHAPES),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")
        if self.bulk_latency_per_case < 0:
            raise ValueError("bulk_latency_per_case must not be negative")

    def read_custom(self, field_id: int, kind: str, value: str) -> list[JSON]:
        """The ``custom_fields`` entries of one stored value (a string, as written)."""
        if kind == "multiselect" and self.multiselect == "repeated" and value:
            return [{"id": field_id, "value": part} for part in value.split(",")]
        if kind == "datetime" and self.datetime_read == "iso" and value:
            return [{"id": field_id, "value": _iso(value)}]
        return [{"id": field_id, "value": value}]


def _iso(value: str) -> str:
    """``2024-03-01 10:00:00``, a bare date or ``…T10:00:00Z`` as ``2024-03-01T10:00:00+00:00``."""
    text = value.strip()
    if "T" in text:
        return text.removesuffix("Z") + "+00:00" if text.endswith("Z") else text
    date, _, time = text.partition(" ")
    return f"{date}T{time or '00:00:00'}+00:00"
