"""Fast YAML reading for the loader: plain values plus the positions to report problems at.

ruamel.yaml's C parser (``ruamel.yaml.clib``) composes the node graph, which carries
line and column marks; its generic resolver and constructor are Python and cost
more than the parsing itself, so scalars are resolved here with a few string tests
(YAML 1.2 core schema) and values are built by one small recursive walk. That walk
also refuses what the safe loaders let through: duplicate mapping keys, non-scalar
keys, keys that are not text (every mapping key of a qasesync file is a name), integers
longer than `MAX_INT_DIGITS` digits (no field takes one; Python would refuse to convert
them past 4,300), unknown tags, and anchors/aliases that would expand the document beyond
`ALIAS_NODE_LIMIT` nodes (a "billion laughs" file fails at once, without
expanding anything: aliases are shared, never copied).

The pure-Python parser is used only where the C extension is missing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

try:
    from _ruamel_yaml import CParser as _Parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - only without the C extension
    _Parser = None

#: How many nodes anchors and aliases may add to a document, beyond those written.
ALIAS_NODE_LIMIT = 10_000
#: The most digits an integer may be written with: ids are 64-bit (19 digits), and a
#: longer run of digits is text that needs quotes. Python's own limit is 4,300, and
#: 640 when ``PYTHONINTMAXSTRDIGITS`` lowers it as far as it goes.
MAX_INT_DIGITS = 100

_PLAIN = "qasesync:plain"
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_INT = re.compile(r"[-+]?(?:[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {
    ".inf": float("inf"),
    "+.inf": float("inf"),
    "-.inf": float("-inf"),
    ".nan": float("nan"),
}
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class YamlProblem(Exception):
    """The text is not a YAML document qasesync accepts; ``line``/``col`` are 1-based."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message


@dataclass(frozen=True)
class Document:
    """One parsed file: its plain value and the node graph to find positions in."""

    data: Any
    root: Node | None

    def position(self, path: Sequence[str | int]) -> tuple[int, int]:
        """1-based line and column of the value at ``path`` (or of its deepest ancestor)."""
        node = _follow(self.root, path, key=False)
        return _mark(node) if node is not None else (1, 1)

    def key_position(self, path: Sequence[str | int]) -> tuple[int, int]:
        """Like `position`, but of the mapping key that ends ``path``."""
        node = _follow(self.root, path, key=True)
        return _mark(node) if node is not None else (1, 1)


def parse(text: str) -> Document:
    """Parse one YAML document; raise `YamlProblem` on anything qasesync refuses."""
    root = _compose(text)
    if root is None:
        return Document(None, None)
    builder = _Builder()
    data = builder.build(root, 0)
    if builder.aliased and _expanded_size(root, {}) > builder.count + ALIAS_NODE_LIMIT:
        line, col = _mark(root)
        raise YamlProblem(
            line,
            col,
            f"anchors and aliases would expand this document by more than {ALIAS_NODE_LIMIT:,}"
            " nodes (an alias bomb?); write the repeated parts out",
        )
    return Document(data, root)


# --- composing --------------------------------------------------------------------------


if _Parser is not None:

    class _NodeParser(_Parser):  # type: ignore[misc]
        """The C parser with a resolver that only says plain or quoted; `_scalar` decides."""

        def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
            return _resolve(kind, implicit)

        def descend_resolver(self, *args: Any) -> None:
            pass

        def ascend_resolver(self, *args: Any) -> None:
            pass


def _compose(text: str) -> Node | None:
    try:
        return _compose_c(text) if _Parser is not None else _compose_pure(text)
    except MarkedYAMLError as error:
        raise _syntax_problem(text, error) from None
    except ReaderError as error:
        raise _reader_problem(text, error) from None
    except YAMLError as error:
        raise YamlProblem(1, 1, f"YAML: {error}") from None
    except RecursionError:  # the pure-Python composer on deep nesting
        raise YamlProblem(1, 1, f"the document is nested more than {_MAX_DEPTH} deep") from None


def _compose_c(text: str) -> Node | None:
    if sum(map(text.count, ("[", "{", "- ", "? "))) > _CHEAP_DEPTH:
        _check_depth(text)
    parser = _NodeParser(text)
    try:
        node: Node | None = parser.get_single_node()
        return node
    finally:
        parser.dispose()


#: Below this many openers a document cannot nest deep enough to overflow the C stack.
_CHEAP_DEPTH = 5_000
_MAX_DEPTH = 100


