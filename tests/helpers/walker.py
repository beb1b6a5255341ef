"""Every screen of the TUI as a named stop: how to reach it from a fresh app, in either language.

Shared by the catalog-miss walk (tests/test_screen_walk.py) and the snapshot matrix
(tests/test_screen_snapshots.py). A stop starts from the app on a fresh database:

* ``"day"``: the supervisor fixture day (tests/supervisor_fixture.py: siti and budi, officers;
  kasi, supervisor; eleven visits on 2026-11-27, one still open on siti's counter), clock
  2026-11-27 16:00 Jakarta;
* ``"extract"``: the same day after the sample registry extract (assets/sample-extract.csv) was
  imported, so coverage and the plan have numbers;
* ``"empty"``: no account yet (first-run set-up).

Its ``drive`` gets the pilot and the fixture (``None`` for ``"empty"``) and leaves the app on the
stop's screen; ``screen`` names the screen class the stop must end on. New screens: add a stop
to ``STOPS`` (``snapshot=False`` keeps it out of the snapshot matrix but in the walk).
"""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from counter.i18n import LANGUAGES, Catalog, catalog
from counter.services.context import Context
from counter.tui.app import CounterApp, make_app
from tests.helpers.counter import NIK_NEW
from tests.helpers.supervisor import FixtureDay, build, nik

SIZES = ((80, 24), (100, 30))
SAMPLE_EXTRACT = Path(__file__).resolve().parents[2] / "assets" / "sample-extract.csv"
Drive = Callable[[Pilot[Any], Any], Awaitable[None]]


@dataclass(frozen=True)
class Stop:
    name: str
    screen: str  # class name of the screen the stop ends on
    drive: Drive
    fixture: str = "day"  # "day" | "extract" | "empty"
    snapshot: bool = True


# -- building the app -------------------------------------------------------------------------
def prepare(ctx: Context, clock: Any, stop: Stop, lang: str) -> tuple[CounterApp, Any]:
    """The app for ``stop`` in ``lang`` on ``ctx`` (fresh), with the stop's fixture built."""
    fx: FixtureDay | None = None
    if stop.fixture in ("day", "extract"):
        fx = build(ctx, clock)
    if fx is not None and stop.fixture == "extract":
        from counter.services import registry

        registry.import_registry(ctx, SAMPLE_EXTRACT, by=fx.kasi)  # type: ignore[arg-type]
    ctx.settings = replace(ctx.settings, lang=lang)
    return make_app(ctx.settings, clock=ctx.clock, ctx=ctx), fx


def run_before(stop: Stop, fx: Any) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """``snap_compare``'s run_before for ``stop``: drive there, then freeze what blinks."""

    async def run(pilot: Pilot[Any]) -> None:
        await stop.drive(pilot, fx)
        await freeze(pilot)

    return run


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def freeze(pilot: Pilot[Any]) -> None:
    """Workers done, toasts gone, cursors still: the same picture every run."""
    await settle(pilot)
    for _ in range(2):
        pilot.app.clear_notifications()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()


async def until(pilot: Pilot[Any], cond: Callable[[], bool], rounds: int = 60) -> None:
    for _ in range(rounds):
        if cond():
            return
        await settle(pilot, 1)
    raise AssertionError(f"not reached; screen is {type(pilot.app.screen).__name__}")


def on(name: str) -> Callable[[Pilot[Any]], bool]:
    return lambda pilot: type(pilot.app.screen).__name__ == name


async def wait_for(pilot: Pilot[Any], name: str) -> None:
    await until(pilot, lambda: type(pilot.app.screen).__name__ == name)


# -- shell ------------------------------------------------------------------------------------
async def _ready(pilot: Pilot[Any], fx: Any) -> None:
    await settle(pilot)


async def _setup_saved(pilot: Pilot[Any], fx: Any) -> None:
    await wait_for(pilot, "SetupScreen")
    screen = pilot.app.screen
    values = {
        "office_name": "Disdukcapil Batang",
        "office_code": "3325",
        "counter_id": "LOKET-1",
        "username": "kasi",
        "full_name": "Kasi",
        "pin": "246802",
        "pin_again": "246802",
    }
    for field, value in values.items():
        screen.query_one(f"#{field}", Input).value = value
    await pilot.press("f2")
    await wait_for(pilot, "RecoveryCodeScreen")


