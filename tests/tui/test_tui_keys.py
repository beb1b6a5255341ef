"""The key map: one meaning per key across the app's screens (counter.tui.keys.MEANINGS, with
the documented EXCEPTIONS), footer labels from the catalog in the user's language (no code
touches Textual's private binding tables), and the key legend that lists the map."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Footer

import counter.tui
from counter.i18n import catalog
from counter.services.context import Context
from counter.tui.keys import EXCEPTIONS, LABELS, MEANINGS, Meaning
from tests.helpers.counter import NIK_NEW, Keys, async_test, counter_app, open_counter

ROOT = Path(counter.tui.__file__).parent
# keys that need no id: focus movement and closing the two lists of commands and keys
GENERIC = {"tab", "shift+tab", "escape", "enter", "question_mark"}


def app_bindings() -> list[tuple[str, Binding]]:
    """(class name, binding) for every binding the app's screens and widgets declare."""
    found: list[tuple[str, Binding]] = []
    for info in pkgutil.walk_packages([str(ROOT)], "counter.tui."):
        module = importlib.import_module(info.name)
        for name, cls in vars(module).items():
            if not (inspect.isclass(cls) and issubclass(cls, DOMNode)):
                continue
            if cls.__module__ != module.__name__ or "BINDINGS" not in cls.__dict__:
                continue
            found += [(name, b) for b in cls.__dict__["BINDINGS"] if isinstance(b, Binding)]
    return found


def keys_of(meaning: Meaning) -> set[str]:
    if meaning.key == "1-9":
        return {str(n) for n in range(1, 10)}
    return set(meaning.key.split("/"))


def meaning_of(binding_id: str) -> Meaning | None:
    hits = [m for m in MEANINGS if binding_id in m.bindings]
    assert len(hits) <= 1, (binding_id, hits)  # a binding carries one meaning
    return hits[0] if hits else None


def test_every_binding_has_its_keys_one_meaning() -> None:
    bindings = app_bindings()
    assert len(bindings) > 80  # the walk found the screens (counter, supervisor, shell, QR)
    ids = set()
    for owner, b in bindings:
        keys = set(b.key.split(","))
        if b.id is None:
            assert keys <= GENERIC and not b.show, (owner, b)
            continue
        ids.add(b.id)
        meaning = meaning_of(b.id)
        if b.id in EXCEPTIONS:
            assert meaning is None, b.id
            continue
        assert meaning is not None, f"{owner}: {b.id} ({b.key}) is not in counter.tui.keys"
        # "n,escape": the binding's first key carries the meaning, the others are aliases
        assert keys & keys_of(meaning), (owner, b.id, b.key, meaning.key)
        assert b.key.split(",")[0] in keys_of(meaning) or keys <= {"n", "escape"}, b
    listed = {i for m in MEANINGS for i in m.bindings}
    assert listed <= ids, listed - ids  # no stale entries
    assert set(EXCEPTIONS) <= ids, set(EXCEPTIONS) - ids


def test_no_key_has_two_meanings_except_the_documented_ones() -> None:
    owners: dict[str, str] = {}
    for m in MEANINGS:
        for key in keys_of(m):
            assert key not in owners, f"{key!r}: {owners[key]} and {m.legend}"
            owners[key] = m.legend
    # the keys the issue named: one meaning each across the counter and supervisor screens
    by_id = {b.id: b for _, b in app_bindings() if b.id}
    for key, meaning in {"t": "keys.meaning.t", "c": "keys.meaning.c"}.items():
        using = [i for i, b in by_id.items() if key in b.key.split(",") and i not in EXCEPTIONS]
        assert {meaning_of(i).legend for i in using} == {meaning}, using  # type: ignore[union-attr]
    assert {by_id[i].key for i in ("counter.pending", "resume.pending")} == {"t"}
    assert {by_id[i].key for i in ("counter.declined", "resume.declined")} == {"m"}
    assert {by_id[i].key for i in ("counter.void", "open.void", "detail.void")} == {"f4"}
    # an exception really shares its key with another meaning, and says why
    for binding_id, why in EXCEPTIONS.items():
        key = by_id[binding_id].key
        sharing = [i for i in EXCEPTIONS if i != binding_id and by_id[i].key == key]
        assert (key in owners or sharing) and len(why) > 20, binding_id


def test_labels_and_legend_exist_in_both_languages() -> None:
    for lang in ("id", "en"):
        cat = catalog(lang)
        for binding_id, key in LABELS.items():
            assert cat.has(key), (lang, binding_id, key)
        for m in MEANINGS:
            assert cat.has(m.legend), (lang, m.legend)
    for owner, b in app_bindings():
        if b.show and b.id:
            assert b.id in LABELS, (owner, b.id)


def test_no_code_touches_textuals_private_binding_tables() -> None:
    private = re.compile(r"\._bindings\b|\b_merged_bindings\b")
    offenders = [
        str(path.relative_to(ROOT.parent.parent))
        for path in ROOT.parent.rglob("*.py")
        if private.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def footer_labels(app: Any) -> dict[str, str]:
    footer = app.screen.query_one(Footer)
    return {str(k.key): str(k.description) for k in footer.query("FooterKey")}


@pytest.mark.parametrize(
    "lang,expected",
    [
        (
            "id",
            {"m": "Menolak", "enter": "Mulai aktivasi", "escape": "Ubah NIK", "f8": "Keluar akun"},
        ),
        (
            "en",
            {"m": "Declined", "enter": "Start activation", "escape": "Change NIK", "f8": "Log out"},
        ),
    ],
)
@async_test
async def test_footer_shows_the_catalogs_labels(
    make_ctx: Any, lang: str, expected: dict[str, str]
) -> None:
    from counter.services import accounts

    ctx: Context = make_ctx({"ui.lang": lang})
    officer = accounts.create_officer(ctx, "siti", "135790")
    app = counter_app(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_counter(pilot, officer)
        keys = Keys(pilot)
        await keys.nik(NIK_NEW)
        await keys("enter")  # the status phase
        await pilot.pause()
        shown = footer_labels(app)
        for key, text in expected.items():
            assert shown.get(key) == text, (key, shown)
        other = catalog("en" if lang == "id" else "id")
        assert other.t("counter.keys.declined") not in shown.values()


@async_test
async def test_f1_legend_lists_each_keys_one_meaning(ctx: Context, officer: Any) -> None:
    from counter.tui.screens.commands import KeysScreen

    app = counter_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_counter(pilot, officer)
        await pilot.press("f1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, KeysScreen)
        legend = [str(w.render()) for w in screen.query(".keys-legend")]
        assert len(legend) == len(MEANINGS)
        cat = catalog("id")
        for m, line in zip(MEANINGS, legend, strict=True):
            assert line.rstrip().endswith(cat.t(m.legend)), (m.key, line)
        by_key = {line.split()[0]: line for line in legend}
        assert "tertunda" in by_key["t"] and "menolak" in by_key["m"]
        assert "Tutup" in by_key["c"] and "QR layar penuh" in by_key["f"]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, KeysScreen)
