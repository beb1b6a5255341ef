"""The counter screen: one visitor from the NIK to a recorded outcome, keyboard only.

Phases (one view each, in a ContentSwitcher): ``nik`` → ``status`` → ``prereq`` → ``step`` (one
per protocol step) → ``outcome``. Every decision is written at once through
``services.visits`` (start_visit / record_event / finish_visit), so a crash loses at most the
keystroke in flight and :meth:`CounterScreen.resume` can carry an unfinished visit on.

Keys are screen bindings gated by phase in :meth:`CounterScreen.check_action` (the footer shows
only those that apply). Budget: express path = NIK + Enter + Enter; full activation with no
problem = NIK + Enter (check) + Enter (start) + Enter (prerequisites) + Enter per step +
Enter (save).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Checkbox, ContentSwitcher, Footer, Input
from textual.widgets.option_list import Option

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain.protocol import Protocol, ProtocolError, cached_protocol
from counter.domain.text import printable
from counter.tui.keys import after_typed_input
from counter.tui.widgets.literal import DataTable, Label, OptionList, Select, Static
from counter.errors import describe

if TYPE_CHECKING:
    from counter.services.context import Context
    from counter.services.lookup import LookupResult

# Rows of services.visits (Visit) and services.accounts (Officer); the tui never imports the ORM.
Visit = Any
Officer = Any

PHASES = ("nik", "status", "prereq", "step", "outcome")
PREREQ_STEP = "prereq"
OUTCOME_STEP = "outcome"
STATUS_STEP = "status"

# binding id -> catalog key (footer texts in the configured language)
_KEY_TEXTS = {
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
}


def fmt_duration(seconds: float) -> str:
    s = max(0, int(seconds))
    return (
        f"{s // 60:02d}:{s % 60:02d}"
        if s < 3600
        else f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    )


def phone_ok(phone: str) -> bool:
    digits = "".join(c for c in phone if c.isdigit())
    return 8 <= len(digits) <= 15


class NikInput(Input):
    """Digits only, 16 at most; pasted separators (spaces, dots, dashes) are removed."""

    def insert_text_at_cursor(self, text: str) -> None:
        super().insert_text_at_cursor(nikmod.clean(text))


class View(Vertical, can_focus=True):
    """A focusable phase view: its keys are the screen's bindings (no scrolling keys)."""


