"""Edit YAML text in place, keeping every byte the edit does not concern.

A round-trip dump re-wraps long lines, re-indents lists and turns CRLF into LF, so
nothing here dumps a whole document. Each function parses the text once (with
`qasesync.yamlread`, ruamel.yaml's parser, as the loader does), takes the start and
end marks of the nodes it touches, splices new text at those positions, then reads
the result again and checks that it holds exactly the old data with the requested
change. Anything else raises `WriteBackError` and the caller keeps the old text.

Paths address a node from the document root: ``("cases", 3)`` is the fourth item of
the top-level ``cases`` list; ``()`` is the root.

- `assign_keys` — set ``id`` / ``hash`` as the *first* key of mappings (write-back).
- `set_field` — replace a key's value in place, or add the key at the end of the mapping.
- `remove_field` — drop a key and its value.
- `append_item` — add an item at the end of a sequence, in the style of its items.
- `apply_changes` — several of the last three on one parse (`SetField`, ...).

New values are rendered by `qasesync.yamlrender`: plain scalars where that is safe,
quotes otherwise, ``|`` blocks for multi-line text, flow lists when short.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qasesync.errors import WriteBackError
from qasesync.yamlread import Document, YamlProblem, parse
from qasesync.yamlrender import (
    Shape,
    Style,
    inline,
    key_text,
    plain_data,
    sequence_lines,
    value_lines,
)

YamlPath = tuple[str | int, ...]
BOM = "\ufeff"


@dataclass(frozen=True)
class _Edit:
    """Replace ``text[start:end]`` with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Doc:
    text: str
    root: Node | None
    data: Any  # the plain value, as the loader reads it
    eol: str


# -- public API ------------------------------------------------------------------


def assign_keys(text: str, assignments: Sequence[tuple[YamlPath, str, object]]) -> str:
    """Put ``key: value`` first in the mapping at each path (write-back of ids and hashes).

    The new key takes the column of the mapping's first key (in a flow mapping, the
    place after ``{``); a key already present has its value replaced in place. An empty
    document receives a top-level mapping. One parse serves all the assignments.
    """
    bom, doc = _parse(text)
    unique = {(path, key): value for path, key, value in assignments}
    edits = [_first_key_edit(doc, path, key, value) for (path, key), value in unique.items()]
    new = _splice(doc.text, edits)

    def change(data: Any) -> Any:
        for (path, key), value in unique.items():
            data = _set_in(data, path, key, value)
        return data

    _verify(doc, new, change)
    return bom + new


@dataclass(frozen=True)
class SetField:
    """Set ``key`` of the mapping at ``path`` (see `set_field`)."""

    path: YamlPath
    key: str
    value: object


@dataclass(frozen=True)
class RemoveField:
    """Remove ``key`` from the mapping at ``path`` (see `remove_field`)."""

    path: YamlPath
    key: str


@dataclass(frozen=True)
class AppendItem:
    """Append ``item`` to the sequence at ``path`` (see `append_item`)."""

    path: YamlPath
    item: Mapping[str, object]


Change = SetField | RemoveField | AppendItem


def set_field(text: str, path: YamlPath, key: str, value: object) -> str:
    """Set ``key`` of the mapping at ``path`` to ``value``.

    An existing value is replaced where it stands, in its shape (a short scalar keeps
    its line and trailing comment; a flow collection stays flow, a block list block);
    a missing key is added after the mapping's last key at the same indentation. A
    mapping missing under an existing mapping, or empty (``key:``), is created.
    """
    return apply_changes(text, [SetField(path, key, value)])


def remove_field(text: str, path: YamlPath, key: str) -> str:
    """Remove ``key`` and its value from the mapping at ``path``; absent keys are no change.

    Whole lines go when the key starts its line; the first key of a ``- `` item gives
    its place to the next key. A mapping left with no key becomes ``{}``.
    """
    return apply_changes(text, [RemoveField(path, key)])


def append_item(text: str, path: YamlPath, item: Mapping[str, object]) -> str:
    """Append ``item`` to the sequence at ``path``, indented like its existing items.

    An empty or missing sequence under a mapping key becomes a block sequence.
    """
    return apply_changes(text, [AppendItem(path, item)])


