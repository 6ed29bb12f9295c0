"""Render small Python values as YAML text that reads back as the same values.

Used by `qasesync.yamltext.edit` to write one value into an existing file, so the output
is line-oriented (the caller adds the file's line ending) and conservative: a string
is plain only when it cannot be read as anything else, also by a YAML 1.1 reader
(``yes``, ``no``, ``on``...), and a plain candidate is checked by parsing it back.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from qasesync.errors import WriteBackError
from qasesync.yamltext.read import YamlProblem, parse

#: Characters that start something other than a plain scalar.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_INDICATORS = frozenset(",[]{}")
#: Words some YAML reader takes for a boolean or null.
_SPECIAL_WORDS = frozenset(
    {"yes", "no", "on", "off", "y", "n", "true", "false", "null", "~", "<<", "="}
)
#: What a YAML 1.1 or 1.2 reader may take for a number, a sexagesimal or a date.
_NUMBER_LIKE = re.compile(
    r"""[-+]?(
        0b[01_]+ | 0o?[0-7_]+ | 0x[0-9a-f_]+
      | [0-9][0-9_]*(:[0-5]?[0-9])*(\.[0-9_]*)?(e[-+]?[0-9]+)?
      | \.[0-9_]+(e[-+]?[0-9]+)? | \.(inf|nan)
    )$
    | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([t\s].*)?$""",
    re.IGNORECASE | re.VERBOSE,
)
#: A flow list longer than this goes in block style (unless it replaces a flow list).
FLOW_LIST_WIDTH = 60
#: The style of a value being replaced, which its replacement keeps.
Shape = Literal["flow", "block", None]
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


@dataclass(frozen=True)
class Style:
    """Indentation of block output, in columns."""

    indent: int = 2  # nested mapping keys, from the parent key
    seq_indent: int = 2  # a block sequence's dashes, from the parent key
    offset: int = 2  # an item's content, from its dash
    literal: int = 2  # a ``|`` block's lines, from the parent key


def plain_data(value: object) -> Any:
    """The value as YAML loads it back: mappings as dicts, sequences as lists."""
    if isinstance(value, Mapping):
        return {key: plain_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    return value


def key_text(key: object, *, flow: bool) -> str:
    """A mapping key: always on one line."""
    if isinstance(key, str):
        return _string(key, flow=flow)
    return _other_scalar(key)


def inline(value: object, *, flow: bool, prefer: Shape = None) -> str | None:
    """The value on one line, or None when it belongs in block style (multi-line text,
    a non-empty mapping, a list of collections or a long list). In a flow context
    (``flow``) there is always a one-line form. ``prefer`` is the style of the value
    being replaced: a flow collection stays flow, a block one stays block."""
    if isinstance(value, str):
        if not flow and "\n" in value and _literal_ok(value):
            return None
        return _string(value, flow=flow)
    if isinstance(value, Mapping):
        return _flow_mapping(value) if flow or not value or prefer == "flow" else None
    if isinstance(value, (list, tuple)):
        return _inline_list(value, flow=flow, prefer=prefer)
    return _other_scalar(value)


def value_lines(
    value: object, col: int, style: Style, *, prefer: Shape = None
) -> tuple[str, list[str]]:
    """What follows ``key:`` for a key at column ``col``: the rest of the key's line
    (``" 5"``, ``" |-"`` or ``""``) and the lines below it, fully indented."""
    short = inline(value, flow=False, prefer=prefer)
    if short is not None:
        return " " + short, []
    if isinstance(value, str):
        return " " + _literal_header(value), _literal_lines(value, col + style.literal)
    if isinstance(value, Mapping):
        return "", _mapping_lines(value, col + style.indent, style)
    assert isinstance(value, Sequence)
    return "", sequence_lines(value, col + style.seq_indent, style)


def _mapping_lines(mapping: Mapping[Any, object], col: int, style: Style) -> list[str]:
    lines: list[str] = []
    for key, item in mapping.items():
        suffix, below = value_lines(item, col, style)
        lines += [" " * col + key_text(key, flow=False) + ":" + suffix, *below]
    return lines


def sequence_lines(items: Sequence[object], col: int, style: Style) -> list[str]:
    """A block sequence whose dashes stand at column ``col``."""
    lines: list[str] = []
    inner = col + style.offset
    for item in items:
        block = _item_lines(item, inner, style)
        lines += [" " * col + "-" + " " * (style.offset - 1) + block[0][inner:], *block[1:]]
    return lines


def _item_lines(item: object, col: int, style: Style) -> list[str]:
    """An item's lines as if its content started at ``col`` (the dash goes before it)."""
    short = inline(item, flow=False)
    if short is not None:
        return [" " * col + short]
    if isinstance(item, str):
        return [" " * col + _literal_header(item), *_literal_lines(item, col)]
    if isinstance(item, Mapping):
        return _mapping_lines(item, col, style)
    assert isinstance(item, Sequence)
    return sequence_lines(item, col, style)


