"""Supervisor: officer accounts from the app (issue 14): list, add, reset a PIN, unlock,
disable / enable.

Thin over ``services.accounts`` (the CLI ``officer`` commands' services, with their rules: PIN
policy, user names, never the last active supervisor disabled). Every change is asked once more
in a confirm dialog and audited as the supervisor who made it. The screen holds
``OfficerView`` rows only; database work runs in worker threads (``SupervisorBase.run_service``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input

from counter.errors import UserError, describe
from counter.services.accounts import ROLES, OfficerView, check_pin, check_username
from counter.tui.screens.supervisor.base import SupervisorBase
from counter.tui.screens.supervisor.base import localize as _localize
from counter.tui.screens.supervisor.modals import ConfirmModal
from counter.tui.widgets.literal import DataTable, Label, Select, Static

_PIN_LEN = 6
_NAME_LEN = 80


def role_word(app: Any, role: str) -> str:
    return str(app.t(f"account.role_{role}")) if role in ROLES else role


def state_word(app: Any, o: OfficerView) -> str:
    words = [app.t("office.accounts.state_active" if o.active else "ui_office.flag_disabled")]
    if o.locked:
        words.append(app.t("ui_office.flag_locked"))
    return ", ".join(words)


def palette_commands(app: Any) -> Iterator[SystemCommand]:
    """The command list's (Ctrl+P) entries for the office screens (a supervisor's only)."""
    from counter.tui.screens.registry_import import RegistryImportScreen

    yield SystemCommand(
        app.t("office.palette.accounts"),
        app.t("office.palette.accounts_help"),
        lambda: app.push_screen(AccountsScreen()),
    )
    yield SystemCommand(
        app.t("office.palette.registry"),
        app.t("office.palette.registry_help"),
        lambda: app.push_screen(RegistryImportScreen()),
    )


def _create(ctx: Any, values: dict[str, str], by: Any) -> None:
    """Add the account; the screen gets no ORM row back (it reloads the OfficerViews)."""
    from counter.services import accounts

    accounts.create_officer(
        ctx,
        values["username"],
        values["pin"],
        role=values["role"],
        full_name=values["full_name"],
        by=by,
    )


class _PinFields:
    """Two masked PIN fields: the same six digits twice, the service's PIN rule."""

    app: Any

    def pin_fields(self) -> ComposeResult:
        t = self.app.t
        yield Static(t("office.accounts.pin"), classes="field-label")
        yield Input(
            id="acc-pin",
            password=True,
            max_length=_PIN_LEN,
            restrict=r"\d*",
            placeholder="••••••",
            compact=True,
        )
        yield Static(t("office.accounts.pin_again"), classes="field-label")
        yield Input(
            id="acc-pin2",
            password=True,
            max_length=_PIN_LEN,
            restrict=r"\d*",
            placeholder="••••••",
            compact=True,
        )

    def pin_problem(self) -> str | None:
        q = self.query_one  # type: ignore[attr-defined]
        pin, again = q("#acc-pin", Input).value, q("#acc-pin2", Input).value
        try:
            check_pin(pin)
        except UserError as e:
            return e.message(self.app.settings.lang)
        if pin != again:
            return str(self.app.t("account.pin_mismatch"))
        return None