async def _wrong_pin(pilot: Pilot[Any], fx: Any) -> None:
    await settle(pilot)
    await pilot.press(*"siti", "enter", *"111112", "enter")
    await settle(pilot)


async def _as(pilot: Pilot[Any], officer: Any) -> None:
    await settle(pilot)
    app: CounterApp = pilot.app  # type: ignore[assignment]
    app.login_done(officer)
    await settle(pilot)
    pilot.app.clear_notifications()


async def _resume(pilot: Pilot[Any], fx: FixtureDay) -> None:
    await _as(pilot, fx.siti)  # row 11 of the fixture is open on siti's counter
    await wait_for(pilot, "ResumeScreen")


async def _lock(pilot: Pilot[Any], fx: FixtureDay) -> None:
    await _as(pilot, fx.budi)
    app: CounterApp = pilot.app  # type: ignore[assignment]
    app.lock()
    await wait_for(pilot, "LockScreen")


async def _commands(pilot: Pilot[Any], fx: FixtureDay) -> None:
    await _as(pilot, fx.budi)
    await pilot.press("ctrl+p")
    await wait_for(pilot, "CommandsScreen")


async def _commands_no_match(pilot: Pilot[Any], fx: FixtureDay) -> None:
    await _commands(pilot, fx)
    await pilot.press(*"zzzz")
    await settle(pilot)


async def _keys(pilot: Pilot[Any], fx: FixtureDay) -> None:
    await _as(pilot, fx.budi)
    pilot.app.action_show_help_panel()
    await wait_for(pilot, "KeysScreen")


async def _keys_supervisor(pilot: Pilot[Any], fx: FixtureDay) -> None:
    await _as(pilot, fx.kasi)
    pilot.app.action_show_help_panel()
    await wait_for(pilot, "KeysScreen")


# -- counter (budi: no open visit of his own) --------------------------------------------------
def _counter(*keys: str, then: str = "CounterScreen") -> Drive:
    async def drive(pilot: Pilot[Any], fx: FixtureDay) -> None:
        await _as(pilot, fx.budi)
        await wait_for(pilot, "CounterScreen")
        for k in keys:
            await pilot.press(k)
            await pilot.pause()
        await settle(pilot)
        await wait_for(pilot, then)

    return drive


EXTRACT_NIK = "3325040308639004"  # in assets/sample-extract.csv: SUDAH (active) since 02/06/2025
START = (*NIK_NEW, "enter", "enter", "enter")  # NIK, start activation, prerequisites -> install
STEPS = ("install", "open_terms", "verify_data", "face", "qr_scan", "email_code", "set_pin")


def _step_stops() -> Iterator[Stop]:
    for i, step in enumerate(STEPS):
        yield Stop(
            f"counter_step_{step}",
            "CounterScreen",
            _counter(*START, *["enter"] * i),
            snapshot=step in ("install", "qr_scan"),
        )


# -- supervisor (kasi) --------------------------------------------------------------------------
def _sup(*keys: str, then: str) -> Drive:
    async def drive(pilot: Pilot[Any], fx: FixtureDay) -> None:
        await _as(pilot, fx.kasi)
        await wait_for(pilot, "SupervisorHome")
        for k in keys:
            await pilot.press(k)
            await settle(pilot, 2)
        await wait_for(pilot, then)

    return drive


