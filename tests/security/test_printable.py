"""printable(): control characters become visible, ordinary text is untouched (issue 11)."""

from __future__ import annotations

import string
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain.text import REPLACEMENT, one_line, printable

# Characters a terminal or a bidi-aware renderer would act on instead of showing.
BAD_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")
HOSTILE = [
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\x9b31m",
    "a\x00b",
    "x\x7fy",
    "\u202eabc",
    "\u2066iso\u2069",
    "zero\u200bwidth",
    "\ufeffbom",
    "lone \ud800 surrogate",
    "line\u2028sep",
    "nel\x85x",
    "vt\x0bff\x0c",
    "fs\x1cgs\x1drs\x1e",
]


def _bad(text: str, *, multiline: bool) -> list[str]:
    return [
        c
        for c in text
        if unicodedata.category(c) in BAD_CATEGORIES and not (multiline and c == "\n")
    ]


@given(st.text())
@settings(max_examples=500)
def test_output_has_no_control_or_format_character(s: str) -> None:
    assert _bad(printable(s), multiline=False) == []
    assert _bad(printable(s, multiline=True), multiline=True) == []


@given(st.text())
@settings(max_examples=300)
def test_single_line_output_is_one_line(s: str) -> None:
    assert len(printable(s).splitlines()) <= 1


@given(st.text())
@settings(max_examples=300)
def test_idempotent(s: str) -> None:
    for ml in (False, True):
        once = printable(s, multiline=ml)
        assert printable(once, multiline=ml) == once


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_printable_ascii_unchanged(s: str) -> None:
    assert printable(s) == s
    assert printable(s, multiline=True) == s


@given(st.text(alphabet=st.characters(categories=("L", "M", "N", "P", "S", "Zs"))))
@settings(max_examples=300)
def test_letters_marks_symbols_unchanged(s: str) -> None:
    assert printable(s) == s


def test_indonesian_text_and_brackets_unchanged() -> None:
    for s in (
        "HP rusak [lihat foto]",
        "[/]",
        "[/bold]",
        "[x]",
        "Siti Nur'aini, S.Pd.",
        "Desa Kalipucang Wétan",
        "email belum diterima 😀",
        "Rp 10.000 — 50%",
    ):
        assert printable(s) == s


def test_escape_sequences_are_shown_not_obeyed() -> None:
    assert printable("\x1b]0;pwned\x07") == "␛]0;pwned␇"
    assert printable("\x1b[2J") == "␛[2J"
    assert printable("a\x00b\x7f") == "a␀b␡"
    assert printable("\x9b31m") == REPLACEMENT + "31m"
    assert printable("\u202eevil") == REPLACEMENT + "evil"
    for s in HOSTILE:
        out = printable(s)
        assert "\x1b" not in out and "\x07" not in out and _bad(out, multiline=False) == []


def test_line_breaks_per_context() -> None:
    assert printable("a\nb\r\nc\rd\te") == "a b c d e"
    assert printable("a\nb\r\nc\rd\u2028e", multiline=True) == "a\nb\nc\nd\ne"
    assert printable("tab\there", multiline=True) == "tab here"


def test_non_strings() -> None:
    assert printable(None) == ""
    assert printable(42) == "42"
    assert printable(string.printable) == string.printable[:-5] + "   ␋␌"


def test_one_line_cuts_with_ellipsis() -> None:
    assert one_line("abcdef", 4) == "abc…"
    assert one_line("ab\ncd", 10) == "ab cd"
    assert one_line("abc", 3) == "abc"
