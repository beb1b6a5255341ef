"""QR payloads, validation, the half-block drawing and `ikd-counter qr` files all decode."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from PIL import Image

from counter.cli import main
from counter.config import ANDROID_STORE, IOS_STORE, QrSettings, Settings
from counter.services import qr
from tests.helpers.qr import decode, half_block_text_to_modules, modules_to_image, pdf_pages

LONG = "IKD-ACT:" + "".join(f"{i:04d}abcXYZ-" for i in range(70))  # ~900 bytes


def test_defaults_are_the_genuine_store_pages() -> None:
    s = Settings()
    assert qr.payload(s, "install").text == ANDROID_STORE
    assert "id=gov.dukcapil.mobile_id" in qr.payload(s, "install").text
    assert qr.payload(s, "install_ios").text == IOS_STORE
    assert qr.optional_payload(s, "help") is None
    assert qr.optional_payload(s, "activation") is None


def test_data_overrides_and_is_stripped() -> None:
    s = dataclasses.replace(Settings(), qr=QrSettings(activation="FIXED-1"))
    assert qr.payload(s, "activation").text == "FIXED-1"
    # a barcode scanner types the code followed by Enter
    assert qr.payload(s, "activation", "  SCANNED-77\n").text == "SCANNED-77"


@pytest.mark.parametrize(
    "bad,key",
    [
        ("", "qr.error.empty_activation"),
        ("   \n", "qr.error.empty_activation"),
        ("x" * (qr.MAX_PAYLOAD_BYTES + 1), "qr.error.too_long"),
        ("é" * (qr.MAX_PAYLOAD_BYTES // 2 + 1), "qr.error.too_long"),  # bytes, not characters
        ("abc\x07def", "qr.error.control"),
    ],
)
def test_refused_payloads_have_messages_in_both_languages(bad: str, key: str) -> None:
    with pytest.raises(qr.QrError) as err:
        qr.payload(Settings(), "activation", bad)
    assert err.value.key == key
    for lang in ("id", "en"):
        text = err.value.message(lang)
        assert text and "⟨" not in text


def test_limit_is_inclusive() -> None:
    text = "x" * qr.MAX_PAYLOAD_BYTES
    assert qr.validate(text) == text


def test_unknown_kind() -> None:
    with pytest.raises(qr.QrError) as err:
        qr.payload(Settings(), "selfie")
    assert err.value.key == "qr.error.kind"


@pytest.mark.parametrize("text", ["https://wa.me/6281234567890", ANDROID_STORE, LONG])
def test_half_blocks_decode_to_the_payload(text: str) -> None:
    m = qr.matrix(text)
    # quiet zone: the first and last 4 rows and columns are light
    for i in range(qr.QUIET_ZONE):
        assert not any(m[i]) and not any(m[-1 - i])
        assert not any(row[i] for row in m) and not any(row[-1 - i] for row in m)
    lines = qr.to_half_blocks(m)
    assert len(lines) == (len(m) + 1) // 2 and all(len(ln) == len(m) for ln in lines)
    assert set("".join(lines)) <= {" ", "\u2580", "\u2584", "\u2588"}
    assert decode(modules_to_image(half_block_text_to_modules(lines))) == [text]


def _cfg(tmp_path: Path) -> Path:
    """An empty config file (a --config naming a missing file is an error)."""
    cfg = tmp_path / "c.toml"
    cfg.touch()
    return cfg


def test_cli_prints_a_scannable_code(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    assert main(["--config", str(cfg), "qr", "install"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == ANDROID_STORE
    drawing = out[:-1]
    assert decode(modules_to_image(half_block_text_to_modules(drawing))) == [ANDROID_STORE]


def test_cli_refuses_empty_and_long(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    assert main(["--config", str(cfg), "qr", "help"]) == 1
    assert "qr.help" in capsys.readouterr().err
    assert (
        main(["--config", str(cfg), "--lang", "en", "qr", "activation", "--data", "y" * 5000]) == 1
    )
    assert "too long (5000 bytes" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
@pytest.mark.parametrize(
    "kind,data", [("install", None), ("help", "https://wa.me/6281234567890"), ("activation", LONG)]
)
def test_cli_files_decode(tmp_path: Path, suffix: str, kind: str, data: str | None) -> None:
    out = tmp_path / f"qr.{suffix}"
    argv = ["--config", str(_cfg(tmp_path)), "qr", kind, "-o", str(out)]
    if data:
        argv += ["--data", data]
    assert main(argv) == 0
    expected = data or ANDROID_STORE
    if suffix == "png":
        img = Image.open(out)
    elif suffix == "svg":
        from tests.helpers.qr import svg_to_image

        assert re.search(r'<rect width="\d+" height="\d+" fill="#ffffff"/>', out.read_text())
        img = svg_to_image(out.read_text(), width=1200)
    else:
        pages = pdf_pages(out)
        assert len(pages) == 1
        img = pages[0]
    assert decode(img) == [expected]


def test_cli_ios_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    out = tmp_path / "ios.png"
    assert (
        main(["--config", str(_cfg(tmp_path)), "qr", "install", "--ios", "-o", str(out), "--json"])
        == 0
    )
    info = json.loads(capsys.readouterr().out)
    assert info == {"kind": "install_ios", "payload": IOS_STORE, "file": str(out)}
    assert decode(Image.open(out)) == [IOS_STORE]


def test_cli_bad_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--config", str(_cfg(tmp_path)), "qr", "install", "-o", str(tmp_path / "x.jpg")]) == 1
    )
    assert ".png, .svg" in capsys.readouterr().err
    assert not (tmp_path / "x.jpg").exists()
