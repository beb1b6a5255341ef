"""Login screen: username and masked PIN; wrong PINs count towards the 15-minute lockout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input

from counter.errors import describe
from counter.tui.formats import fmt_date
from counter.tui.keys import CatalogKeys, after_typed_input
from counter.tui.widgets.literal import Label, Static

if TYPE_CHECKING:
    from counter.tui.shell import Shell


class LoginScreen(CatalogKeys, Screen[None]):
    """The default screen of the app: who is at the counter."""

    app: Shell  # type: ignore[assignment]
    DEFAULT_CSS = """
    LoginScreen #login-box Input { width: 100%; }
    LoginScreen .demo-account, LoginScreen .demo-nik { color: $text; }
    LoginScreen #demo-columns { height: auto; }
    LoginScreen #demo-accounts { width: 1fr; height: auto; }
    LoginScreen #demo-niks { width: auto; height: auto; margin-left: 2; }
    LoginScreen #demo-banner { width: 100%; color: $warning; }
    """
    AUTO_FOCUS = "#username"
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: handled before the focused Input, so the footer shows it too
        Binding("enter", "submit", "Log in", id="login.submit", show=True, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._busy = False
        self._ready = False

    def compose(self) -> ComposeResult:
        t = self.app.t
        yield Static(t("tui.title"), id="title-bar", classes="title-bar")
        yield Static(self._office_line(), id="office-line")
        with Center():
            with Vertical(id="login-box", classes="box"):
                yield Label(t("tui.login.heading"), id="login-heading", classes="box-title -first")
                yield Label(t("tui.login.username"), id="username-label", classes="field-label")
                yield Input(
                    placeholder=t("tui.login.username_placeholder"),
                    id="username",
                    max_length=32,
                    restrict=r"[A-Za-z0-9._]*",
                )
                yield Label(t("tui.login.pin"), id="pin-label", classes="field-label")
                yield Input(id="pin", password=True, max_length=6, restrict=r"\d*")
                yield Label("", id="login-error", classes="err-text")
        if self.app.demo_accounts:
            with Center():
                with Vertical(id="demo-box", classes="box -secondary"):
                    with Horizontal(id="demo-columns"):
                        with Vertical(id="demo-accounts"):
                            yield Label(t("tui.login.demo_title"), classes="box-title -first")
                            for user, pin, role in self.app.demo_accounts:
                                yield Label(
                                    f"{user:<6} {pin} {t('tui.login.demo_' + role)}",
                                    classes="demo-account",
                                )
                        if self.app.demo_niks:
                            with Vertical(id="demo-niks"):
                                yield Label(t("demo.nik_title"), classes="box-title -first")
                                for nik, kind in self.app.demo_niks:
                                    yield Label(
                                        f"{nik} {t('demo.nik_' + kind)}", classes="demo-nik"
                                    )
                    yield Label(t("tui.demo_banner"), id="demo-banner")
        yield Footer()

    def _office_line(self) -> str:
        s = self.app.settings
        return self.app.t(
            "tui.login.office",
            office=s.office_name,
            counter=s.counter_id,
            date=fmt_date(self.app.today(), s.lang),
        )

    def refresh_texts(self) -> None:
        """Re-draw the texts after the set-up wizard changed the office or the language."""
        t = self.app.t
        self.query_one("#office-line", Static).update(self._office_line())
        self.query_one("#login-heading", Label).update(t("tui.login.heading"))
        self.query_one("#username-label", Label).update(t("tui.login.username"))
        self.query_one("#pin-label", Label).update(t("tui.login.pin"))
        self.query_one("#username", Input).placeholder = t("tui.login.username_placeholder")
        self.refresh_bindings()

    def on_mount(self) -> None:
        if self.app.ctx is not None and self.app.officer_count is not None:
            self._ready = True
        elif self.app.ctx is None:
            self.query_one("#login-error", Label).update(self.app.t("tui.loading"))

    # Called by the app ---------------------------------------------------------------------
    def db_ready(self) -> None:
        self._ready = True
        err = self.query_one("#login-error", Label)
        if str(err.content) == self.app.t("tui.loading"):
            err.update("")

    def show_error(self, text: str) -> None:
        self.query_one("#login-error", Label).update(text)

    def reset(self, username: str = "") -> None:
        self._busy = False
        self.refresh_texts()
        self.query_one("#username", Input).value = username
        self.query_one("#pin", Input).value = ""
        self.show_error("")
        self.query_one("#pin" if username else "#username", Input).focus()

    # Actions -------------------------------------------------------------------------------
    def action_submit(self) -> None:
        """Enter: from a filled username with no PIN yet go to the PIN, otherwise log in."""
        after_typed_input(self, self._submit)

    def _submit(self) -> None:
        if self._busy:
            return
        focused = self.focused
        if (
            isinstance(focused, Input)
            and focused.id == "username"
            and focused.value.strip()
            and not self.query_one("#pin", Input).value
        ):
            self.query_one("#pin", Input).focus()
            return
        username = self.query_one("#username", Input).value.strip().lower()
        pin = self.query_one("#pin", Input).value
        if not username:
            self.show_error(self.app.t("tui.login.empty_username"))
            self.query_one("#username", Input).focus()
            return
        if not pin:
            self.show_error(self.app.t("tui.login.empty_pin"))
            self.query_one("#pin", Input).focus()
            return
        self._busy = True
        self.show_error(self.app.t("tui.login.checking"))
        self._authenticate(username, pin)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def _authenticate(self, username: str, pin: str) -> None:
        from counter.services.accounts import AccountError, authenticate

        app = self.app
        app.ctx_done.wait()
        if app.ctx is None:
            app.call_from_thread(
                self._failed, app.t("tui.db_error", detail=str(app.ctx_error or ""))
            )
            return
        try:
            officer = authenticate(app.ctx, username, pin)
        except AccountError as e:
            app.call_from_thread(self._failed, e.message(app.settings.lang))
            return
        except Exception as e:  # noqa: BLE001 - storage errors carry a message for the user
            app.call_from_thread(self._failed, describe(e, app.settings.lang))
            return
        app.call_from_thread(self._succeeded, officer)

    def _failed(self, text: str) -> None:
        self._busy = False
        self.show_error(text)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def _succeeded(self, officer: Any) -> None:
        self._busy = False
        self.query_one("#pin", Input).value = ""
        self.show_error("")
        self.app.login_done(officer)