class AddOfficerModal(_PinFields, ModalScreen[dict[str, str] | None]):
    """User name, display name, role, PIN twice; returns the values (not yet saved)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="accadd.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="accadd.cancel"),
    ]
    DEFAULT_CSS = """
    AddOfficerModal { align: center middle; }
    AddOfficerModal > Vertical { width: 64; max-width: 100%; height: auto; max-height: 100%;
        border: round $primary; padding: 0 1; background: $surface; }
    AddOfficerModal Input, AddOfficerModal Select { width: 100%; margin-bottom: 1; }
    AddOfficerModal .field-label, PinModal .field-label { width: 100%; height: auto; }
    AddOfficerModal .box-title { margin-top: 0; }
    """

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical():
            yield Label(t("office.accounts.add_title"), classes="box-title")
            yield Static(t("office.accounts.username"), classes="field-label")
            yield Input(id="acc-username", max_length=32, restrict=r"[a-z0-9._]*", compact=True)
            yield Static(t("office.accounts.full_name"), classes="field-label")
            yield Input(id="acc-fullname", max_length=_NAME_LEN, compact=True)
            yield Static(t("office.accounts.role"), classes="field-label")
            yield Select(
                [(role_word(self.app, r), r) for r in ROLES],
                value="officer",
                allow_blank=False,
                id="acc-role",
                compact=True,
            )
            yield from self.pin_fields()
            yield Label("", id="acc-form-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        _localize(
            self, {"accadd.save": "office.keys.save", "accadd.cancel": "supervisor.keys.cancel"}
        )

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "acc-pin2":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        username = self.query_one("#acc-username", Input).value.strip()
        problem: str | None = None
        try:
            check_username(username)
        except UserError as e:
            problem = e.message(self.app.settings.lang)
        problem = problem or self.pin_problem()
        if problem:
            self.query_one("#acc-form-error", Label).update(problem)
            return
        role = self.query_one("#acc-role", Select).value
        self.dismiss(
            {
                "username": username,
                "full_name": self.query_one("#acc-fullname", Input).value.strip(),
                "role": str(role),
                "pin": self.query_one("#acc-pin", Input).value,
            }
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class PinModal(_PinFields, ModalScreen[str | None]):
    """A new PIN for one account, typed twice; returns it (not yet saved)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="accpin.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="accpin.cancel"),
    ]
    DEFAULT_CSS = """
    PinModal { align: center middle; }
    PinModal > Vertical { width: 60; max-width: 100%; height: auto;
        border: round $primary; padding: 0 1; background: $surface; }
    PinModal Input { width: 100%; margin-bottom: 1; }
    PinModal .box-title { margin-top: 0; }
    """

    def __init__(self, officer: OfficerView) -> None:
        super().__init__()
        self.officer = officer

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical():
            yield Label(
                t("office.accounts.pin_title", username=self.officer.username),
                classes="box-title",
            )
            yield from self.pin_fields()
            yield Label("", id="acc-form-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        _localize(
            self, {"accpin.save": "office.keys.save", "accpin.cancel": "supervisor.keys.cancel"}
        )

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "acc-pin2":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        problem = self.pin_problem()
        if problem:
            self.query_one("#acc-form-error", Label).update(problem)
            return
        self.dismiss(self.query_one("#acc-pin", Input).value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AccountsScreen(SupervisorBase, Screen[None]):  # SupervisorBase.app
    """The office's accounts; keys act on the highlighted row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="acc.add"),
        Binding("p", "reset_pin", "New PIN", id="acc.pin"),
        Binding("u", "unlock", "Unlock", id="acc.unlock"),
        Binding("x", "toggle_active", "Disable", id="acc.toggle"),
        Binding("escape", "back", "Back", id="acc.back"),
    ]
    DEFAULT_CSS = """
    AccountsScreen #acc-table { height: 1fr; }
    AccountsScreen #acc-result { height: auto; padding: 0 1; }
    AccountsScreen #acc-hint { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[OfficerView] = []

    def compose(self) -> ComposeResult:
        if not self.allowed:
            yield from self.refused()
            return
        yield Static(self.t("office.accounts.title"), id="acc-title", classes="title-bar")
        yield DataTable(id="acc-table", cursor_type="row", zebra_stripes=True)
        yield Static(self.t("office.accounts.hint"), id="acc-hint")
        yield Static("", id="acc-result")
        yield Footer()

    def on_mount(self) -> None:
        if not self.allowed:
            return
        _localize(
            self,
            {
                "acc.add": "office.keys.add",
                "acc.pin": "office.keys.pin",
                "acc.unlock": "office.keys.unlock",
                "acc.toggle": "office.keys.disable",
                "acc.back": "supervisor.keys.back",
            },
        )
        self.load()

    # data ---------------------------------------------------------------------------------
    def load(self, keep: str | None = None) -> None:
        from counter.services import accounts

        ctx = self.app.ctx
        self.run_service(
            lambda: accounts.list_officers(ctx),  # type: ignore[arg-type]
            lambda r: self.show(r, keep),
            "acc",
        )

    def show(self, rows: list[OfficerView], keep: str | None = None) -> None:
        table = self.query_one("#acc-table", DataTable)
        current = keep or (self.selected.username if self.selected else None)
        self.rows = rows
        table.clear(columns=True)  # the widths follow the words shown now
        for key in ("username", "full_name", "role", "state"):
            table.add_column(self.t(f"office.accounts.col_{key}"), key=key)
        for o in rows:
            table.add_row(
                o.username,
                o.full_name or "-",
                role_word(self.app, o.role),
                state_word(self.app, o),
                key=o.username,
            )
        names = [o.username for o in rows]
        if current in names:
            table.move_cursor(row=names.index(current))
        self.relabel()

    @property
    def selected(self) -> OfficerView | None:
        if not self.rows or not self.is_mounted:
            return None
        row = self.query_one("#acc-table", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.relabel()

    def relabel(self) -> None:
        o = self.selected  # x disables an active account, enables a disabled one
        key = "office.keys.enable" if o is not None and not o.active else "office.keys.disable"
        _localize(self, {"acc.toggle": key})
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        o = self.selected
        if action in ("reset_pin", "unlock", "toggle_active"):
            if o is None:
                return False
            if action == "unlock":
                return o.locked
        return True

    def result(self, text: str, error: bool = False) -> None:
        w = self.query_one("#acc-result", Static)
        w.update(text)
        w.set_class(error, "error")

    def service_failed(self, error: Exception) -> None:
        self.app.log.error(f"accounts: {error!r}")
        self.result(describe(error, self.app.settings.lang), error=True)

    def _confirmed(
        self, title: str, body: str, work: Callable[[], Any], done: Callable[[Any], str], keep: str
    ) -> None:
        """Ask, then run ``work`` in a thread; ``done(result)`` is the message shown after."""

        def answer(yes: bool | None) -> None:
            if not yes:
                self.result(self.t("office.accounts.cancelled"))
                return

            def finished(res: Any) -> None:
                self.result(done(res))
                self.load(keep)

            self.run_service(work, finished, "acc-change")

        self.app.push_screen(ConfirmModal(title, body), answer)

    # keys ---------------------------------------------------------------------------------
    def action_add(self) -> None:

        ctx, me, t = self.app.ctx, self.app.officer, self.t

        def filled(values: dict[str, str] | None) -> None:
            if not values:
                return
            role = role_word(self.app, values["role"])
            self._confirmed(
                t("office.accounts.add_title"),
                t(
                    "office.accounts.confirm_add",
                    username=values["username"],
                    name=values["full_name"] or "-",
                    role=role,
                ),
                lambda: _create(ctx, values, me),
                lambda _: t("account.created", username=values["username"], role=role),
                values["username"],
            )

        self.app.push_screen(AddOfficerModal(), filled)

    def action_reset_pin(self) -> None:
        from counter.services import accounts

        o = self.selected
        if o is None:
            return
        ctx, me, t = self.app.ctx, self.app.officer, self.t

        def typed(pin: str | None) -> None:
            if not pin:
                return
            self._confirmed(
                t("office.accounts.pin_title", username=o.username),
                t("office.accounts.confirm_pin", username=o.username, name=o.full_name or "-"),
                lambda: accounts.set_pin(ctx, o.username, pin, by=me),  # type: ignore[arg-type]
                lambda _: t("account.pin_set_ok", username=o.username),
                o.username,
            )

        self.app.push_screen(PinModal(o), typed)

    def action_unlock(self) -> None:
        from counter.services import accounts

        o = self.selected
        if o is None or not o.locked:
            return
        ctx, me, t = self.app.ctx, self.app.officer, self.t
        self._confirmed(
            t("office.accounts.unlock_title"),
            t("office.accounts.confirm_unlock", username=o.username, name=o.full_name or "-"),
            lambda: accounts.unlock(ctx, o.username, by=me),  # type: ignore[arg-type]
            lambda changed: t(
                "office.accounts.unlocked" if changed else "office.accounts.not_locked",
                username=o.username,
            ),
            o.username,
        )

    def action_toggle_active(self) -> None:
        from counter.services import accounts

        o = self.selected
        if o is None:
            return
        active = not o.active
        ctx, me, t = self.app.ctx, self.app.officer, self.t
        which = "enable" if active else "disable"
        self._confirmed(
            t(f"office.accounts.{which}_title"),
            t(f"office.accounts.confirm_{which}", username=o.username, name=o.full_name or "-"),
            lambda: accounts.set_active(ctx, o.username, active, by=me),  # type: ignore[arg-type]
            lambda _: t(
                "account.enabled_ok" if active else "account.disabled_ok", username=o.username
            ),
            o.username,
        )

    def action_back(self) -> None:
        self.app.pop_screen()
