"""Write the ids and hashes of created entities back into the YAML tree (docs/design.md §7).

Each file keeps every byte it had plus the new ``id:`` / ``hash:`` lines (see
`qasesync.yamltext.edit.assign_keys`). Files are grouped so that each is read, parsed and
replaced once per call. The call is all or nothing across its files (`replace_all`):
every file's new text is built and checked, written to a temporary file beside it, every
file is checked again for changes made on disk meanwhile, and only then are the
temporaries renamed over the files, each keeping its mode. A failure before the renames
leaves every file as it was and removes the temporaries; a rename that fails puts back
the files renamed before it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qasesync.errors import WriteBackError
from qasesync.model import Assignment
from qasesync.yamltext.edit import assign_keys

log = logging.getLogger(__name__)

CHANGED_ON_DISK = "changed on disk since it was read; run plan again"
#: A created ``suite.yaml`` (reading the umask is not thread-safe, so no umask).
NEW_FILE_MODE = 0o644


@dataclass(frozen=True)
class Pending:
    """A file's new content, ready to replace the old one: ``file`` as the tree names it,
    ``path`` the real file (through any symlink), ``old`` the bytes it was read with (None:
    it did not exist)."""

    file: str
    path: Path
    old: bytes | None
    new: bytes

    @property
    def changes(self) -> bool:
        return self.new != self.old


def digest(data: bytes) -> str:
    """The fingerprint `write_back` compares with ``digests``: sha256, hex."""
    return hashlib.sha256(data).hexdigest()


def write_back(
    root: Path,
    assignments: Sequence[Assignment],
    *,
    digests: Mapping[str, str] | None = None,
) -> list[str]:
    """Insert each assignment into its file under ``root``; return the files written.

    ``digests`` maps a file (relative, ``/`` separators) to the `digest` of the bytes
    the caller read; a file whose bytes differ now is refused. When ``digests`` is a
    dict, the digest of each file written is updated in it, so that a later call in
    the same run accepts that file. A suite folder without ``suite.yaml`` gets one
    holding just ``id: N``. Raises `WriteBackError` naming every file that could not be
    updated, and then writes none.
    """
    pending = [item for item in _prepare_all(root, assignments, digests or {}) if item.changes]
    replace_all(pending)
    if isinstance(digests, MutableMapping):
        for item in pending:
            digests[item.file] = digest(item.new)
    return [item.file for item in pending]


def _prepare_all(
    root: Path, assignments: Sequence[Assignment], digests: Mapping[str, str]
) -> list[Pending]:
    by_file: dict[str, list[Assignment]] = {}
    for assignment in assignments:
        by_file.setdefault(assignment.location.file, []).append(assignment)
    pending: list[Pending] = []
    failures: list[str] = []
    for file in sorted(by_file):
        try:
            pending.append(_prepare(root, file, by_file[file], digests))
        except (WriteBackError, OSError) as exc:
            failures.append(f"{file}: {exc}")
    failures += _one_name_each(pending)
    if failures:
        raise WriteBackError("\n".join(failures))
    return pending


def _prepare(
    root: Path, file: str, assignments: list[Assignment], digests: Mapping[str, str]
) -> Pending:
    path = real_path(root, file)
    old = path.read_bytes() if path.is_file() else None
    expected = digests.get(file)
    if expected is not None and (old is None or digest(old) != expected):
        raise WriteBackError(CHANGED_ON_DISK)
    text = _decode(old)
    triples = [(a.location.path, a.key, a.value) for a in assignments]
    new = assign_keys(text, triples).encode("utf-8")
    return Pending(file, path, old, new)


def real_path(root: Path, file: str) -> Path:
    """The file ``root/file`` is, through any symlink on the way; never outside ``root``
    (the loader refuses such links; this refuses them again rather than write there)."""
    path = root / file
    try:
        path = path.resolve()
        looped = path.is_symlink()  # Python 3.13 leaves a loop as it is
    except RuntimeError:  # a loop, before Python 3.13
        looped = True
    if looped:
        raise WriteBackError("a symlink loop; not written")
    if not path.is_relative_to(root.resolve()):
        raise WriteBackError("a symlink leads out of the tree; not written")
    return path


def _one_name_each(pending: Sequence[Pending]) -> list[str]:
    """Two names of one file (a symlink the loader would refuse): writing both would
    leave only the second one's keys."""
    first: dict[Path, str] = {}
    failures = []
    for item in pending:
        name = first.setdefault(item.path, item.file)
        if name != item.file:
            failures.append(f"{item.file}: the same file as {name} (a symlink); not written")
    return failures


def _decode(data: bytes | None) -> str:
    if data is None:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WriteBackError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def replace_bytes(root: Path, file: str, old: bytes | None, new: bytes) -> bool:
    """Replace ``root/file`` with ``new`` atomically, keeping its mode, unless it no
    longer holds ``old`` (None: it did not exist); True when written (for `pull`)."""
    item = Pending(file, real_path(root, file), old, new)
    if not item.changes:
        return False
    replace_all([item])
    return True


def replace_all(items: Sequence[Pending]) -> None:
    """Replace every file with its new bytes, or none (`WriteBackError`, naming each file
    that failed): the new bytes go to a temporary beside each file, every file is checked
    to hold still the bytes it was read with, then the temporaries are renamed."""
    temporaries: list[Path] = []
    try:
        for item in items:
            temporaries.append(_temporary(item))
        check_unchanged(items)
        rename_all(items, temporaries)
    finally:
        for temporary in temporaries:  # those renamed are gone already
            temporary.unlink(missing_ok=True)
    for item in items:
        log.info("wrote back %s", item.file)


def _temporary(item: Pending) -> Path:
    """The new bytes in a temporary file beside the file, flushed, with the file's mode."""
    try:
        mode = item.path.stat().st_mode & 0o7777 if item.old is not None else NEW_FILE_MODE
        return _write_temporary(item.path, item.new, mode)
    except OSError as exc:
        raise WriteBackError(f"{item.file}: could not write: {exc}") from exc


def _write_temporary(path: Path, data: bytes, mode: int) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def check_unchanged(items: Sequence[Pending]) -> None:
    """Refuse them all when any file no longer holds the bytes it was read with."""
    changed = [item.file for item in items if _current(item) != item.old]
    if changed:
        raise WriteBackError("\n".join(f"{file}: {CHANGED_ON_DISK}" for file in changed))


def _current(item: Pending) -> bytes | None:
    try:
        return item.path.read_bytes() if item.path.is_file() else None
    except OSError as exc:
        raise WriteBackError(f"{item.file}: could not read: {exc}") from exc


def rename_all(items: Sequence[Pending], temporaries: Sequence[Path]) -> None:
    """Each temporary over its file; when one rename fails, the files renamed before it
    get their old bytes back, so that the call still changed nothing."""
    for done, (item, temporary) in enumerate(zip(items, temporaries, strict=True)):
        try:
            os.replace(temporary, item.path)
        except OSError as exc:
            kept = _put_back(items[:done])
            raise WriteBackError(f"{item.file}: could not write: {exc}{kept}") from exc


def _put_back(renamed: Sequence[Pending]) -> str:
    """The old bytes of each file back in place; what could not be put back, in words."""
    left = []
    for item in renamed:
        try:
            if item.old is None:
                item.path.unlink()
            else:
                mode = item.path.stat().st_mode & 0o7777
                temporary = _write_temporary(item.path, item.old, mode)
                _rename(temporary, item.path)
        except OSError:
            left.append(item.file)
    return f"; these files hold the new ids already: {', '.join(left)}" if left else ""


def _rename(temporary: Path, path: Path) -> None:
    try:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