STOPS: list[Stop] = [
    # shell
    Stop("setup", "SetupScreen", _ready, fixture="empty"),
    # no snapshot: the recovery code on it is random on every run (the walk still checks its words)
    Stop(
        "setup_recovery_code", "RecoveryCodeScreen", _setup_saved, fixture="empty", snapshot=False
    ),
    Stop("login", "LoginScreen", _ready),
    Stop("login_wrong_pin", "LoginScreen", _wrong_pin),
    Stop("resume", "ResumeScreen", _resume),
    Stop("lock", "LockScreen", _lock),
    Stop("commands", "CommandsScreen", _commands),
    Stop("commands_no_match", "CommandsScreen", _commands_no_match, snapshot=False),
    Stop("keys_counter", "KeysScreen", _keys),
    Stop("keys_supervisor", "KeysScreen", _keys_supervisor, snapshot=False),
    # counter
    Stop("counter_nik", "CounterScreen", _counter(*NIK_NEW, "tab", *"Budi")),
    Stop("counter_today", "CounterScreen", _counter("f3")),
    Stop("counter_status", "CounterScreen", _counter(*NIK_NEW, "enter")),
    Stop("counter_prerequisites", "CounterScreen", _counter(*NIK_NEW, "enter", "enter")),
    *_step_stops(),
    Stop("counter_qr_enlarged", "QrScreen", _counter(*START, "f", then="QrScreen")),
    Stop(
        "counter_problem_picker",
        "ProblemPicker",
        _counter(*START, "enter", "enter", "enter", "p", then="ProblemPicker"),
    ),
    Stop(
        "counter_problem_chosen",
        "CounterScreen",
        _counter(*START, "enter", "enter", "enter", "p", "enter"),
    ),
    Stop(
        "counter_outcome",
        "CounterScreen",
        _counter(*START, "enter", "enter", "enter", "p", "enter", "g"),
    ),
    Stop("counter_void", "VoidScreen", _counter(*START, "f4", then="VoidScreen")),
    Stop("counter_leave", "LeaveVisitScreen", _counter(*START, "f8", then="LeaveVisitScreen")),
    Stop(
        "counter_open_visit",
        "OpenVisitScreen",
        _counter(*nik(11), "enter", then="OpenVisitScreen"),
    ),
    # supervisor
    Stop("sup_home", "SupervisorHome", _sup(then="SupervisorHome")),
    Stop("sup_pick_day", "TextPrompt", _sup("d", then="TextPrompt")),
    Stop("sup_close_day_open_visits", "CloseAbandonedModal", _sup("c", then="CloseAbandonedModal")),
    Stop("sup_log", "DailyLogScreen", _sup("l", then="DailyLogScreen")),
    Stop("sup_visit_detail", "VisitDetailScreen", _sup("l", "enter", then="VisitDetailScreen")),
    Stop("sup_correction", "CorrectionModal", _sup("l", "enter", "h", then="CorrectionModal")),
    Stop("sup_followup", "FollowUpScreen", _sup("w", then="FollowUpScreen")),
    Stop("sup_coverage", "CoverageScreen", _sup("k", then="CoverageScreen")),
    Stop("sup_plan", "PlanScreen", _sup("k", "p", then="PlanScreen")),
    Stop("sup_home_extract", "SupervisorHome", _sup(then="SupervisorHome"), fixture="extract"),
    Stop("sup_coverage_extract", "CoverageScreen", _sup("k", then="CoverageScreen"), "extract"),
    Stop("sup_coverage_desa", "CoverageScreen", _sup("k", "k", then="CoverageScreen"), "extract"),
    Stop("sup_plan_extract", "PlanScreen", _sup("k", "p", then="PlanScreen"), fixture="extract"),
    Stop(
        "counter_status_extract",
        "CounterScreen",
        _counter(*EXTRACT_NIK, "enter"),
        fixture="extract",
    ),
]

STOP_NAMES = [s.name for s in STOPS]


def stop(name: str) -> Stop:
    return next(s for s in STOPS if s.name == name)