def apply_changes(text: str, changes: Sequence[Change]) -> str:
    """Make several changes with one parse and one check (what `pull` needs on a big
    file). When the changes interfere — two touch one span, or one needs what another
    adds — they are made one after another instead, each checked on its own. New
    values take their indentation from the text as it was before the batch."""
    bom, doc = _parse(text)
    try:
        edits = [edit for change in changes if (edit := _edit_for(doc, change)) is not None]
        new = _splice(doc.text, edits)
        _verify(doc, new, lambda data: _changed_data(data, changes))
    except WriteBackError:
        if len(changes) <= 1:
            raise
        for change in changes:
            text = apply_changes(text, [change])
        return text
    return bom + new


# -- parsing and navigation ------------------------------------------------------------


def _parse(text: str) -> tuple[str, _Doc]:
    """Split off a BOM (the C parser skips it without counting it in marks) and compose."""
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    newline = body.find("\n")
    eol = "\r\n" if newline > 0 and body[newline - 1] == "\r" else "\n"
    document = _read(body)
    return bom, _Doc(body, document.root, document.data, eol)


def _read(text: str) -> Document:
    """Read as the loader does, so that the check after an edit sees what it will see."""
    try:
        return parse(text)
    except YamlProblem as problem:
        where = f"line {problem.line} column {problem.col}"
        raise WriteBackError(f"{where}: {problem.message}") from None


def _absent(doc: _Doc, path: YamlPath) -> bool:
    """The path ends in a key that its mapping lacks, or ends in a void."""
    if not path or not isinstance(path[-1], str):
        return False
    parent = _node_at(doc, path[:-1])
    if _is_void(parent):
        return not path[:-1]
    if isinstance(parent, MappingNode):
        pair = _pair(parent, path[-1])
        return pair is None or _is_void(pair[1])
    return False


def _node_at(doc: _Doc, path: YamlPath) -> Node | None:
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
        raise WriteBackError(f"nothing at {_describe(where)}")
    if child.start_mark.index < after:
        # An alias resolves to its anchored node, which stands earlier in the text:
        # editing it would change every place that uses the anchor.
        raise WriteBackError(f"{_describe(where)} is an alias; edit its anchor instead")
    return child


def _pair(mapping: MappingNode, key: str) -> tuple[Node, Node] | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _mapping(node: Node | None, path: YamlPath) -> MappingNode:
    if not isinstance(node, MappingNode):
        raise WriteBackError(f"{_describe(path)} is not a mapping")
    return node


def _describe(path: YamlPath) -> str:
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    return text.lstrip(".") or "the document root"


def _is_void(node: Node | None) -> bool:
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
        if node.style in ("|", ">") or _is_void(node):
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
    return _after_colon(text, key) if _is_void(value) else _content_end(text, value)


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


def _lines_at(doc: _Doc, index: int, lines: list[str]) -> _Edit:
    """Insert whole lines at ``index`` (a line start, or the end of the text)."""
    lead = doc.eol if index == len(doc.text) and doc.text and doc.text[-1] != "\n" else ""
    return _Edit(index, index, lead + "".join(line + doc.eol for line in lines))


# -- edits -----------------------------------------------------------------------------


def _first_key_edit(doc: _Doc, path: YamlPath, key: str, value: object) -> _Edit:
    node = _node_at(doc, path)
    if _is_void(node) and not path:
        return _lines_at(doc, len(doc.text), _pair_lines(key, value, 0, Style()))
    mapping = _mapping(node, path)
    if _pair(mapping, key) is not None or not mapping.value:
        return _set_edit(doc, path, key, value)
    first = mapping.value[0][0].start_mark
    if mapping.flow_style:
        return _Edit(first.index, first.index, f"{_flow_pair(key, value)}, ")
    new = _pair_lines(key, value, first.column, Style())
    head = new[0][first.column :]
    rest = "".join(line + doc.eol for line in new[1:])
    return _Edit(first.index, first.index, head + doc.eol + rest + " " * first.column)


def _edit_for(doc: _Doc, change: Change) -> _Edit | None:
    if isinstance(change, RemoveField):
        return _remove_edit(doc, _mapping(_node_at(doc, change.path), change.path), change.key)
    if isinstance(change, AppendItem):
        return _append_edit(doc, change.path, change.item)
    return _set_field_edit(doc, change)


