"""The lock screen: shown over everything after the idle time; only the same officer's PIN opens it.

It is an opaque screen pushed on top of the current one, so what was underneath (an open visit,
typed fields) stays as it was and nothing of it shows while locked. The PIN goes through
``accounts.authenticate``: wrong PINs count towards the account's lockout and are audited. F8
(the app's log out) leaves instead; an unfinished visit is then offered at the next login.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input

from counter.errors import describe
from counter.tui.keys import CatalogKeys, after_typed_input
from counter.tui.widgets.literal import Label, Static


class LockScreen(CatalogKeys, Screen[None]):
    """Pushed by ``CounterApp.lock`` (footer text from ``counter.tui.keys.LABELS``); calls
    ``CounterApp.unlock`` once the PIN was right. It does not import the app module (no cycle)."""

    AUTO_FOCUS = "#lock-pin"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "unlock", "Unlock", id="lock.unlock", show=True, priority=True),
    ]
    DEFAULT_CSS = """
    LockScreen #lock-box { margin-top: 2; }
    LockScreen #lock-box Input { width: 100%; }
    LockScreen #lock-box .box-title { margin-top: 0; }
    LockScreen #lock-box Static { width: 100%; height: auto; }
    """

    def __init__(self, officer: Any) -> None:
        super().__init__()
        self.officer = officer
        self._busy = False

    def compose(self) -> ComposeResult:
        t, o = self.app.t, self.officer
        yield Static(t("tui.title"), id="lock-title-bar", classes="title-bar")
        with Center(), Vertical(id="lock-box", classes="box"):
            yield Label(t("retention.lock.title"), id="lock-heading", classes="box-title")
            yield Label(
                t("retention.lock.officer", name=o.full_name or o.username, username=o.username),
                id="lock-officer",
                markup=False,
            )
            yield Label(t("retention.lock.why"), id="lock-why", classes="field-label")
            yield Label(
                t("retention.lock.pin", username=o.username), markup=False, classes="field-label"
            )
            yield Input(id="lock-pin", password=True, max_length=6, restrict=r"\d*")
            yield Label("", id="lock-error", classes="err-text", markup=False)
            yield Label(t("retention.lock.hint"), id="lock-hint", classes="field-label")
        yield Footer()

    def show_error(self, text: str) -> None:
        self.query_one("#lock-error", Label).update(text)

    def action_unlock(self) -> None:
        after_typed_input(self, self._submit)

    def _submit(self) -> None:
        if self._busy:
            return
        pin = self.query_one("#lock-pin", Input).value
        if not pin:
            self.show_error(self.app.t("retention.lock.empty_pin"))
            return
        self._busy = True
        self.show_error(self.app.t("retention.lock.checking"))
        self._check(pin)

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def _check(self, pin: str) -> None:
        from counter.services.accounts import authenticate

        app = self.app
        try:
            assert app.ctx is not None
            who = authenticate(app.ctx, self.officer.username, pin)
        except Exception as e:  # noqa: BLE001 - wrong PIN, lockout, storage: all shown
            app.call_from_thread(self._failed, describe(e, app.settings.lang))
            return
        app.call_from_thread(self._succeeded, who)

    def _failed(self, text: str) -> None:
        self._busy = False
        self.show_error(text)
        pin = self.query_one("#lock-pin", Input)
        pin.value = ""
        pin.focus()

    def _succeeded(self, who: Any) -> None:
        self._busy = False
        self.query_one("#lock-pin", Input).value = ""
        self.app.unlock(self, who)
