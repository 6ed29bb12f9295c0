"""Write the ids and hashes of created entities back into the YAML tree (docs/design.md §7).

Each file keeps every byte it had plus the new ``id:`` / ``hash:`` lines (see
`qasesync.yamltext.edit.assign_keys`). Files are grouped so that each is read, parsed and
replaced once per call. The call is all or nothing across its files (`replace_all`):
file by file, the new text is built, checked and written to a temporary file beside it
(only digests are kept: one file's text is in memory at a time); then every file is
checked again for changes made on disk meanwhile, and only then are the temporaries
renamed over the files, each keeping its mode. A failure before the renames leaves every
file as it was and removes the temporaries; a rename that fails puts back the files
renamed before it (their old files are kept under a second name until the renames end).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
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
    """A file's new content, written already to ``temporary`` beside it: ``file`` as the
    tree names it, ``path`` the real file (through any symlink), ``old`` the `digest` of
    the bytes it was read with (None: it did not exist), ``new`` that of the new bytes.
    Only digests are held: a write-back of 100,000 ids never holds 500 files' text twice."""

    file: str
    path: Path
    old: str | None
    new: str
    temporary: Path

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
    pending = _prepare_all(root, assignments, digests or {})
    replace_all(pending)
    if isinstance(digests, MutableMapping):
        for item in pending:
            digests[item.file] = item.new
    return [item.file for item in pending]


def _prepare_all(
    root: Path, assignments: Sequence[Assignment], digests: Mapping[str, str]
) -> list[Pending]:
    """Each file's new text, built and written to its temporary one file at a time;
    those that would not change are left out."""
    by_file: dict[str, list[Assignment]] = {}
    for assignment in assignments:
        by_file.setdefault(assignment.location.file, []).append(assignment)
    pending: list[Pending] = []
    failures: list[str] = []
    done = False
    try:
        for file in sorted(by_file):
            try:
                item = _prepare(root, file, by_file[file], digests, write=not failures)
            except (WriteBackError, OSError) as exc:
                failures.append(f"{file}: {exc}")
                continue
            if item is not None:
                pending.append(item)
        failures += _one_name_each(pending)
        if failures:
            raise WriteBackError("\n".join(failures))
        done = True
    finally:
        if not done:  # nothing is written: no temporary is left behind
            _remove(pending)
    return pending


def _prepare(
    root: Path, file: str, assignments: list[Assignment], digests: Mapping[str, str], *, write: bool
) -> Pending | None:
    """The file's new text in a temporary (none once another file failed: the call
    writes nothing then, but every file is still checked, to name them all)."""
    path = real_path(root, file)
    old = path.read_bytes() if path.is_file() else None
    expected = digests.get(file)
    if expected is not None and (old is None or digest(old) != expected):
        raise WriteBackError(CHANGED_ON_DISK)
    triples = [(a.location.path, a.key, a.value) for a in assignments]
    new = assign_keys(_decode(old), triples).encode("utf-8")
    if new == old or not write:
        return None
    mode = path.stat().st_mode & 0o7777 if old is not None else NEW_FILE_MODE
    try:
        temporary = _write_temporary(path, [new], mode)
    except OSError as exc:
        raise WriteBackError(f"could not write: {exc}") from exc
    return Pending(file, path, None if old is None else digest(old), digest(new), temporary)


def _remove(items: Sequence[Pending]) -> None:
    for item in items:
        item.temporary.unlink(missing_ok=True)


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


def replace_stream(root: Path, file: str, old: bytes | None, chunks: Iterable[bytes]) -> bool:
    """Replace ``root/file`` atomically, keeping its mode, with the new content given in
    pieces and written as they come (a large file, the base record, is never held whole
    as text and as bytes); `WriteBackError` when it no longer holds ``old`` (None: it did
    not exist). True when written, False when the content is the same."""
    item = _pending(root, file, old, chunks)
    if not item.changes:
        _remove([item])
        return False
    replace_all([item])
    return True


