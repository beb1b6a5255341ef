"""Bounds and sanity checks on an input file before it is read whole: its size, its lines'
lengths, its encoding (an Excel "Unicode Text" export is UTF-16), binary content, an XLSX that
unzips to far more than it stores. Each check streams the file in chunks (flat memory) and
refuses early with a message that says what to do."""

from __future__ import annotations

import zipfile
from pathlib import Path

from counter.domain import limits as lim
from counter.errors import UserError

_READ = 1 << 20
_PRINTABLE_HEAD = 4096  # bytes of the file's start judged for binary content
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"


class InputRefused(UserError, ValueError):
    """A file refused before reading: ``code`` selects inputs.registry.<code>."""

    prefix = "inputs.registry"


def check_csv(
    path: Path, max_bytes: int = lim.REGISTRY_FILE_BYTES, max_line: int = lim.REGISTRY_LINE_BYTES
) -> None:
    """Refuse a CSV that is too large, UTF-16, binary, or has a line longer than ``max_line``."""
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise InputRefused("too_big", file=name, size=size // lim.MIB, limit=max_bytes // lim.MIB)
    run, lines = 0, 1
    with path.open("rb") as fh:
        first = True
        while chunk := fh.read(_READ):
            if first:
                _check_text(chunk, name)
                first = False
            new = lim.line_run(chunk, run, max_line)
            if new < 0:
                raise InputRefused(
                    "line_too_long",
                    file=name,
                    line=lines + _line_of_long(chunk, run, max_line),
                    limit=max_line // lim.KIB,
                )
            lines += chunk.count(b"\n")
            run = new


def _line_of_long(chunk: bytes, run: int, limit: int) -> int:
    """How many lines into ``chunk`` the over-long line starts (0: the one already open)."""
    for i, line in enumerate(chunk.split(b"\n")):
        if (run if i == 0 else 0) + len(line) > limit:
            return i
    return 0


def _check_text(head: bytes, name: str) -> None:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputRefused("utf16", file=name)
    probe = head[:_PRINTABLE_HEAD]
    nuls = probe.count(0)
    if nuls and (probe[1::2].count(0) > len(probe) // 4 or probe[0::2].count(0) > len(probe) // 4):
        raise InputRefused("utf16", file=name)  # UTF-16 without its byte order mark
    controls = nuls + sum(probe.count(bytes([c])) for c in _CONTROL[1:])
    if probe and (nuls or controls * 20 > len(probe)):
        raise InputRefused("not_text", file=name)


def check_xlsx(
    path: Path,
    max_bytes: int = lim.REGISTRY_FILE_BYTES,
    max_unzipped: int = lim.XLSX_UNCOMPRESSED_BYTES,
) -> None:
    """Refuse an XLSX that is too large or unzips to too much (a "zip bomb")."""
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise InputRefused("too_big", file=name, size=size // lim.MIB, limit=max_bytes // lim.MIB)
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl says what is wrong with it
    total = sum(i.file_size for i in infos)
    if total > max_unzipped or any(
        i.file_size > lim.XLSX_RATIO * max(i.compress_size, 1024) for i in infos
    ):
        raise InputRefused("xlsx_too_big", file=name, limit=max_unzipped // lim.MIB)


def shown_headers(cells: object) -> str:
    """Column names quoted back in a message: printable, each and all of them cut short."""
    out = []
    for c in list(cells)[: lim.SHOWN_HEADERS] if isinstance(cells, (list, tuple)) else []:
        text = "" if c is None else str(c)
        text = "".join(ch for ch in text if ch.isprintable()).strip()
        if text:
            out.append(text if len(text) <= lim.SHOWN_HEADER else text[: lim.SHOWN_HEADER] + "…")
    if isinstance(cells, (list, tuple)) and len(cells) > lim.SHOWN_HEADERS:
        out.append("…")
    return ", ".join(out) or "-"
