"""The command line's help and argparse's own messages in the user's language."""

from __future__ import annotations

import pytest

from counter.cli import build_parser, main
from counter.cli.help_text import missing, texts


def test_every_help_text_has_an_indonesian_one() -> None:
    assert missing(build_parser()) == []


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as e:
        main([*argv, "--help"])
    assert e.value.code == 0
    return capsys.readouterr().out


def test_help_is_indonesian_by_default_and_english_on_request(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IKD_COUNTER_LANG", raising=False)
    monkeypatch.setenv("IKD_COUNTER_CONFIG", "/nonexistent/ikd.toml")
    english = {text for _, _, text in texts(build_parser("en"))}
    out = _help(capsys)
    assert out.startswith("pemakaian: ikd-counter")
    assert "opsi:" in out and "tampilkan bantuan ini lalu keluar" in out
    assert not [t for t in english if t in out and len(t) > 12]  # no English help text left
    out = _help(capsys, "export")
    assert "hari pertama rentang (dengan --to)" in out
    out = _help(capsys, "--lang", "en")
    assert out.startswith("usage: ikd-counter") and "show this help message and exit" in out
    monkeypatch.setenv("IKD_COUNTER_LANG", "en")
    assert _help(capsys, "officer").startswith("usage:")


def test_argparse_errors_in_indonesian(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IKD_COUNTER_LANG", raising=False)
    with pytest.raises(SystemExit) as e:
        main(["export"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "galat: salah satu argumen --date --from --since-last wajib diisi" in err
    with pytest.raises(SystemExit):
        main(["--lang", "en", "export"])
    assert "error: one of the arguments --date --from --since-last is required" in (
        capsys.readouterr().err
    )
