"""Bounds on every input, in one place: the lengths the counter's own fields allow (the TUI's
inputs and the database columns) and the sizes of the files the program reads (bundles, registry
extracts). A file or record beyond them is refused with a message, never half-read."""

from __future__ import annotations

KIB = 1024
MIB = 1024 * KIB

# -- text fields (characters), as the counter's inputs and columns allow ----------------------
NIK = 16
VISIT_NAME = 120  # counter screen: name input
PHONE = 20  # counter screen: phone input
PURPOSE = 40
REASON = 60  # supervisor correction: reason code input
NOTE = 500  # counter screen: outcome note input
FOLLOWUP_NOTE = 4000  # supervisor notes (300 each), joined line by line
WHY = 300  # supervisor correction: why
USERNAME = 32
FULL_NAME = 100
OFFICE_CODE = 16
COUNTER_ID = 32
DEVICE_ID = 64
STEP = 40
EVENT_KIND = 24
OUTREACH_NAME = 120
PLACE_CODE = 20
EVENT_DATA_BYTES = 16 * KIB  # one visit event's JSON data
DATA_TEXT = 500  # any text inside an event's data
DATA_ITEMS = 50  # items of a list / keys of an object inside an event's data
DATA_DEPTH = 4  # nesting inside an event's data
MAX_COUNTER = 1_000_000  # revision, sequence numbers
MAX_HANDLING_SECONDS = 14 * 24 * 3600

# -- files --------------------------------------------------------------------------------------
BUNDLE_FILE_BYTES = 64 * MIB  # a bundle of 5,000 visits with 45,000 events is 2 MB
BUNDLE_CONTENT_BYTES = 256 * MIB  # decompressed
BUNDLE_LINE_BYTES = 128 * KIB  # one record (a visit event with 16 KiB of data fits many times)
KEY_FILE_BYTES = 4 * KIB
REGISTRY_FILE_BYTES = 512 * MIB  # Batang's full extract (631,075 rows) is 45 MB
REGISTRY_LINE_BYTES = 1 * MIB  # one CSV line; also the longest cell the CSV reader accepts
XLSX_UNCOMPRESSED_BYTES = 2048 * MIB  # the sum of an XLSX's parts once unzipped
XLSX_RATIO = 200  # an XLSX part may unzip to at most this many times its stored size
SHOWN_HEADER = 40  # characters of one column name quoted back in a message
SHOWN_HEADERS = 12  # column names quoted back in a message
REJECT_CELL = 200  # characters of a rejected cell copied into the rejects file


def line_run(piece: bytes, run: int, limit: int) -> int:
    """Follow line lengths through a stream read piece by piece: ``run`` is the length of the
    line still open before ``piece``; returns the open line's length after it, or -1 as soon as
    some line is longer than ``limit``. Cheap: a few searches per ``limit`` bytes, whatever the
    number of lines."""
    last = piece.rfind(b"\n")
    if last == -1:
        run += len(piece)
        return run if run <= limit else -1
    first = piece.find(b"\n")
    if run + first > limit:
        return -1
    p = first + 1
    while last - p > limit:
        q = piece.rfind(b"\n", p, p + limit + 1)
        if q == -1:
            return -1
        p = q + 1
    run = len(piece) - last - 1
    return run if run <= limit else -1