class ProblemPicker(ModalScreen[str | None]):
    """The known problems of one step with their remedies; returns the chosen problem id."""

    DEFAULT_CSS = """
    ProblemPicker { align: center middle; }
    ProblemPicker > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ProblemPicker OptionList { height: auto; max-height: 12; }
    ProblemPicker #picker-remedy { height: auto; color: $text-muted; padding-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Pilih", id="counter.picker_choose", priority=True),
        Binding("escape", "cancel", "Batal", id="counter.picker_cancel"),
        *[
            Binding(str(n), f"pick({n - 1})", "", show=False, id=f"counter.picker_{n}")
            for n in range(1, 10)
        ],
    ]

    def __init__(self, protocol: Protocol, step_id: str, lang: str, title: str) -> None:
        super().__init__()
        self.protocol, self.step_id, self.lang, self.heading = protocol, step_id, lang, title

    def compose(self) -> ComposeResult:
        problems = self.protocol.step_problems(self.step_id)
        with Vertical():
            yield Label(self.heading, markup=False, classes="title")
            yield OptionList(
                *[
                    Option(f"{i + 1}. {p.text.get(self.lang)}", id=p.id)
                    for i, p in enumerate(problems)
                ],
                id="picker-list",
            )
            yield Static("", markup=False, id="picker-remedy")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        from counter.tui.app import localize_bindings

        localize_bindings(
            self,
            {
                "counter.picker_cancel": "counter.keys.cancel",
                "counter.picker_choose": "counter.keys.choose",
            },
        )
        ol = self.query_one(OptionList)
        ol.focus()
        if ol.option_count:
            ol.highlighted = 0

    @on(OptionList.OptionHighlighted)
    def _show_remedy(self, event: OptionList.OptionHighlighted) -> None:
        p = self.protocol.problems.get(event.option.id or "")
        if p is not None:
            t = self.app.t  # type: ignore[attr-defined]
            self.query_one("#picker-remedy", Static).update(
                t("counter.step.remedy", text=p.remedy.get(self.lang))
                + "\n"
                + t(
                    "counter.step.suggested",
                    outcome=self.protocol.outcome_text(p.outcome, self.lang),
                )
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, index: int) -> None:
        """Digits 1-9 choose a problem directly (the list is numbered)."""
        ol = self.query_one(OptionList)
        if 0 <= index < ol.option_count:
            self.dismiss(ol.get_option_at_index(index).id)

    def action_choose(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None:
            self.dismiss(ol.get_option_at_index(ol.highlighted).id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CounterScreen(Screen[None]):
    """The counter officer's visit screen (base screen of the app's ``counter`` mode)."""

    DEFAULT_CSS = """
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
    CounterScreen #name-input, CounterScreen #phone-input { width: 1fr; }
    CounterScreen #consent { width: auto; }
    CounterScreen #purpose { width: 1fr; }
    CounterScreen .muted { color: $text-muted; height: auto; }
    CounterScreen .big { text-style: bold; height: auto; padding: 1 0; }
    CounterScreen .big.active { color: $success; }
    CounterScreen .big.not-active { color: $warning; }
    CounterScreen .block { height: auto; }
    CounterScreen #step-main { height: 1fr; }
    CounterScreen #step-instruction { width: 1fr; height: auto; padding-right: 1; }
    CounterScreen #step-qr { width: 1fr; height: 1fr; }
    CounterScreen #step-problem {
        height: auto; border-left: thick $warning; padding-left: 1; margin-bottom: 1;
    }
    CounterScreen #qr-payload { width: 1fr; margin-bottom: 1; }
    CounterScreen #note-input { width: 1fr; }
    CounterScreen #today {
        width: 52; max-width: 60%; height: 1fr; border-left: solid $primary; padding: 0 1;
    }
    CounterScreen #today DataTable { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "toggle_today", "Hari ini", id="counter.today"),
        # NIK (Enter in any text field of the NIK view; priority so the footer shows it)
        Binding("enter", "check_nik", "Cek NIK", id="counter.check", priority=True),
        # status
        Binding("enter", "primary_already", "Catat: sudah aktif", id="counter.primary_already"),
        Binding("enter", "primary_start", "Mulai aktivasi", id="counter.primary_start"),
        Binding("a", "record_already", "Sudah aktif", id="counter.already"),
        Binding("s", "start_activation", "Mulai aktivasi", id="counter.start"),
        Binding("t", "declined", "Menolak", id="counter.declined"),
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
        Binding("c", "continue_step", "Lanjut saja", id="counter.continue"),
        Binding("g", "end_with('FAILED')", "Akhiri: GAGAL", id="counter.failed"),
        Binding("t", "end_with('PENDING')", "Akhiri: TERTUNDA", id="counter.pending"),
        Binding("r", "end_with('REFERRED')", "Akhiri: DIRUJUK", id="counter.referred"),
        # outcome (Enter in the note field saves)
        Binding("enter", "save", "Simpan", id="counter.save", priority=True),
        Binding("f6", "save_print", "Simpan + cetak slip", id="counter.print"),
        Binding("escape", "outcome_back", "Kembali", id="counter.outcome_back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.phase = "nik"
        self.protocol: Protocol | None = None
        self.protocol_error: ProtocolError | None = None
        self._reset_state()

    def _reset_state(self) -> None:
        self.visit_id: str | None = None
        self.info: nikmod.NikInfo | None = None
        self.found: LookupResult | None = None
        self.missing: set[str] = set()
        self.prereq_cursor = 0
        self.step_index = 0
        self.problem: str | None = None
        self.outcome: str | None = None
        self.reason: str | None = None
        self.back_to: tuple[str, int] = ("step", 0)
        self.visit_started: datetime | None = None
        self.step_started: datetime | None = None
        self.qr_entered = ""

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def ctx(self) -> Context:
        return self.app.ctx  # type: ignore[attr-defined,no-any-return]

    @property
    def officer(self) -> Officer:
        return self.app.officer  # type: ignore[attr-defined,no-any-return]

    @property
    def lang(self) -> str:
        return str(self.app.settings.lang)  # type: ignore[attr-defined]

    def t(self, key: str, **kw: object) -> str:
        return str(self.app.t(key, **kw))  # type: ignore[attr-defined]

    @property
    def proto(self) -> Protocol:
        assert self.protocol is not None
        return self.protocol

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        settings = self.app.settings  # type: ignore[attr-defined]
        try:
            self.protocol = cached_protocol(settings.protocol_file or None)
        except ProtocolError as e:
            self.protocol_error = e
        yield Static("", markup=False, id="counter-header")
        with Horizontal(id="counter-body"):
            if self.protocol is None:
                with Vertical(classes="view"):
                    yield Label(self.t("protocol.error.title"), classes="title")
                    yield Static(str(self.protocol_error), markup=False, classes="field-msg error")
                    yield Static(self.t("counter.protocol_error"), classes="muted")
            else:
                with ContentSwitcher(initial="nik", id="views"):
                    yield from self._compose_nik()
                    yield from self._compose_status()
                    yield from self._compose_prereq()
                    yield from self._compose_step()
                    yield from self._compose_outcome()
            with Vertical(id="today"):
                yield Label(self.t("counter.today.title"), classes="title")
                yield DataTable(id="today-table", cursor_type="row", zebra_stripes=True)
                yield Static("", markup=False, id="today-empty", classes="muted")
        # compact, without the palette entry (Ctrl+P still works): every key fits at 80 columns
        yield Footer(compact=True, show_command_palette=False)

    def _compose_nik(self) -> ComposeResult:
        lang = self.lang
        with VerticalScroll(id="nik", classes="view"):
            yield Label(self.t("counter.nik.title"), classes="title")
            with Horizontal(classes="row"):
                yield Label(self.t("counter.nik.label"))
                yield NikInput(
                    placeholder=self.t("counter.nik.placeholder"),
                    restrict=r"[0-9]*",
                    max_length=16,
                    id="nik-input",
                )
            yield Static("", markup=False, id="nik-msg", classes="field-msg")
            with Horizontal(classes="row compact"):
                yield Label(self.t("counter.nik.name"))
                yield Input(
                    placeholder=self.t("counter.nik.name_placeholder"),
                    max_length=120,
                    id="name-input",
                    compact=True,
                )
            with Horizontal(classes="row compact"):
                yield Label(self.t("counter.nik.phone"))
                yield Checkbox(self.t("counter.nik.consent"), id="consent", compact=True)
                yield Input(
                    placeholder=self.t("counter.nik.phone_placeholder"),
                    max_length=20,
                    restrict=r"[0-9+ \-]*",
                    id="phone-input",
                    disabled=True,
                    compact=True,
                )
            yield Static("", markup=False, id="phone-msg", classes="field-msg error")
            with Horizontal(classes="row compact"):
                yield Label(self.t("counter.nik.purpose"))
                yield Select(
                    [(p.label.get(lang), p.id) for p in self.proto.purposes],
                    prompt=self.t("counter.nik.purpose_prompt"),
                    id="purpose",
                    compact=True,
                )
            yield Static(self.t("counter.nik.hint"), classes="muted")

    def _compose_status(self) -> ComposeResult:
        with View(id="status", classes="view"):
            yield Label(self.t("counter.status.title"), classes="title")
            yield Static("", markup=False, id="status-nik", classes="block")
            yield Static("", markup=False, id="status-ikd", classes="big")
            yield Static("", markup=False, id="status-history", classes="block")
            yield Static("", markup=False, id="status-hint", classes="muted")

    def _compose_prereq(self) -> ComposeResult:
        with View(id="prereq", classes="view"):
            yield Label(self.t("counter.prereq.title"), classes="title")
            yield Static("", id="prereq-list", classes="block")
            yield Static("", markup=False, id="prereq-remedy", classes="block")
            yield Static("", markup=False, id="prereq-hint", classes="muted")

    def _compose_step(self) -> ComposeResult:
        from counter.tui.widgets.qr import QrCode

        with View(id="step", classes="view"):
            yield Label("", markup=False, id="step-title", classes="title")
            yield Static("", markup=False, id="step-elapsed", classes="muted")
            yield Static("", markup=False, id="step-problem")
            yield Input(
                placeholder=self.t("counter.step.qr_activation_placeholder"),
                id="qr-payload",
                compact=True,
            )
            with Horizontal(id="step-main"):
                yield Static("", markup=False, id="step-instruction")
                yield QrCode("", id="step-qr")

    def _compose_outcome(self) -> ComposeResult:
        with VerticalScroll(id="outcome", classes="view"):
            yield Label(self.t("counter.outcome.title"), classes="title")
            yield Static("", markup=False, id="outcome-nik", classes="block")
            yield Static("", markup=False, id="outcome-text", classes="big")
            yield Static("", markup=False, id="outcome-reason", classes="block")
            with Horizontal(classes="row"):
                yield Label(self.t("counter.outcome.note"))
                yield Input(
                    placeholder=self.t("counter.outcome.note_placeholder"),
                    max_length=500,
                    id="note-input",
                )
            yield Static(self.t("counter.outcome.hint"), classes="muted")

    def on_mount(self) -> None:
        from counter.tui.app import localize_bindings

        localize_bindings(self, _KEY_TEXTS)
        self.query_one("#today").display = False
        table = self.query_one("#today-table", DataTable)
        table.can_focus = False
        table.add_columns(
            self.t("counter.today.time"),
            self.t("counter.today.nik"),
            self.t("counter.today.outcome"),
        )
        self.refresh_header()
        if self.protocol is not None:
            self.query_one("#step-problem").display = False
            self.query_one("#qr-payload").display = False
            self.query_one("#nik-input").focus()
        self.set_interval(1.0, self._tick)

    # -- header and today panel --------------------------------------------------------------
    def _today_rows(self) -> list[Visit]:
        from counter.services import visits

        return visits.visits_of_day(self.ctx, self.ctx.today(), self.officer.id)

    def refresh_header(self) -> None:
        if self.app.ctx is None or self.app.officer is None:  # type: ignore[attr-defined]
            return
        s = self.ctx.settings
        officer = self.officer.full_name or self.officer.username
        rows = self._today_rows()
        line1 = self.t(
            "counter.header",
            office=s.office_name,
            counter=s.counter_id,
            officer=officer,
            date=self.ctx.today().strftime("%d-%m-%Y"),
        )
        line2 = self.t(
            "counter.counts",
            visits=len(rows),
            activated=sum(v.outcome == oc.ACTIVATED for v in rows),
            already=sum(v.outcome == oc.ALREADY_ACTIVE for v in rows),
            open=sum(v.ended_at is None for v in rows),
        )
        self.query_one("#counter-header", Static).update(f"{line1}\n{line2}")
        if self.query_one("#today").display:
            self._fill_today(rows)

    def _fill_today(self, rows: list[Visit]) -> None:
        table = self.query_one("#today-table", DataTable)
        table.clear()
        for v in reversed(rows):
            outcome = (
                self.proto.outcome_text(v.outcome, self.lang)
                if v.outcome and self.protocol
                else self.t("counter.today.open")
            )
            table.add_row(
                self.ctx.local(v.started_at).strftime("%H:%M"),
                nikmod.mask(v.nik),
                outcome,
                key=v.id,
            )
        self.query_one("#today-empty", Static).update("" if rows else self.t("counter.today.empty"))

    def action_toggle_today(self) -> None:
        panel = self.query_one("#today")
        panel.display = not panel.display
        if panel.display:
            self._fill_today(self._today_rows())

    # -- phases ------------------------------------------------------------------------------
    def _show(self, phase: str) -> None:
        self.phase = phase
        self.query_one("#views", ContentSwitcher).current = phase
        if phase == "nik":
            self.query_one("#nik-input").focus()
        elif phase == "outcome":
            self.query_one("#note-input").focus()
        else:
            self.query_one(f"#{phase}").focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.protocol is None:
            return action == "toggle_today"
        phase, active = self.phase, bool(self.found and self.found.ikd_status == oc.ACTIVE)
        on_step = phase == "step" and self.problem is None
        step = self.proto.steps[self.step_index] if phase == "step" else None
        match action:
            case "toggle_today":
                return True
            case "check_nik":
                return phase == "nik" and isinstance(self.focused, Input)
            case "save":
                return phase == "outcome" and isinstance(self.focused, Input)
            # Enter does what the registry suggests; "a" / "s" do the other thing (the resident
            # shows an active app the extract does not know, or needs a new activation).
            case "primary_already":
                return phase == "status" and active
            case "primary_start" | "record_already":
                return phase == "status" and not active
            case "start_activation":
                return phase == "status" and active
            case "declined":
                return phase == "status"
            case "edit_nik":
                # Once the visit is recorded its NIK is fixed: end it with an outcome instead.
                return phase == "status" and self.visit_id is None
            case "prereq_next" | "prereq_toggle" | "prereq_move" | "prereq_back":
                return phase == "prereq"
            case "step_done" | "problem" | "step_back":
                return on_step
            case "enlarge_qr":
                return (
                    on_step
                    and step is not None
                    and step.qr is not None
                    and bool(self._qr_payload(step.qr))
                )
            case "paste_qr":
                return (
                    on_step
                    and step is not None
                    and step.qr == "activation"
                    and not (self.app.settings.qr.activation)
                )  # type: ignore[attr-defined]
            case "retry" | "continue_step" | "end_with":
                return phase == "step" and self.problem is not None
            case "save_print" | "outcome_back":
                return phase == "outcome"
        return True

    # -- errors ------------------------------------------------------------------------------
    def _fail(self, error: Exception) -> None:
        detail = describe(error, self.lang)
        self.notify(self.t("counter.db_error", detail=detail), severity="error", timeout=10)

    def _write(self, fn: Any, *args: Any, **kw: Any) -> Any:
        """Run one services.visits write; False after showing the error."""
        try:
            return fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - VisitError, DatabaseBusy, StorageError, ...
            # Nothing was recorded: say so (the officer can retry the key); never pass silently.
            self.log.error(f"counter write {getattr(fn, '__name__', fn)} failed: {e!r}")
            self._fail(e)
            return False

    def _event(self, kind: str, step: str | None, **data: Any) -> bool:
        from counter.services import visits

        assert self.visit_id is not None
        return (
            self._write(
                visits.record_event, self.ctx, self.visit_id, kind, step, data, self.officer.id
            )
            is not False
        )

    # -- NIK ---------------------------------------------------------------------------------
    @on(Input.Changed, "#nik-input")
    def _nik_changed(self, event: Input.Changed) -> None:
        self._decode(event.value, final=False)

    def _decode(self, value: str, final: bool) -> nikmod.NikInfo | None:
        msg = self.query_one("#nik-msg", Static)
        today = self.ctx.today()
        msg.set_class(False, "error")
        if len(value) < 16 and not final:
            text = self.t("counter.nik.typed", n=len(value))
            if len(value) >= 6:
                from counter.domain.regions import BATANG_PREFIX, district_name

                if value.startswith(BATANG_PREFIX):
                    name = district_name(value[:6])
                    if name:
                        text += " · " + self.t("counter.nik.district", name=name)
                    else:
                        msg.set_class(True, "error")
                        text += " · " + nikmod.NikError(
                            nikmod.REGION, region=f"{value[:2]}.{value[2:4]}.{value[4:6]}"
                        ).message(self.lang)
                else:
                    text += " · " + self.t(
                        "counter.nik.outside", code=f"{value[:2]}.{value[2:4]}.{value[4:6]}"
                    )
            msg.update(text)
            return None
        info, err = nikmod.check(value, today)
        if err is not None:
            msg.set_class(True, "error")
            msg.update(err.message(self.lang))
            return None
        assert info is not None
        msg.update(self._describe(info))
        return info

    def _describe(self, info: nikmod.NikInfo) -> str:
        today = self.ctx.today()
        common = {
            "born": info.birth_date.strftime("%d-%m-%Y"),
            "sex": self.t(f"counter.sex.{info.sex}"),
            "age": info.age(today),
        }
        if info.in_batang:
            return self.t("counter.nik.decoded", district=info.district_name, **common)
        code = f"{info.province_code}.{info.regency_code}.{info.district_code}"
        return (
            self.t("counter.nik.decoded_outside", code=code, **common)
            + "\n"
            + self.t("counter.nik.outside", code=code)
        )

    @on(Checkbox.Changed, "#consent")
    def _consent_changed(self, event: Checkbox.Changed) -> None:
        phone = self.query_one("#phone-input", Input)
        phone.disabled = not event.value
        if not event.value:
            phone.value = ""
            self.query_one("#phone-msg", Static).update("")

    def action_check_nik(self) -> None:
        after_typed_input(self, self._check_nik)

    def _check_nik(self) -> None:
        nik_input = self.query_one("#nik-input", NikInput)
        info = self._decode(nik_input.value, final=True)
        if info is None:
            nik_input.focus()
            return
        phone = self.query_one("#phone-input", Input).value.strip()
        consent = self.query_one("#consent", Checkbox).value
        if consent and phone and not phone_ok(phone):
            self.query_one("#phone-msg", Static).update(self.t("counter.nik.phone_bad"))
            self.query_one("#phone-input").focus()
            return
        self.query_one("#phone-msg", Static).update("")
        from counter.services import lookup

        try:
            self.found = lookup.lookup(self.ctx, info.nik)
        except Exception as e:  # noqa: BLE001 - a storage error is shown, the screen stays
            self._fail(e)
            return
        self.info = info
        self._render_status()
        self._show("status")

    def _details(self) -> dict[str, Any]:
        consent = self.query_one("#consent", Checkbox).value
        purpose = self.query_one("#purpose", Select).value
        return {
            "name": self.query_one("#name-input", Input).value.strip() or None,
            "phone": (self.query_one("#phone-input", Input).value.strip() or None)
            if consent
            else None,
            "consent": consent,
            "purpose": purpose if isinstance(purpose, str) else None,
        }

    # -- status ------------------------------------------------------------------------------
    def _render_status(self) -> None:
        assert self.info is not None and self.found is not None
        info, found = self.info, self.found
        self.query_one("#status-nik", Static).update(f"NIK {info.nik}\n{self._describe(info)}")
        ikd = self.query_one("#status-ikd", Static)
        active = found.ikd_status == oc.ACTIVE
        if active:
            text = (
                self.t("counter.status.active_since", date=found.activated_on.strftime("%d-%m-%Y"))
                if found.activated_on
                else self.t("counter.status.active")
            )
        elif found.ikd_status == oc.NOT_ACTIVE:
            text = self.t("counter.status.not_active")
        else:
            text = self.t("counter.status.unknown")
        if found.source:
            text += "\n" + self.t("counter.status.source", source=found.source)
        ikd.update(text)
        ikd.set_class(active, "active")
        ikd.set_class(not active, "not-active")
        lines = [self.t("counter.status.history")]
        for h in found.visits[:6]:
            day = h["date"][8:10] + "-" + h["date"][5:7] + "-" + h["date"][0:4]
            if h["outcome"]:
                outcome = self.proto.outcome_text(h["outcome"], self.lang)
                if h.get("reason"):
                    outcome += ": " + self.proto.reason_text(h["reason"], self.lang)
                lines.append(
                    "  "
                    + self.t(
                        "counter.status.history_row", date=day, time=h["time"], outcome=outcome
                    )
                )
            else:
                lines.append("  " + self.t("counter.status.history_open", date=day, time=h["time"]))
        if not found.visits:
            lines.append("  " + self.t("counter.status.no_history"))
        self.query_one("#status-history", Static).update("\n".join(lines))
        self.query_one("#status-hint", Static).update(
            self.t("counter.status.hint_active" if active else "counter.status.hint_not_active")
        )

    def _ensure_visit(self, step: str) -> bool:
        """Start the visit (first decision on the status view) or move the open one to ``step``."""
        from counter.services import visits

        if self.visit_id is not None:
            return self._event("status", step)
        assert self.info is not None
        v = self._write(
            visits.start_visit, self.ctx, self.officer, self.info.nik, step=step, **self._details()
        )
        if v is False:
            return False
        self.visit_id = v.id
        self.visit_started = self.ctx.now()
        self.refresh_header()
        return True

    def action_record_already(self) -> None:
        if self._ensure_visit(STATUS_STEP):
            self._finish(oc.ALREADY_ACTIVE, None, None)

    def action_primary_already(self) -> None:
        self.action_record_already()

    def action_primary_start(self) -> None:
        self.action_start_activation()

    def action_start_activation(self) -> None:
        if self._ensure_visit(PREREQ_STEP):
            self.missing = set()
            self.prereq_cursor = 0
            self._render_prereq()
            self._show("prereq")

    def action_declined(self) -> None:
        if self._ensure_visit(OUTCOME_STEP):
            self._choose_outcome(oc.DECLINED, None, back=("status", 0))

    def action_edit_nik(self) -> None:
        self._show("nik")

    # -- prerequisites -----------------------------------------------------------------------
    def _render_prereq(self) -> None:
        lines = []
        for i, p in enumerate(self.proto.prerequisites):
            missing = p.id in self.missing
            mark = "✘" if missing else "✔"
            state = self.t("counter.prereq.missing" if missing else "counter.prereq.present")
            pointer = "▶" if i == self.prereq_cursor else " "
            line = f"{pointer} {i + 1}. {mark} {p.label.get(self.lang)} — {state}"
            lines.append(Content.styled(printable(line), "bold $error" if missing else ""))
        self.query_one("#prereq-list", Static).update(Content("\n").join(lines))
        remedies = [
            self.t("counter.prereq.remedy", text=p.remedy.get(self.lang))
            for p in self.proto.prerequisites
            if p.id in self.missing
        ]
        self.query_one("#prereq-remedy", Static).update("\n".join(remedies))
        first = self._first_missing()
        hint = (
            self.t("counter.prereq.not_eligible", reason=self.proto.reason_text(first, self.lang))
            if first
            else self.t("counter.prereq.all_ok")
        )
        self.query_one("#prereq-hint", Static).update(
            self.t("counter.prereq.hint", n=len(self.proto.prerequisites)) + "\n" + hint
        )

    def _first_missing(self) -> str | None:
        return next((p.id for p in self.proto.prerequisites if p.id in self.missing), None)

    def action_prereq_move(self, delta: int) -> None:
        n = len(self.proto.prerequisites)
        self.prereq_cursor = (self.prereq_cursor + delta) % n
        self._render_prereq()

    def action_prereq_toggle(self, index: int | None = None) -> None:
        prereqs = self.proto.prerequisites
        if index is None:
            index = self.prereq_cursor
        if not 0 <= index < len(prereqs):
            return
        self.prereq_cursor = index
        self.missing ^= {prereqs[index].id}
        self._render_prereq()

    def action_prereq_next(self) -> None:
        first = self._first_missing()
        missing = [p.id for p in self.proto.prerequisites if p.id in self.missing]
        if first:
            if self._event("prereq", OUTCOME_STEP, missing=missing):
                self._choose_outcome(oc.NOT_ELIGIBLE, first, back=("prereq", 0), record=False)
            return
        first_step = self.proto.steps[0].id
        if self._event("prereq", first_step, missing=[]):
            self._enter_step(0)

    def action_prereq_back(self) -> None:
        if self._event("back", STATUS_STEP):
            self._show("status")

    # -- steps -------------------------------------------------------------------------------
    def _qr_payload(self, kind: str) -> str:
        qr = self.app.settings.qr  # type: ignore[attr-defined]
        if kind == "install":
            return str(qr.install_android)
        return str(qr.activation or self.qr_entered)

    def _enter_step(self, index: int, started: datetime | None = None) -> None:
        self.step_index = index
        self.problem = None
        self.step_started = started or self.ctx.now()
        self.qr_entered = ""
        self._render_step()
        self._show("step")
        self._tick()  # the phase is "step" only now: draw the elapsed time at once

    def _render_step(self) -> None:
        from counter.tui.widgets.qr import QrCode

        step = self.proto.steps[self.step_index]
        self.query_one("#step-title", Label).update(
            self.t(
                "counter.step.title",
                n=self.step_index + 1,
                total=len(self.proto.steps),
                title=step.title.get(self.lang),
            )
        )
        text = step.instruction.get(self.lang)
        payload = self._qr_payload(step.qr) if step.qr else ""
        if step.qr == "activation" and not payload:
            text += "\n\n" + self.t("counter.step.qr_none")
        self.query_one("#step-instruction", Static).update(text)
        qr = self.query_one("#step-qr", QrCode)
        qr.payload = payload
        qr.display = bool(payload)
        paste = self.query_one("#qr-payload", Input)
        paste.display = step.qr == "activation" and not self.app.settings.qr.activation  # type: ignore[attr-defined]
        box = self.query_one("#step-problem", Static)
        if self.problem is None:
            box.display = False
        else:
            p = self.proto.problems[self.problem]
            box.display = True
            box.update(
                "\n".join(
                    [
                        self.t("counter.step.problem_chosen", text=p.text.get(self.lang)),
                        self.t("counter.step.remedy", text=p.remedy.get(self.lang)),
                        self.t(
                            "counter.step.suggested",
                            outcome=self.proto.outcome_text(p.outcome, self.lang),
                        ),
                        self.t("counter.step.decide"),
                    ]
                )
            )
        self._tick()
        self.refresh_bindings()

    def _tick(self) -> None:
        if self.phase != "step" or self.step_started is None or self.protocol is None:
            return
        now = self.ctx.now()
        visit = (now - self.visit_started).total_seconds() if self.visit_started else 0
        self.query_one("#step-elapsed", Static).update(
            self.t(
                "counter.step.elapsed",
                step=fmt_duration((now - self.step_started).total_seconds()),
                visit=fmt_duration(visit),
            )
        )

    def _step_seconds(self) -> int:
        return int((self.ctx.now() - self.step_started).total_seconds()) if self.step_started else 0

    def action_step_done(self, after_problem: str | None = None) -> None:
        step = self.proto.steps[self.step_index]
        last = self.step_index + 1 >= len(self.proto.steps)
        nxt = OUTCOME_STEP if last else self.proto.steps[self.step_index + 1].id
        data: dict[str, Any] = {"done": step.id, "seconds": self._step_seconds()}
        if after_problem:
            data["after_problem"] = after_problem
        if not self._event("step", nxt, **data):
            return
        if last:
            self._choose_outcome(oc.ACTIVATED, None, back=("step", self.step_index), record=False)
        else:
            self._enter_step(self.step_index + 1)

    def action_step_back(self) -> None:
        if self.step_index == 0:
            if self._event("back", PREREQ_STEP):
                self._render_prereq()
                self._show("prereq")
            return
        prev = self.proto.steps[self.step_index - 1].id
        if self._event("back", prev):
            self._enter_step(self.step_index - 1)

    def action_problem(self) -> None:
        step = self.proto.steps[self.step_index]
        self.app.push_screen(
            ProblemPicker(self.proto, step.id, self.lang, self.t("counter.step.problems_title")),
            self._problem_chosen,
        )

    def _problem_chosen(self, problem_id: str | None) -> None:
        if not problem_id:
            return
        step = self.proto.steps[self.step_index]
        if self._event("problem", step.id, problem=problem_id):
            self.problem = problem_id
            self._render_step()
            self.query_one("#step").focus()

    def action_retry(self) -> None:
        step = self.proto.steps[self.step_index]
        if self._event("retry", step.id, problem=self.problem):
            self.problem = None
            self.step_started = self.ctx.now()
            self._render_step()

    def action_continue_step(self) -> None:
        problem = self.problem
        self.problem = None
        self.action_step_done(after_problem=problem)

    def action_end_with(self, outcome: str) -> None:
        if self.problem is None:
            return
        problem = self.problem
        if self._event("choose_outcome", OUTCOME_STEP, outcome=outcome, reason=problem):
            self._choose_outcome(outcome, problem, back=("step", self.step_index), record=False)

    def action_enlarge_qr(self) -> None:
        from counter.tui.widgets.qr import QrCode

        self.query_one("#step-qr", QrCode).enlarge()

    def action_paste_qr(self) -> None:
        self.query_one("#qr-payload", Input).focus()

    @on(Input.Submitted, "#qr-payload")
    def _qr_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.qr_entered = event.value.strip()
        step = self.proto.steps[self.step_index]
        if self.qr_entered:
            self._event("qr_shown", step.id, qr="activation", source="entered")
        self._render_step()
        self.query_one("#step").focus()

    # -- outcome -----------------------------------------------------------------------------
    def _choose_outcome(
        self, outcome: str, reason: str | None, back: tuple[str, int], record: bool = True
    ) -> None:
        if record and not self._event(
            "choose_outcome", OUTCOME_STEP, outcome=outcome, reason=reason
        ):
            return
        self.outcome, self.reason, self.back_to = outcome, reason, back
        self._render_outcome()
        self._show("outcome")

    def _render_outcome(self) -> None:
        assert self.outcome is not None
        nik = self.info.nik if self.info else ""
        self.query_one("#outcome-nik", Static).update(
            f"NIK {nik}" + (f"\n{self._describe(self.info)}" if self.info else "")
        )
        self.query_one("#outcome-text", Static).update(
            self.t(
                "counter.outcome.outcome", outcome=self.proto.outcome_text(self.outcome, self.lang)
            )
        )
        lines = []
        if self.reason:
            lines.append(
                self.t(
                    "counter.outcome.reason", reason=self.proto.reason_text(self.reason, self.lang)
                )
            )
            remedy = None
            if self.reason in self.proto.problems:
                remedy = self.proto.problems[self.reason].remedy.get(self.lang)
            elif any(p.id == self.reason for p in self.proto.prerequisites):
                remedy = self.proto.prerequisite(self.reason).remedy.get(self.lang)
            if remedy:
                lines.append(self.t("counter.prereq.remedy", text=remedy))
        self.query_one("#outcome-reason", Static).update("\n".join(lines))

    def action_save(self) -> None:
        after_typed_input(self, self.save_outcome)

    def save_outcome(self, print_slip: bool = False) -> bool:
        assert self.outcome is not None
        note = self.query_one("#note-input", Input).value.strip() or None
        visit_id = self.visit_id
        if not self._finish(self.outcome, self.reason, note):
            return False
        if print_slip and visit_id:
            self._print_slip(visit_id)
        return True

    def action_save_print(self) -> None:
        after_typed_input(self, lambda: self.save_outcome(print_slip=True))

    def action_outcome_back(self) -> None:
        phase, index = self.back_to
        step = {"status": STATUS_STEP, "prereq": PREREQ_STEP}.get(phase) or (
            self.proto.steps[index].id
        )
        if not self._event("back", step, outcome=self.outcome):
            return
        self.outcome = self.reason = None
        if phase == "step":
            self._enter_step(index)
        elif phase == "prereq":
            self._render_prereq()
            self._show("prereq")
        else:
            self._show("status")

    def _finish(self, outcome: str, reason: str | None, note: str | None) -> bool:
        from counter.services import visits

        assert self.visit_id is not None and self.info is not None
        v = self._write(
            visits.finish_visit, self.ctx, self.visit_id, outcome, reason, note, self.officer.id
        )
        if v is False:
            return False
        self.notify(
            self.t(
                "counter.saved",
                nik=nikmod.mask(self.info.nik),
                outcome=self.proto.outcome_text(outcome, self.lang),
            )
            + "\n"
            + self.t("counter.saved_ready"),
            timeout=4,
        )
        self.reset_for_next()
        return True

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
                self.app.call_from_thread(
                    self.notify, self.t("counter.slip_failed", detail=str(e)), severity="error"
                )
                return
            self.app.call_from_thread(
                self.notify, result.message, severity="information" if result.ok else "error"
            )

        self.run_worker(job, thread=True, exit_on_error=False, name="print-slip")

    def reset_for_next(self) -> None:
        """Empty every field and focus the NIK: ready for the next visitor."""
        self._reset_state()
        for sel in ("#nik-input", "#name-input", "#phone-input", "#note-input", "#qr-payload"):
            self.query_one(sel, Input).value = ""
        self.query_one("#consent", Checkbox).value = False
        self.query_one("#purpose", Select).clear()
        self.query_one("#nik-msg", Static).update("")
        self.query_one("#phone-msg", Static).update("")
        self.refresh_header()
        self._show("nik")

    # -- resume ------------------------------------------------------------------------------
    def resume(self, visit: Visit) -> None:
        """Carry on an unfinished visit (after a crash) at the step it was on."""
        from counter.services import lookup, visits

        if self.protocol is None:
            return
        self._reset_state()
        self.visit_id = visit.id
        self.visit_started = visit.started_at
        info, _err = nikmod.check(visit.nik, self.ctx.today())
        self.info = info
        self.query_one("#nik-input", NikInput).value = visit.nik
        try:
            self.found = lookup.lookup(self.ctx, visit.nik)
            events = visits.timeline(self.ctx, visit.id)
        except Exception as e:  # noqa: BLE001 - shown; the visit stays unfinished
            self._fail(e)
            return
        step = visit.current_step
        last_at = events[-1].at if events else visit.started_at
        if not self._event("resume", step if step != "done" else None, was=step):
            return
        if info is not None:
            self._render_status()
        label = step
        if step == OUTCOME_STEP:
            chosen = next((e for e in reversed(events) if e.kind == "choose_outcome"), None)
            prereq = next((e for e in reversed(events) if e.kind == "prereq"), None)
            if chosen is not None:
                outcome, reason = chosen.data.get("outcome"), chosen.data.get("reason")
                back = (
                    ("step", len(self.proto.steps) - 1)
                    if reason in self.proto.problems
                    else ("status", 0)
                )
                if reason in self.proto.problems:
                    step_id = (
                        chosen.step if chosen.step and self.proto.has_step(chosen.step) else None
                    )
                    prob_ev = next((e for e in reversed(events) if e.kind == "problem"), None)
                    if prob_ev and prob_ev.step and self.proto.has_step(prob_ev.step):
                        step_id = prob_ev.step
                    if step_id:
                        back = ("step", self.proto.step_index(step_id))
            elif prereq is not None and prereq.data.get("missing"):
                outcome, reason, back = oc.NOT_ELIGIBLE, prereq.data["missing"][0], ("prereq", 0)
                self.missing = set(prereq.data["missing"])
            else:
                outcome, reason, back = oc.ACTIVATED, None, ("step", len(self.proto.steps) - 1)
            self.outcome, self.reason, self.back_to = str(outcome), reason, back
            self._render_outcome()
            self._show("outcome")
            label = self.proto.outcome_text(self.outcome, self.lang)
        elif step == STATUS_STEP:
            self._show("status")
            label = self.t("counter.status.title")
        elif step == PREREQ_STEP:
            self._render_prereq()
            self._show("prereq")
            label = self.t("counter.prereq.title")
        elif self.proto.has_step(step):
            index = self.proto.step_index(step)
            self._enter_step(index, started=last_at)
            label = self.proto.steps[index].title.get(self.lang)
        else:
            self.notify(self.t("counter.resume_unknown_step", step=step), severity="warning")
            self._render_prereq()
            self._show("prereq")
        self.notify(self.t("counter.resumed", nik=nikmod.mask(visit.nik), step=label), timeout=4)
        self.refresh_header()