def _check_depth(text: str) -> None:
    """Refuse deep nesting before the (recursive) C composer overflows the stack on it."""
    parser = _NodeParser(text)
    depth = 0
    try:
        while (event := parser.get_event()) is not None:
            name = type(event).__name__
            depth += name in ("MappingStartEvent", "SequenceStartEvent")
            depth -= name in ("MappingEndEvent", "SequenceEndEvent")
            if depth > _MAX_DEPTH:
                line, col = event.start_mark.line + 1, event.start_mark.column + 1
                raise YamlProblem(line, col, f"the document is nested more than {_MAX_DEPTH} deep")
    finally:
        parser.dispose()


def _compose_pure(text: str) -> Node | None:
    """The pure-Python composer (no C extension: PyPy), with the same plain/quoted tags."""
    from ruamel.yaml import YAML
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    class PlainResolver(VersionedResolver):
        def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> Tag:
            return Tag(suffix=_resolve(kind, implicit))

    yaml = YAML(typ="safe", pure=True)
    yaml.Resolver = PlainResolver
    node: Node | None = yaml.compose(text)
    return node


def _resolve(kind: type, implicit: tuple[bool, bool]) -> str:
    if kind is ScalarNode:
        return _PLAIN if implicit[0] else _STR
    return _MAP if kind is MappingNode else _SEQ


def _reader_problem(text: str, error: ReaderError) -> YamlProblem:
    """A character YAML does not allow, at its line and column."""
    position = error.position if isinstance(error.position, int) else 0
    before = text[:position]
    line, col = before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
    code = ord(text[position]) if position < len(text) else 0
    return YamlProblem(line, col, f"character U+{code:04X} is not allowed in YAML")


def _syntax_problem(text: str, error: MarkedYAMLError) -> YamlProblem:
    mark = error.problem_mark or error.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    parts = [part for part in (error.context, error.problem) if part]
    message = "YAML syntax: " + ", ".join(parts)
    row = text.split("\n")[line - 1] if line <= text.count("\n") + 1 else ""
    return YamlProblem(line, col, message + _hint(message, row, col))


_RESERVED = {"@": "`@`", "%": "`%`", "`": "a backtick"}


def _hint(message: str, row: str, col: int) -> str:
    """The usual cause of a syntax error at column ``col`` of ``row``, in words."""
    char, indent = row[col - 1 : col], row[: len(row) - len(row.lstrip())]
    if "\t" in indent or char == "\t" or "tab character" in message:
        return " (a tab: indent YAML with spaces)"
    if "cannot start any token" in message and char in _RESERVED:
        return f" ({_RESERVED[char]} cannot start a plain value: put the text in quotes)"
    if "alias" in message:
        return " (`*` starts an alias: put text that begins with `*` in quotes)"
    if "mapping values are not allowed" in message:
        return " (a `: ` inside a value needs quotes; or is the line indented too far?)"
    return ""


# --- building plain values --------------------------------------------------------------


class _Builder:
    """Node graph → dict/list/str/int/float/bool/None; aliases stay shared references."""

    def __init__(self) -> None:
        self.done: dict[int, Any] = {}
        self.busy: set[int] = set()
        self.count = 0
        self.aliased = False

    def build(self, node: Node, depth: int) -> Any:
        ident = id(node)
        if ident in self.done:
            self.aliased = True
            return self.done[ident]
        if ident in self.busy:
            raise YamlProblem(*_mark(node), "an alias refers to a node that contains it")
        self.count += 1
        value = _scalar(node) if isinstance(node, ScalarNode) else self._collection(node, depth)
        self.done[ident] = value
        return value

    def _collection(self, node: Node, depth: int) -> Any:
        if depth >= _MAX_DEPTH:
            message = f"the document is nested more than {_MAX_DEPTH} deep"
            raise YamlProblem(*_mark(node), message)
        ident = id(node)
        self.busy.add(ident)
        if isinstance(node, MappingNode):
            value: Any = self._mapping(node, depth + 1)
        else:
            value = self._sequence(node, depth + 1)
        self.busy.discard(ident)
        return value

    def _sequence(self, node: Node, depth: int) -> list[Any]:
        _require_tag(node, _SEQ)
        return [self.build(item, depth) for item in node.value]

    def _mapping(self, node: MappingNode, depth: int) -> dict[Any, Any]:
        _require_tag(node, _MAP)
        result: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key in result:
                first = lines[key]
                raise YamlProblem(
                    *_mark(key_node), f"duplicate key `{key}` (first at line {first})"
                )
            lines[key] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, depth)
        return result

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise YamlProblem(*_mark(node), "a mapping key must be a plain value")
        self.count += 1
        key = _scalar(node)
        if not isinstance(key, str):
            raise YamlProblem(*_mark(node), _not_text_key(node.value, key))
        return key


_KEY_KINDS = ((bool, "true or false"), (int, "a number"), (float, "a number"))


