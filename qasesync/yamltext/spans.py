"""Where things stand in YAML text, and the splices (text edits) that change them.

`qasesync.yamltext.edit` is the interface; this module does the measuring. Positions come
from the node graph that `qasesync.yamltext.read` composes with ruamel.yaml's parser: each
node's start and end marks (character offsets). Block collections' end marks run on to
the next token and block scalars' take their trailing line breaks, so the end of a
value is found by walking to its last leaf. An alias resolves to its anchored node,
which stands earlier in the text; a span measured through one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qasesync.errors import WriteBackError
from qasesync.yamltext.read import Document, YamlProblem
from qasesync.yamltext.read import parse as read_yaml
from qasesync.yamltext.render import (
    Shape,
    Style,
    inline,
    key_text,
    sequence_lines,
    value_lines,
)

YamlPath = tuple[str | int, ...]
BOM = "\ufeff"


@dataclass(frozen=True)
class Splice:
    """Replace ``text[start:end]`` with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Doc:
    """One parsed text (without its BOM), its node graph and plain value, and its line end."""

    text: str
    root: Node | None
    data: Any  # the plain value, as the loader reads it
    eol: str


# -- parsing and navigation ------------------------------------------------------------


def parse(text: str) -> tuple[str, Doc]:
    """Split off a BOM (the C parser skips it without counting it in marks) and compose."""
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    newline = body.find("\n")
    eol = "\r\n" if newline > 0 and body[newline - 1] == "\r" else "\n"
    document = read(body)
    return bom, Doc(body, document.root, document.data, eol)


def read(text: str) -> Document:
    """Read as the loader does, so that the check after an edit sees what it will see."""
    try:
        return read_yaml(text)
    except YamlProblem as problem:
        where = f"line {problem.line} column {problem.col}"
        raise WriteBackError(f"{where}: {problem.message}") from None


def absent(doc: Doc, path: YamlPath) -> bool:
    """The path ends in a key that its mapping lacks, or ends in a void."""
    if not path or not isinstance(path[-1], str):
        return False
    parent = node_at(doc, path[:-1])
    if is_void(parent):
        return not path[:-1]
    if isinstance(parent, MappingNode):
        pair = _pair(parent, path[-1])
        return pair is None or is_void(pair[1])
    return False


def node_at(doc: Doc, path: YamlPath) -> Node | None:
    """The node at ``path``; `WriteBackError` when there is none or it is an alias."""
    node = doc.root
    for depth, step in enumerate(path):
        node = _child(node, step, path[: depth + 1])
    return node


def _child(node: Node | None, step: str | int, where: YamlPath) -> Node:
    child: Node | None = None
    if isinstance(step, int) and isinstance(node, SequenceNode) and 0 <= step < len(node.value):
        child = node.value[step]
        # Items start in text order, each after the one before.
        after = node.value[step - 1].start_mark.index + 1 if step else node.start_mark.index
    elif isinstance(step, str) and isinstance(node, MappingNode):
        pair = _pair(node, step)
        if pair is not None:
            child, after = pair[1], pair[0].end_mark.index
    if child is None:
        raise WriteBackError(f"nothing at {describe(where)}")
    if child.start_mark.index < after:
        # An alias resolves to its anchored node, which stands earlier in the text:
        # editing it would change every place that uses the anchor.
        raise WriteBackError(f"{describe(where)} is an alias; edit its anchor instead")
    return child


def _pair(mapping: MappingNode, key: str) -> tuple[Node, Node] | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def mapping_at(node: Node | None, path: YamlPath) -> MappingNode:
    """``node`` as a mapping, or `WriteBackError` naming ``path``."""
    if not isinstance(node, MappingNode):
        raise WriteBackError(f"{describe(path)} is not a mapping")
    return node


def describe(path: YamlPath) -> str:
    """``("cases", 3, "steps")`` → ``cases[3].steps``, for messages."""
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    return text.lstrip(".") or "the document root"


def is_void(node: Node | None) -> bool:
    """No node, or an empty plain scalar (``key:`` with nothing after it)."""
    return node is None or (isinstance(node, ScalarNode) and node.value == "" and not node.style)


# -- positions -------------------------------------------------------------------------


