"""The export's files: where they go, temporary files renamed atomically, checksums, and OS
errors turned into messages."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import IO

from counter.services.context import Context
from counter.services.export.contract import ExportError, Request
from counter.store.files import private_dir

EXTENSIONS = (".xlsx", ".csv")


def io_error(e: OSError, path: Path) -> ExportError:
    """The ExportError that says why an OS call on ``path`` failed."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return ExportError("disk_full", path=str(path))
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError("no_permission", path=str(path))
    if e.errno == errno.ENOENT:
        return ExportError("no_folder", path=str(path.parent))
    return ExportError("io", path=str(path), detail=e.strerror or str(e))


def open_temp(final: Path) -> tuple[IO[bytes], Path]:
    """A new temporary file in the target's folder (same file system, so rename is atomic)."""
    fd, name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    return os.fdopen(fd, "wb", buffering=1 << 16), Path(name)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; best effort)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cleanup(paths: list[Path]) -> None:
    """Remove the files (best effort)."""
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass


def range_label(mode: str, date_from: date | None, date_to: date | None) -> str:
    if mode == "since_last":
        return "sejak-terakhir"
    assert date_from and date_to
    if date_from == date_to:
        return date_from.isoformat()
    return f"{date_from.isoformat()}_{date_to.isoformat()}"


def default_path(
    ctx: Context, mode: str, date_from: date | None, date_to: date | None, fmt: str
) -> Path:
    """The dated default file in the exports folder."""
    stamp = ctx.local_now().strftime("%Y%m%d-%H%M%S")
    office = "".join(c for c in ctx.settings.office_code if c.isalnum() or c in "-_") or "kantor"
    return ctx.settings.exports_dir / (
        f"ikd-{office}-{range_label(mode, date_from, date_to)}-{stamp}.{fmt}"
    )


def recap_path_for(path: Path) -> Path:
    """The CSV recap's file beside the visits file: ``NAME-rekap.csv``."""
    return path.with_name(f"{path.stem}-rekap{path.suffix}")


def destination(ctx: Context, req: Request, out: str | Path | None) -> Path:
    """Where the file goes (absolute). ``out`` None: the exports folder. A folder (existing, or
    a path ending in a separator, or without an .xlsx/.csv name): created if needed (0700), the
    dated default name inside it. A file name: ExportError ``exists`` when it exists (never
    overwritten silently); the ExportError of io_error when the folder cannot be made."""
    default = default_path(ctx, req.mode, req.date_from, req.date_to, req.fmt)
    if out is None:
        final = default
    else:
        raw = str(out)
        final = Path(raw).expanduser()
        if final.is_dir() or raw.endswith(("/", os.sep)) or final.suffix.lower() not in EXTENSIONS:
            final = final / default.name
        elif final.exists():
            raise ExportError("exists", path=str(final.absolute()))
    try:
        private_dir(final.parent, tighten=out is None)  # 0700 whatever the umask
    except OSError as e:
        raise io_error(e, final) from e
    return final.absolute()