def _inline_list(items: Sequence[object], *, flow: bool, prefer: Shape) -> str | None:
    if not flow and items:
        nested = any(isinstance(item, (Mapping, list, tuple)) and item for item in items)
        multiline = any(isinstance(item, str) and "\n" in item for item in items)
        if multiline or prefer == "block" or (nested and prefer != "flow"):
            return None
    text = "[" + ", ".join(_flow_item(item) for item in items) + "]"
    if flow or prefer == "flow" or len(text) <= FLOW_LIST_WIDTH:
        return text
    return None


def _flow_mapping(mapping: Mapping[Any, object]) -> str:
    pairs = (f"{key_text(key, flow=True)}: {_flow_item(item)}" for key, item in mapping.items())
    return "{" + ", ".join(pairs) + "}"


def _flow_item(item: object) -> str:
    text = inline(item, flow=True)
    assert text is not None
    return text


def _other_scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    raise WriteBackError(f"cannot write a {type(value).__name__} into YAML")


# -- strings -----------------------------------------------------------------------


def _string(text: str, *, flow: bool) -> str:
    if _plain_ok(text, flow=flow):
        return text
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def _plain_ok(text: str, *, flow: bool) -> bool:
    if not text or text != text.strip() or not text.isprintable():
        return False
    if text[0] in _INDICATORS or text.lower() in _SPECIAL_WORDS or _NUMBER_LIKE.match(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and not _FLOW_INDICATORS.isdisjoint(text):
        return False
    return _reads_back(text)


@functools.lru_cache(maxsize=4096)
def _reads_back(text: str) -> bool:
    """Both as a key and as a value, in block and in flow context."""
    document = f"{text}: {text}\nflow: [{text}, {{{text}: {text}}}]\n"
    try:
        data = parse(document).data
    except YamlProblem:
        return False
    return bool(data == {text: text, "flow": [text, {text: text}]})


def _double_quoted(text: str) -> str:
    return '"' + "".join(_escape(char) for char in text) + '"'


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _literal_ok(text: str) -> bool:
    """A ``|`` block holds the text exactly: printable lines (tabs allowed), and a
    first non-empty line that does not start with a space (that would need an
    indentation indicator)."""
    lines = text.split("\n")
    first = next((line for line in lines if line), "")
    printable = all(line.replace("\t", " ").isprintable() for line in lines)
    return bool(first) and printable and not first.startswith((" ", "\t"))


def _literal_header(text: str) -> str:
    breaks = len(text) - len(text.rstrip("\n"))
    return "|-" if breaks == 0 else "|" if breaks == 1 else "|+"


def _literal_lines(text: str, col: int) -> list[str]:
    body = text[:-1] if text.endswith("\n") else text
    return [" " * col + line if line else "" for line in body.split("\n")]
