"""Edit YAML text in place, keeping every byte the edit does not concern.

A round-trip dump re-wraps long lines, re-indents lists and turns CRLF into LF, so
nothing here dumps a whole document. Each function parses the text once (with
`qasesync.yamltext.read`, ruamel.yaml's parser, as the loader does), takes the start and
end marks of the nodes it touches, splices new text at those positions, then reads
the result again and checks that it holds exactly the old data with the requested
change. Anything else raises `WriteBackError` and the caller keeps the old text.

Paths address a node from the document root: ``("cases", 3)`` is the fourth item of
the top-level ``cases`` list; ``()`` is the root.

- `assign_keys` — set ``id`` / ``hash`` as the *first* key of mappings (write-back).
- `set_field` — replace a key's value in place, or add the key at the end of the mapping.
- `remove_field` — drop a key and its value.
- `append_item` — add an item at the end of a sequence, in the style of its items.
- `remove_item` — drop an item of a sequence, and only its lines.
- `apply_edits` — several of the last four on one parse (`Edit`: `SetField`, ...).
- `value_at` — the plain value at a path, once edits are made (what a moved item carries).

Positions and the splices of text are worked out in `qasesync.yamltext.spans`; new values are
rendered by `qasesync.yamltext.render`: plain scalars where that is safe,
quotes otherwise, ``|`` blocks for multi-line text, flow lists when short.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.nodes import SequenceNode

from qasesync.errors import WriteBackError
from qasesync.yamltext import spans
from qasesync.yamltext.render import plain_data
from qasesync.yamltext.spans import YamlPath

# -- public API ------------------------------------------------------------------


def assign_keys(text: str, assignments: Sequence[tuple[YamlPath, str, object]]) -> str:
    """Put ``key: value`` first in the mapping at each path (write-back of ids and hashes).

    The new key takes the column of the mapping's first key (in a flow mapping, the
    place after ``{``); a key already present has its value replaced in place. An empty
    document receives a top-level mapping. One parse serves all the assignments.
    """
    bom, doc = spans.parse(text)
    unique = {(path, key): value for path, key, value in assignments}
    edits = [spans.first_key_edit(doc, path, key, value) for (path, key), value in unique.items()]
    new = spans.splice(doc.text, edits)

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


@dataclass(frozen=True)
class RemoveItem:
    """Remove the sequence item at ``path`` (see `remove_item`)."""

    path: YamlPath


Edit = SetField | RemoveField | AppendItem | RemoveItem


def set_field(text: str, path: YamlPath, key: str, value: object) -> str:
    """Set ``key`` of the mapping at ``path`` to ``value``.

    An existing value is replaced where it stands, in its shape (a short scalar keeps
    its line and trailing comment; a flow collection stays flow, a block list block);
    a missing key is added after the mapping's last key at the same indentation. A
    mapping missing under an existing mapping, or empty (``key:``), is created.
    """
    return apply_edits(text, [SetField(path, key, value)])


def remove_field(text: str, path: YamlPath, key: str) -> str:
    """Remove ``key`` and its value from the mapping at ``path``; absent keys are no change.

    Whole lines go when the key starts its line; the first key of a ``- `` item gives
    its place to the next key. A mapping left with no key becomes ``{}``.
    """
    return apply_edits(text, [RemoveField(path, key)])


def append_item(text: str, path: YamlPath, item: Mapping[str, object]) -> str:
    """Append ``item`` to the sequence at ``path``, indented like its existing items.

    An empty or missing sequence under a mapping key becomes a block sequence.
    """
    return apply_edits(text, [AppendItem(path, item)])


def remove_item(text: str, path: YamlPath) -> str:
    """Remove the item at ``path`` (``("cases", 2)``) from its sequence.

    In a block list the item's own lines go, from its dash to the end of its content
    (its trailing comment included); comment and blank lines before or after it stay.
    A block list that loses its last item under a key becomes ``key: []``, which
    reads back as the empty list. In a flow list the item goes with one comma.
    """
    return apply_edits(text, [RemoveItem(path)])


def value_at(text: str, path: YamlPath, edits: Sequence[Edit] = ()) -> Any:
    """The plain value at ``path`` once ``edits`` are made, as the loader would read
    it; the text itself is not edited. Paths in ``edits`` are from the root."""
    _, doc = spans.parse(text)
    try:
        return _container(_edited_data(doc.data, edits), path)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise WriteBackError(f"nothing at {spans.describe(path)} ({exc!r})") from exc


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Make several edits with one parse and one check (what `pull` needs on a big
    file). When the edits interfere — two touch one span, or one needs what another
    adds — they are made one after another instead, each checked on its own. New
    values take their indentation from the text as it was before the batch.

    Item indexes in paths are those of the text before the batch: items are removed
    after every other edit (the last first), so no other path shifts."""
    bom, doc = spans.parse(text)
    try:
        splices = [piece for edit in edits for piece in _splices_for(doc, edit)]
        new = spans.splice(doc.text, splices)
        _verify(doc, new, lambda data: _edited_data(data, edits))
    except WriteBackError:
        if len(edits) <= 1:
            raise
        for edit in _in_order(edits):
            text = apply_edits(text, [edit])
        return text
    return bom + new


