"""Write the ids and hashes of created entities back into the YAML tree (docs/design.md §7).

Each file keeps every byte it had plus the new ``id:`` / ``hash:`` lines (see
`qasesync.yamltext.edit.assign_keys`). Files are grouped so that each is read, parsed and
replaced once per call. The call is all or nothing: every file's new text is built and
checked first, and only when all are good are they replaced, each atomically (a
temporary file in the same folder, then `os.replace`, keeping the file's mode).
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
class _Pending:
    """A file's new content, ready to replace the old one."""

    file: str
    path: Path
    old: bytes | None
    new: bytes


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
    written: list[str] = []
    for item in pending:
        if _replace(item):
            written.append(item.file)
            if isinstance(digests, MutableMapping):
                digests[item.file] = digest(item.new)
    return written


def _prepare_all(
    root: Path, assignments: Sequence[Assignment], digests: Mapping[str, str]
) -> list[_Pending]:
    by_file: dict[str, list[Assignment]] = {}
    for assignment in assignments:
        by_file.setdefault(assignment.location.file, []).append(assignment)
    pending: list[_Pending] = []
    failures: list[str] = []
    for file in sorted(by_file):
        try:
            pending.append(_prepare(root, file, by_file[file], digests))
        except (WriteBackError, OSError) as exc:
            failures.append(f"{file}: {exc}")
    if failures:
        raise WriteBackError("\n".join(failures))
    return pending


def _prepare(
    root: Path, file: str, assignments: list[Assignment], digests: Mapping[str, str]
) -> _Pending:
    path = root / file
    if path.is_symlink():  # replace the file it points to, not the link
        path = path.resolve()
    old = path.read_bytes() if path.is_file() else None
    expected = digests.get(file)
    if expected is not None and (old is None or digest(old) != expected):
        raise WriteBackError(CHANGED_ON_DISK)
    text = _decode(old)
    triples = [(a.location.path, a.key, a.value) for a in assignments]
    new = assign_keys(text, triples).encode("utf-8")
    return _Pending(file, path, old, new)


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
    return _replace(_Pending(file, root / file, old, new))


def _replace(item: _Pending) -> bool:
    """Replace the file unless the new bytes are the old ones; True when written."""
    if item.new == item.old:
        return False
    try:
        current = item.path.read_bytes() if item.path.is_file() else None
        if current != item.old:
            raise WriteBackError(f"{item.file}: {CHANGED_ON_DISK}")
        mode = item.path.stat().st_mode & 0o7777 if item.old is not None else None
        _atomic_write(item.path, item.new, mode)
    except OSError as exc:
        raise WriteBackError(f"{item.file}: could not write: {exc}") from exc
    log.info("wrote back %s", item.file)
    return True


def _atomic_write(path: Path, data: bytes, mode: int | None) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, NEW_FILE_MODE if mode is None else mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
