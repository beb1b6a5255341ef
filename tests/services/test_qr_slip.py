"""The resident's slip (80 mm and A6) scans and reads; printing failures keep the file."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from counter.config import ANDROID_STORE, PrintSettings, QrSettings
from counter.domain import nik as nikmod
from counter.services import printing, slip, visits
from counter.services.context import Context
from tests.helpers.qr import decode, pdf_pages, pdf_text

HELP = "https://wa.me/6281234567890"
NIK = nikmod.compose("332501", date(1990, 5, 17), "F", 12)


def with_settings(ctx: Context, **groups: object) -> Context:
    ctx.settings = dataclasses.replace(ctx.settings, **groups)
    return ctx


def finished(ctx: Context, officer, outcome: str, reason: str | None = None) -> str:  # noqa: ANN001
    v = visits.start_visit(ctx, officer, NIK)
    visits.finish_visit(ctx, v.id, outcome, reason=reason)
    return v.id


def squash(text: str) -> str:
    return " ".join(text.replace("\r", " ").replace("\n", " ").replace("\x02", "").split())


@pytest.mark.parametrize("paper", ["80mm", "a6"])
def test_slip_scans_and_reads(ctx: Context, officer, paper: str) -> None:  # noqa: ANN001
    with_settings(ctx, qr=QrSettings(help=HELP))
    vid = finished(ctx, officer, "PENDING", reason="email_not_received")
    path = slip.make_slip(ctx, vid, paper=paper)
    assert path.parent == ctx.settings.slips_dir and path.exists()
    pages = pdf_pages(path)
    assert len(pages) == 1  # a6 fits one page; 80 mm is one long receipt
    width_mm = pages[0].width / 200 * 25.4
    assert width_mm == pytest.approx(80 if paper == "80mm" else 105, abs=0.5)
    assert sorted(decode(pages[0])) == sorted([ANDROID_STORE, HELP])
    text = squash(pdf_text(path))
    for expected in (
        "Disdukcapil Kabupaten Batang",
        "27-11-2026 09:00 WIB",
        nikmod.mask(NIK),
        "Aktivasi belum selesai",
        "SIAK Terpusat Identitas Digital",
        "Jangan hapus aplikasi IKD",
        "datang kembali dengan KTP-el",
        "Email kode aktivasi tidak diterima",
        "Siti",
        "LOKET-1",
    ):
        assert expected in text, expected
    assert NIK not in text  # only the masked NIK goes on paper


def test_slip_without_help_has_only_the_install_code(ctx: Context, officer) -> None:  # noqa: ANN001
    vid = finished(ctx, officer, "ACTIVATED")
    path = slip.make_slip(ctx, vid, paper="80mm")
    assert decode(pdf_pages(path)[0]) == [ANDROID_STORE]
    text = squash(pdf_text(path))
    assert "IKD berhasil diaktifkan" in text
    assert "Butuh bantuan" not in text


@pytest.mark.parametrize(
    "outcome,reason,words",
    [
        ("ALREADY_ACTIVE", None, "IKD sudah aktif"),
        ("FAILED", "face_fail", "Aktivasi belum berhasil"),
        ("NOT_ELIGIBLE", "email", "Belum dapat diaktifkan: syarat belum lengkap"),
        ("REFERRED", "nik_not_found", "Dirujuk ke layanan lain"),
        ("DECLINED", None, "Tidak jadi aktivasi"),
    ],
)
def test_every_outcome_has_words_and_next_steps(
    ctx: Context,
    officer,
    outcome: str,  # noqa: ANN001
    reason: str | None,
    words: str,
) -> None:
    vid = finished(ctx, officer, outcome, reason)
    data = slip.slip_data(ctx, vid)
    assert data.outcome_text == words
    assert len(data.next_steps) >= 1 and all(s.strip() for s in data.next_steps)
    if reason:
        assert data.reason_text and data.reason_text != reason  # in words, from the protocol


def test_slip_language_is_indonesian_even_in_english_ui(ctx: Context, officer) -> None:  # noqa: ANN001
    with_settings(ctx, lang="en")
    vid = finished(ctx, officer, "ACTIVATED")
    assert slip.slip_data(ctx, vid).title == "Bukti Layanan Aktivasi IKD"


def test_unknown_visit_and_paper(ctx: Context) -> None:
    with pytest.raises(slip.SlipError) as err:
        slip.make_slip(ctx, "no-such-visit")
    assert err.value.key == "slip.visit_missing"
    with pytest.raises(slip.SlipError) as err:
        slip.make_slip(ctx, "x", paper="a4")
    assert "80mm" in err.value.message("en")


# Printing ----------------------------------------------------------------------------------


def test_print_command_gets_the_file(ctx: Context, officer, tmp_path: Path) -> None:  # noqa: ANN001
    got = tmp_path / "printed.pdf"
    with_settings(ctx, printing=PrintSettings(command=f"cp {{file}} {got}"))
    vid = finished(ctx, officer, "ACTIVATED")
    r = printing.print_slip(ctx, vid)
    assert r.ok and r.key == "print.sent"
    assert got.read_bytes() == r.file.read_bytes()
    assert str(r.file) in r.message


@pytest.mark.parametrize(
    "command,key,needle",
    [
        ("false", "print.failed", "exit 1"),
        ("/nonexistent/bin/lpx -d Kasir", "print.not_found", "/nonexistent/bin/lpx"),
        (
            "sh -c 'echo lp: The printer or class does not exist. >&2; exit 1' {file}",
            "print.failed",
            "The printer or class does not exist.",
        ),
    ],
)
def test_print_failure_is_clear_and_keeps_the_file(
    ctx: Context,
    officer,
    command: str,  # noqa: ANN001
    key: str,
    needle: str,
) -> None:
    with_settings(ctx, printing=PrintSettings(command=command))
    vid = finished(ctx, officer, "PENDING")
    r = printing.print_slip(ctx, vid)
    assert not r.ok and r.key == key
    assert needle in r.message and str(r.file) in r.message
    assert r.file.exists() and decode(pdf_pages(r.file)[0]) == [ANDROID_STORE]
    # printing again reuses the kept file's place
    assert printing.print_file(ctx.settings, r.file).file == r.file and r.file.exists()


def test_no_print_command(ctx: Context, officer, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(printing.shutil, "which", lambda name: None)
    monkeypatch.setattr(printing.sys, "platform", "linux")
    vid = finished(ctx, officer, "ACTIVATED")
    r = printing.print_slip(ctx, vid)
    assert not r.ok and r.key == "print.no_command" and r.file.exists()


def test_default_is_lp_where_it_exists(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        printing.shutil, "which", lambda name: "/usr/bin/lp" if name == "lp" else None
    )
    assert printing.print_command(ctx.settings, Path("/x/s.pdf")) == ["/usr/bin/lp", "/x/s.pdf"]


# ESC/POS -----------------------------------------------------------------------------------


def native_qr_payloads(raw: bytes) -> list[str]:
    """Payloads of ESC/POS 'GS ( k' store-data commands (cn=49 '1', fn=80 'P', m=48 '0')."""
    found: list[str] = []
    i = raw.find(b"\x1d(k")
    while i >= 0:
        p_len = raw[i + 3] + 256 * raw[i + 4]
        body = raw[i + 5 : i + 5 + p_len]
        if body[:3] == b"1P0":
            found.append(body[3:].decode("utf-8"))
        i = raw.find(b"\x1d(k", i + 5 + p_len)
    return found


def test_escpos_emits_native_qr_with_the_payload(ctx: Context, officer) -> None:  # noqa: ANN001
    from escpos.printer import Dummy

    with_settings(ctx, qr=QrSettings(help=HELP))
    vid = finished(ctx, officer, "PENDING", reason="email_not_received")
    dummy = Dummy()
    r = printing.print_escpos(ctx, vid, printer=dummy)
    assert r.ok
    raw = dummy.output
    assert native_qr_payloads(raw) == [ANDROID_STORE, HELP]
    assert b"\x1d(k\x03\x001Q0" in raw  # print-the-stored-symbol command
    assert b"SIAK Terpusat Identitas Digital" in raw
    assert nikmod.mask(NIK).encode() in raw and NIK.encode() not in raw


def test_escpos_file_device(ctx: Context, officer, tmp_path: Path) -> None:  # noqa: ANN001
    dev = tmp_path / "lp0"
    with_settings(ctx, printing=PrintSettings(escpos=f"file:{dev}"))
    vid = finished(ctx, officer, "ACTIVATED")
    r = printing.print_slip(ctx, vid)
    assert r.ok, r.message
    assert native_qr_payloads(dev.read_bytes()) == [ANDROID_STORE]
    assert r.file is not None and r.file.exists()  # the PDF is kept too


@pytest.mark.parametrize(
    "spec,key",
    [
        ("bogus", "print.escpos_bad"),
        ("usb:zz:01", "print.escpos_bad"),
        ("file:/nonexistent/dir/lp0", "print.escpos_failed"),
        ("network:127.0.0.1:1", "print.escpos_failed"),
    ],
)
def test_escpos_failures_are_clear(ctx: Context, officer, spec: str, key: str) -> None:  # noqa: ANN001
    with_settings(ctx, printing=PrintSettings(escpos=spec))
    vid = finished(ctx, officer, "ACTIVATED")
    r = printing.print_slip(ctx, vid)
    assert not r.ok and r.key == key
    assert r.file is not None and r.file.exists() and str(r.file) in r.message


def test_escpos_spec_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from escpos import printer as ep

    class FakeUsb:  # the real one needs pyusb, even to be garbage-collected quietly
        def __init__(self, vid: int, pid: int) -> None:
            self.usb_args = {"idVendor": vid, "idProduct": pid}

    monkeypatch.setattr(ep, "Usb", FakeUsb)

    p = printing.escpos_printer("network:10.0.0.5:9101")
    assert isinstance(p, ep.Network) and (p.host, p.port) == ("10.0.0.5", 9101)
    p = printing.escpos_printer("network:printer.local")
    assert (p.host, p.port) == ("printer.local", 9100)
    p = printing.escpos_printer("usb:0416:5011")
    assert p.usb_args == {"idVendor": 0x0416, "idProduct": 0x5011}


def test_slip_cli_reprint(
    ctx: Context,
    officer,
    tmp_path: Path,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from counter.cli import main

    vid = finished(ctx, officer, "ACTIVATED")
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "{ctx.settings.db_url}"\n[paths]\n'
        f'data = "{ctx.settings.data_dir}"\n[print]\ncommand = "false"\n'
    )
    assert main(["--config", str(cfg), "slip", vid, "--paper", "a6", "--print", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["printed"] is False and "exit 1" in out["message"]
    kept = Path(out["file"])
    assert kept.parent == ctx.settings.slips_dir and decode(pdf_pages(kept)[0]) == [ANDROID_STORE]
    assert main(["--config", str(cfg), "slip", "nope"]) == 1
    assert "nope" in capsys.readouterr().err


def test_slip_gives_the_resident_their_next_step_not_the_officers_remedy(
    ctx: Context, officer
) -> None:  # noqa: ANN001
    from counter.domain.protocol import cached_protocol

    proto = cached_protocol()
    vid = finished(ctx, officer, "FAILED", reason="server_down")
    data = slip.slip_data(ctx, vid)
    problem = proto.problems["server_down"]
    assert problem.resident is not None
    assert data.next_steps[0] == problem.resident.get("id")
    assert problem.remedy.get("id") not in data.next_steps  # "Catat sebagai tertunda ..."
    text = squash(pdf_text(slip.make_slip(ctx, vid, paper="80mm")))
    assert "Catat sebagai tertunda" not in text


def test_every_reason_in_the_shipped_protocol_has_a_resident_step() -> None:
    from counter.domain.protocol import cached_protocol

    proto = cached_protocol()
    for item in [*proto.prerequisites, *proto.problems.values()]:
        assert item.resident and item.resident.id and item.resident.en, item.id


def test_a6_slip_prints_the_help_contact_in_words(ctx: Context, officer) -> None:  # noqa: ANN001
    with_settings(ctx, qr=QrSettings(help=HELP))
    vid = finished(ctx, officer, "ACTIVATED")
    text = squash(pdf_text(slip.make_slip(ctx, vid, paper="a6")))
    assert HELP in text


@pytest.mark.parametrize("paper", ["80mm", "a6"])
def test_slip_prints_text_outside_windows_1252(ctx: Context, officer, paper: str) -> None:  # noqa: ANN001
    ctx.settings = dataclasses.replace(ctx.settings, office_name="Disdukcapil Batang ✓ Ω ж")
    vid = finished(ctx, officer, "ACTIVATED")
    path = slip.make_slip(ctx, vid, paper=paper)
    text = squash(pdf_text(path))
    assert "Disdukcapil Batang ✓ Ω ж" in text
    assert "?" not in text.split("Batang", 1)[1][:6]


def test_slip_cli_print_failure_goes_to_stderr(
    ctx: Context,
    officer,
    tmp_path: Path,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
) -> None:
    from counter.cli import main

    vid = finished(ctx, officer, "ACTIVATED")
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[database]\nurl = "{ctx.settings.db_url}"\n[paths]\n'
        f'data = "{ctx.settings.data_dir}"\n[print]\ncommand = "false"\n'
    )
    assert main(["--config", str(cfg), "slip", vid, "--print"]) == 1
    out = capsys.readouterr()
    assert out.out == "" and "exit 1" in out.err
