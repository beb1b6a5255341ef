"""Walk every screen of the TUI in Indonesian and English and fail on a catalog miss.

A miss is found three ways (and codes shown where words belong fail it too): the catalog is asked for a key it does not have (recorded while the
screen is reached and drawn), a key is drawn raw (``⟨supervisor.foo⟩`` or a bare dotted key), or
the screen shows the other language's text or, in Indonesian, one of Textual's built-in English
texts (palette, key panel, widget defaults). The stops are in tests/screen_walker.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from counter.i18n import LANGUAGES
from counter.services.context import Context
from tests.helpers.shell import async_test
from tests.helpers.walker import (
    STOP_NAMES,
    catalog_misses,
    freeze,
    prepare,
    problems,
    screen_text,
    stop,
)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", STOP_NAMES)
@async_test
async def test_every_screen_speaks_the_language(
    ctx: Context, clock: Any, name: str, lang: str
) -> None:
    here = stop(name)
    app, fx = prepare(ctx, clock, here, lang)
    with catalog_misses() as missed:
        async with app.run_test(size=(100, 30)) as pilot:
            await here.drive(pilot, fx)
            await freeze(pilot)
            assert type(app.screen).__name__ == here.screen, screen_text(app)
            found = problems(app, lang)
            await pilot.app.workers.wait_for_complete()
    assert not missed, f"{name} [{lang}]: keys missing from the catalog: {sorted(set(missed))}"
    assert not found, f"{name} [{lang}]:\n" + "\n".join(found)


def test_the_checks_catch_a_miss() -> None:
    """The detectors themselves: a raw key, the other language, Textual's English."""
    from tests.helpers.walker import _KEYS, TEXTUAL_ENGLISH, _has_word, _other_language_phrases

    assert _KEYS.findall("Total ⟨supervisor.foo.bar⟩ and supervisor.foo.bar") == [
        "⟨supervisor.foo.bar⟩",
        "supervisor.foo.bar",
    ]
    english = _other_language_phrases("id")
    indonesian = _other_language_phrases("en")
    assert english and indonesian and not set(english) & set(indonesian)
    assert _has_word("Cari Search for commands… Esc", TEXTUAL_ENGLISH[0])
    assert not _has_word("Selected", "Select")
    from tests.helpers.walker import _codes, _has_code

    assert {"PENDING", "email_not_received", "interrupted"} <= set(_codes())
    assert _has_code("Tutup: PENDING", "PENDING") and not _has_code("outcome=PENDINGS", "PENDING")
