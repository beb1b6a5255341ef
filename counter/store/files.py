"""Private files and folders: the one place the app creates files that hold personal data or
secrets (database, backups, slips, registry rejects, the config, the error log).

On POSIX every such file is 0600 and every folder the app makes for them 0700, whatever the
umask. Folders that already exist and are not the app's own (``/tmp``, a folder the user named
with ``-o``) are left alone; ``tighten=True`` is for the app's own folders (data, backups, slips).
On Windows the modes are ignored by the OS (the per-user profile folders are private already).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def _chmod(path: Path, mode: int) -> None:
    """Best effort: a file owned by someone else (or on a FAT stick) keeps its mode."""
    with suppress(OSError, NotImplementedError):
        os.chmod(path, mode)


def private_dir(path: str | Path, *, tighten: bool = False) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders; ``tighten``: also make an existing
    ``path`` itself 0700 (only for the app's own folders)."""
    path = Path(path)
    missing: list[Path] = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for made in missing:  # mkdir's mode is filtered by the umask
        _chmod(made, DIR_MODE)
    if tighten and not missing:
        _chmod(path, DIR_MODE)
    return path


def tighten_file(path: str | Path) -> None:
    """Make an existing file 0600 (no-op when it does not exist or is not ours)."""
    path = Path(path)
    with suppress(OSError):
        if path.is_file() and (path.stat().st_mode & 0o077):
            _chmod(path, FILE_MODE)


def private_file(path: str | Path) -> Path:
    """Create ``path`` empty as 0600 when it does not exist; tighten it when it does."""
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten_file(path)
        return path
    try:
        with suppress(OSError, AttributeError):
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def open_private(path: str | Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing ("w", "wb", "a", "ab"), the file created 0600."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    flags |= getattr(os, "O_BINARY", 0) if "b" in mode else 0
    fd = os.open(path, flags, FILE_MODE)
    with suppress(OSError, AttributeError):
        os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode, **kwargs)


def private_temp(final: str | Path, prefix: str | None = None) -> tuple[IO[bytes], Path]:
    """A new 0600 temporary file next to ``final`` (same file system: the rename is atomic)."""
    final = Path(final)
    fd, name = tempfile.mkstemp(
        dir=final.parent, prefix=prefix or f".{final.name}.", suffix=".part"
    )
    return os.fdopen(fd, "wb"), Path(name)


@contextmanager
def atomic_private_write(final: str | Path, mode: str = "wb", **kwargs: Any) -> Iterator[IO[Any]]:
    """Write ``final`` through a 0600 temporary file renamed into place on success; a failure
    leaves the old file (if any) untouched and no temporary behind."""
    final = Path(final)
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    tmp = Path(name)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sqlite_companions(db: str | Path) -> list[Path]:
    """The database file and the files SQLite keeps beside it."""
    db = Path(db)
    return [db, *(db.with_name(db.name + s) for s in ("-wal", "-shm", "-journal"))]
