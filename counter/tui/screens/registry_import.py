"""Supervisor: import the central IKD extract from the app (issue 14).

A path field with completion and a list of the folder's extracts (folders first; Enter opens a
folder or picks a file), a confirm dialog, then the import in a worker thread with a progress bar,
and the summary: read / new / updated / unchanged / rejected, the desa names not recognised, and
where the rejects file went (shown as text that can be selected, and copied with a key).

Thin over ``services.registry.import_registry`` (what ``ikd-counter registry import`` calls, with
the same progress callback, audited as the supervisor). Errors (header, unreadable file, full
disk) are shown on the screen in the user's words.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.suggester import Suggester
from textual.timer import Timer
from textual.widgets import Footer, Input, ProgressBar
from textual.widgets.option_list import Option

from counter.domain.text import printable
from counter.errors import describe
from counter.tui.formats import fmt_int
from counter.tui.screens.supervisor.base import SupervisorBase
from counter.tui.screens.supervisor.base import localize as _localize
from counter.tui.screens.supervisor.modals import ConfirmModal
from counter.tui.widgets.literal import Label, OptionList, Static, literal
from counter.tui.words import extract_line

if TYPE_CHECKING:
    from counter.services.registry import ImportResult

EXTRACT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
MAX_LISTED = 400  # a folder with thousands of files still lists quickly
_UP = "\x00up"


def shown_path(path: Path) -> str:
    """``path`` as a person reads it: under the home folder as ``~/...``."""
    try:
        return "~" + os.sep + str(path.relative_to(Path.home())) if path != Path.home() else "~"
    except ValueError:
        return str(path)


def typed_path(text: str) -> Path:
    return Path(text.strip().strip('"').strip("'")).expanduser()


def folder_entries(folder: Path) -> list[Path]:
    """The sub-folders and extract files of ``folder`` (no hidden ones), folders first."""
    found: list[Path] = []
    try:
        for p in folder.iterdir():
            if p.name.startswith("."):
                continue
            try:
                is_dir = p.is_dir()
            except OSError:
                continue
            if is_dir or p.suffix.lower() in EXTRACT_SUFFIXES:
                found.append(p)
            if len(found) >= MAX_LISTED:
                break
    except OSError:
        return []
    return sorted(found, key=lambda p: (not _is_dir(p), p.name.lower()))


def _is_dir(p: Path) -> bool:
    try:
        return p.is_dir()
    except OSError:
        return False


class PathSuggester(Suggester):
    """Completes the last part of a typed path from the folder's entries (→ accepts it)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.endswith(os.sep):
            return None
        path = typed_path(value)
        stem = path.name
        for p in folder_entries(path.parent):
            if p.name.startswith(stem) and p.name != stem:
                return value + p.name[len(stem) :] + (os.sep if _is_dir(p) else "")
        return None