def _after_colon(text: str, key: Node) -> int:
    index: int = key.end_mark.index
    while index < len(text) and text[index] in " \t":
        index += 1
    if index >= len(text) or text[index] != ":":
        raise WriteBackError(f"cannot edit the complex key at line {key.start_mark.line + 1}")
    return index + 1


def _content_end(text: str, node: Node) -> int:
    """Where a node's own text ends: block collections' end marks run on to the next
    token and block scalars' take their trailing line breaks, so walk to the last leaf."""
    assert isinstance(node, (ScalarNode, MappingNode, SequenceNode))
    if isinstance(node, ScalarNode):
        end: int = node.end_mark.index
        if node.style in ("|", ">") or is_void(node):
            while end > 0 and text[end - 1] in " \t\r\n":
                end -= 1
        return end
    if node.flow_style or not node.value:
        flow_end: int = node.end_mark.index
        return flow_end
    if isinstance(node, SequenceNode):
        last, before = node.value[-1], node.value[-2] if len(node.value) > 1 else node
        if last.start_mark.index <= before.start_mark.index:
            where = node.start_mark.line + 1
            raise WriteBackError(f"the list at line {where} ends with an alias; edit it by hand")
        return _content_end(text, last)
    key, value = node.value[-1]
    _refuse_alias(key, value)
    return _pair_end(text, key, value)


def _pair_end(text: str, key: Node, value: Node) -> int:
    """Where a mapping pair's text ends (after the colon when the value is void)."""
    return _after_colon(text, key) if is_void(value) else _content_end(text, value)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """The end of the line holding ``index``, before its line break."""
    newline = text.find("\n", index)
    if newline < 0:
        return len(text)
    return newline - 1 if newline > 0 and text[newline - 1] == "\r" else newline


def _next_line(text: str, index: int) -> int:
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _lines_at(doc: Doc, index: int, lines: list[str]) -> Splice:
    """Insert whole lines at ``index`` (a line start, or the end of the text)."""
    lead = doc.eol if index == len(doc.text) and doc.text and doc.text[-1] != "\n" else ""
    return Splice(index, index, lead + "".join(line + doc.eol for line in lines))


# -- edits -----------------------------------------------------------------------------


def first_key_edit(doc: Doc, path: YamlPath, key: str, value: object) -> Splice:
    """Insert ``key: value`` before the first key of the mapping at ``path`` (or
    replace the value of ``key`` where it already is)."""
    node = node_at(doc, path)
    if is_void(node) and not path:
        return _lines_at(doc, len(doc.text), _pair_lines(key, value, 0, Style()))
    mapping = mapping_at(node, path)
    if _pair(mapping, key) is not None or not mapping.value:
        return set_edit(doc, path, key, value)
    first = mapping.value[0][0].start_mark
    if mapping.flow_style:
        return Splice(first.index, first.index, f"{_flow_pair(key, value)}, ")
    new = _pair_lines(key, value, first.column, Style())
    head = new[0][first.column :]
    rest = "".join(line + doc.eol for line in new[1:])
    return Splice(first.index, first.index, head + doc.eol + rest + " " * first.column)


def set_edit(doc: Doc, path: YamlPath, key: str, value: object) -> Splice:
    """Replace the value of ``key`` in the mapping at ``path``, or add the key after
    the mapping's last one."""
    target = node_at(doc, path)
    if is_void(target):
        return _lines_at(doc, len(doc.text), _pair_lines(key, value, 0, Style()))
    mapping = mapping_at(target, path)
    pair = _pair(mapping, key)
    if pair is None:
        return _add_pair_edit(doc, mapping, key, value)
    return _replace_edit(doc, mapping, pair, value)


def _replace_edit(doc: Doc, mapping: MappingNode, pair: tuple[Node, Node], value: object) -> Splice:
    key, old = pair
    _refuse_alias(key, old)
    short = inline(value, flow=bool(mapping.flow_style), prefer=_shape(old))
    if short is not None and _is_inline(old) and old.start_mark.line == key.start_mark.line:
        return Splice(old.start_mark.index, old.end_mark.index, short)
    start = _after_colon(doc.text, key)
    end = _content_end(doc.text, old)
    if short is not None:
        return Splice(start, end, " " + short)
    # A block value runs to the end of its last line: a trailing comment there would
    # otherwise become part of a literal block.
    suffix, lines = value_lines(
        value, key.start_mark.column, _style_of(doc, mapping, key, old), prefer=_shape(old)
    )
    block = suffix + "".join(doc.eol + line for line in lines)
    return Splice(start, _line_end(doc.text, max(end, start)), block)