def _in_order(edits: Sequence[Edit]) -> list[Edit]:
    """Removals last, from the end of each list, so that indexes stay those of the
    text before any edit."""
    kept = [e for e in edits if not isinstance(e, RemoveItem)]
    removed = [e for e in edits if isinstance(e, RemoveItem)]
    return kept + sorted(removed, key=lambda e: e.path[-1], reverse=True)


def _splices_for(doc: spans.Doc, edit: Edit) -> list[spans.Splice]:
    if isinstance(edit, RemoveItem):
        return spans.remove_item_edits(doc, edit.path)
    if isinstance(edit, RemoveField):
        mapping = spans.mapping_at(spans.node_at(doc, edit.path), edit.path)
        piece = spans.remove_edit(doc, mapping, edit.key)
        return [] if piece is None else [piece]
    if isinstance(edit, AppendItem):
        return [_append_splice(doc, edit.path, edit.item)]
    return [_set_field_splice(doc, edit)]


def _set_field_splice(doc: spans.Doc, edit: SetField) -> spans.Splice:
    if spans.absent(doc, edit.path):
        parent = SetField(edit.path[:-1], str(edit.path[-1]), {edit.key: edit.value})
        return _set_field_splice(doc, parent)
    return spans.set_edit(doc, edit.path, edit.key, edit.value)


def _append_splice(doc: spans.Doc, path: YamlPath, item: Mapping[str, object]) -> spans.Splice:
    node = None if spans.absent(doc, path) else spans.node_at(doc, path)
    if isinstance(node, SequenceNode) and node.value:
        return spans.append_item_edit(doc, node, item)
    empty = spans.is_void(node) or isinstance(node, SequenceNode)
    if empty and path and isinstance(path[-1], str):
        return _set_field_splice(doc, SetField(path[:-1], path[-1], [item]))
    raise WriteBackError(f"{spans.describe(path)} is not a list")


# -- verification ----------------------------------------------------------------------


def _verify(old: spans.Doc, new: str, change: Callable[[Any], Any]) -> None:
    """The new text must read as the old data with ``change`` applied, and nothing else.
    ``change`` may alter the old data in place: it is not used afterwards."""
    try:
        expected = change(old.data)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise WriteBackError(f"the edit does not fit the data at its path ({exc!r})") from exc
    try:
        actual = spans.read(new).data
    except WriteBackError as exc:
        raise WriteBackError(f"the edited text would not parse ({exc})") from exc
    if actual != expected:
        raise WriteBackError("the edited text would not read back as intended")


def _edited_data(data: Any, edits: Sequence[Edit]) -> Any:
    for edit in _in_order(edits):
        if isinstance(edit, RemoveItem):
            del _container(data, edit.path[:-1])[edit.path[-1]]
        elif isinstance(edit, SetField):
            data = _set_in(data, edit.path, edit.key, edit.value)
        elif isinstance(edit, RemoveField):
            _container(data, edit.path).pop(edit.key, None)
        else:
            data = _append_in(data, edit.path, edit.item)
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
