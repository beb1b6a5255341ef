"""The Textual application shell: start-up, set-up wizard, login, modes, themes, resume prompt.

Contract for the screens that plug in (counter, supervisor, widgets):

* Build the app only with :func:`make_app` (the CLI and every test do).
* ``app.ctx`` is the services :class:`~counter.services.context.Context` (``None`` only for the
  first moments of a real start, while the database opens in a thread; always set after login).
* ``app.officer`` is the logged-in account, a ``services.accounts.OfficerView`` (no PIN hash;
  ``None`` before login / after logout).
* ``app.t(key, **kw)`` translates through the catalog of the configured language.
* After login the app adds two Textual *modes*: ``"counter"`` (base screen
  ``counter.tui.screens.counter.CounterScreen()``) for everyone and ``"supervisor"`` (base screen
  ``counter.tui.screens.supervisor.SupervisorHome()``) for supervisors only. Officers start in
  counter mode, supervisors in supervisor mode; F7 switches mode (supervisors only).
* Supervisor-only screens set the class attribute ``SUPERVISOR_ONLY = True``: ``push_screen`` and
  ``switch_mode`` refuse them for officers (one guard: :meth:`CounterApp.require_supervisor`).
  The command palette only offers theme, log out, quit, keys and (for supervisors) modes.
* Resume after a crash: after login, when ``services.visits.unfinished(ctx, officer.id)`` is not
  empty, a modal lists the visits. Choosing "resume" switches to counter mode and calls
  ``CounterScreen.resume(visit)`` with the ``Visit`` row (its ``current_step`` is the step it was
  on; ``services.visits.timeline`` has its events). ``resume`` must show that visit at that step
  and carry on recording events on it. Closing records ``finish_visit(..., reason="interrupted")``.
* App-wide keys: F7 mode, F8 log out, F9 theme (remembered in the database, settings_store key
  ``"theme"``), Ctrl+Q quit, Ctrl+P command palette. Screens should not rebind these.
* Idle lock: every key, click and scroll counts as activity (:meth:`CounterApp.on_event`); once a
  second :meth:`CounterApp.check_idle_lock` compares with ``[security]`` (a supervisor locks
  sooner), shows a countdown banner in the last seconds and then pushes
  ``counter.tui.screens.lock.LockScreen`` over whatever is shown. While locked, mode switches,
  the palette and other screens wait (screens pushed meanwhile appear after the unlock); F8 still
  logs out. ``screen_locked`` / ``screen_unlocked`` are audited.
* After login the lost-laptop warning (``services.unexported``) is shown when it applies.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from textual import events
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.screen import Screen

from counter.config import Settings
from counter.domain.text import printable
from counter.errors import describe
from counter.i18n import catalog
from counter.tui.idle import IdleBanner, IdleWatch, limit_seconds, warning_seconds

if TYPE_CHECKING:
    from counter.services.accounts import OfficerView as Officer  # a view, never the ORM row
    from counter.services.context import Clock, Context

# Rows handed out by the services (the tui layer does not import the ORM models).
Visit = Any

LIGHT_THEME = "textual-light"
DARK_THEME = "textual-dark"
THEME_KEY = "theme"
# Benchmark hook: "shown" exits when the login screen is painted, "ready" when it can log in.
BENCH_ENV = "IKD_COUNTER_BENCH_EXIT"


def _login_screen_factory() -> Screen:
    from counter.tui.screens.login import LoginScreen

    return LoginScreen()


def _system_clock() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


class CounterApp(App[None]):
    """IKD Counter. Build it with :func:`make_app`."""

    CSS_PATH = "app.tcss"
    DEFAULT_MODE = "login"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {"login": _login_screen_factory}
    TITLE = "IKD Counter"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f7", "switch_role_mode", "Mode", id="app.mode"),
        Binding("f8", "logout", "Log out", id="app.logout"),
        Binding("f9", "toggle_theme", "Theme", id="app.theme"),
        Binding("f1", "show_help_panel", "Keys", id="app.keys", show=False),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding(
            "ctrl+p", "command_palette", "Commands", id="app.palette", show=False, priority=True
        ),
        # Focus moves as soon as Tab arrives, before the keys typed after it are handed to a
        # widget: a burst (password manager, macro, scanner with a Tab suffix) such as
        # "siti<Tab>135790<Enter>" then fills each field with its own part.
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        ctx: Context | None = None,
        *,
        demo_accounts: list[tuple[str, str, str]] | None = None,
        demo_niks: list[tuple[str, str]] | None = None,
        mode_screens: dict[str, Callable[[], Screen]] | None = None,
        idle_clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or (ctx.clock if ctx else _system_clock)
        self.ctx: Context | None = ctx
        self.officer: Officer | None = None
        self.demo_accounts = demo_accounts or []
        self.demo_niks = demo_niks or []  # (NIK, kind): sample NIKs shown on the demo login
        self.mode_screens = dict(mode_screens or {})
        self.officer_count: int | None = None
        self.ctx_error: Exception | None = None
        self._ctx_thread: threading.Thread | None = None
        self.ctx_done = threading.Event()  # set once ctx is open (or failed to open)
        if ctx is not None:
            self.ctx_done.set()
        self._bench = os.environ.get(BENCH_ENV, "")
        self.idle = IdleWatch(idle_clock)
        self.locked = False
        self._held: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
        self._banner: IdleBanner | None = None
        super().__init__()
        self.theme = settings.theme if settings.theme in self.available_themes else LIGHT_THEME
        if ctx is None:
            # Opened (SQLAlchemy imported, migrations checked) once the login screen is painted,
            # so the officer sees it at once; a login typed meanwhile waits for it.
            self._ctx_thread = threading.Thread(target=self._open_ctx, name="open-db", daemon=True)

    # Unexpected errors ---------------------------------------------------------------------
    # None: caught on a real terminal, raised under tests (headless), so tests still fail.
    catch_errors: bool | None = None

    def _catching(self) -> bool:
        return self.catch_errors if self.catch_errors is not None else not self.is_headless

    def show_error(self, error: BaseException) -> str:
        """One line on screen for any failure (unexpected ones logged, scrubbed, in the data
        folder's logs); the app keeps running. Returns the text shown."""
        text = describe(error, self.settings.lang)
        self.notify(text, severity="error", timeout=60, markup=False)
        return text

    async def _dispatch_action(self, namespace: Any, action_name: str, params: Any) -> bool:
        """Every key binding's action (app and screens): a failure is shown, the screen stays."""
        try:
            return await super()._dispatch_action(namespace, action_name, params)
        except Exception as error:
            if not self._catching():
                raise
            self.show_error(error)
            return True

    def _register(self, parent: Any, *widgets: Any, **kwargs: Any) -> Any:
        for widget in widgets:
            if isinstance(widget, Screen):
                self._guard_screen(widget)
        return super()._register(parent, *widgets, **kwargs)

    def _guard_screen(self, screen: Screen) -> None:
        """A screen's message handlers (on_..., @on): a failure is shown and the screen keeps
        handling messages (Textual would stop the screen's message loop and exit)."""
        if getattr(screen, "_ikd_guarded", False):
            return
        dispatch = screen._dispatch_message

        async def guarded(message: Any) -> None:
            try:
                await dispatch(message)
            except Exception as error:
                if not self._catching():
                    raise
                self.show_error(error)

        screen._dispatch_message = guarded  # type: ignore[method-assign]
        screen._ikd_guarded = True  # type: ignore[attr-defined]

    def _handle_exception(self, error: Exception) -> None:
        """Textual's last resort (a failed worker, a message handler): instead of exiting with
        a traceback (whose locals would print NIKs), say it on screen and keep running."""
        if not self._catching():
            super()._handle_exception(error)
            return
        from textual.worker import WorkerFailed

        self.show_error(error.error if isinstance(error, WorkerFailed) else error)

    # Language ------------------------------------------------------------------------------
    def t(self, key: str, **kw: object) -> str:
        return catalog(self.settings.lang).t(key, **kw)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice (screens' ``notify`` come here too) is shown literally, never as markup:
        it may carry data (a name, a file name, an error detail)."""
        super().notify(
            printable(message, multiline=True),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def set_language(self, lang: str) -> None:
        self.settings = replace(self.settings, lang=lang)
        if self.ctx is not None:
            self.ctx.settings = replace(self.ctx.settings, lang=lang)
        self.refresh_bindings()  # footer labels are read from the catalog when drawn

    def today(self) -> date:
        return self.clock().astimezone(ZoneInfo(self.settings.timezone)).date()

    # Database ------------------------------------------------------------------------------
    def _open_ctx(self) -> None:
        try:
            from counter.services.context import make_context

            self.ctx = make_context(self.settings, clock=self.clock)
        except Exception as e:  # noqa: BLE001 - shown to the user on the login screen
            self.ctx_error = e
        finally:
            self.ctx_done.set()

    def _ctx_loaded(self) -> None:
        """Runs in a worker thread: wait for the database, read what the start needs."""
        self.ctx_done.wait()
        if self.ctx_error is not None:
            self.call_from_thread(self._show_ctx_error, self.ctx_error)
            return
        assert self.ctx is not None
        try:
            from counter.services.opening import load_the_rest, login_facts

            facts = login_facts(self.ctx)  # SQLAlchemy core: the ORM is not needed yet
        except Exception as e:  # noqa: BLE001 - shown to the user on the login screen
            self.call_from_thread(self._show_ctx_error, e)
            return
        self.call_from_thread(self._db_ready, facts.officers, facts.theme)
        load_the_rest()  # the ORM classes and the PIN hasher, while the officer types

    def _show_ctx_error(self, error: Exception) -> None:
        detail = describe(error, self.settings.lang)
        text = self.t("tui.db_error", detail=detail)
        login = self._login_screen()
        if login is not None:
            login.show_error(text)
        self.notify(text, severity="error", timeout=30)

    def _db_ready(self, count: int, theme: str) -> None:
        self.officer_count = count
        if theme in self.available_themes:
            self.theme = theme
        login = self._login_screen()
        if count == 0:
            from counter.tui.screens.setup import SetupScreen

            self.push_screen(SetupScreen(), self._setup_done)
        if login is not None:
            login.db_ready()
        if self._bench == "ready":
            self.call_after_refresh(self._bench_exit)

    def _setup_done(self, result: object) -> None:
        self.officer_count = 1
        login = self._login_screen()
        if login is not None:
            login.reset(username=str(result or ""))

    # Start ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.set_interval(1.0, self.check_idle_lock, name="idle-lock")
        if self._bench == "shown":
            self.call_after_refresh(self._bench_exit)
            return
        self.call_after_refresh(self._start_ctx)

    def _start_ctx(self) -> None:
        if self._ctx_thread is not None:
            self._ctx_thread.start()
        self.run_worker(self._ctx_loaded, thread=True, exit_on_error=False, name="ctx")

    def _bench_exit(self) -> None:
        """bench/bench_tui.py: write the seconds since IKD_COUNTER_BENCH_T0, then quit."""
        t0, out = os.environ.get("IKD_COUNTER_BENCH_T0"), os.environ.get("IKD_COUNTER_BENCH_OUT")
        if t0 and out:
            with open(out, "a", encoding="utf-8") as fh:
                fh.write(f"{time.time() - float(t0):.4f}\n")
        self.exit()

    def _login_screen(self) -> Any:
        from counter.tui.screens.login import LoginScreen

        stack = self._screen_stacks.get("login", [])
        for screen in stack:
            if isinstance(screen, LoginScreen):
                return screen
        return None

    # Themes --------------------------------------------------------------------------------
    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME
        name = self.t("tui.theme.dark" if self.current_theme.dark else "tui.theme.light")
        self.notify(self.t("tui.theme.changed", name=name), timeout=2)

    def _remember_theme(self, theme: Any) -> None:
        if self.ctx is None:
            return
        from counter.services import settings_store

        try:
            if settings_store.get(self.ctx, THEME_KEY, "") != theme.name:
                settings_store.put(self.ctx, THEME_KEY, theme.name)
        except Exception as e:  # noqa: BLE001 - a theme that is not saved is no reason to stop
            self.log.error(f"theme not saved: {e!r}")

    # Login, modes, guard -------------------------------------------------------------------
    @property
    def is_supervisor(self) -> bool:
        return bool(self.officer is not None and self.officer.role == "supervisor")

    def require_supervisor(self) -> bool:
        """The one guard for supervisor-only things: True, or refuse with a notice."""
        if self.is_supervisor:
            return True
        self.notify(self.t("tui.guard.supervisor_only"), severity="error")
        return False

    def switch_mode(self, mode: str) -> Any:
        if self.locked:
            return AwaitComplete.nothing()
        if mode == "supervisor" and not self.require_supervisor():
            return AwaitComplete.nothing()
        if mode in ("counter", "supervisor") and self.officer is None:
            return AwaitComplete.nothing()
        return super().switch_mode(mode)

    def _refused(self, screen: Any) -> bool:
        if isinstance(screen, str):
            screen = self.SCREENS.get(screen, screen)
        return bool(getattr(screen, "SUPERVISOR_ONLY", False)) and not self.require_supervisor()

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if self._refused(screen):
            return AwaitComplete.nothing()
        if self.locked:  # shown after the unlock, never over the lock screen
            self._held.append((screen, args, kwargs))
            return AwaitComplete.nothing()
        return super().push_screen(screen, *args, **kwargs)

    def switch_screen(self, screen: Any) -> Any:
        if self._refused(screen) or self.locked:
            return AwaitComplete.nothing()
        return super().switch_screen(screen)

    def login_done(self, officer: Officer) -> None:
        """Called by the login screen: add the modes, route by role, offer to resume."""
        self.officer = officer
        self.idle.touch()
        for mode in ("counter", "supervisor"):
            if mode in self._modes:
                self.remove_mode(mode)
        self.add_mode("counter", self.mode_screens.get("counter", self._make_counter))
        if self.is_supervisor:
            self.add_mode("supervisor", self.mode_screens.get("supervisor", self._make_supervisor))
        self.switch_mode("supervisor" if self.is_supervisor else "counter")
        self.refresh_bindings()
        self.run_worker(self._check_unfinished, thread=True, exit_on_error=False, name="unfinished")

    def _make_counter(self) -> Screen:
        from counter.tui.screens.counter import CounterScreen

        return CounterScreen()

    def _make_supervisor(self) -> Screen:
        from counter.tui.screens.supervisor import SupervisorHome

        return SupervisorHome()

    def action_switch_role_mode(self) -> None:
        if self.officer is None or not self.require_supervisor():
            return
        self.switch_mode("counter" if self.current_mode == "supervisor" else "supervisor")

    async def action_logout(self) -> None:
        if self.officer is None:
            return
        # on the lock screen F8 is the answer already (its text says the open visit is kept for
        # resume); elsewhere a visit open on the counter is asked about first
        if self.locked or not self._ask_before_leaving(lambda: self.call_later(self._logout)):
            await self._logout()

    async def action_quit(self) -> None:
        if not self._ask_before_leaving(self.exit):
            await super().action_quit()

    def _ask_before_leaving(self, leave: Callable[[], Any]) -> bool:
        """A visit open on the counter: the counter screen asks first (True; ``leave`` runs
        once confirmed)."""
        screen = self._screen_stacks.get("counter", [None])[0]
        ask = getattr(screen, "ask_before_leaving", None)
        return bool(callable(ask) and ask(leave))

    async def _logout(self) -> None:
        if self.officer is None:
            return
        if self.ctx is not None:
            from counter.services import audit

            officer, ctx = self.officer, self.ctx
            await self._in_thread(
                lambda: audit.log(ctx, "logout", officer, target=officer.username)
            )
        self.officer = None
        self.locked = False
        self._held.clear()
        self._hide_banner()
        await super().switch_mode("login")
        for mode in ("counter", "supervisor"):
            if mode in self._modes:
                await self.remove_mode(mode)
        login = self._login_screen()
        if login is not None:
            login.reset()
        self.refresh_bindings()
        self.notify(self.t("tui.login.logged_out"), timeout=3)

    async def _in_thread(self, fn: Callable[[], Any]) -> Any:
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, fn)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.locked and action in ("switch_role_mode", "command_palette", "show_help_panel"):
            return False
        if action == "switch_role_mode":
            return self.is_supervisor
        if action == "logout":
            return self.officer is not None
        return True

    def action_command_palette(self) -> None:
        """Our command list (in the user's language) instead of Textual's palette."""
        from counter.tui.screens.commands import CommandsScreen

        if not isinstance(self.screen, CommandsScreen):
            self.push_screen(CommandsScreen(self.get_system_commands(self.screen)))

    def action_show_help_panel(self) -> None:
        """Our key list (in the user's language, Esc closes it) instead of Textual's panel."""
        from counter.tui.keys import legend_rows
        from counter.tui.screens.commands import KeysScreen, key_rows

        if not isinstance(self.screen, KeysScreen):
            self.push_screen(KeysScreen(key_rows(self, self.screen), legend_rows(self)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """A restricted palette: no screen or mode an officer may not reach."""
        yield SystemCommand(
            self.t("tui.palette.theme"), self.t("tui.palette.theme"), self.action_toggle_theme
        )
        yield SystemCommand(
            self.t("tui.palette.keys"), self.t("tui.palette.keys_help"), self.action_show_help_panel
        )
        if self.officer is not None:
            yield SystemCommand(
                self.t("tui.palette.counter"),
                self.t("tui.palette.counter_help"),
                lambda: self.switch_mode("counter"),
            )
            if self.is_supervisor:
                yield SystemCommand(
                    self.t("tui.palette.supervisor"),
                    self.t("tui.palette.supervisor_help"),
                    lambda: self.switch_mode("supervisor"),
                )
                from counter.tui.screens.accounts import palette_commands

                yield from palette_commands(self)
            yield SystemCommand(
                self.t("tui.palette.logout"), self.t("tui.palette.logout_help"), self.action_logout
            )
            # a screen's keys its footer leaves out (the supervisor screens' palette_commands)
            yield from getattr(screen, "palette_commands", tuple)()
        yield SystemCommand(
            self.t("tui.palette.quit"), self.t("tui.palette.quit"), self.action_quit
        )

    # Idle lock -----------------------------------------------------------------------------
    _ACTIVITY = (
        events.Key,
        events.MouseDown,
        events.MouseScrollDown,
        events.MouseScrollUp,
        events.Paste,
    )

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, self._ACTIVITY) and not getattr(event, "is_forwarded", False):
            self.note_activity()
        await super().on_event(event)

    def note_activity(self) -> None:
        self.idle.touch()
        self._hide_banner()

    def idle_limit(self) -> int:
        return limit_seconds(self.settings.security, self.is_supervisor)

    def check_idle_lock(self) -> None:
        """Once a second: the countdown in the last seconds, then the lock."""
        if self.officer is None or self.locked:
            self._hide_banner()
            return
        limit = self.idle_limit()
        left = self.idle.remaining(limit)
        if left <= 0:
            self.lock()
        elif left <= warning_seconds(self.settings.security, limit):
            self._show_banner(max(1, int(left + 0.999)))
        else:
            self._hide_banner()

    def _show_banner(self, seconds: int) -> None:
        text = self.t("retention.lock.countdown", seconds=seconds)
        if self._banner is not None and self._banner.parent is self.screen:
            self._banner.update(text)
            return
        self._hide_banner()
        self._banner = IdleBanner(text, id="idle-countdown", markup=False)
        self.screen.mount(self._banner)

    def _hide_banner(self) -> None:
        if self._banner is not None:
            banner, self._banner = self._banner, None
            if banner.is_attached:
                banner.remove()

    def lock(self) -> None:
        """Cover the current screen with the lock screen (audited)."""
        if self.officer is None or self.locked:
            return
        from counter.tui.screens.lock import LockScreen

        self._hide_banner()
        self.locked = True
        officer = self.officer
        self._audit_in_thread(
            "screen_locked",
            officer,
            idle_seconds=int(self.idle.idle_seconds()),
            mode=self.current_mode,
        )
        super().push_screen(LockScreen(officer))

    def unlock(self, lock_screen: Screen, who: Officer) -> None:
        """Called by the lock screen once the same officer's PIN was right."""
        if not self.locked or self.officer is None or who.id != self.officer.id:
            return
        self.locked = False
        self.idle.touch()
        self._audit_in_thread("screen_unlocked", self.officer)
        if self.screen is lock_screen:
            self.pop_screen()
        held, self._held = self._held, []
        for screen, args, kwargs in held:
            self.push_screen(screen, *args, **kwargs)
        self.refresh_bindings()
        self.notify(self.t("retention.lock.unlocked"), timeout=2)

    def _audit_in_thread(self, action: str, officer: Officer, **detail: Any) -> None:
        ctx = self.ctx
        if ctx is None:
            return
        from counter.services import audit

        def job() -> None:
            audit.log(ctx, action, officer, target=officer.username, **detail)

        self.run_worker(job, thread=True, exit_on_error=False, name=action)

    # Resume --------------------------------------------------------------------------------
    def _check_unfinished(self) -> None:
        officer, ctx = self.officer, self.ctx
        if officer is None or ctx is None:
            return
        from counter.services import visits

        rows = visits.unfinished(ctx, officer.id)
        # visits another officer left open at this counter: told, not shown (their data)
        others = sum(
            1
            for v in visits.unfinished(ctx)
            if v.officer_id != officer.id and v.counter_id == ctx.settings.counter_id
        )
        self.call_from_thread(self._after_login_check, officer, rows, others)
        warning = self._laptop_warning(ctx)
        if warning:
            self.call_from_thread(self._show_laptop_warning, officer, warning)

    def _laptop_warning(self, ctx: Context) -> str:
        """The lost-laptop warning text in the UI's language and its number and date forms, or ""
        (runs in the worker thread)."""
        try:
            from counter.services.unexported import unexported

            w = unexported(ctx)
        except Exception as e:  # noqa: BLE001 - a warning that cannot be read stops nothing
            self.log.error(f"unexported check failed: {e!r}")
            return ""
        if w is None:
            return ""
        from counter.tui.formats import fmt_date, fmt_int

        lang = self.settings.lang
        return self.t(
            "retention.laptop.warning",
            n=fmt_int(w.visits, lang),
            oldest=fmt_date(w.oldest, lang),
            days=fmt_int(w.days, lang),
        )

    def _show_laptop_warning(self, officer: Officer, text: str) -> None:
        if self.officer is officer:
            self.notify(text, severity="warning", timeout=20, markup=False)

    def _after_login_check(self, officer: Officer, rows: list[Visit], others: int = 0) -> None:
        """Unfinished visits: the resume prompt; otherwise a short welcome."""
        if self.officer is not officer:
            return  # logged out meanwhile
        if others:
            self.notify(
                self.t("counter_visit.left_open_here", count=others), severity="warning", timeout=10
            )
        if rows:
            self._offer_resume(rows)
        else:
            self.notify(
                self.t("tui.login.welcome", name=officer.full_name or officer.username), timeout=3
            )

    def _offer_resume(self, rows: list[Visit]) -> None:
        from counter.tui.screens.resume import ResumeScreen

        self.push_screen(ResumeScreen(rows), self._resume_chosen)

    def _resume_chosen(self, visit: Visit | None) -> None:
        if visit is None:
            return
        if self.current_mode != "counter":
            self.switch_mode("counter")
        self.call_after_refresh(self._resume_on_counter, visit)

    def _resume_on_counter(self, visit: Visit) -> None:
        screen = self._screen_stacks.get("counter", [None])[0]
        resume = getattr(screen, "resume", None)
        if callable(resume):
            resume(visit)


def make_app(
    settings: Settings,
    clock: Clock | None = None,
    ctx: Context | None = None,
    *,
    demo_accounts: list[tuple[str, str, str]] | None = None,
    demo_niks: list[tuple[str, str]] | None = None,
    mode_screens: dict[str, Callable[[], Screen]] | None = None,
    idle_clock: Callable[[], float] | None = None,
) -> CounterApp:
    """The one factory used by the CLI and every test.

    ``ctx`` given: use it (tests); otherwise the database of ``settings`` is opened in a thread
    while the login screen appears. ``demo_accounts``: (username, PIN, role) shown on login,
    ``demo_niks``: (NIK, kind) sample NIKs beside them.
    ``mode_screens``: tests of the shell may replace the base screen of "counter"/"supervisor".
    ``idle_clock``: the monotonic clock of the idle lock (tests move a fake one).
    """
    if ctx is not None and clock is None:
        clock = ctx.clock
    from counter.services.errorlog import set_log_dir

    set_log_dir(settings.data_path / "logs")
    return CounterApp(
        settings,
        clock=clock,
        ctx=ctx,
        demo_accounts=demo_accounts,
        demo_niks=demo_niks,
        mode_screens=mode_screens,
        idle_clock=idle_clock,
    )
