"""Untrusted text made safe for each place it is shown: the one module that knows how.

Titles, tags, step texts, field names, file names and the API's error messages come from
a pull request or from Qase; qasesync shows them on a terminal, in CI logs (where the
GitHub runner reads ``::command::`` lines), in markdown (pull-request comments, job
summaries) and in JSON. Each sink has one function here:

    terminal(text)            one value, one visual line: control characters, Unicode
                              bidi controls and line separators shown escaped (``\\x1b``,
                              ``\\n``, ``\\u202e``)
    terminal_lines(text)      the same, but newlines kept (a multi-line message)
    plain(text)               whether `terminal` would leave the text as it is
    workflow_line(line)       a data line the runner reads: it can never start a command
    workflow_text(text)       every line of a block so guarded
    escape_data(text)         the runner's escaping of a command's message
    escape_property(text)     ... and of a property (``file=``, ``title=``)
    workflow_command(...)     one of our own ``::error file=…::message`` lines
    markdown_inline(text)     inline markdown: HTML escaped, punctuation backslashed,
                              mentions and issue links defused, one line
    markdown_html(text)       text inside an HTML element (``<summary>``) of markdown
    markdown_code(text, ...)  a fenced block no line of the text can close
    markdown_url(url)         a link target that cannot end the link early
    json_text(json)           JSON text with its unsafe characters as ``\\uXXXX``
    redact(text, secret)      the secret (the API token) replaced by ``***``
    secret_forms, redact_forms   the same, its forms worked out once for many texts

JSON is safe by construction (``json.dumps`` escapes C0 controls and quotes); with
``ensure_ascii=False`` it leaves C1 and bidi controls as they are, which `json_text`
escapes too.

Standard library only and importing nothing of qasesync, so that the GitHub action's
scripts (which run with the package installed) apply the same rules.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

__all__ = [
    "escape_data",
    "escape_property",
    "json_text",
    "markdown_code",
    "markdown_html",
    "markdown_inline",
    "markdown_url",
    "plain",
    "redact",
    "redact_forms",
    "secret_forms",
    "terminal",
    "terminal_lines",
    "workflow_command",
    "workflow_line",
    "workflow_text",
]

# --- terminal ---------------------------------------------------------------------------

#: C0 controls, DEL and C1 controls (``\x9b`` is a CSI on some terminals), the Unicode
#: bidi controls (they reorder what follows them on the line: "Trojan Source") and the
#: line and paragraph separators.
_UNSAFE = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE_CHAR = re.compile(f"[{_UNSAFE}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def terminal(text: str) -> str:
    """``text`` as one visual line that cannot drive a terminal: every control character,
    bidi control and line separator shown escaped (``\\x1b``, ``\\n``, ``\\t``,
    ``\\u202e``). A backslash stays as it is: the escape is for the eye, not a round trip."""
    return _UNSAFE_CHAR.sub(_escaped, text)


def plain(text: str) -> bool:
    """Whether `terminal` would show ``text`` as it is (no character it escapes)."""
    return _UNSAFE_CHAR.search(text) is None


def terminal_lines(text: str) -> str:
    """``text`` with its newlines kept and every other unsafe character escaped (a
    ``\\r`` too, so that no line can overwrite the one before it)."""
    return "\n".join(terminal(line) for line in text.split("\n"))


# --- GitHub workflow commands --------------------------------------------------------------

#: What .NET's ``TrimStart()`` removes before the runner looks for ``::`` (Unicode
#: white space, as ``char.IsWhiteSpace`` has it).
_DOTNET_SPACE = (
    "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: The runner's older command form, ``##[error]message``, is found anywhere in a line.
_OLD_COMMAND = re.compile(r"##\[")


def workflow_line(line: str, *, start: bool = True) -> str:
    """One line of output where the GitHub runner reads workflow commands, made a data
    line: a ``::`` at its start (after white space, which the runner skips) becomes
    ``\\x3a:``, and the older form's ``##[`` anywhere becomes ``##\\x5b``. A line that
    starts no command is returned as it is. ``start=False``: the text continues a line
    begun before, so only ``##[`` matters."""
    rest = line.lstrip(_DOTNET_SPACE)
    if start and rest.startswith("::"):
        line = line[: len(line) - len(rest)] + "\\x3a" + rest[1:]
    return _OLD_COMMAND.sub("##\\\\x5b", line) if "##[" in line else line


def workflow_text(text: str) -> str:
    """Every line of ``text`` made a data line (`workflow_line`)."""
    return "\n".join(workflow_line(line) for line in text.split("\n"))


