"""The counter screen: a thin view over :class:`~counter.tui.screens.counter.flow.CounterFlow`.

One widget per phase in a ContentSwitcher (``nik`` → ``status`` → ``prereq`` → ``step`` →
``outcome``). Each key calls the flow, which writes first and moves only when the write was
committed; the screen then shows the flow's phase (:meth:`CounterScreen._sync`).

Keys are screen bindings gated by the flow's phase (:meth:`CounterFlow.allows`; the footer shows
only those that apply). Budget: express path = NIK + Enter + Enter; full activation with no
problem = NIK + Enter (check) + Enter (start) + Enter (prerequisites) + Enter per step +
Enter (save).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain.protocol import Protocol, ProtocolError, cached_protocol
from counter.errors import describe
from counter.tui.formats import fmt_date
from counter.tui.keys import CatalogKeys, after_typed_input
from counter.tui.notices import sticky
from counter.tui.screens.counter import flow as fl
from counter.tui.screens.counter.flow import CounterFlow, Saved
from counter.tui.screens.counter.problem_picker import ProblemPicker
from counter.tui.screens.counter.today import TodayPanel
from counter.tui.screens.counter.views.nik import NikView
from counter.tui.screens.counter.views.outcome import OutcomeView
from counter.tui.screens.counter.views.prereq import PrereqView
from counter.tui.screens.counter.views.status import StatusView
from counter.tui.screens.counter.views.step import StepView
from counter.tui.widgets.literal import Label, Select, Static

if TYPE_CHECKING:
    from counter.services.context import Context
    from counter.services.lookup import LookupResult

Visit = Any
Officer = Any

# Footer texts: counter.tui.keys.LABELS (by binding id); keys: counter.tui.keys.MEANINGS.
BINDINGS: list[BindingType] = [
    Binding("f3", "toggle_today", "Hari ini", id="counter.today"),
    # NIK (Enter in any text field of the NIK view; priority so the footer shows it)
    Binding("enter", "check_nik", "Cek NIK", id="counter.check", priority=True),
    # status
    Binding("enter", "primary_already", "Catat: sudah aktif", id="counter.primary_already"),
    Binding("enter", "primary_start", "Mulai aktivasi", id="counter.primary_start"),
    Binding("a", "record_already", "Sudah aktif", id="counter.already"),
    Binding("s", "start_activation", "Mulai aktivasi", id="counter.start"),
    Binding("m", "declined", "Menolak", id="counter.declined"),
    Binding("u", "not_eligible_age", "Di bawah 17", id="counter.under_age"),
    Binding("escape", "edit_nik", "Ubah NIK", id="counter.edit_nik"),
    # prerequisites
    Binding("enter", "prereq_next", "Lanjut", id="counter.prereq_next"),
    Binding("space", "prereq_toggle", "Kurang/ada", id="counter.toggle"),
    Binding("up", "prereq_move(-1)", "", show=False, id="counter.prereq_up"),
    Binding("down", "prereq_move(1)", "", show=False, id="counter.prereq_down"),
    *[
        Binding(str(n), f"prereq_toggle({n - 1})", "", show=False, id=f"counter.prereq_{n}")
        for n in range(1, 10)
    ],
    Binding("escape", "prereq_back", "Kembali", id="counter.prereq_back"),
    # steps
    Binding("enter", "step_done", "Langkah selesai", id="counter.done"),
    Binding("p", "problem", "Masalah", id="counter.problem"),
    Binding("escape", "step_back", "Kembali", id="counter.step_back"),
    Binding("f", "enlarge_qr", "Perbesar QR", id="counter.enlarge"),
    Binding("v", "paste_qr", "Isi QR", id="counter.paste_qr"),
    # a problem was chosen
    Binding("enter", "retry", "Ulangi", id="counter.retry"),
    Binding("i", "continue_step", "Lanjut saja", id="counter.continue"),
    Binding("g", "end_with('FAILED')", "Akhiri: GAGAL", id="counter.failed"),
    Binding("t", "end_with('PENDING')", "Akhiri: TERTUNDA", id="counter.pending"),
    Binding("r", "end_with('REFERRED')", "Akhiri: DIRUJUK", id="counter.referred"),
    # outcome (Enter in the note field saves)
    Binding("enter", "save", "Simpan", id="counter.save", priority=True),
    Binding("f6", "save_print", "Simpan + cetak slip", id="counter.print"),
    Binding("escape", "outcome_back", "Kembali", id="counter.outcome_back"),
    # a mistaken visit: void it with a reason, while it is open (the outcome view says so; not
    # in the footer, which is full at 80 columns)
    Binding("f4", "void", "", show=False, id="counter.void"),
]

CSS = """
CounterScreen #counter-header {
    height: 2; background: $boost; color: $text; padding: 0 1;
}
CounterScreen #counter-body { height: 1fr; }
CounterScreen #views { width: 1fr; height: 1fr; }
CounterScreen .view { height: 1fr; padding: 0 1; }
CounterScreen .title { text-style: bold; color: $primary; height: 1; }
CounterScreen .row { height: auto; }
CounterScreen .row > Label { width: 10; padding-top: 1; }
CounterScreen .row.compact > Label { padding-top: 0; }
CounterScreen #nik-input { width: 26; }
CounterScreen .field-msg { height: auto; color: $text-muted; padding-left: 10; }
CounterScreen .field-msg.error { color: $error; }
CounterScreen .field-msg.warn { color: $warning; }
CounterScreen #name-input, CounterScreen #phone-input { width: 1fr; }
CounterScreen #consent { width: auto; }
CounterScreen #purpose { width: 1fr; }
CounterScreen .muted { color: $text-muted; height: auto; }
CounterScreen .big { text-style: bold; height: auto; padding: 1 0; }
CounterScreen .big.active { color: $success; }
CounterScreen .big.not-active { color: $warning; }
CounterScreen .block { height: auto; }
CounterScreen #step-main { height: 1fr; }
CounterScreen #step-left { width: 1fr; min-width: 28; height: 1fr; padding-right: 1; }
CounterScreen #step-instruction { width: 1fr; height: auto; }
CounterScreen #step-qr { width: auto; height: 1fr; }
CounterScreen #step-problem {
    height: auto; border-left: thick $warning; padding-left: 1; margin-bottom: 1;
}
CounterScreen #qr-payload { width: 1fr; margin-bottom: 1; }
CounterScreen #note-input { width: 1fr; }
CounterScreen #followup { height: auto; }
CounterScreen #fu-consent { width: auto; }
CounterScreen #fu-phone { width: 1fr; }
CounterScreen #today {
    width: 52; max-width: 60%; height: 1fr; border-left: solid $primary; padding: 0 1;
}
CounterScreen #today DataTable { height: 1fr; }
/* narrow windows (80 columns): the F3 panel goes under the form, which keeps the full width */
CounterScreen.narrow #counter-body { layout: vertical; }
CounterScreen.narrow #today {
    width: 1fr; max-width: 100%; height: 45%; min-height: 6;
    border-left: none; border-top: solid $primary;
}
"""

# Below this many columns the F3 panel is drawn under the phase views instead of beside them
# (beside them it would leave the NIK form less than the 60 columns its rows need).
NARROW_COLUMNS = 110


class CounterScreen(CatalogKeys, Screen[None]):
    """The counter officer's visit screen (base screen of the app's ``counter`` mode)."""

    DEFAULT_CSS = CSS
    BINDINGS: ClassVar[list[BindingType]] = BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.protocol: Protocol | None = None
        self.protocol_error: ProtocolError | None = None
        self.flow: CounterFlow | None = None
        self._header_visit: str | None = None

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def ctx(self) -> Context:
        return self.app.ctx

    @property
    def officer(self) -> Officer:
        return self.app.officer

    @property
    def lang(self) -> str:
        return str(self.app.settings.lang)

    def t(self, key: str, **kw: object) -> str:
        return str(self.app.t(key, **kw))

    @property
    def proto(self) -> Protocol:
        assert self.protocol is not None
        return self.protocol

    @property
    def _f(self) -> CounterFlow:
        assert self.flow is not None
        return self.flow

    # The flow's state, read by the Pilot tests through the screen.
    phase = property(lambda self: self.flow.phase if self.flow else fl.NIK)
    visit_id = property(lambda self: self.flow.visit_id if self.flow else None)
    step_index = property(lambda self: self._f.step_index)
    problem = property(lambda self: self._f.problem)
    missing = property(lambda self: self._f.missing)
    outcome = property(lambda self: self._f.outcome)
    reason = property(lambda self: self._f.reason)

    @property
    def found(self) -> LookupResult | None:
        return self.flow.found if self.flow else None

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        settings = self.app.settings
        try:
            self.protocol = cached_protocol(settings.protocol_file or None)
        except ProtocolError as e:
            self.protocol_error = e
        else:
            self.flow = CounterFlow(
                self.ctx,
                self.officer,
                self.protocol,
                report=self._fail,
                install_qr=str(settings.qr.install_android),
                activation_qr=str(settings.qr.activation or ""),
            )
        yield Static("", markup=False, id="counter-header")
        with Horizontal(id="counter-body"):
            if self.protocol is None:
                with Vertical(classes="view"):
                    yield Label(self.t("protocol.error.title"), classes="title")
                    yield Static(str(self.protocol_error), markup=False, classes="field-msg error")
                    yield Static(self.t("counter.protocol_error"), classes="muted")
            else:
                with ContentSwitcher(initial=fl.NIK, id="views"):
                    yield NikView(self.protocol, id="nik", classes="view")
                    yield StatusView(self.protocol, id="status", classes="view")
                    yield PrereqView(self.protocol, id="prereq", classes="view")
                    yield StepView(self.protocol, id="step", classes="view")
                    yield OutcomeView(self.protocol, id="outcome", classes="view")
            yield TodayPanel(self.protocol, id="today")
        # compact, without the palette entry (Ctrl+P still works): every key fits at 80 columns
        yield Footer(compact=True, show_command_palette=False)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_COLUMNS, "narrow")

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < NARROW_COLUMNS, "narrow")
        self.refresh_header()
        if self.protocol is not None:
            self.query_one("#nik-input").focus()
        self.set_interval(1.0, self._tick)

    # -- header and today panel --------------------------------------------------------------
    def _today_rows(self) -> list[Visit]:
        from counter.services import visits

        return visits.visits_of_day(self.ctx, self.ctx.today(), self.officer.id)

    def refresh_header(self) -> None:
        if self.app.ctx is None or self.app.officer is None:
            return
        s = self.ctx.settings
        officer = self.officer.full_name or self.officer.username
        rows = self._today_rows()
        line1 = self.t(
            "counter.header",
            office=s.office_name,
            counter=s.counter_id,
            officer=officer,
            date=fmt_date(self.ctx.today(), s.lang),
        )
        line2 = self.t(
            "counter.counts",
            visits=len(rows),
            activated=sum(v.outcome == oc.ACTIVATED for v in rows),
            already=sum(v.outcome == oc.ALREADY_ACTIVE for v in rows),
            open=sum(v.ended_at is None for v in rows),
        )
        self.query_one("#counter-header", Static).update(f"{line1}\n{line2}")
        self._header_visit = self.visit_id
        today = self.query_one(TodayPanel)
        if today.display:
            today.fill(rows)

    def action_toggle_today(self) -> None:
        panel = self.query_one(TodayPanel)
        panel.display = not panel.display
        if panel.display:
            panel.fill(self._today_rows())

    # -- showing the flow --------------------------------------------------------------------
    def _sync(self) -> None:
        """Show the flow's phase: its view rendered, switched to and focused."""
        flow = self._f
        phase = flow.phase
        if phase == fl.STATUS:
            self.query_one(StatusView).show(flow)
        elif phase == fl.PREREQ:
            self.query_one(PrereqView).show(flow)
        elif phase == fl.STEP:
            self.query_one(StepView).show(flow)
        elif phase == fl.OUTCOME:
            self.query_one(OutcomeView).show(flow)
        self.query_one("#views", ContentSwitcher).current = phase
        focus = {fl.NIK: "#nik-input", fl.OUTCOME: "#note-input"}.get(phase, f"#{phase}")
        self.query_one(focus).focus()
        if flow.visit_id != self._header_visit:
            self.refresh_header()
        self.refresh_bindings()

    def _run(self, done: object) -> None:
        """After a flow call: show where it is (a refused write changed nothing); a NIK with a
        visit still open today is offered that visit."""
        if done:
            self._sync()
        if self.flow is not None and self.flow.open_visit is not None:
            self._offer_open_visit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.flow is None:
            return action == "toggle_today"
        if action == "check_nik" and not self._enter_checks_nik():
            return False
        if action == "save" and not isinstance(self.focused, Input):
            return False
        return self.flow.allows(action)

    def _enter_checks_nik(self) -> bool:
        """Enter checks the NIK from every field of the NIK view, as its hint says: the text
        fields, the consent box and the purpose list while it is closed (Down/Space open it;
        in the open list Enter picks the purpose)."""
        focused = self.focused
        if focused is None:
            return False
        path = focused.ancestors_with_self
        if any(isinstance(node, Select) and node.expanded for node in path):
            return False
        return any(isinstance(node, NikView) for node in path)

    def _tick(self) -> None:
        flow = self.flow
        if flow is not None and flow.phase == fl.STEP and flow.step_started is not None:
            self.query_one(StepView).tick(flow)

    # -- errors ------------------------------------------------------------------------------
    def _fail(self, error: Exception) -> None:
        """A refused or failed write: nothing was recorded; say so (the key can be retried)."""
        self.log.error(f"counter write failed: {error!r}")
        detail = describe(error, self.lang)
        self.notify(self.t("counter.db_error", detail=detail), severity="error", timeout=10)

    # -- NIK and status ----------------------------------------------------------------------
    def action_check_nik(self) -> None:
        after_typed_input(self, self._check_nik)

    def _check_nik(self) -> None:
        checked = self.query_one(NikView).checked()
        if checked is not None:
            self._run(self._f.check(*checked))

    def action_record_already(self) -> None:
        saved = self._f.record_already()
        self._saved(saved)
        if saved is None:
            self._run(False)

    def action_primary_already(self) -> None:
        self.action_record_already()

    def action_primary_start(self) -> None:
        self.action_start_activation()

    def action_start_activation(self) -> None:
        self._run(self._f.start_activation())

    def action_declined(self) -> None:
        self._run(self._f.declined())

    def action_not_eligible_age(self) -> None:
        self._run(self._f.not_eligible_age())

    def action_edit_nik(self) -> None:
        self._run(self._f.edit_nik())

    # -- prerequisites -----------------------------------------------------------------------
    def action_prereq_move(self, delta: int) -> None:
        self._f.prereq_move(delta)
        self._sync()

    def action_prereq_toggle(self, index: int | None = None) -> None:
        self._f.prereq_toggle(index)
        self._sync()

    def action_prereq_next(self) -> None:
        self._run(self._f.prereq_next())

    def action_prereq_back(self) -> None:
        self._run(self._f.prereq_back())

    # -- steps -------------------------------------------------------------------------------
    def action_step_done(self) -> None:
        self._run(self._f.step_done())

    def action_step_back(self) -> None:
        self._run(self._f.step_back())

    def action_problem(self) -> None:
        title = self.t("counter.step.problems_title")
        self.app.push_screen(
            ProblemPicker(self.proto, self._f.step.id, self.lang, title), self._problem_chosen
        )

    def _problem_chosen(self, problem_id: str | None) -> None:
        if problem_id:
            self._run(self._f.choose_problem(problem_id))

    def action_retry(self) -> None:
        self._run(self._f.retry())

    def action_continue_step(self) -> None:
        self._run(self._f.continue_step())

    def action_end_with(self, outcome: str) -> None:
        self._run(self._f.end_with(outcome))

    def action_enlarge_qr(self) -> None:
        self.query_one(StepView).enlarge_qr()

    def action_paste_qr(self) -> None:
        self.query_one("#qr-payload", Input).focus()

    @on(Input.Submitted, "#qr-payload")
    def _qr_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._f.qr_submitted(event.value)
        self._sync()

    # -- outcome -----------------------------------------------------------------------------
    def action_save(self) -> None:
        after_typed_input(self, self.save_outcome)

    def action_save_print(self) -> None:
        after_typed_input(self, lambda: self.save_outcome(print_slip=True))

    def save_outcome(self, print_slip: bool = False) -> bool:
        view = self.query_one(OutcomeView)
        contact = view.contact()
        if contact is False:
            return False
        saved = self._f.save(view.note(), contact or None)
        self._saved(saved)
        if saved is not None and print_slip:
            self._print_slip(saved.visit_id)
        return saved is not None

    def action_outcome_back(self) -> None:
        self._run(self._f.outcome_back())

    def _saved(self, saved: Saved | None) -> None:
        if saved is None:
            return
        self.notify(
            self.t(
                "counter.saved",
                nik=nikmod.mask(saved.nik),
                outcome=self.proto.outcome_text(saved.outcome, self.lang),
            )
            + "\n"
            + self.t("counter.saved_ready"),
            timeout=4,
        )
        self.reset_for_next()

    def _print_slip(self, visit_id: str) -> None:
        """Make and print the resident's slip off the UI thread (the visit is already saved)."""
        try:
            from counter.services import printing  # the slip/printing part of the project
        except ImportError:
            self.notify(self.t("counter.slip_unavailable"), severity="warning")
            return
        ctx = self.ctx

        def job() -> None:
            try:
                result = printing.print_slip(ctx, visit_id)
            except Exception as e:  # noqa: BLE001 - the visit is saved; show the printer problem
                text = self.t("counter.slip_failed", detail=str(e))
                self.app.call_from_thread(sticky, self.app, text, "error")  # stays until read
                return
            if result.ok:
                self.app.call_from_thread(self.notify, result.message)
            else:
                self.app.call_from_thread(sticky, self.app, result.message, "error")

        self.run_worker(job, thread=True, exit_on_error=False, name="print-slip")

    def reset_for_next(self) -> None:
        """Empty every field and focus the NIK: ready for the next visitor."""
        self._f.reset()
        self.query_one(NikView).clear()
        self.query_one(StepView).clear()
        self.query_one(OutcomeView).clear()
        self.refresh_header()
        self._sync()

    # -- resume ------------------------------------------------------------------------------
    def resume(self, visit: Visit) -> None:
        """Carry on an unfinished visit (after a crash) at the step it was on."""
        if self.flow is None:
            return
        self.query_one(NikView).show_nik(visit.nik)
        self._resumed(self.flow.resume(visit), visit.nik, visit.current_step)

    def _resumed(self, resumed: bool | None, nik: str, was: str) -> None:
        self._sync()
        if resumed is False:
            return
        label = self._phase_label()
        if resumed is None:
            label = was
            self.notify(self.t("counter.resume_unknown_step", step=label), severity="warning")
        self.notify(self.t("counter.resumed", nik=nikmod.mask(nik), step=label), timeout=4)

    def ask_before_leaving(self, leave: Callable[[], object]) -> bool:
        """F8 / Ctrl+Q (the app asks): with a visit open, ask first and return True (``leave``
        runs once confirmed); False when nothing is open (leave at once)."""
        from counter.tui.screens.counter.prompts import LeaveVisitScreen

        if isinstance(self.app.screen, LeaveVisitScreen):
            return True  # already asking
        body = self.leave_question()
        if not body:
            return False
        self.app.push_screen(LeaveVisitScreen(body), lambda ok: leave() if ok else None)
        return True

    def leave_question(self) -> str | None:
        """What to ask before logging out or quitting while a visit is open (None: none is)."""
        flow = self.flow
        if flow is None or flow.visit_id is None:
            return None
        nik = nikmod.mask(flow.info.nik) if flow.info else ""
        return self.t("counter_visit.leave.body", nik=nik, step=self._phase_label())

    def _phase_label(self) -> str:
        flow = self._f
        if flow.phase == fl.OUTCOME and flow.outcome:
            return self.proto.outcome_text(flow.outcome, self.lang)
        if flow.phase == fl.STEP:
            return flow.step.title.get(self.lang)
        return self.t("counter.status.title" if flow.phase == fl.STATUS else "counter.prereq.title")

    # -- a visit still open for this NIK; voiding --------------------------------------------
    def _offer_open_visit(self) -> None:
        from counter.tui.screens.counter.prompts import OpenVisitScreen

        ov = self._f.open_visit
        if ov is None or isinstance(self.app.screen, OpenVisitScreen):
            return
        body = self.t(
            "counter_visit.open.body",
            time=ov.local_time,
            officer=ov.officer,
            step=self._step_name(ov.step),
        )
        supervisor = bool(self.app.is_supervisor)
        if supervisor:
            body += "\n" + self.t("counter_visit.open.close_hint")
        self.app.push_screen(
            OpenVisitScreen(body, may_close=supervisor, may_void=True), self._open_visit_chosen
        )

    def _step_name(self, step: str) -> str:
        if self.proto.has_step(step):
            return self.proto.step(step).title.get(self.lang)
        key = {
            fl.STATUS: "counter.status.title",
            fl.PREREQ: "counter.prereq.title",
            fl.OUTCOME: "counter.outcome.title",
        }.get(step)
        return self.t(key) if key else step

    def _open_visit_chosen(self, choice: str | None) -> None:
        flow = self._f
        ov, flow.open_visit = flow.open_visit, None
        if ov is None or choice is None:
            return
        if choice == "resume":
            self._resumed(flow.resume_by_id(ov.visit_id), ov.nik, ov.step)
        elif choice == "close":
            outcome = flow.close_open(ov.visit_id)
            if outcome:
                self.notify(
                    self.t(
                        "counter_visit.open.closed",
                        nik=nikmod.mask(ov.nik),
                        outcome=self.proto.outcome_text(outcome, self.lang),
                    )
                )
                self.refresh_header()
        elif choice == "void":
            self._ask_void(ov.visit_id, ov.nik, self.t("counter_visit.void.open"))

    def action_void(self) -> None:
        flow = self._f
        if flow.visit_id is None or flow.info is None:
            return
        what = (
            self.proto.outcome_text(flow.outcome, self.lang)
            if flow.outcome
            else self.t("counter_visit.void.open")
        )
        self._ask_void(flow.visit_id, flow.info.nik, what)

    def _ask_void(self, visit_id: str, nik: str, what: str) -> None:
        from counter.tui.screens.counter.prompts import VoidScreen

        body = self.t("counter_visit.void.body", nik=nikmod.mask(nik), what=what)

        def chosen(reason: str | None) -> None:
            if reason and self._f.void(visit_id, reason):
                self.notify(self.t("counter_visit.void.done", nik=nikmod.mask(nik)), timeout=4)
                if self._f.phase == fl.NIK:
                    self.reset_for_next()
                else:
                    self.refresh_header()

        self.app.push_screen(VoidScreen(body), chosen)