def replace_files(root: Path, files: Mapping[str, tuple[bytes | None, bytes]]) -> None:
    """Replace each file ``name: (old, new)`` under ``root``, all or none (`replace_all`;
    ``old`` None: it did not exist)."""
    pending: list[Pending] = []
    try:
        for file, (old, new) in files.items():
            pending.append(_pending(root, file, old, [new]))
        replace_all(pending)
    finally:
        _remove(pending)  # left by a temporary that could not be written


def _pending(root: Path, file: str, old: bytes | None, chunks: Iterable[bytes]) -> Pending:
    """``chunks`` in a temporary beside the file, to replace it with."""
    path = real_path(root, file)
    try:
        mode = path.stat().st_mode & 0o7777 if old is not None else NEW_FILE_MODE
        new = hashlib.sha256()
        temporary = _write_temporary(path, _hashed(chunks, new.update), mode)
    except OSError as exc:
        raise WriteBackError(f"{file}: could not write: {exc}") from exc
    return Pending(file, path, None if old is None else digest(old), new.hexdigest(), temporary)


def _hashed(chunks: Iterable[bytes], update: Callable[[bytes], None]) -> Iterator[bytes]:
    for chunk in chunks:
        update(chunk)
        yield chunk


def replace_all(items: Sequence[Pending]) -> None:
    """Put every file's temporary in its place, or none (`WriteBackError`, naming each
    file that failed): every file is checked to hold still the bytes it was read with,
    then the temporaries are renamed. The temporaries are gone afterwards either way."""
    try:
        check_unchanged(items)
        rename_all(items)
    finally:
        _remove(items)  # those renamed are gone already
    for item in items:
        log.info("wrote back %s", item.file)


def _write_temporary(path: Path, chunks: Iterable[bytes], mode: int) -> Path:
    """``chunks`` in a temporary file beside ``path``, flushed, with ``mode``."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
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


def _current(item: Pending) -> str | None:
    """The digest of what the file holds now (None: it does not exist)."""
    try:
        return digest(item.path.read_bytes()) if item.path.is_file() else None
    except OSError as exc:
        raise WriteBackError(f"{item.file}: could not read: {exc}") from exc


def rename_all(items: Sequence[Pending]) -> None:
    """Each temporary over its file; when one rename fails, the files renamed before it
    get their old bytes back, so that the call still changed nothing. The old bytes are
    kept on disk meanwhile, as a second name of each old file (`_keep`)."""
    kept: list[Path | None] = []
    try:
        for done, item in enumerate(items):
            try:
                kept.append(_keep(item))
                os.replace(item.temporary, item.path)
            except OSError as exc:
                left = _put_back(items[:done], kept)
                raise WriteBackError(f"{item.file}: could not write: {exc}{left}") from exc
    finally:
        for old in kept:
            if old is not None:
                old.unlink(missing_ok=True)


def _keep(item: Pending) -> Path | None:
    """A second name (a hard link) for the file about to be replaced, or a copy where
    the file system has no hard links; None when there is no old file."""
    if item.old is None:
        return None
    name = item.path.with_name(f".{item.path.name}.{secrets.token_hex(8)}.old.tmp")
    try:
        os.link(item.path, name)
    except OSError:
        mode = item.path.stat().st_mode & 0o7777
        return _write_temporary(item.path, [item.path.read_bytes()], mode)
    return name


def _put_back(renamed: Sequence[Pending], kept: Sequence[Path | None]) -> str:
    """The old file back in place of each new one; what could not be, in words."""
    left = []
    for item, old in zip(renamed, kept, strict=False):
        try:
            if old is None:
                item.path.unlink()
            else:
                os.replace(old, item.path)
        except OSError:
            left.append(item.file)
    return f"; these files hold the new ids already: {', '.join(left)}" if left else ""