def _not_text_key(text: str, key: Any) -> str:
    """Why ``1:``, ``true:`` or ``null:`` cannot be a key: every key names something, and
    YAML reads these as other values (``1`` and ``true`` would even be the same key)."""
    what = next((word for kind, word in _KEY_KINDS if isinstance(key, kind)), "empty (null)")
    if not text:
        return "a mapping key is missing (YAML reads it as empty, null); keys are text"
    return f'the key `{text}` reads as {what}, not text; put it in quotes: `"{text}"`'


def _tag(node: Node, default: str) -> str:
    """The node's full tag (the pure parser keeps an explicit tag's handle apart)."""
    ctag = node.ctag
    if ctag is None:
        return default
    return str(ctag.suffix if ctag.handle is None else ctag)


def _require_tag(node: Node, expected: str) -> None:
    tag = _tag(node, expected)
    if tag != expected:
        raise YamlProblem(*_mark(node), f"unsupported YAML tag `{_short(tag)}`")


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!", 1)


def _scalar(node: ScalarNode) -> Any:
    try:
        return _scalar_value(node)
    except _LongInteger as long:
        digits = f"{long.digits:,}"
        raise YamlProblem(
            *_mark(node),
            f"an integer of {digits} digits; no field takes one longer than {MAX_INT_DIGITS}"
            " digits (text of digits needs quotes)",
        ) from None


class _LongInteger(Exception):
    """An integer written with more than `MAX_INT_DIGITS` digits."""

    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _scalar_value(node: ScalarNode) -> Any:
    tag = _tag(node, _PLAIN)
    text: str = node.value
    if tag == _PLAIN:
        return _plain(text)
    if tag in (_STR, "!"):
        return text
    explicit = _EXPLICIT.get(tag)
    if explicit is None:
        raise YamlProblem(*_mark(node), f"unsupported YAML tag `{_short(tag)}`")
    value = explicit(text)
    if value is _INVALID:
        raise YamlProblem(*_mark(node), f"`{text}` is not a valid {tag.rsplit(':', 1)[-1]}")
    return value


def _plain(text: str) -> Any:
    """YAML 1.2 core schema: null, bool, int, float, else the text itself."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "tTfF":
        return _BOOLS.get(text, text)
    if first in "0123456789+-.":
        number = _number(text)
        return text if number is _INVALID else number
    return text


_INVALID = object()


def _number(text: str) -> Any:
    if _INT.fullmatch(text):
        sign, digits = (-1, text[1:]) if text[0] == "-" else (1, text.lstrip("+"))
        base = 16 if digits[:2] == "0x" else 8 if digits[:2] == "0o" else 10
        digits = digits[2:] if base != 10 else digits
        if len(digits) > MAX_INT_DIGITS:
            raise _LongInteger(len(digits))
        return sign * int(digits, base)
    if _FLOAT.fullmatch(text):
        return float(text)
    return _SPECIAL_FLOATS.get(text.lower(), _INVALID)


def _explicit_null(text: str) -> Any:
    return None if text in _NULLS else _INVALID


def _explicit_bool(text: str) -> Any:
    return _BOOLS.get(text, _INVALID)


def _explicit_int(text: str) -> Any:
    return _number(text) if _INT.fullmatch(text) else _INVALID


def _explicit_float(text: str) -> Any:
    value = _number(text)
    return float(value) if isinstance(value, (int, float)) else _INVALID


_EXPLICIT = {
    "tag:yaml.org,2002:null": _explicit_null,
    "tag:yaml.org,2002:bool": _explicit_bool,
    "tag:yaml.org,2002:int": _explicit_int,
    "tag:yaml.org,2002:float": _explicit_float,
}


def _expanded_size(node: Node, sizes: dict[int, int]) -> int:
    """How many nodes the document holds once every alias is expanded (memoised)."""
    ident = id(node)
    if ident in sizes:
        return sizes[ident]
    size = 1
    if isinstance(node, MappingNode):
        size += sum(1 + _expanded_size(value, sizes) for _, value in node.value)
    elif isinstance(node, SequenceNode):
        size += sum(_expanded_size(item, sizes) for item in node.value)
    sizes[ident] = size
    return size


# --- positions --------------------------------------------------------------------------


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _follow(node: Node | None, path: Sequence[str | int], *, key: bool) -> Node | None:
    """The node at ``path``, or the deepest one found; with ``key``, the last key's node."""
    for depth, part in enumerate(path):
        if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        elif isinstance(node, MappingNode):
            pair = next((p for p in node.value if _key_matches(p[0], part)), None)
            if pair is None:
                return node
            last = depth == len(path) - 1
            node = pair[0] if key and last else pair[1]
        else:
            return node
    return node


def _key_matches(node: Node, part: str | int) -> bool:
    return isinstance(node, ScalarNode) and node.value == str(part)
