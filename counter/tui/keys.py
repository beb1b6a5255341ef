"""Keys: one meaning per key across the app, footer labels from the catalog, burst-safe Enter.

The key map
-----------
:data:`MEANINGS` is the app's key map: every key a screen binds, with its one meaning (the
legend's catalog text) and the bindings (by id) that carry it. A key means the same thing on
every screen where it appears: ``t`` is always "end as PENDING", ``c`` always "close" (the day,
or a visit left open), ``f`` always the full-screen QR. Enter is "the highlighted / next thing"
and Esc "back" everywhere. :data:`EXCEPTIONS` lists the few bindings that reuse a key for
another meaning, each with its reason; ``tests/test_tui_keys.py`` fails on any other clash and
on a binding missing from the map. The key legend (``KeysScreen``, F1 / ``?`` / palette "Keys")
lists the map.

Footer labels
-------------
By convention a binding's footer text is the catalog message :data:`LABELS` names for its id,
in the user's language. Screens inherit :class:`CatalogKeys`, which overrides Textual's public
``Screen.active_bindings`` (what the Footer, the key list and Textual's help read) to put the
catalog texts in; the bindings themselves are never modified, so no code touches Textual's
private binding tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual.widgets import Input

if TYPE_CHECKING:
    from textual.binding import ActiveBinding
    from textual.screen import Screen


@dataclass(frozen=True)
class Meaning:
    """A key, its one meaning (catalog key of the legend text) and the bindings carrying it."""

    key: str
    legend: str
    bindings: tuple[str, ...]


_DIGITS = tuple(f"counter.prereq_{n}" for n in range(1, 10)) + tuple(
    f"counter.picker_{n}" for n in range(1, 10)
)

MEANINGS: tuple[Meaning, ...] = (
    # the same everywhere: the highlighted / next thing, back, tick, choose by number, move
    Meaning(
        "enter",
        "keys.meaning.enter",
        (
            "counter.check",
            "counter.primary_already",
            "counter.primary_start",
            "counter.prereq_next",
            "counter.done",
            "counter.retry",
            "counter.save",
            "counter.picker_choose",
            "leave.enter",
            "open.resume",
            "void.confirm",
            "resume.resume",
            "login.submit",
            "lock.unlock",
            "log.open",
            "fu.open",
            "qr.enlarge_enter",
            "qr.close_enter",
            "exportdlg.close",
        ),
    ),
    Meaning(
        "escape",
        "keys.meaning.escape",
        (
            "counter.edit_nik",
            "counter.prereq_back",
            "counter.step_back",
            "counter.outcome_back",
            "counter.picker_cancel",
            "leave.stay",
            "open.back",
            "void.cancel",
            "resume.later",
            "prompt.cancel",
            "detail.back",
            "log.back",
            "fu.back",
            "corr.cancel",
            "aband.cancel",
            "cov.back",
            "plan.back",
            "qr.close",
            "exportdlg.back",
            "accadd.cancel",
            "accpin.cancel",
            "acc.back",
            "reg.back",
        ),
    ),
    Meaning("space", "keys.meaning.space", ("counter.toggle",)),
    Meaning("1-9", "keys.meaning.digits", _DIGITS),
    Meaning(
        "up/down",
        "keys.meaning.updown",
        ("counter.prereq_up", "counter.prereq_down", "reg.to_list"),
    ),
    Meaning("left/right", "keys.meaning.leftright", ("sup.prev", "sup.next")),
    # letters: one meaning each
    Meaning("a", "keys.meaning.a", ("counter.already",)),
    Meaning("b", "keys.meaning.b", ("sup.bundle",)),
    Meaning("c", "keys.meaning.c", ("sup.close", "open.close", "detail.close_abandoned")),
    Meaning("d", "keys.meaning.d", ("sup.day",)),
    Meaning("e", "keys.meaning.e", ("sup.export", "cov.pdf")),
    Meaning("f", "keys.meaning.f", ("counter.enlarge", "qr.enlarge", "qr.close_f")),
    Meaning("g", "keys.meaning.g", ("counter.failed", "resume.failed")),
    Meaning("h", "keys.meaning.h", ("detail.correct",)),
    Meaning("i", "keys.meaning.i", ("counter.continue",)),
    Meaning("k", "keys.meaning.k", ("sup.coverage",)),
    Meaning("l", "keys.meaning.l", ("sup.log",)),
    Meaning("m", "keys.meaning.m", ("counter.declined", "resume.declined")),
    Meaning("n", "keys.meaning.n", ("confirm.no",)),
    Meaning("o", "keys.meaning.o", ("sup.reopen",)),
    Meaning("p", "keys.meaning.p", ("counter.problem",)),
    Meaning("r", "keys.meaning.r", ("counter.referred",)),
    Meaning("s", "keys.meaning.s", ("counter.start", "plan.start")),
    Meaning("t", "keys.meaning.t", ("counter.pending", "resume.pending")),
    Meaning("u", "keys.meaning.u", ("counter.under_age",)),
    Meaning("v", "keys.meaning.v", ("counter.paste_qr",)),
    Meaning("w", "keys.meaning.w", ("sup.followup",)),
    Meaning("y", "keys.meaning.y", ("confirm.yes", "leave.leave", "exportdlg.write")),
    # function keys and control keys
    Meaning("f1", "keys.meaning.f1", ("app.keys",)),
    Meaning("f2", "keys.meaning.f2", ("setup.save", "exportdlg.next")),
    Meaning("f3", "keys.meaning.f3", ("counter.today",)),
    Meaning("f4", "keys.meaning.f4", ("counter.void", "open.void", "detail.void")),
    Meaning("f5", "keys.meaning.f5", ("sup.refresh",)),
    Meaning("f6", "keys.meaning.f6", ("counter.print",)),
    Meaning("f7", "keys.meaning.f7", ("app.mode",)),
    Meaning("f8", "keys.meaning.f8", ("app.logout",)),
    Meaning("f9", "keys.meaning.f9", ("app.theme",)),
    Meaning(
        "ctrl+s",
        "keys.meaning.ctrl_s",
        ("corr.save", "aband.save", "accadd.save", "accpin.save", "reg.start"),
    ),
    Meaning("ctrl+p", "keys.meaning.ctrl_p", ("app.palette",)),
    Meaning("ctrl+q", "keys.meaning.ctrl_q", ("app.quit",)),
)

# Bindings that reuse a key for another meaning, and why. Keys local to one supervisor list
# (sorting and filtering the daily log, marking follow-ups, the coverage level): they act only
# on that list, the footer shows them there, and 26 letters cannot give every list action of
# every screen a key of its own.
EXCEPTIONS: dict[str, str] = {
    "log.sort": "s on the daily log: sort the list (elsewhere s starts)",
    "log.reverse": "v on the daily log: reverse the order (elsewhere v pastes a QR code)",
    "log.clear": "x on the daily log: clear the filters",
    "fu.resolved": "x on the follow-up list: mark resolved",
    "fu.contacted": "k on the follow-up list: mark contacted (elsewhere k opens coverage)",
    "cov.level": "k on the coverage screens: district/village level",
    "plan.level": "k on the coverage screens: district/village level",
    "cov.plan": "p on the coverage screen: the outreach plan (elsewhere p is a problem)",
    "exportdlg.copy": "c on the export result: copy the file's path",
    "reg.copy": "f2 on the registry import result: copy the rejects file's path",
    "sup.accounts": "a on the supervisor home: officer accounts (a = already active at the counter)",
    "sup.registry": "i on the supervisor home: import the central extract (i = continue anyway "
    "at the counter, never on the same screen)",
    "acc.add": "a on the accounts list: add an officer",
    "acc.pin": "p on the accounts list: set a new PIN (elsewhere p is a problem)",
    "acc.unlock": "u on the accounts list: unlock an account (elsewhere u is under age)",
    "acc.toggle": "x on the accounts list: disable or enable the account",
}

# binding id -> catalog key of its footer label
LABELS: dict[str, str] = {
    "sup.accounts": "office.keys.accounts",
    "sup.registry": "office.keys.registry",
    "accadd.save": "office.keys.save",
    "accadd.cancel": "supervisor.keys.cancel",
    "accpin.save": "office.keys.save",
    "accpin.cancel": "supervisor.keys.cancel",
    "acc.add": "office.keys.add",
    "acc.pin": "office.keys.pin",
    "acc.unlock": "office.keys.unlock",
    "acc.toggle": "office.keys.disable",
    "acc.back": "supervisor.keys.back",
    "reg.start": "office.keys.import",
    "reg.copy": "office.keys.copy_path",
    "reg.back": "supervisor.keys.back",
    "exportdlg.next": "exportdlg.keys.next",
    "exportdlg.write": "exportdlg.keys.write",
    "exportdlg.copy": "exportdlg.keys.copy",
    "exportdlg.close": "exportdlg.keys.close",
    "exportdlg.back": "exportdlg.keys.back",
    "app.mode": "tui.keys.mode",
    "app.logout": "tui.keys.logout",
    "app.theme": "tui.keys.theme",
    "app.quit": "tui.keys.quit",
    "app.palette": "commands.palette",
    "app.keys": "tui.palette.keys",
    "login.submit": "tui.keys.login",
    "setup.save": "tui.keys.save",
    "lock.unlock": "retention.lock.key_unlock",
    "resume.resume": "tui.keys.resume",
    "resume.pending": "tui.keys.pending",
    "resume.failed": "tui.keys.failed",
    "resume.declined": "tui.keys.declined",
    "resume.later": "tui.keys.later",
    "counter.check": "counter.keys.check",
    "counter.save": "counter.keys.save",
    "counter.today": "counter.keys.today",
    "counter.primary_already": "counter.keys.primary_already",
    "counter.primary_start": "counter.keys.primary_start",
    "counter.already": "counter.keys.already",
    "counter.start": "counter.keys.start",
    "counter.declined": "counter.keys.declined",
    "counter.edit_nik": "counter.keys.edit_nik",
    "counter.toggle": "counter.keys.toggle",
    "counter.prereq_next": "counter.keys.prereq_next",
    "counter.prereq_back": "counter.keys.back",
    "counter.done": "counter.keys.done",
    "counter.problem": "counter.keys.problem",
    "counter.step_back": "counter.keys.back",
    "counter.enlarge": "counter.keys.enlarge",
    "counter.paste_qr": "counter.keys.paste_qr",
    "counter.retry": "counter.keys.retry",
    "counter.continue": "counter.keys.continue",
    "counter.failed": "counter.keys.failed",
    "counter.pending": "counter.keys.pending",
    "counter.referred": "counter.keys.referred",
    "counter.outcome_back": "counter.keys.back",
    "counter.print": "counter.keys.print",
    "counter.under_age": "counter_visit.keys.under_age",
    "counter.picker_cancel": "counter.keys.cancel",
    "counter.picker_choose": "counter.keys.choose",
    "leave.leave": "counter_visit.keys.leave",
    "leave.stay": "counter_visit.keys.stay",
    "open.resume": "counter_visit.keys.resume",
    "open.close": "counter_visit.keys.close",
    "open.void": "counter_visit.keys.void",
    "open.back": "counter_visit.keys.stay",
    "void.confirm": "counter_visit.keys.void_confirm",
    "void.cancel": "counter_visit.keys.stay",
    "qr.enlarge": "qr.enlarge",
    "qr.enlarge_enter": "qr.enlarge",
    "qr.close": "qr.close",
    "qr.close_f": "qr.close",
    "qr.close_enter": "qr.close",
    # supervisor screens
    "prompt.cancel": "supervisor.keys.cancel",
    "confirm.yes": "supervisor.keys.yes",
    "confirm.no": "supervisor.keys.no",
    "detail.correct": "supervisor.keys.correct",
    "detail.close_abandoned": "lifecycle.keys.close_abandoned",
    "detail.void": "lifecycle.keys.void",
    "detail.back": "supervisor.keys.back",
    "sup.log": "supervisor.keys.log",
    "sup.followup": "supervisor.keys.followup",
    "sup.prev": "supervisor.keys.prev",
    "sup.next": "supervisor.keys.next",
    "sup.day": "supervisor.keys.day",
    "sup.close": "supervisor.keys.close",
    "sup.reopen": "supervisor.keys.reopen",
    "sup.export": "supervisor.keys.export",
    "sup.bundle": "supervisor.keys.bundle",
    "sup.coverage": "coverage.keys.coverage",
    "sup.refresh": "supervisor.keys.refresh",
    "log.open": "supervisor.keys.open",
    "log.sort": "supervisor.keys.sort",
    "log.reverse": "supervisor.keys.reverse",
    "log.clear": "supervisor.keys.clear",
    "log.back": "supervisor.keys.back",
    "fu.contacted": "supervisor.keys.contacted",
    "fu.resolved": "supervisor.keys.resolved",
    "fu.open": "supervisor.keys.open",
    "fu.back": "supervisor.keys.back",
    "corr.save": "supervisor.keys.save",
    "corr.cancel": "supervisor.keys.cancel",
    "aband.save": "lifecycle.keys.close_them",
    "aband.cancel": "supervisor.keys.cancel",
    "cov.level": "coverage.keys.level",
    "cov.plan": "coverage.keys.plan",
    "cov.pdf": "coverage.keys.pdf",
    "cov.back": "coverage.keys.back",
    "plan.start": "coverage.keys.start",
    "plan.level": "coverage.keys.level",
    "plan.back": "coverage.keys.back",
}


def register_labels(texts: dict[str, str]) -> None:
    """Add footer labels (binding id -> catalog key) for bindings defined elsewhere."""
    LABELS.update(texts)


def label(app: Any, binding_id: str | None) -> str | None:
    """The footer text of a binding in the app's language, or None (no label by convention,
    or an app without ``t``)."""
    key = LABELS.get(binding_id or "")
    translate = getattr(app, "t", None)
    if key is None or not callable(translate):
        return None
    return str(translate(key))


def with_labels(app: Any, active: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """``active`` (Textual's active bindings) with the catalog's footer texts."""
    out: dict[str, ActiveBinding] = {}
    for key, item in active.items():
        text = label(app, item.binding.id)
        if text is not None and text != item.binding.description:
            item = item._replace(binding=replace(item.binding, description=text))
        out[key] = item
    return out


class CatalogKeys:
    """Mixin for screens (put it before ``Screen``/``ModalScreen``): the footer, the key list
    and Textual's help show each binding's label from the catalog (:data:`LABELS`)."""

    app: Any

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return with_labels(self.app, super().active_bindings)  # type: ignore[misc]


def legend_rows(app: Any) -> list[tuple[str, str]]:
    """(key as shown, its one meaning) for every key of the map, in the user's language."""
    return [(_show(app, m.key), str(app.t(m.legend))) for m in MEANINGS]


def _show(app: Any, key: str) -> str:
    if "/" in key or "-" in key:
        return (
            key.replace("up", "↑").replace("down", "↓").replace("left", "←").replace("right", "→")
        )
    from textual.binding import Binding

    return str(app.get_key_display(Binding(key, "")))


def after_typed_input(screen: Screen, action: Callable[[], object]) -> None:
    """Run ``action`` once the focused Input has handled every key already sent to it.

    A priority Enter binding runs in the app's queue as soon as Enter arrives, while the
    characters typed just before it (a fast typist, a barcode scanner, a paste) may still wait in
    the Input's own queue. Scheduling through the Input keeps the order the person typed.
    """
    focused = screen.focused
    if isinstance(focused, Input):
        focused.call_later(action)
    else:
        action()