class RegistryImportScreen(SupervisorBase, Screen[None]):  # SupervisorBase.app
    """Pick the extract, import it, read the summary."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Import", id="reg.start", priority=True),
        Binding("f2", "copy_path", "Copy path", id="reg.copy"),
        Binding("escape", "back", "Back", id="reg.back"),
        Binding("down", "to_list", show=False, id="reg.to_list"),  # path field -> the list
    ]
    DEFAULT_CSS = """
    RegistryImportScreen #reg-path { width: 100%; }
    RegistryImportScreen #reg-files { height: 1fr; min-height: 3; }
    RegistryImportScreen #reg-bar { width: 100%; height: 1; padding: 0 1; }
    RegistryImportScreen #reg-bar Bar { width: 1fr; }
    RegistryImportScreen #reg-extract, RegistryImportScreen #reg-hint { padding: 0 1;
        color: $text-muted; height: auto; }
    RegistryImportScreen #reg-summary { height: auto; padding: 0 1; }
    RegistryImportScreen #reg-rejects { height: auto; padding: 0 1; }
    RegistryImportScreen #reg-error { height: auto; padding: 0 1; }
    RegistryImportScreen .field-label { padding: 0 1; }
    """

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.folder = (start or Path.home()).expanduser()
        self.entries: list[Path] = []
        self.running = False
        self.result: ImportResult | None = None
        self._progress = 0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        if not self.allowed:
            yield from self.refused()
            return
        t = self.t
        yield Static(t("office.registry.title"), id="reg-title", classes="title-bar")
        yield Static("", id="reg-extract")
        yield Label(t("office.registry.file"), classes="field-label")
        yield Input(
            value=shown_path(self.folder) + os.sep,
            id="reg-path",
            suggester=PathSuggester(),
            max_length=4096,
        )
        yield OptionList(id="reg-files")
        yield Static(t("office.registry.hint"), id="reg-hint")
        yield ProgressBar(total=100, show_eta=False, id="reg-bar")
        yield Static("", id="reg-summary")
        yield Static("", id="reg-rejects")
        yield Static("", id="reg-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        if not self.allowed:
            return
        _localize(
            self,
            {
                "reg.start": "office.keys.import",
                "reg.copy": "office.keys.copy_path",
                "reg.back": "supervisor.keys.back",
            },
        )
        self.list_folder(self.folder)
        self.query_one("#reg-path", Input).focus()
        self.load_extract_age()

    def load_extract_age(self) -> None:
        from counter.services.lookup import last_extract

        ctx = self.app.ctx
        self.run_service(lambda: last_extract(ctx), self._show_age, "reg-age")  # type: ignore[arg-type]

    def _show_age(self, imported_at: Any) -> None:
        assert self.app.ctx is not None
        line = extract_line(self.app, imported_at, self.app.ctx.today())
        self.query_one("#reg-extract", Static).update(line)

    # picking ------------------------------------------------------------------------------
    def list_folder(self, folder: Path) -> None:
        self.folder = folder
        self.entries = folder_entries(folder)
        ol = self.query_one("#reg-files", OptionList)
        ol.clear_options()
        options: list[Option] = []
        if folder.parent != folder:
            options.append(Option(literal(".." + os.sep), id=_UP))
        for i, p in enumerate(self.entries):
            name = p.name + (os.sep if _is_dir(p) else "")
            options.append(Option(literal(name), id=str(i)))
        if not self.entries:
            options.append(Option(literal(self.t("office.registry.no_files")), disabled=True))
        ol.add_options(options)
        ol.highlighted = 0

    @on(OptionList.OptionSelected, "#reg-files")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        oid = event.option.id
        if oid is None:
            return
        target = self.folder.parent if oid == _UP else self.entries[int(oid)]
        if _is_dir(target):
            self.list_folder(target)
            self.set_path(shown_path(target) + os.sep)
        else:
            self.set_path(shown_path(target))
            self.action_start()

    def set_path(self, text: str) -> None:
        field = self.query_one("#reg-path", Input)
        with field.prevent(Input.Changed):
            field.value = text
        field.cursor_position = len(text)

    @on(Input.Changed, "#reg-path")
    def _typed(self, event: Input.Changed) -> None:
        path = typed_path(event.value)
        folder = path if event.value.endswith(os.sep) else path.parent
        if _is_dir(folder) and folder != self.folder:
            self.list_folder(folder)

    @on(Input.Submitted, "#reg-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = typed_path(event.value)
        if _is_dir(path):
            self.list_folder(path)
            self.query_one("#reg-files", OptionList).focus()
            return
        self.action_start()

    # the import ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start":
            return not self.running
        if action == "copy_path":
            return bool(self.result is not None and self.result.rejects_file)
        if action == "back":
            return not self.running  # the import finishes (or fails) first: one transaction
        return True

    def show_error(self, text: str) -> None:
        self.query_one("#reg-error", Static).update(text)

    def action_start(self) -> None:
        if self.running:
            return
        raw = self.query_one("#reg-path", Input).value
        path = typed_path(raw)
        if not raw.strip() or _is_dir(path):
            self.show_error(self.t("office.registry.pick_first"))
            return
        if not path.is_file():
            self.show_error(self.t("office.registry.missing", file=printable(str(path))))
            return
        self.show_error("")

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_import(path.absolute())

        self.app.push_screen(
            ConfirmModal(
                self.t("office.registry.title"),
                self.t("office.registry.confirm", file=shown_path(path.absolute())),
            ),
            answer,
        )

    def run_import(self, path: Path) -> None:
        from counter.services.registry import import_registry

        ctx, me, app = self.app.ctx, self.app.officer, self.app
        assert ctx is not None
        self.running, self.result, self._progress = True, None, 0
        self.query_one("#reg-summary", Static).update(self.t("office.registry.running"))
        self.query_one("#reg-rejects", Static).update("")
        bar = self.query_one("#reg-bar", ProgressBar)
        bar.update(total=100, progress=0)
        self.refresh_bindings()

        def progress(done: int, total: int) -> None:
            # called in the worker thread; the UI reads it ten times a second. The general path
            # reads the file twice: the bar never goes back.
            pct = min(100, done * 100 // total) if total else 100
            self._progress = max(self._progress, pct)

        def job() -> None:
            try:
                res = import_registry(ctx, path, progress=progress, by=me)
            except Exception as e:  # noqa: BLE001 - every failure becomes one clear message
                app.call_from_thread(self.failed, e)
                return
            app.call_from_thread(self.finished, res)

        self._timer = self.set_interval(0.1, self._tick)
        self.run_worker(job, thread=True, exit_on_error=False, group="reg-import", name="import")

    def _tick(self) -> None:
        self.query_one("#reg-bar", ProgressBar).update(progress=self._progress)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.running = False
        self.refresh_bindings()

    def failed(self, error: Exception) -> None:
        self._stop()
        self.app.log.error(f"registry import: {error!r}")
        if not self.is_attached:  # logged out meanwhile: the import is audited, nothing to show
            return
        self.query_one("#reg-summary", Static).update("")
        self.show_error(describe(error, self.app.settings.lang))

    def finished(self, res: ImportResult) -> None:
        self._stop()
        self.result = res
        if not self.is_attached:  # logged out meanwhile: the import is audited, nothing to show
            return
        self.query_one("#reg-bar", ProgressBar).update(total=100, progress=100)
        self.query_one("#reg-summary", Static).update(self.summary_text(res))
        rejects = self.query_one("#reg-rejects", Static)
        if res.rejects_file:
            rejects.update(
                self.t("office.registry.rejects", path=res.rejects_file)
            )  # the whole path, selectable; F2 copies it
        else:
            rejects.update(self.t("office.registry.no_rejects"))
        self.load_extract_age()
        self.refresh_bindings()

    def summary_text(self, res: ImportResult) -> str:
        t, lang = self.t, self.app.settings.lang
        lines = [
            t(
                "office.registry.done",
                read=fmt_int(res.read, lang),
                inserted=fmt_int(res.inserted, lang),
                updated=fmt_int(res.updated, lang),
                unchanged=fmt_int(res.unchanged, lang),
                rejected=fmt_int(res.rejected, lang),
            )
        ]
        desa = res.desa
        if desa:
            lines.append(
                t(
                    "office.registry.desa",
                    column=desa.get("column") or "-",
                    matched=fmt_int(int(desa.get("matched") or 0), lang),
                    empty=fmt_int(int(desa.get("empty") or 0), lang),
                )
            )
            unmatched: dict[str, int] = desa.get("unmatched") or {}
            if unmatched:
                names = ", ".join(
                    f"{n} ({fmt_int(c, lang)})" for n, c in list(unmatched.items())[:5]
                )
                more = len(unmatched) - 5
                if more > 0:
                    names += " " + t("office.registry.more", count=fmt_int(more, lang))
                lines.append(t("office.registry.unmatched", names=names))
        return "\n".join(lines)

    def action_copy_path(self) -> None:
        if self.result is not None and self.result.rejects_file:
            self.app.copy_to_clipboard(self.result.rejects_file)
            self.notify(self.t("office.registry.copied"))

    def action_to_list(self) -> None:
        self.query_one("#reg-files", OptionList).focus()

    def action_back(self) -> None:
        if not self.running:
            self.app.pop_screen()