def _set_field_edit(doc: _Doc, change: SetField) -> _Edit:
    if _absent(doc, change.path):
        parent = SetField(change.path[:-1], str(change.path[-1]), {change.key: change.value})
        return _set_field_edit(doc, parent)
    return _set_edit(doc, change.path, change.key, change.value)


def _append_edit(doc: _Doc, path: YamlPath, item: Mapping[str, object]) -> _Edit:
    node = None if _absent(doc, path) else _node_at(doc, path)
    if isinstance(node, SequenceNode) and node.value:
        return _append_item_edit(doc, node, item)
    if path and isinstance(path[-1], str) and (_is_void(node) or isinstance(node, SequenceNode)):
        return _set_field_edit(doc, SetField(path[:-1], path[-1], [item]))
    raise WriteBackError(f"{_describe(path)} is not a list")


def _set_edit(doc: _Doc, path: YamlPath, key: str, value: object) -> _Edit:
    target = _node_at(doc, path)
    if _is_void(target):
        return _lines_at(doc, len(doc.text), _pair_lines(key, value, 0, Style()))
    mapping = _mapping(target, path)
    pair = _pair(mapping, key)
    if pair is None:
        return _add_pair_edit(doc, mapping, key, value)
    return _replace_edit(doc, mapping, pair, value)


def _replace_edit(doc: _Doc, mapping: MappingNode, pair: tuple[Node, Node], value: object) -> _Edit:
    key, old = pair
    _refuse_alias(key, old)
    short = inline(value, flow=bool(mapping.flow_style), prefer=_shape(old))
    if short is not None and _is_inline(old) and old.start_mark.line == key.start_mark.line:
        return _Edit(old.start_mark.index, old.end_mark.index, short)
    start = _after_colon(doc.text, key)
    end = _content_end(doc.text, old)
    if short is not None:
        return _Edit(start, end, " " + short)
    # A block value runs to the end of its last line: a trailing comment there would
    # otherwise become part of a literal block.
    suffix, lines = value_lines(
        value, key.start_mark.column, _style_of(doc, mapping, key, old), prefer=_shape(old)
    )
    block = suffix + "".join(doc.eol + line for line in lines)
    return _Edit(start, _line_end(doc.text, max(end, start)), block)


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
        return node.style not in ("|", ">") and not _is_void(node)
    return isinstance(node, (MappingNode, SequenceNode)) and bool(node.flow_style)


def _style_of(doc: _Doc, mapping: MappingNode, key: Node, old: Node) -> Style:
    """The indentation the old value used, else that of its siblings."""
    return _style_from(doc, key, old, _style_near(doc, mapping))


def _style_near(doc: _Doc, mapping: MappingNode) -> Style:
    """The indentation the mapping's own block values use, so that new ones match."""
    style = Style()
    for key, value in mapping.value:
        style = _style_from(doc, key, value, style)
    return style


def _style_from(doc: _Doc, key: Node, value: Node, base: Style) -> Style:
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
    if _is_void(first) or first.start_mark.line != seq.start_mark.line:
        return 2
    return max(int(first.start_mark.column - seq.start_mark.column), 2)


def _add_pair_edit(doc: _Doc, mapping: MappingNode, key: str, value: object) -> _Edit:
    if mapping.flow_style:
        if not mapping.value:
            brace = mapping.start_mark.index + 1
            return _Edit(brace, brace, _flow_pair(key, value))
        end = _content_end(doc.text, mapping.value[-1][1])
        if _is_void(mapping.value[-1][1]):
            end = _after_colon(doc.text, mapping.value[-1][0])
        return _Edit(end, end, ", " + _flow_pair(key, value))
    col = mapping.value[0][0].start_mark.column
    index = _next_line(doc.text, _content_end(doc.text, mapping))
    return _lines_at(doc, index, _pair_lines(key, value, col, _style_near(doc, mapping)))


