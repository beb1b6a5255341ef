"""The bundle file: one signed gzip member, written whole and read back bounded.

Layout: a fixed gzip header whose extra field ("IK", 88 bytes) holds

- the file's total length and its complement (a cut-off file is told apart from a changed one),
- the SHA-256 of every byte after it (deflate ignores some padding bits, so the CRC alone does
  not see every change): any damage is "altered",
- the id of the key that signed it and the HMAC-SHA256 of the compressed body under that key.

Reading checks, in this order and before anything is decompressed: the file's size against
``limits.BUNDLE_FILE_BYTES``, the header, the length, the SHA-256, the key id and the HMAC
(``hmac.compare_digest``). Only a bundle signed with this office's key is then decompressed, as a
stream with a cap on the decompressed size (``BUNDLE_CONTENT_BYTES``) and on one line's length
(``BUNDLE_LINE_BYTES``): a "gzip bomb" is refused after a few kilobytes, with flat memory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import zlib
from pathlib import Path
from typing import IO

from counter.domain import limits as lim
from counter.errors import UserError
from counter.services import bundle_key

_EXTRA = 88
GZ_PREFIX = (
    b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff"
    + struct.pack("<H", _EXTRA + 4)
    + b"IK"
    + struct.pack("<H", _EXTRA)
)
_OLD_PREFIX = (
    b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff"
    + struct.pack("<H", 52)
    + b"IK"
    + struct.pack("<H", 48)
)  # version 1 bundles: checksum only, no signature
HEADER_LEN = len(GZ_PREFIX) + _EXTRA
_SHA_AT, _KID_AT, _MAC_AT = 32, 64, 72
SIZE_MASK = 0x5A5A_5A5A_5A5A_5A5A
MAC_DOMAIN = b"ikd-counter bundle 2\0"
_READ = 1 << 20
_INFLATE_OUT = 1 << 20


class BundleError(UserError, ValueError):
    """A bundle that cannot be written or read; ``code`` selects the message."""

    prefix = "bundle.error"


class BundleRefused(BundleError):
    """A bundle refused by the security checks (signature, bounds, records)."""

    prefix = "inputs.bundle"


def wrap(raw: bytes, key: bytes) -> bytes:
    """A standard gzip member of ``raw``, its header recording length, checksum and signature."""
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = co.compress(raw) + co.flush()
    tail = body + struct.pack("<II", zlib.crc32(raw) & 0xFFFFFFFF, len(raw) & 0xFFFFFFFF)
    size = HEADER_LEN + len(tail)
    sizes = struct.pack("<QQ", size, size ^ SIZE_MASK)
    signed = bundle_key.key_id(key) + bundle_key.sign(key, MAC_DOMAIN + sizes + tail) + tail
    return GZ_PREFIX + sizes + hashlib.sha256(signed).digest() + signed


def _check_header(head: bytes, n: int) -> None:
    if head[:16] != GZ_PREFIX:
        if head[:16] == _OLD_PREFIX:
            raise BundleRefused("unsigned", file="?")
        if n < 16 and head and GZ_PREFIX.startswith(head):
            raise BundleError("truncated", file="?")
        # one changed byte in our fixed header is damage, not a foreign file
        if n >= 16 and sum(a != b for a, b in zip(head[:16], GZ_PREFIX)) <= 1:
            raise BundleError("altered", file="?")
        raise BundleError("foreign", file="?")
    if n < HEADER_LEN:
        raise BundleError("truncated", file="?")
    size, check = struct.unpack("<QQ", head[16:32])
    if size ^ SIZE_MASK != check:
        raise BundleError("altered", file="?")
    if n < size:
        raise BundleError("truncated", file="?")
    if n > size:
        raise BundleError("altered", file="?")


def read_verified(path: str | Path, key: bytes | None) -> tuple[bytes, str]:
    """The decompressed content of a bundle signed with ``key``, and the file's name.
    Raises BundleError (missing, foreign, truncated, altered, ...) naming the file."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            return _read(fh, key), p.name
    except FileNotFoundError:
        raise BundleError("missing", file=str(p)) from None
    except BundleError as e:
        raise type(e)(e.code, **(e.params | {"file": p.name})) from None
    except OSError as e:
        raise BundleError("unreadable", file=str(p), detail=e.strerror or str(e)) from None


def _read(fh: IO[bytes], key: bytes | None) -> bytes:
    n = os.fstat(fh.fileno()).st_size
    if n > lim.BUNDLE_FILE_BYTES:
        raise BundleRefused("too_big", size=n // lim.MIB, limit=lim.BUNDLE_FILE_BYTES // lim.MIB)
    head = fh.read(HEADER_LEN)
    _check_header(head, max(n, len(head)))
    sha = hashlib.sha256(head[_KID_AT:])
    mac = hmac.new(key or b"-", MAC_DOMAIN + head[16:32], hashlib.sha256)
    seen = len(head)
    while chunk := fh.read(_READ):
        seen += len(chunk)
        if seen > n:  # the file grew while being read
            raise BundleError("altered", file="?")
        sha.update(chunk)
        mac.update(chunk)
    if seen != n or sha.digest() != head[_SHA_AT:_KID_AT]:
        raise BundleError("altered" if seen >= n else "truncated", file="?")
    if key is None:
        raise BundleRefused("no_key", file="?")
    kid = head[_KID_AT:_MAC_AT]
    if kid != bundle_key.key_id(key):
        raise BundleRefused(
            "wrong_key",
            file="?",
            theirs=bundle_key.fingerprint(kid),
            ours=bundle_key.fingerprint(key),
        )
    if not hmac.compare_digest(mac.digest(), head[_MAC_AT:HEADER_LEN]):
        raise BundleRefused("forged", file="?")
    fh.seek(0)
    return _inflate(fh)


def _inflate(fh: IO[bytes]) -> bytes:
    """Decompress as a stream, refusing as soon as the content or one line is too long."""
    d = zlib.decompressobj(31)  # gzip wrapper: checks CRC32 and length
    out: list[bytes] = []
    total, run = 0, 0
    try:
        while chunk := fh.read(1 << 16):
            data = chunk
            while data and not d.eof:
                piece = d.decompress(data, _INFLATE_OUT)
                data = d.unconsumed_tail
                total += len(piece)
                if total > lim.BUNDLE_CONTENT_BYTES:
                    raise BundleRefused(
                        "content_too_big", limit=lim.BUNDLE_CONTENT_BYTES // lim.MIB
                    )
                run = lim.line_run(piece, run, lim.BUNDLE_LINE_BYTES)
                if run < 0:
                    raise BundleRefused(
                        "line_too_long",
                        line=_lines(out) + piece.count(b"\n") + 1,
                        limit=lim.BUNDLE_LINE_BYTES // lim.KIB,
                    )
                out.append(piece)
            if d.eof and (data or d.unused_data or fh.read(1)):
                raise BundleError("altered", file="?")
    except zlib.error:
        raise BundleError("altered", file="?") from None
    if not d.eof:
        raise BundleError("altered", file="?")
    return b"".join(out)


def _lines(parts: list[bytes]) -> int:
    return sum(p.count(b"\n") for p in parts)
