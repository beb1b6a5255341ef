"""First-run set-up: office settings (written to the config file) and the first supervisor."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input

from counter.errors import describe
from counter.tui.keys import CatalogKeys
from counter.tui.widgets.literal import Label, Select, Static

if TYPE_CHECKING:
    from counter.tui.shell import Shell

_CODE = re.compile(r"^\d{2,16}$")
_COUNTER = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# field id -> catalog key of its label
FIELDS = (
    ("office_name", "tui.setup.office_name"),
    ("office_code", "tui.setup.office_code"),
    ("counter_id", "tui.setup.counter_id"),
    ("username", "tui.setup.username"),
    ("full_name", "tui.setup.full_name"),
    ("pin", "tui.setup.pin"),
    ("pin_again", "tui.setup.pin_again"),
)


class SetupScreen(CatalogKeys, Screen[str]):
    """Dismissed with the new supervisor's username."""

    app: Shell  # type: ignore[assignment]
    AUTO_FOCUS = "#office_name"
    DEFAULT_CSS = """
    SetupScreen #setup-form { padding: 0 2; }
    SetupScreen #setup-form Input, SetupScreen #setup-form Select { width: 70; max-width: 100%; }
    SetupScreen #setup-intro { width: 100%; margin: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Save", id="setup.save"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        t, s = self.app.t, self.app.settings
        yield Static(t("tui.title") + " · " + t("tui.setup.heading"), classes="title-bar")
        with VerticalScroll(id="setup-form"):
            yield Label(t("tui.setup.intro"), id="setup-intro")
            yield from self._field("office_name", s.office_name, max_length=100)
            yield from self._field("office_code", s.office_code, max_length=16, restrict=r"\d*")
            yield from self._field(
                "counter_id", s.counter_id, max_length=32, restrict=r"[A-Za-z0-9_-]*"
            )
            yield Label(t("tui.setup.language"), classes="field-label")
            yield Select(
                [(t("tui.setup.lang_id"), "id"), (t("tui.setup.lang_en"), "en")],
                value=s.lang,
                allow_blank=False,
                id="lang",
                compact=True,
            )
            yield Label(t("tui.setup.supervisor"), classes="box-title")
            yield from self._field("username", "", max_length=32, restrict=r"[a-z0-9._]*")
            yield from self._field("full_name", "", max_length=100)
            yield from self._field("pin", "", max_length=6, restrict=r"\d*", password=True)
            yield from self._field("pin_again", "", max_length=6, restrict=r"\d*", password=True)
            yield Label("", id="setup-error", classes="err-text")
        yield Footer()

    def _field(self, name: str, value: str, **kw: Any) -> ComposeResult:
        label = dict(FIELDS)[name]
        yield Label(self.app.t(label), classes="field-label")
        yield Input(value=value, id=name, compact=True, **kw)
        yield Label("", id=f"{name}-error", classes="field-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "pin_again":
            self.action_save()
        else:
            self.focus_next()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value in ("id", "en") and event.value != self.app.settings.lang:
            self.app.set_language(str(event.value))
            self._relabel()

    def _relabel(self) -> None:
        """Re-draw the texts in the newly chosen language, keeping what was typed."""
        t = self.app.t
        labels = list(self.query(".field-label").results(Label))
        keys = [k for _, k in FIELDS[:3]] + ["tui.setup.language"] + [k for _, k in FIELDS[3:]]
        for w, key in zip(labels, keys, strict=False):
            w.update(t(key))
        self.query_one("#setup-intro", Label).update(t("tui.setup.intro"))
        self.query_one(".box-title", Label).update(t("tui.setup.supervisor"))
        self.query_one(".title-bar", Static).update(t("tui.title") + " · " + t("tui.setup.heading"))
        self.refresh_bindings()

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def _errors(self) -> dict[str, str]:
        from counter.services.accounts import AccountError, check_pin, check_username

        lang = self.app.settings.lang
        t = self.app.t
        errors: dict[str, str] = {}
        if not self._value("office_name"):
            errors["office_name"] = t("tui.setup.err_office_name")
        if not _CODE.match(self._value("office_code")):
            errors["office_code"] = t("tui.setup.err_office_code")
        if not _COUNTER.match(self._value("counter_id")):
            errors["counter_id"] = t("tui.setup.err_counter_id")
        try:
            check_username(self._value("username"))
        except AccountError as e:
            errors["username"] = e.message(lang)
        try:
            check_pin(self._value("pin"))
        except AccountError as e:
            errors["pin"] = e.message(lang)
        if "pin" not in errors and self._value("pin") != self._value("pin_again"):
            errors["pin_again"] = t("tui.setup.err_pin_again")
        return errors

    def _field_error(self, name: str, text: str) -> None:
        label = self.query_one(f"#{name}-error", Label)
        label.update(text)
        label.set_class(bool(text), "-shown")

    def action_save(self) -> None:
        if self._busy:
            return
        errors = self._errors()
        for name, _ in FIELDS:
            self._field_error(name, errors.get(name, ""))
            self.query_one(f"#{name}", Input).set_class(name in errors, "-invalid")
        if errors:
            self.query_one(f"#{next(iter(errors))}", Input).focus()
            self.query_one("#setup-error", Label).update("")
            return
        self._busy = True
        self.query_one("#setup-error", Label).update(self.app.t("tui.setup.saving"))
        values = {
            "office.name": self._value("office_name"),
            "office.code": self._value("office_code"),
            "office.counter": self._value("counter_id"),
            "ui.lang": self.app.settings.lang,
        }
        self._save(values, self._value("username"), self._value("full_name"), self._value("pin"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="setup")
    def _save(self, values: dict[str, str], username: str, full_name: str, pin: str) -> None:
        from dataclasses import replace

        from counter.config import default_config_file, write_settings
        from counter.services import accounts, recovery

        app = self.app
        try:
            app.ctx_done.wait()
            if app.ctx is None:
                raise RuntimeError(str(app.ctx_error or "database not open"))
            path = (
                Path(app.settings.config_file)
                if app.settings.config_file
                else default_config_file()
            )
            write_settings(path, values)
            new = replace(
                app.settings,
                office_name=values["office.name"],
                office_code=values["office.code"],
                counter_id=values["office.counter"],
                lang=values["ui.lang"],
                config_file=str(path),
            )
            app.settings = new
            app.ctx.settings = replace(
                app.ctx.settings,
                office_name=new.office_name,
                office_code=new.office_code,
                counter_id=new.counter_id,
                lang=new.lang,
            )
            # the first supervisor and the one-time recovery code for a lost PIN, in one
            # transaction (two set-ups at once make one account), as `ikd-counter init` does
            _, code = recovery.init_first_supervisor(app.ctx, username, pin, full_name=full_name)
        except accounts.AccountError as e:
            app.call_from_thread(self._failed, "username", e.message(app.settings.lang))
            return
        except Exception as e:  # noqa: BLE001 - config/storage errors: shown, user can retry
            app.call_from_thread(self._failed, "", describe(e, app.settings.lang))
            return
        app.call_from_thread(self._saved, username, str(path), code)

    def _failed(self, field: str, text: str) -> None:
        self._busy = False
        if field:
            self._field_error(field, text)
            self.query_one(f"#{field}", Input).focus()
            self.query_one("#setup-error", Label).update("")
        else:
            self.query_one("#setup-error", Label).update(text)

    def _saved(self, username: str, path: str, code: str) -> None:
        self._busy = False
        office = self.app.settings.office_name

        def done(_: object = None) -> None:
            self.app.notify(
                self.app.t("tui.setup.done", office=office, username=username), timeout=6
            )
            self.dismiss(username)

        self.app.push_screen(RecoveryCodeScreen(code), done)


class RecoveryCodeScreen(CatalogKeys, ModalScreen[None]):
    """The first supervisor's recovery code, shown once: written down before going on."""

    app: Shell  # type: ignore[assignment]
    DEFAULT_CSS = """
    RecoveryCodeScreen { align: center middle; }
    RecoveryCodeScreen > VerticalScroll { width: 64; max-width: 100%; height: auto;
        max-height: 90%; border: round $warning; background: $surface; padding: 0 1; }
    RecoveryCodeScreen #recovery-code { text-style: bold; content-align: center middle;
        width: 100%; margin: 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "close", show=False)]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        t = self.app.t
        with VerticalScroll():
            yield Label(t("auth.recovery.setup_title"), classes="box-title")
            yield Static(self.code, id="recovery-code")
            yield Static(t("auth.recovery.setup_hint"))

    def action_close(self) -> None:
        self.dismiss(None)