def _remove_edit(doc: _Doc, mapping: MappingNode, key: str) -> _Edit | None:
    keys = [pair[0] for pair in mapping.value]
    position = next((i for i, k in enumerate(keys) if getattr(k, "value", None) == key), None)
    if position is None:
        return None
    key_node, value = mapping.value[position]
    _refuse_alias(key_node, value)
    text = doc.text
    end = _after_colon(text, key_node) if _is_void(value) else _content_end(text, value)
    if mapping.flow_style:
        return _remove_flow_edit(doc, mapping, position, end)
    if len(keys) == 1:
        return _Edit(key_node.start_mark.index, end, "{}")
    line_start = _line_start(text, key_node.start_mark.index)
    if not text[line_start : key_node.start_mark.index].strip():
        return _Edit(line_start, _next_line(text, end), "")
    # The key shares its line with the item's dash: the next key moves up to it.
    return _Edit(key_node.start_mark.index, keys[position + 1].start_mark.index, "")


def _remove_flow_edit(doc: _Doc, mapping: MappingNode, position: int, end: int) -> _Edit:
    start = mapping.value[position][0].start_mark.index
    if position + 1 < len(mapping.value):
        return _Edit(start, mapping.value[position + 1][0].start_mark.index, "")
    if position == 0:
        return _Edit(start, end, "")
    previous_key, previous = mapping.value[position - 1]
    previous_end = (
        _after_colon(doc.text, previous_key)
        if _is_void(previous)
        else _content_end(doc.text, previous)
    )
    return _Edit(previous_end, end, "")


def _append_item_edit(doc: _Doc, seq: SequenceNode, item: Mapping[str, object]) -> _Edit:
    if seq.flow_style:
        end = _content_end(doc.text, seq.value[-1])
        return _Edit(end, end, ", " + _flow(item))
    first = seq.value[0]
    style = _style_near(doc, first) if isinstance(first, MappingNode) else Style()
    lines = sequence_lines([item], seq.start_mark.column, replace(style, offset=_item_offset(seq)))
    return _lines_at(doc, _next_line(doc.text, _content_end(doc.text, seq)), lines)


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


def _splice(text: str, edits: Sequence[_Edit]) -> str:
    """Apply edits given against the same text; insertions at one point keep their order."""
    parts: list[str] = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < position or edit.end < edit.start:
            # Overlapping edits, or a span measured across an alias to an earlier node.
            raise WriteBackError("cannot place the edit (is an alias in the way?)")
        parts += [text[position : edit.start], edit.text]
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)


# -- verification ----------------------------------------------------------------------


def _verify(old: _Doc, new: str, change: Callable[[Any], Any]) -> None:
    """The new text must read as the old data with ``change`` applied, and nothing else.
    ``change`` may alter the old data in place: it is not used afterwards."""
    try:
        expected = change(old.data)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise WriteBackError(f"the edit does not fit the data at its path ({exc!r})") from exc
    try:
        actual = _read(new).data
    except WriteBackError as exc:
        raise WriteBackError(f"the edited text would not parse ({exc})") from exc
    if actual != expected:
        raise WriteBackError("the edited text would not read back as intended")


def _changed_data(data: Any, changes: Sequence[Change]) -> Any:
    for change in changes:
        if isinstance(change, SetField):
            data = _set_in(data, change.path, change.key, change.value)
        elif isinstance(change, RemoveField):
            _container(data, change.path).pop(change.key, None)
        else:
            data = _append_in(data, change.path, change.item)
    return data


def _container(data: Any, path: YamlPath) -> Any:
    for step in path:
        data = data[step]
    return data


def _set_in(data: Any, path: YamlPath, key: str, value: object) -> Any:
    if data is None and not path:
        data = {}
    if path and isinstance(path[-1], str):
        parent = _container(data, path[:-1])
        if parent.get(path[-1]) is None:  # missing or empty: the edit creates it
            parent[path[-1]] = {}
    _container(data, path)[key] = plain_data(value)
    return data


def _append_in(data: Any, path: YamlPath, item: Mapping[str, object]) -> Any:
    if data is None and len(path) == 1:
        data = {}
    parent = _container(data, path[:-1])
    items = parent.get(path[-1]) if isinstance(parent, dict) else parent[path[-1]]
    parent[path[-1]] = [*(items or []), plain_data(item)]
    return data