def _shape(node: Node) -> Shape:
    if not isinstance(node, (MappingNode, SequenceNode)) or not node.value:
        return None
    return "flow" if node.flow_style else "block"


def _refuse_alias(key: Node, value: Node) -> None:
    """An alias's node stands at its anchor, earlier in the text: its span is not here."""
    if value.start_mark.index < key.end_mark.index:
        name = getattr(key, "value", "?")
        raise WriteBackError(f"the value of {name} is an alias; edit it by hand")


def _is_inline(node: Node) -> bool:
    if isinstance(node, ScalarNode):
        return node.style not in ("|", ">") and not is_void(node)
    return isinstance(node, (MappingNode, SequenceNode)) and bool(node.flow_style)


def _style_of(doc: Doc, mapping: MappingNode, key: Node, old: Node) -> Style:
    """The indentation the old value used, else that of its siblings."""
    return _style_from(doc, key, old, _style_near(doc, mapping))


def _style_near(doc: Doc, mapping: MappingNode) -> Style:
    """The indentation the mapping's own block values use, so that new ones match."""
    style = Style()
    for key, value in mapping.value:
        style = _style_from(doc, key, value, style)
    return style


def _style_from(doc: Doc, key: Node, value: Node, base: Style) -> Style:
    col = key.start_mark.column
    if isinstance(value, MappingNode) and not value.flow_style and value.value:
        return replace(base, indent=max(value.value[0][0].start_mark.column - col, 1))
    if isinstance(value, SequenceNode) and not value.flow_style and value.value:
        return replace(base, seq_indent=value.start_mark.column - col, offset=_item_offset(value))
    if isinstance(value, ScalarNode) and value.style in ("|", ">"):
        indent = _literal_indent(doc.text, value) - col
        return replace(base, literal=indent) if indent > 0 else base
    return base


def _literal_indent(text: str, node: ScalarNode) -> int:
    """The column of a block scalar's first non-blank line (0 when it has none)."""
    start = _next_line(text, node.start_mark.index)
    for line in text[start : node.end_mark.index].splitlines():
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return 0


def _item_offset(seq: SequenceNode) -> int:
    """Columns from an item's dash to its content (``-   title`` → 4)."""
    first = seq.value[0]
    if is_void(first) or first.start_mark.line != seq.start_mark.line:
        return 2
    return max(int(first.start_mark.column - seq.start_mark.column), 2)


def _add_pair_edit(doc: Doc, mapping: MappingNode, key: str, value: object) -> Splice:
    if mapping.flow_style:
        if not mapping.value:
            brace = mapping.start_mark.index + 1
            return Splice(brace, brace, _flow_pair(key, value))
        end = _pair_end(doc.text, *mapping.value[-1])
        return Splice(end, end, ", " + _flow_pair(key, value))
    col = mapping.value[0][0].start_mark.column
    index = _next_line(doc.text, _content_end(doc.text, mapping))
    return _lines_at(doc, index, _pair_lines(key, value, col, _style_near(doc, mapping)))


def remove_edit(doc: Doc, mapping: MappingNode, key: str) -> Splice | None:
    """Remove ``key`` and its value from ``mapping``; None when it has no such key."""
    keys = [pair[0] for pair in mapping.value]
    position = next((i for i, k in enumerate(keys) if getattr(k, "value", None) == key), None)
    if position is None:
        return None
    key_node, value = mapping.value[position]
    _refuse_alias(key_node, value)
    text = doc.text
    end = _pair_end(text, key_node, value)
    if mapping.flow_style:
        return _remove_flow_edit(doc, mapping, position, end)
    if len(keys) == 1:
        return Splice(key_node.start_mark.index, end, "{}")
    line_start = _line_start(text, key_node.start_mark.index)
    if not text[line_start : key_node.start_mark.index].strip():
        return Splice(line_start, _next_line(text, end), "")
    # The key shares its line with the item's dash: the next key moves up to it.
    return Splice(key_node.start_mark.index, keys[position + 1].start_mark.index, "")


