"""After a crash: offer each unfinished visit to resume at its step or close with an outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer
from textual.widgets.option_list import Option

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.errors import describe
from counter.tui.formats import fmt_date
from counter.tui.keys import CatalogKeys
from counter.tui.widgets.literal import Label, OptionList
from counter.tui.words import step_word

if TYPE_CHECKING:
    from counter.tui.shell import Shell

Visit = Any  # a visit row from services.visits

REASON = vm.INTERRUPTED  # the one reason for a visit closed from this prompt
CLOSE_KEYS = {"close_pending": oc.PENDING, "close_failed": oc.FAILED, "close_declined": oc.DECLINED}


class ResumeScreen(CatalogKeys, ModalScreen[Any]):
    """Dismissed with the visit to resume, or None when nothing is to be resumed now."""

    app: Shell  # type: ignore[assignment]
    AUTO_FOCUS = "#resume-list"
    DEFAULT_CSS = """
    ResumeScreen { align: center middle; }
    ResumeScreen #resume-box { max-width: 100%; height: auto; max-height: 90%; }
    ResumeScreen #resume-intro { width: 100%; }
    ResumeScreen #resume-list { height: auto; max-height: 10; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "resume", "Resume", id="resume.resume", priority=True),
        Binding("t", "close('close_pending')", "PENDING", id="resume.pending"),
        Binding("g", "close('close_failed')", "FAILED", id="resume.failed"),
        Binding("m", "close('close_declined')", "DECLINED", id="resume.declined"),
        Binding("escape", "later", "Later", id="resume.later"),
    ]

    def __init__(self, visits: list[Visit]) -> None:
        super().__init__()
        self.visits = list(visits)
        self._busy = False

    def compose(self) -> ComposeResult:
        t = self.app.t
        with Vertical(id="resume-box", classes="box -alert"):
            yield Label(t("tui.resume.title"), classes="box-title")
            yield Label(t("tui.resume.intro"), id="resume-intro")
            yield Label("", id="resume-count")
            yield OptionList(id="resume-list")
            yield Label("", id="resume-error", classes="err-text")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()

    def _line(self, v: Visit) -> str:
        ctx = self.app.ctx
        started = ctx.local(v.started_at) if ctx else v.started_at
        return self.app.t(
            "tui.resume.line",
            time=started.strftime("%H:%M"),
            nik=nikmod.mask(v.nik),
            step=step_word(self.app, v.current_step),
            day=fmt_date(v.day, self.app.settings.lang),
        )

    def _fill(self) -> None:
        ol = self.query_one("#resume-list", OptionList)
        ol.clear_options()
        ol.add_options([Option(self._line(v), id=v.id) for v in self.visits])
        if self.visits:
            ol.highlighted = 0
        self.query_one("#resume-count", Label).update(
            self.app.t("tui.resume.count", count=len(self.visits))
        )

    def _selected(self) -> Visit | None:
        ol = self.query_one("#resume-list", OptionList)
        if ol.highlighted is None or not self.visits:
            return None
        return self.visits[ol.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_resume()

    def action_resume(self) -> None:
        v = self._selected()
        if v is not None and not self._busy:
            self.dismiss(v)

    def action_later(self) -> None:
        if not self._busy:
            self.app.notify(self.app.t("tui.resume.later_note"), timeout=4)
            self.dismiss(None)

    def action_close(self, which: str) -> None:
        v = self._selected()
        if v is None or self._busy:
            return
        self._busy = True
        self._finish(v, CLOSE_KEYS[which])

    @work(thread=True, exclusive=True, exit_on_error=False, group="resume")
    def _finish(self, v: Visit, outcome: str) -> None:
        from counter.services import visits

        app = self.app
        try:
            assert app.ctx is not None
            visits.finish_visit(
                app.ctx,
                v.id,
                outcome,
                reason=REASON,
                officer_id=app.officer.id if app.officer else None,
            )
        except Exception as e:  # noqa: BLE001 - e.g. day closed: shown, visit stays open
            app.call_from_thread(self._failed, describe(e, app.settings.lang))
            return
        app.call_from_thread(self._visit_closed, v, outcome)

    def _failed(self, text: str) -> None:
        self._busy = False
        self.query_one("#resume-error", Label).update(text)

    def _visit_closed(self, v: Visit, outcome: str) -> None:
        self._busy = False
        self.app.notify(
            self.app.t("tui.resume.closed", nik=nikmod.mask(v.nik), outcome=outcome), timeout=4
        )
        self.visits = [x for x in self.visits if x.id != v.id]
        self.query_one("#resume-error", Label).update("")
        if not self.visits:
            self.dismiss(None)
        else:
            self._fill()