# -- what a screen shows -------------------------------------------------------------------------
def screen_text(app: CounterApp) -> str:
    """The characters on the terminal now (what ``export_screenshot`` draws), plain text."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False)


def footer_texts(app: CounterApp) -> list[str]:
    """The descriptions of the keys the footer offers on the current screen (the key list,
    ``KeysScreen``, is checked by its own stop)."""
    return [
        b.description
        for (_n, b, _e, _t) in app.active_bindings.values()
        if b.show and b.description
    ]


@contextmanager
def catalog_misses() -> Iterator[list[tuple[str, str]]]:
    """Records every ``(lang, key)`` looked up and not found in the catalogs while inside."""
    missed: list[tuple[str, str]] = []
    original = Catalog.t

    def strict(self: Catalog, key: str, **params: object) -> str:
        if key not in self.messages:
            missed.append((self.lang, key))
        return original(self, key, **params)

    Catalog.t = strict  # type: ignore[method-assign]
    Catalog.__call__ = strict  # type: ignore[method-assign]
    try:
        yield missed
    finally:
        Catalog.t = original  # type: ignore[method-assign]
        Catalog.__call__ = original  # type: ignore[method-assign]


# Textual's own English texts (palette, key panel, widgets' defaults): never on an Indonesian screen.
TEXTUAL_ENGLISH = (
    "Search for commands",
    "No matches found",
    "Search...",
    "Change theme",
    "Quit the application",
    "Show keys and help panel",
    "Hide keys and help panel",
    "Save screenshot",
    "Maximize",
    "Minimize",
    "palette",
    "Select",
)

# A catalog key drawn raw: ``⟨key⟩`` (the catalog's miss marker) or a bare dotted key whose first
# part is one of the catalogs' top-level names (so an address like play.google.com is not one).
_PREFIXES = sorted({k.split(".")[0] for lang in LANGUAGES for k in catalog(lang).messages})
_KEYS = re.compile(
    r"⟨[^⟩]*⟩|\b(?:" + "|".join(map(re.escape, _PREFIXES)) + r")(?:\.[a-z0-9_]+){1,}\b"
)
# Names that stay in Indonesian in the English UI (the programme's own name).
PROPER_NAMES = ("Identitas Kependudukan Digital",)
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def _other_language_phrases(lang: str) -> list[str]:
    """Texts of the other catalogs (each at least two words of letters, no placeholders) that do
    not occur in ``lang``'s catalog: seen on a ``lang`` screen, they are the wrong language."""
    own = catalog(lang).messages.values()
    own_text = "\n".join(own)
    out: set[str] = set()
    for other in LANGUAGES:
        if other == lang:
            continue
        for text in catalog(other).messages.values():
            for line in text.splitlines():
                line = line.strip()
                if "{" in line or len(_WORDS.findall(line)) < 2 or len(line) < 12:
                    continue
                if line not in own_text and line not in PROPER_NAMES:
                    out.add(line)
    return sorted(out)


def _codes() -> list[str]:
    """Codes a person should read as words: outcomes, the protocol's reason codes with an
    underscore (single words such as ``email`` are ordinary words too) and ``interrupted``."""
    from counter.domain import outcomes as oc
    from counter.domain.protocol import load_protocol

    reasons = [c for c in load_protocol().reason_codes() if "_" in c]
    return sorted({*oc.OUTCOMES, *reasons, "interrupted"})


def problems(app: CounterApp, lang: str) -> list[str]:
    """What is wrong with the current screen in ``lang``: raw keys, the other language's texts,
    Textual's built-in English (under a language other than English), codes instead of words
    (issue 14: codes stay in exports and JSON)."""
    text = screen_text(app)
    found = [f"raw key {m!r}" for m in _KEYS.findall(text) if not _is_data(m)]
    flat = " ".join(text.split())
    found += [f"{lang}: other language {p!r}" for p in _other_language_phrases(lang) if p in flat]
    if lang != "en":
        shown = flat + " " + " ".join(footer_texts(app))
        found += [f"{lang}: Textual English {p!r}" for p in TEXTUAL_ENGLISH if _has_word(shown, p)]
    shown = flat + " " + " ".join(footer_texts(app))
    codes = [c for c in _codes() if c != "interrupted" or lang != "en"]  # an English word too
    found += [f"{lang}: code {c!r}" for c in codes if _has_code(shown, c)]
    return found


def _has_code(text: str, code: str) -> bool:
    return re.search(r"(?<![\w=])" + re.escape(code) + r"(?![\w])", text) is not None


def _has_word(text: str, phrase: str) -> bool:
    return re.search(r"(?<![A-Za-z])" + re.escape(phrase) + r"(?![A-Za-z])", text) is not None


def _is_data(match: str) -> bool:
    """File names and addresses a screen may show as data (e.g. ``counter.db``)."""
    return match.endswith((".db", ".csv", ".xlsx", ".toml", ".pdf", ".log", ".json"))