def _remove_flow_edit(doc: Doc, mapping: MappingNode, position: int, end: int) -> Splice:
    start = mapping.value[position][0].start_mark.index
    if position + 1 < len(mapping.value):
        return Splice(start, mapping.value[position + 1][0].start_mark.index, "")
    if position == 0:
        return Splice(start, end, "")
    return Splice(_pair_end(doc.text, *mapping.value[position - 1]), end, "")


def append_item_edit(doc: Doc, seq: SequenceNode, item: Mapping[str, object]) -> Splice:
    """Add ``item`` after the last item of the non-empty sequence ``seq``."""
    if seq.flow_style:
        end = _content_end(doc.text, seq.value[-1])
        return Splice(end, end, ", " + _flow(item))
    first = seq.value[0]
    style = _style_near(doc, first) if isinstance(first, MappingNode) else Style()
    lines = sequence_lines([item], seq.start_mark.column, replace(style, offset=_item_offset(seq)))
    return _lines_at(doc, _next_line(doc.text, _content_end(doc.text, seq)), lines)


def remove_item_edits(doc: Doc, path: YamlPath) -> list[Splice]:
    """Remove the item at ``path`` (a sequence index): its own lines in a block list
    (comments before it stay), its text and one comma in a flow list. A block list left
    empty under a key becomes ``key: []``."""
    if not path or not isinstance(path[-1], int):
        raise WriteBackError(f"{describe(path)} is not a list item")
    item = node_at(doc, path)
    seq = node_at(doc, path[:-1])
    assert isinstance(seq, SequenceNode) and item is not None
    index, text = path[-1], doc.text
    end = _content_end(text, item)
    if seq.flow_style:
        return [_remove_flow_item_edit(doc, seq, index, end)]
    dash = _dash_before(text, item.start_mark.index, path)
    splices = [Splice(_line_start(text, dash), _next_line(text, end), "")]
    if len(seq.value) == 1:
        splices.append(_emptied_edit(doc, path[:-1]))
    return splices


def _dash_before(text: str, index: int, path: YamlPath) -> int:
    """The ``-`` of a block item that starts at ``index``, alone on its line before it."""
    dash = index - 1
    while dash >= 0 and text[dash] in " \t\r\n":
        dash -= 1
    if dash < 0 or text[dash] != "-" or text[_line_start(text, dash) : dash].strip():
        raise WriteBackError(f"cannot find the line of {describe(path)}; edit it by hand")
    return dash


def _emptied_edit(doc: Doc, path: YamlPath) -> Splice:
    """``[]`` right after the colon of the key whose block list loses its last item."""
    if not path or not isinstance(path[-1], str):
        raise WriteBackError(f"cannot empty {describe(path)}; edit it by hand")
    mapping = mapping_at(node_at(doc, path[:-1]), path[:-1])
    pair = _pair(mapping, path[-1])
    assert pair is not None
    colon = _after_colon(doc.text, pair[0])
    return Splice(colon, colon, " []")


def _remove_flow_item_edit(doc: Doc, seq: SequenceNode, index: int, end: int) -> Splice:
    start = seq.value[index].start_mark.index
    if index + 1 < len(seq.value):
        return Splice(start, seq.value[index + 1].start_mark.index, "")
    if index == 0:
        return Splice(start, end, "")
    return Splice(_content_end(doc.text, seq.value[index - 1]), end, "")


def _pair_lines(key: str, value: object, col: int, style: Style) -> list[str]:
    suffix, lines = value_lines(value, col, style)
    return [" " * col + key_text(key, flow=False) + ":" + suffix, *lines]


def _flow_pair(key: str, value: object) -> str:
    return f"{key_text(key, flow=True)}: {_flow(value)}"


def _flow(value: object) -> str:
    rendered = inline(value, flow=True)
    if rendered is None:  # pragma: no cover - flow rendering always succeeds
        raise WriteBackError(f"cannot write {value!r} in flow style")
    return rendered


def splice(text: str, splices: Sequence[Splice]) -> str:
    """Make splices given against the same text; insertions at one point keep their order."""
    parts: list[str] = []
    position = 0
    for piece in sorted(splices, key=lambda s: (s.start, s.end)):
        if piece.start < position or piece.end < piece.start:
            # Overlapping splices, or a span measured across an alias to an earlier node.
            raise WriteBackError("cannot place the edit (is an alias in the way?)")
        parts += [text[position : piece.start], piece.text]
        position = piece.end
    parts.append(text[position:])
    return "".join(parts)
