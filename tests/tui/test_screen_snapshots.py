"""SVG snapshots of every screen at 80x24 and 100x30, in Indonesian and English.

The stops (how each screen is reached, on which fixture) are in tests/screen_walker.py; a stop
with ``snapshot=False`` is walked for catalog misses only. The README's screenshots are rendered
from these SVGs by scripts/screenshots.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from counter.i18n import LANGUAGES
from counter.services.context import Context
from tests.helpers.walker import SIZES, STOPS, prepare, run_before

SNAPSHOT_STOPS = [s.name for s in STOPS if s.snapshot]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", SNAPSHOT_STOPS)
def test_screen(
    snap_compare: Any, ctx: Context, clock: Any, name: str, size: tuple[int, int], lang: str
) -> None:
    here = next(s for s in STOPS if s.name == name)
    app, fx = prepare(ctx, clock, here, lang)
    assert snap_compare(app, terminal_size=size, run_before=run_before(here, fx))
