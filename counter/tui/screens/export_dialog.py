"""The supervisor's export dialog (key ``e`` on the supervisor home): what, how and where, a
summary before anything is written, the file's path after.

Three stages on one modal:

1. ``form``: the range (the day shown on the home screen, a date range typed DD-MM-YYYY in
   Indonesian, or everything finished since the last export), the format (XLSX or CSV) and the
   destination folder (remembered per machine and supervisor, ``services.export_preview``). A
   short summary follows the fields as they change. F2 or Enter goes on.
2. ``confirm``: the summary before writing: visits of the range as the dashboard tiles count
   them, how many are written, the days they span, and the open (unfinished) visits, which are
   not final and are left out: ``y`` writes without them, Esc goes back. Nothing to export: it
   says so, and there is nothing to confirm (no empty file is written).
3. ``done``: the count written and the file's full path (wrapped, selectable with the mouse,
   copied with ``c`` or Ctrl+C); it stays until closed. A refusal (folder not writable, disk full, file exists) is shown in
   the dialog in words, and nothing is overwritten: the file name is checked before writing and
   the export service refuses an existing name again.

The file is written by ``services.export.export_visits`` (public API only), which audits it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Footer, Input

from counter.errors import describe
from counter.tui.formats import fmt_date, fmt_int, parse_date
from counter.tui.keys import CatalogKeys
from counter.tui.widgets.literal import Label, Select, Static

if TYPE_CHECKING:
    from counter.services.export import ExportResult
    from counter.services.export_preview import Preview

MODES = ("date", "range", "since_last")
FORMATS = ("xlsx", "csv")
# refusals the dialog words itself (the service's own texts point at the CLI's -o option)
OWN_ERRORS = frozenset({"exists", "no_permission", "no_folder", "disk_full", "io", "concurrent"})


@dataclass(frozen=True)
class Choice:
    """What the form asks for, checked."""

    mode: str
    date_from: date | None
    date_to: date | None
    fmt: str
    folder: Path


class ExportDialog(CatalogKeys, ModalScreen[None]):
    """Export visits: choose, see the summary, write, see the path."""

    SUPERVISOR_ONLY: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "next", "Continue", id="exportdlg.next"),
        Binding("y", "write", "Write", id="exportdlg.write"),
        Binding("c", "copy_path", "Copy path", id="exportdlg.copy"),
        Binding("enter", "close", "Close", id="exportdlg.close", show=False),
        Binding("escape", "back", "Back", id="exportdlg.back"),
    ]
    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > #exp-box { width: 78; max-width: 100%; height: auto; max-height: 100%;
                              border: round $primary; padding: 0 1; background: $surface; }
    ExportDialog #exp-title { text-style: bold; color: $accent; margin: 0 0 1 0; }
    ExportDialog .exp-row { height: 1; margin: 0 0 1 0; }
    ExportDialog .exp-label { width: 14; }
    ExportDialog .exp-label-short { width: 10; padding: 0 1 0 2; }
    ExportDialog #exp-range { width: 1fr; }
    ExportDialog #exp-format { width: 24; }
    ExportDialog #exp-from, ExportDialog #exp-to { width: 14; }
    ExportDialog #exp-folder { width: 1fr; }
    ExportDialog #exp-path { height: auto; text-style: bold; margin: 0 0 1 0; }
    ExportDialog #exp-summary { height: auto; }
    ExportDialog #exp-warning { height: auto; color: $warning; text-style: bold; }
    ExportDialog #exp-error { height: auto; color: $error; }
    ExportDialog #exp-hint { height: auto; color: $text-muted; }
    ExportDialog .-hidden { display: none; }
    """

    stage: reactive[str] = reactive("form", bindings=True, init=False)
    app: Any  # the CounterApp (t, settings, ctx, officer); not imported: see _footer_texts

    def __init__(self, day: date) -> None:
        super().__init__()
        self.day = day
        self.preview: Preview | None = None
        self.choice: Choice | None = None
        self.result: ExportResult | None = None
        self._seq = 0

    # --- layout ---------------------------------------------------------------------------
    def t(self, key: str, **kw: object) -> str:
        return self.app.t(key, **kw)

    @property
    def lang(self) -> str:
        return self.app.settings.lang

    def compose(self) -> ComposeResult:
        t, lang = self.t, self.lang
        from counter.services import export_preview

        sup, ctx = self.app.officer, self.app.ctx
        if sup is None or sup.role != "supervisor" or ctx is None:
            yield Static(t("tui.guard.supervisor_only"), id="exp-refused", classes="error")
            yield Footer()
            return
        folder = export_preview.remembered_folder(ctx, sup)
        fmt = export_preview.remembered_format(ctx, sup)
        shown_day = fmt_date(self.day, lang)
        with Vertical(id="exp-box"):
            yield Label(t("exportdlg.title"), id="exp-title")
            with Horizontal(classes="exp-row"):
                yield Label(t("exportdlg.field.range"), classes="exp-label")
                yield Select(
                    [
                        (t("exportdlg.range.date", day=shown_day), "date"),
                        (t("exportdlg.range.range"), "range"),
                        (t("exportdlg.range.since_last"), "since_last"),
                    ],
                    value="date",
                    allow_blank=False,
                    compact=True,
                    id="exp-range",
                )
            with Horizontal(classes="exp-row", id="exp-dates"):
                yield Label(t("exportdlg.field.from"), classes="exp-label")
                yield Input(
                    shown_day, placeholder=fmt_date(self.day, lang), compact=True, id="exp-from"
                )
                yield Label(t("exportdlg.field.to"), classes="exp-label-short")
                yield Input(
                    shown_day, placeholder=fmt_date(self.day, lang), compact=True, id="exp-to"
                )
            with Horizontal(classes="exp-row"):
                yield Label(t("exportdlg.field.format"), classes="exp-label")
                yield Select(
                    [(t("exportdlg.format.xlsx"), "xlsx"), (t("exportdlg.format.csv"), "csv")],
                    value=fmt,
                    allow_blank=False,
                    compact=True,
                    id="exp-format",
                )
            with Horizontal(classes="exp-row"):
                yield Label(t("exportdlg.field.folder"), classes="exp-label")
                yield Input(str(folder), compact=True, id="exp-folder", max_length=1000)
            yield Static("", id="exp-summary")
            yield Static("", id="exp-path", classes="-hidden")
            yield Static("", id="exp-warning")
            yield Static("", id="exp-error")
            yield Static("", id="exp-hint")
        yield Footer()

    def on_mount(self) -> None:
        if self.app.ctx is None or self.app.officer is None:
            return
        self.query_one("#exp-range", Select).focus()
        self._show_stage()
        self.refresh_preview()

    # --- form -----------------------------------------------------------------------------
    @property
    def _ranged(self) -> bool:
        return self._value("#exp-range") == "range"

    def _value(self, wid: str) -> str:
        return str(self.query_one(wid, Select).value)

    def read_form(self) -> Choice:
        """The form's values, checked; ValueError(message) when one is wrong."""
        mode = self._value("#exp-range")
        fmt = self._value("#exp-format")
        raw = self.query_one("#exp-folder", Input).value.strip()
        if not raw:
            raise ValueError(self.t("exportdlg.error.folder_required"))
        folder = Path(raw).expanduser()
        there = folder  # the folder, or the nearest of its parents that exists
        while not there.exists() and there != there.parent:
            there = there.parent
        if there.exists() and not there.is_dir():
            raise ValueError(self.t("exportdlg.error.not_a_folder", path=str(there)))
        date_from: date | None = None
        date_to: date | None = None
        if mode == "date":
            date_from = date_to = self.day
        elif mode == "range":
            parsed = []
            for wid in ("#exp-from", "#exp-to"):
                text = self.query_one(wid, Input).value.strip()
                try:
                    parsed.append(parse_date(text))
                except ValueError:
                    example = fmt_date(self.day, self.lang)
                    raise ValueError(
                        self.t("exportdlg.error.bad_date", value=text, example=example)
                    ) from None
            date_from, date_to = parsed
            if date_from > date_to:
                raise ValueError(
                    self.t(
                        "exportdlg.error.bad_range",
                        date_from=fmt_date(date_from, self.lang),
                        date_to=fmt_date(date_to, self.lang),
                    )
                )
        return Choice(mode, date_from, date_to, fmt, folder.absolute())

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "exp-range":
            self.query_one("#exp-dates").display = self._ranged
        self.refresh_preview()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if self.stage == "form":
            self.refresh_preview()

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        if self.stage == "form":
            self.action_next()

    def refresh_preview(self) -> None:
        """Recount for the form's current values (in a thread; only the newest run shows)."""
        try:
            choice = self.read_form()
        except ValueError as e:
            self.preview, self.choice = None, None
            self._set("#exp-summary", "")
            self._set("#exp-warning", "")
            self._set("#exp-error", str(e))
            return
        self._set("#exp-error", "")
        self._run(lambda: self._count(choice), lambda p: self._previewed(choice, p))

    def _count(self, choice: Choice) -> Preview:
        from counter.services.export_preview import preview

        assert self.app.ctx is not None
        return preview(self.app.ctx, choice.mode, choice.date_from, choice.date_to)

    def _previewed(self, choice: Choice, p: Preview) -> None:
        self.choice, self.preview = choice, p
        self._show_summary()

    # --- the summary ----------------------------------------------------------------------
    def summary_lines(self, choice: Choice, p: Preview) -> tuple[str, str]:
        """(summary, warning) for the preview ``p`` of ``choice``."""
        t, lang = self.t, self.lang
        n = lambda v: fmt_int(v, lang)  # noqa: E731
        d = lambda v: fmt_date(v, lang)  # noqa: E731
        lines: list[str] = []
        if p.mode == "since_last":
            if p.last_export_at is None:
                lines.append(t("exportdlg.summary.never_exported"))
            else:
                lines.append(
                    t(
                        "exportdlg.summary.last_export",
                        at=f"{d(p.last_export_at.date())} {p.last_export_at:%H:%M}",
                        rows=n(p.last_export_rows),
                    )
                )
        else:
            span = (
                d(p.date_from)
                if p.date_from == p.date_to
                else t("exportdlg.summary.span", first=d(p.date_from), last=d(p.date_to))
            )
            lines.append(t("exportdlg.summary.visits", range=span, visits=n(p.visits)))
        if p.rows == 0:
            lines.append(t("exportdlg.summary.nothing"))
        else:
            span = (
                d(p.first_day)
                if p.first_day == p.last_day
                else t("exportdlg.summary.span", first=d(p.first_day), last=d(p.last_day))
            )
            lines.append(
                t(
                    "exportdlg.summary.rows",
                    rows=n(p.rows),
                    days=span,
                    format=t(f"exportdlg.format.{choice.fmt}"),
                )
            )
            where = "exportdlg.summary.folder"
            if not choice.folder.exists():
                where = "exportdlg.summary.folder_new"
            lines.append(t(where, folder=str(choice.folder)))
        warning = ""
        if p.open:
            key = (
                "exportdlg.warning.open_any" if p.mode == "since_last" else "exportdlg.warning.open"
            )
            warning = t(key, open=n(p.open))
        return "\n".join(lines), warning

    def _show_summary(self) -> None:
        if self.choice is None or self.preview is None:
            return
        summary, warning = self.summary_lines(self.choice, self.preview)
        self._set("#exp-summary", summary)
        self._set("#exp-warning", warning)
        self._show_stage()

    def _show_stage(self) -> None:
        t = self.t
        form = self.stage == "form"
        for wid in ("#exp-range", "#exp-format", "#exp-from", "#exp-to", "#exp-folder"):
            self.query_one(wid).disabled = not form
        self.query_one("#exp-path").set_class(self.stage != "done", "-hidden")
        for row in self.query(".exp-row"):  # done: the path gets the room
            row.display = self.stage != "done" and (row.id != "exp-dates" or self._ranged)
        p = self.preview
        if self.stage == "form":
            hint = t("exportdlg.hint.form")
        elif self.stage == "confirm":
            if p is None or p.rows == 0:
                hint = t("exportdlg.hint.nothing")
            elif p.open:
                hint = t("exportdlg.hint.confirm_open", open=fmt_int(p.open, self.lang))
            else:
                hint = t("exportdlg.hint.confirm")
        else:
            hint = t("exportdlg.hint.done")
        self._set("#exp-hint", hint)

    def _set(self, wid: str, text: str) -> None:
        w = self.query_one(wid, Static)
        w.update(text)
        w.set_class(not text, "-hidden")

    # --- keys -----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.stage == "form"
        if action in ("copy_path", "close"):
            return self.stage == "done"
        if action == "write":
            return self.stage == "confirm" and self.preview is not None and self.preview.rows > 0
        return True

    def watch_stage(self, _: str) -> None:
        self._show_stage()

    def action_next(self) -> None:
        """Form -> summary: recount first, so what is confirmed is what the database holds."""
        try:
            choice = self.read_form()
        except ValueError as e:
            self._set("#exp-error", str(e))
            return
        self._set("#exp-error", "")

        def shown(p: Preview) -> None:
            self._previewed(choice, p)
            self.stage = "confirm"
            self.focus_nothing()  # y / Esc answer; no field takes the key

        self._run(lambda: self._count(choice), shown)

    def focus_nothing(self) -> None:
        self.set_focus(None)

    def action_back(self) -> None:
        if self.stage == "confirm":
            self.stage = "form"
            self._set("#exp-error", "")
            self.query_one("#exp-range", Select).focus()
            self.refresh_preview()
            return
        self.dismiss(None)

    def action_write(self) -> None:
        choice, p = self.choice, self.preview
        if self.stage != "confirm" or choice is None or p is None or p.rows == 0:
            return
        ctx, sup = self.app.ctx, self.app.officer
        assert ctx is not None and sup is not None
        from counter.services import export, export_preview

        target = (
            choice.folder
            / export.default_path(
                ctx, choice.mode, choice.date_from, choice.date_to, choice.fmt
            ).name
        )
        taken = [target, *([export.recap_path_for(target)] if choice.fmt == "csv" else [])]
        for path in taken:
            if path.exists():
                self._set("#exp-error", self.t("exportdlg.error.exists", path=str(path)))
                return
        self._set("#exp-error", "")
        self._set("#exp-hint", self.t("exportdlg.hint.writing"))

        def write() -> ExportResult:
            result = export.export_visits(
                ctx,
                sup,
                choice.mode,
                date_from=choice.date_from if choice.mode != "since_last" else None,
                date_to=choice.date_to if choice.mode == "range" else None,
                fmt=choice.fmt,
                out=target,
            )
            if result.path is not None:
                export_preview.remember(ctx, sup, choice.folder, choice.fmt)
            return result

        self._run(write, self._written, failed=self._write_failed)

    def _written(self, result: ExportResult) -> None:
        t, lang = self.t, self.lang
        if result.path is None:  # since-last: someone else exported them meanwhile
            self._set("#exp-summary", t("exportdlg.summary.nothing"))
            self._set("#exp-warning", "")
            self.stage = "form"
            self.refresh_preview()
            return
        self.result = result
        self.app.log.info(f"export dialog: batch {result.batch_id} written")
        lines = [t("exportdlg.done.rows", rows=fmt_int(result.rows, lang))]
        if result.corrections:
            lines.append(t("exportdlg.done.corrections", n=fmt_int(result.corrections, lang)))
        if result.recap_path is not None:
            lines.append(t("exportdlg.done.recap", path=str(result.recap_path)))
        self._set("#exp-summary", "\n".join(lines))
        self._set("#exp-warning", "")
        self._set("#exp-path", str(result.path))
        self.stage = "done"
        self.set_focus(None)

    def action_copy_path(self) -> None:
        if self.result is not None and self.result.path is not None:
            self.app.copy_to_clipboard(str(self.result.path))
            self._set("#exp-hint", self.t("exportdlg.hint.copied"))

    def action_close(self) -> None:
        self.dismiss(None)

    def _write_failed(self, error: Exception) -> None:
        from counter.services.export import ExportError

        if isinstance(error, ExportError) and error.code in OWN_ERRORS:
            params = {k: str(v) for k, v in error.params.items()}
            if error.code == "no_permission" and Path(params["path"]).suffix in (".xlsx", ".csv"):
                params["path"] = str(Path(params["path"]).parent)  # "write in" a folder
            text = self.t(f"exportdlg.error.{error.code}", **params)
        else:
            text = describe(error, self.lang)
        self.app.log.error(f"export dialog: {error!r}")
        self._set("#exp-error", text)
        self._show_stage()

    # --- threads --------------------------------------------------------------------------
    def _run(self, fn: Any, done: Any, failed: Any = None) -> None:
        """``fn()`` in a thread; ``done(result)`` back on the UI thread if it is still the
        newest run; a failure goes to ``failed`` (default: shown in the dialog)."""
        self._seq += 1
        seq, app = self._seq, self.app
        on_error = failed or self._write_failed

        def deliver(result: Any) -> None:
            if seq == self._seq and self.is_attached:
                done(result)

        def fail(error: Exception) -> None:
            if seq == self._seq and self.is_attached:
                on_error(error)

        def job() -> None:
            try:
                result = fn()
            except Exception as e:  # noqa: BLE001 - every failure is shown in words
                app.call_from_thread(fail, e)
                return
            app.call_from_thread(deliver, result)

        self.run_worker(job, thread=True, exit_on_error=False, group="export-dialog")


__all__ = ["Choice", "ExportDialog"]