def escape_data(text: str) -> str:
    """The runner's escaping of a command's message: ``%``, ``\\r``, ``\\n``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """The runner's escaping of a command's property value: also ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(name: str, message: str, **properties: str | int | None) -> str:
    """One of our own workflow commands, ``::error file=a.yaml,line=3::message``: the
    message keeps its line breaks (``%0D``, ``%0A``, as the runner wants them) and shows
    every other unsafe character escaped as `terminal` does; properties that are None are
    left out."""
    props = ",".join(
        f"{key}={escape_property(terminal(str(value)))}"
        for key, value in properties.items()
        if value is not None
    )
    head = f"{name} {props}" if props else name
    return f"::{head}::{escape_data(_UNSAFE_CHAR.sub(_escaped_but_breaks, message))}"


def _escaped_but_breaks(match: re.Match[str]) -> str:
    char = match.group()
    return char if char in "\r\n" else _escaped(match)


# --- markdown ------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
#: A zero-width space: after ``@`` or ``#`` it keeps GitHub from turning ``@team`` into a
#: mention or ``#7`` (a Qase case id) into a link to pull request 7. An entity alone
#: (``&#64;``) does not: GitHub reads the decoded text.
_BREAK = "&#8203;"


def markdown_inline(text: str) -> str:
    """``text`` inert inside a markdown paragraph, list item or table cell: white space
    (newlines too) flattened to single spaces, unsafe characters escaped as `terminal`
    does, markdown punctuation backslashed, HTML escaped, ``@`` and ``#`` defused so that
    it can neither mention anyone nor link an issue."""
    flat = _MD_SPECIAL.sub(r"\\\1", terminal(" ".join(text.split())))
    escaped = html.escape(flat, quote=True)
    return escaped.replace("@", "@" + _BREAK).replace("\\#", "\\#" + _BREAK)


def markdown_html(text: str) -> str:
    """``text`` inside an HTML element of a markdown document (``<summary>…</summary>``),
    where markdown is not read: HTML escaped, one line, mentions and links defused."""
    flat = html.escape(terminal(" ".join(text.split())), quote=True)
    return flat.replace("#", "#" + _BREAK).replace("@", "@" + _BREAK)


_FENCE_RUN = re.compile(r"`+|~+")


def markdown_code(text: str, info: str = "") -> str:
    """``text`` as a fenced code block that no line of it can close: the fence is tildes,
    one more than the longest run of backticks or tildes in the text (at least three).
    Lines keep their breaks; other unsafe characters are shown escaped. ``info`` (the
    language) is ours, not the user's. Ends without a newline."""
    body = terminal_lines(text.replace("\r\n", "\n"))
    longest = max((len(run) for run in _FENCE_RUN.findall(body)), default=0)
    fence = "~" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def markdown_url(url: str) -> str:
    """A link target for ``[text](url)``: white space, parentheses, quotes, angle
    brackets, backslashes and unsafe characters percent-encoded, so that nothing in it
    ends the link or starts another."""
    return quote(url, safe="/:?#[]@!$&*+,;=%-._~")


# --- JSON ----------------------------------------------------------------------------------


def json_text(text: str) -> str:
    """JSON text (as ``json.dumps(..., ensure_ascii=False)`` writes it) with the unsafe
    characters it leaves as they are (C1 and bidi controls, line separators) written
    ``\\uXXXX``, and the ``[`` of the runner's older command form ``##[`` too: still the
    same JSON, since both can only stand inside its strings (its newlines, its indent,
    stay). No line of JSON text starts with ``::``."""
    text = _UNSAFE_CHAR.sub(_json_escaped, text)
    return _OLD_COMMAND.sub("##\\\\u005b", text)


def _json_escaped(match: re.Match[str]) -> str:
    char = match.group()
    return char if char == "\n" else f"\\u{ord(char):04x}"  # a newline: JSON's indent


# --- secrets -------------------------------------------------------------------------------


def redact(text: str, secret: str) -> str:
    """``text`` with every copy of ``secret`` (as it is, percent-encoded, or JSON-escaped)
    replaced by ``***``; an empty secret changes nothing."""
    return redact_forms(text, secret_forms(secret))


def secret_forms(secret: str) -> tuple[str, ...]:
    """The forms of ``secret`` that `redact` replaces, longest first (none for ``""``)."""
    if not secret:
        return ()
    forms = {secret, quote(secret, safe=""), secret.replace("\\", "\\\\").replace('"', '\\"')}
    return tuple(sorted(forms, key=len, reverse=True))


def redact_forms(text: str, forms: tuple[str, ...]) -> str:
    """``text`` with each of ``forms`` (from `secret_forms`, worked out once for many
    texts) replaced by ``***``."""
    for form in forms:
        if form in text:
            text = text.replace(form, "***")
    return text
