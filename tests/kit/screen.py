"""A tiny terminal screen: enough of a VT100 to tell what a pseudo-terminal session leaves
on the screen. Printable characters, carriage return, newline, erase to the end of the
line (``ESC [ K``) and colours (``ESC [ … m``, ignored); a character written past the last
column wraps to a new row, which is marked as wrapped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


@dataclass
class Screen:
    width: int
    rows: list[list[str]] = field(default_factory=lambda: [[]])
    wrapped: list[bool] = field(default_factory=lambda: [False])
    col: int = 0

    def feed(self, text: str) -> None:
        i = 0
        while i < len(text):
            match = _CSI.match(text, i)
            if match:
                if match.group(2) == "K":
                    del self.rows[-1][self.col :]
                i = match.end()
                continue
            self._put(text[i])
            i += 1

    def _put(self, char: str) -> None:
        if char == "\r":
            self.col = 0
        elif char == "\n":
            self._new_row(wrapped=False)
        else:
            if self.col >= self.width:
                self._new_row(wrapped=True)
                self.col = 0
            row = self.rows[-1]
            row.extend(" " * (self.col - len(row)))
            row[self.col : self.col + 1] = [char]
            self.col += 1

    def _new_row(self, *, wrapped: bool) -> None:
        self.rows.append([])
        self.wrapped.append(wrapped)

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.rows]
