"""Printing the slip: the system print command (``lp``; Windows' print action) or an ESC/POS
receipt printer through python-escpos (optional extra ``escpos``: USB, network or file device).

Every function returns a :class:`PrintResult` with a user-facing message instead of raising for
printer trouble; the slip PDF is never deleted, so it can be printed again.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counter.config import Settings
from counter.errors import UserError
from counter.i18n import catalog
from counter.services.context import Context

PRINT_TIMEOUT_S = 30


@dataclass(frozen=True)
class PrintResult:
    ok: bool
    message: str  # in the requested language, ready to show
    file: Path | None  # the kept slip file (None when only ESC/POS was used without a PDF)
    key: str = ""  # catalog key of the message (for tests and logs)


def print_command(settings: Settings, path: Path) -> list[str] | None:
    """The argv that prints ``path``: the configured command (``{file}`` replaced, or the path
    appended), else ``lp PATH`` where lp exists; None when there is none (and not Windows)."""
    configured = settings.printing.command.strip()
    if configured:
        argv = shlex.split(configured, posix=os.name != "nt")
        if any("{file}" in a for a in argv):
            return [a.replace("{file}", str(path)) for a in argv]
        return [*argv, str(path)]
    lp = shutil.which("lp")
    if lp:
        return [lp, str(path)]
    return None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def print_file(settings: Settings, path: Path, lang: str | None = None) -> PrintResult:
    """Send a PDF to the printer; the file stays where it is in every case."""
    lang = lang or settings.lang
    msg = catalog(lang)
    path = Path(path)

    def result(ok: bool, key: str, **params: object) -> PrintResult:
        return PrintResult(ok, msg.t(key, file=str(path), **params), path, key)

    argv = print_command(settings, path)
    if argv is None:
        if sys.platform == "win32" and not settings.printing.command.strip():
            try:
                os.startfile(str(path), "print")  # type: ignore[attr-defined]
            except OSError as e:
                return result(False, "print.failed", detail=e.strerror or str(e))
            return result(True, "print.sent")
        return result(False, "print.no_command")
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=PRINT_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        return result(False, "print.not_found", command=argv[0])
    except PermissionError as e:
        return result(False, "print.failed", detail=e.strerror or str(e))
    except subprocess.TimeoutExpired:
        return result(False, "print.timeout", seconds=PRINT_TIMEOUT_S)
    if proc.returncode != 0:
        detail = _last_line(proc.stderr) or _last_line(proc.stdout) or f"exit {proc.returncode}"
        if _last_line(proc.stderr):
            detail = f"{detail}; exit {proc.returncode}"
        return result(False, "print.failed", detail=detail)
    return result(True, "print.sent")


# ESC/POS ---------------------------------------------------------------------------------------


class EscposConfigError(UserError, ValueError):
    prefix = ""


def escpos_printer(spec: str) -> Any:
    """A python-escpos printer for ``usb:VID:PID`` (hex), ``network:HOST[:PORT]`` or
    ``file:PATH``. Raises EscposConfigError for a bad spec or a missing python-escpos."""
    kind, _, rest = spec.strip().partition(":")
    try:  # python-escpos is an optional third-party extra ("pip install .[escpos]")
        from escpos import printer as ep
    except ImportError:
        raise EscposConfigError("print.escpos_missing") from None
    try:
        if kind == "usb":
            vid, _, pid = rest.partition(":")
            return ep.Usb(int(vid, 16), int(pid, 16))
        if kind == "network" and rest:
            host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
            return ep.Network(host or rest, int(port) if port else 9100, timeout=10)
        if kind == "file" and rest:
            return ep.File(rest)
    except ValueError:
        pass
    raise EscposConfigError("print.escpos_bad", value=spec)


def escpos_slip(printer: Any, data: Any) -> None:
    """Write the slip (``counter.services.slip.SlipData``) as ESC/POS: text lines and the
    printer's native QR command for the install link (and the help contact)."""
    from counter.services.pdftext import latin1

    def line(text: str = "", **style: Any) -> None:
        printer.set(**style) if style else printer.set_with_default()
        printer.textln(latin1(text))

    lb = data.labels
    printer.set_with_default()
    line(data.office_name, align="center", bold=True)
    line(data.title, align="center", bold=True)
    line(lb["subtitle"], align="center")
    line("-" * 32)
    for label, value in (
        (lb["date"], data.when),
        (lb["counter"], data.counter_id),
        (lb["officer"], data.officer),
        (lb["nik"], data.masked_nik),
        (lb["visit"], data.visit_ref),
    ):
        if value:
            line(f"{label:<12}{value}")
    line("-" * 32)
    line(lb["outcome_label"])
    line(data.outcome_text, bold=True, double_height=True)
    if data.reason_text:
        line(data.reason_text)
    line("-" * 32)
    line(lb["next_title"], bold=True)
    for i, step in enumerate(data.next_steps, 1):
        line(f"{i}. {step}")
    line("-" * 32)
    qrs = [(lb["install_qr"], data.install_url)]
    if data.help_payload:
        qrs.append((lb["help_qr"], data.help_payload))
    from escpos.constants import QR_ECLEVEL_M

    for caption, payload in qrs:
        line(caption, align="center", bold=True)
        printer.set(align="center")
        printer.qr(payload, ec=QR_ECLEVEL_M, size=6, native=True)
        line(payload, align="center")
        line()
    line(lb["fake_apk"], align="center", bold=True)
    line(lb["footer"], align="center")
    printer.cut()


def print_escpos(
    ctx: Context, visit_id: str, printer: Any = None, kept_file: Path | None = None
) -> PrintResult:
    """Print the slip on the ESC/POS printer of settings.printing.escpos (or ``printer``)."""
    from counter.services.slip import slip_data

    lang = ctx.settings.lang
    msg = catalog(lang)
    file_text = str(kept_file) if kept_file else "-"
    try:
        if printer is None:
            printer = escpos_printer(ctx.settings.printing.escpos)
        escpos_slip(printer, slip_data(ctx, visit_id))
        close = getattr(printer, "close", None)
        if callable(close) and type(printer).__name__ != "Dummy":
            close()
    except EscposConfigError as e:
        text = e.message(lang)
        if kept_file:
            text += " " + msg.t("print.kept", file=file_text)
        return PrintResult(False, text, kept_file, e.key)
    except Exception as e:  # noqa: BLE001 - python-escpos raises many types (USB, socket, file)
        detail = f"{type(e).__name__}: {_last_line(str(e)) or '-'}"
        return PrintResult(
            False,
            msg.t("print.escpos_failed", detail=detail, file=file_text),
            kept_file,
            "print.escpos_failed",
        )
    return PrintResult(True, msg.t("print.sent", file=file_text), kept_file, "print.sent")


def print_slip(
    ctx: Context, visit_id: str, paper: str | None = None, out_dir: Path | None = None
) -> PrintResult:
    """Make the slip PDF (kept in settings.slips_dir for reprinting) and print it: on the
    ESC/POS printer when settings.printing.escpos is set, else with the print command."""
    from counter.services.slip import make_slip

    path = make_slip(ctx, visit_id, paper=paper, out_dir=out_dir)
    if ctx.settings.printing.escpos.strip():
        return print_escpos(ctx, visit_id, kept_file=path)
    return print_file(ctx.settings, path, ctx.settings.lang)
