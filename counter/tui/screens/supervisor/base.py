"""What every supervisor screen shares: the typed app, the role check, translations, and the
worker plumbing that runs a service in a thread and hands its typed result back to the UI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.app import ComposeResult, SystemCommand
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer

from counter.errors import describe
from counter.tui.bindings import localize_bindings
from counter.tui.keys import CatalogKeys
from counter.tui.widgets.literal import Static

if TYPE_CHECKING:
    from counter.services.accounts import OfficerView
    from counter.services.context import Context
    from counter.tui.shell import Shell

    _ScreenBase = Screen[Any]
else:  # at run time the mixins are plain classes; the concrete screen brings Screen
    _ScreenBase = object

T = TypeVar("T")


def mmss(seconds: float | None) -> str:
    """A duration as minutes:seconds (``-`` when unknown)."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def localize(node: DOMNode, texts: dict[str, str]) -> None:
    """Footer texts of ``node``'s bindings (binding id -> catalog key) from the catalog."""
    localize_bindings(node, texts)


class OnCounterApp(CatalogKeys, _ScreenBase):
    """Mixin for screens of this package: ``self.app`` is typed as the ``Shell`` protocol (the
    screens never import the app module: that was an import cycle)."""

    if TYPE_CHECKING:
        app: Shell  # type: ignore[assignment]


class SupervisorBase(OnCounterApp):
    """Shared by the supervisor screens: the role check, translations, worker plumbing."""

    SUPERVISOR_ONLY: ClassVar[bool] = True

    def t(self, key: str, **kw: object) -> str:
        return self.app.t(key, **kw)

    @property
    def allowed(self) -> bool:
        off = self.app.officer
        return bool(off is not None and off.role == "supervisor" and self.app.ctx is not None)

    @property
    def ctx(self) -> Context:
        """The open database's context (a supervisor screen exists only after login)."""
        ctx = self.app.ctx
        assert ctx is not None
        return ctx

    @property
    def supervisor(self) -> OfficerView:
        """The logged-in supervisor (checked by :attr:`allowed` before any screen is shown)."""
        officer = self.app.officer
        assert officer is not None
        return officer

    def palette_commands(self) -> Iterator[SystemCommand]:
        """The screen's keys the footer leaves out (so it fits 100 columns), for the app's
        Ctrl+P list: each that applies now, with its key."""
        for active in self.active_bindings.values():
            b = active.binding
            if active.node is self and b.id and active.enabled and b.description and not b.show:
                name = f"{b.description} ({self.app.get_key_display(b)})"
                yield SystemCommand(name, b.description, partial(self.run_action, b.action))

    def refused(self) -> ComposeResult:
        yield Static(self.t("tui.guard.supervisor_only"), id="sup-refused", classes="error")
        yield Footer(compact=True)

    def run_service(self, fn: Callable[[], T], done: Callable[[T], object], group: str) -> None:
        """Run ``fn()`` in a thread; ``done(result)`` on the UI thread, errors as a notice.

        Only the newest run of a group delivers its result: an older, slower one (e.g. a reload
        started before a change was committed) is dropped instead of painting stale numbers.
        """
        app = self.app
        seqs: dict[str, int] = self.__dict__.setdefault("_service_seq", {})
        seqs[group] = seq = seqs.get(group, 0) + 1

        def deliver(result: T) -> None:
            if seqs.get(group) == seq:
                done(result)

        def job() -> None:
            try:
                result = fn()
            except Exception as e:  # noqa: BLE001 - every failure becomes one clear notice
                app.call_from_thread(self.service_failed, e)
                return
            app.call_from_thread(deliver, result)

        self.run_worker(
            job, thread=True, exclusive=True, exit_on_error=False, group=group, name=group
        )

    def service_failed(self, error: Exception) -> None:
        text = describe(error, self.app.settings.lang)
        self.app.log.error(f"supervisor: {error!r}")
        self.notify(text, severity="error", timeout=8)
