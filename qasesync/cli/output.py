"""The last guard on everything qasesync prints: every line of standard output and
standard error passes through the rules of `qasesync.safetext` on its way out.

The renderers already escape what they take from the tree and from Qase; this guard
holds when one of them forgets: no line reaches a CI log that starts a workflow command
(except the commands ``--format github`` writes on purpose), no control character
reaches a terminal (except the colours of the plan's own symbols, and tabs), and the API token,
if it is long enough to tell apart from ordinary text, is never printed.
"""

from __future__ import annotations

import re
import threading
from typing import TextIO

from qasesync import safetext

#: What a line may be: text, a workflow command of ours, or JSON.
MODES = ("text", "github", "json")
#: Shorter tokens are not redacted here (the client redacts every length): replacing a
#: few common letters everywhere would mangle the output, not protect anything.
SECRET_MIN = 8
#: What a line keeps as it is: the colours `plans.render` paints the plan's symbols with,
#: their reset, and tabs (they move the cursor along the line, never off it).
_KEPT = re.compile(r"\x1b\[(?:0|31|32|33)m|\t")
#: The workflow commands ``--format github`` writes: annotations, their properties
#: escaped (no ``:`` left in them), and nothing else (no ``stop-commands``, no ``add-mask``).
_OUR_COMMAND = re.compile(r"::(?:error|warning|notice)(?: [^:]*)?::")


class GuardedOutput:
    """A text stream that writes each line through `line`; a partial line waits for its
    end (or a `flush`, as a prompt needs)."""

    def __init__(self, stream: TextIO, *, mode: str = "text", secret: str = "") -> None:
        assert mode in MODES
        self.unguarded = stream
        self.mode = mode
        self.secret = safetext.secret_forms(secret if len(secret) >= SECRET_MIN else "")
        self._lock = threading.Lock()
        self._partial = ""
        self._started = False  # part of the current line is out already (a prompt)

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
            if lines:
                first = self._shown(lines[0])
                self._started = False
                self.unguarded.write("".join([first, *(f"\n{self._shown(x)}" for x in lines[1:])]))
                self.unguarded.write("\n")
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._partial:
                self.unguarded.write(self._shown(self._partial))
                self._started = not self._partial.isspace()
                self._partial = ""
        self.unguarded.flush()

    def isatty(self) -> bool:
        return self.unguarded.isatty()

    def __getattr__(self, name: str) -> object:
        """What else a stream has (``encoding``, ``fileno``), from the stream underneath,
        for library code that asks ``sys.stderr`` for it."""
        return getattr(self.unguarded, name)

    def _shown(self, line: str) -> str:
        """The line, guarded; a carriage return that ends it (a CRLF file's line in a
        diff) stays: before the newline it can overwrite nothing."""
        line = safetext.redact_forms(line, self.secret)
        if self.mode == "json":
            return line if safetext.plain(line) and "##[" not in line else safetext.json_text(line)
        body = line.removesuffix("\r")
        shown = body if safetext.plain(body) else _escaped_but_kept(body)
        ours = self.mode == "github" and _OUR_COMMAND.match(shown) is not None
        return safetext.workflow_line(shown, start=not (ours or self._started)) + line[len(body) :]


def _escaped_but_kept(line: str) -> str:
    """``line`` as `safetext.terminal` shows it, but for our colours and tabs."""
    kept = _KEPT.findall(line)
    shown = [safetext.terminal(part) for part in _KEPT.split(line)]
    return "".join(s + k for s, k in zip(shown, [*kept, ""], strict=True))
