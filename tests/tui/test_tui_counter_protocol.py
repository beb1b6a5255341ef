"""The protocol file: the packaged one loads; broken files are reported with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter.config import load_settings
from counter.domain import outcomes as oc
from counter.domain.protocol import (
    DEFAULT_FILE,
    ProtocolError,
    load_protocol,
    parse_protocol,
)

GOOD = DEFAULT_FILE.read_text(encoding="utf-8")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    seen = 0
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == nth:
                return i
    raise AssertionError(needle)


def broken(tmp_path: Path, text: str) -> ProtocolError:
    f = tmp_path / "protocol.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolError) as e:
        load_protocol(f)
    assert e.value.file == str(f)
    assert str(f) in str(e.value)
    return e.value


def test_packaged_protocol_has_the_domain_steps_and_problems() -> None:
    p = load_protocol()
    assert [s.id for s in p.steps] == [
        "install",
        "open_terms",
        "verify_data",
        "face",
        "qr_scan",
        "email_code",
        "set_pin",
    ]
    assert [x.id for x in p.prerequisites] == [
        "ektp",
        "smartphone",
        "data",
        "email",
        "phone_number",
    ]
    assert p.step("install").qr == "install" and p.step("qr_scan").qr == "activation"
    assert {pr.outcome for pr in p.problems.values()} <= {oc.FAILED, oc.PENDING, oc.REFERRED}
    assert p.problems["server_down"].outcome == oc.PENDING
    assert p.problems["nik_not_found"].outcome == oc.REFERRED
    assert set(p.outcomes) == set(oc.OUTCOMES)
    # reason codes are unique and short enough for visit.reason (60)
    codes = p.reason_codes()
    assert len(codes) == len(set(codes)) and max(map(len, codes)) <= 60
    assert p.reason_text("email_not_received", "en") == "Activation email not received"
    assert p.reason_text("ektp", "id") == "e-KTP sudah direkam"
    assert any(x.id == "ikd_aktivasi" for x in p.purposes)


def test_every_protocol_text_in_both_languages() -> None:
    p = load_protocol()
    for name, t in p.all_texts():
        assert t.id.strip() and t.en.strip(), name


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = GOOD.replace('id = "face"\n', 'id = "face\n', 1)
    e = broken(tmp_path, text)
    assert e.line == text.splitlines().index('id = "face') + 1


def test_missing_language_names_line_and_key(tmp_path: Path) -> None:
    old = 'title = { id = "Verifikasi wajah", en = "Face verification" }'
    text = GOOD.replace(old, 'title = { id = "Verifikasi wajah" }')
    e = broken(tmp_path, text)
    assert e.key == "steps.face.title.en"
    assert e.line == line_of(text, 'title = { id = "Verifikasi wajah" }')
    assert f"line {e.line}" in str(e)


def test_unknown_key(tmp_path: Path) -> None:
    text = GOOD.replace('id = "no_data"\n', 'id = "no_data"\nremdy = "typo"\n', 1)
    e = broken(tmp_path, text)
    assert e.key == "problems.remdy" and "unknown key" in e.problem
    assert e.line == line_of(text, "remdy =")


def test_missing_key(tmp_path: Path) -> None:
    text = GOOD.replace('id = "lost_phone"\noutcome = "REFERRED"\n', 'id = "lost_phone"\n', 1)
    e = broken(tmp_path, text)
    assert e.key.endswith(".outcome") and e.problem == "missing"
    # the [[problems]] header of the item that lacks it
    assert e.line == line_of(text, 'id = "lost_phone"') - 1


def test_wrong_type(tmp_path: Path) -> None:
    text = GOOD.replace(
        'problems = ["face_fail", "app_error", "server_down"]', 'problems = "face_fail"'
    )
    e = broken(tmp_path, text)
    assert e.key == "steps.face.problems"
    assert e.line == line_of(text, 'problems = "face_fail"')


def test_bad_outcome_value(tmp_path: Path) -> None:
    text = GOOD.replace(
        'id = "face_fail"\noutcome = "FAILED"', 'id = "face_fail"\noutcome = "OOPS"'
    )
    e = broken(tmp_path, text)
    assert e.key == "problems.face_fail.outcome" and "OOPS" in e.problem
    assert e.line == line_of(text, 'outcome = "OOPS"')


def test_bad_qr_kind(tmp_path: Path) -> None:
    text = GOOD.replace('qr = "activation"', 'qr = "website"', 1)
    e = broken(tmp_path, text)
    assert e.key.endswith(".qr") and "website" in e.problem
    assert "install" in e.problem and "activation" in e.problem  # the kinds it accepts
    assert e.line == line_of(text, 'qr = "website"')


def test_duplicate_id(tmp_path: Path) -> None:
    text = GOOD.replace('id = "lost_phone"', 'id = "device_bound"')
    e = broken(tmp_path, text)
    assert "duplicate id 'device_bound'" in e.problem
    assert e.line == line_of(text, 'id = "device_bound"', nth=2)


def test_unknown_problem_reference(tmp_path: Path) -> None:
    text = GOOD.replace(
        'problems = ["pin_locked", "forgot_pin", "app_error"]',
        'problems = ["pin_locked", "forgot_pn", "app_error"]',
    )
    e = broken(tmp_path, text)
    assert e.key == "steps.set_pin.problems" and "forgot_pn" in e.problem
    assert e.line == line_of(text, '"forgot_pn"')


def test_missing_outcome_text(tmp_path: Path) -> None:
    text = GOOD.replace('DECLINED = { id = "Menolak", en = "Declined" }\n', "")
    e = broken(tmp_path, text)
    assert e.key == "outcomes.DECLINED"
    assert e.line == line_of(text, "[outcomes]")


def test_reason_codes_must_be_unique_across_prerequisites_and_problems(tmp_path: Path) -> None:
    text = GOOD.replace('id = "no_data"', 'id = "data"')
    e = broken(tmp_path, text)
    assert e.key == "problems.data.id" and "prerequisite" in e.problem


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError) as e:
        load_protocol(tmp_path / "missing.toml")
    assert "missing.toml" in str(e.value)


def test_office_file_setting(tmp_path: Path) -> None:
    own = tmp_path / "own.toml"
    own.write_text(GOOD.replace('"Verifikasi wajah"', '"Verifikasi wajah (kantor)"'), "utf-8")
    s = load_settings(tmp_path / "none.toml", env={}, overrides={"protocol.file": str(own)})
    assert s.protocol_file == str(own)
    assert load_protocol(s.protocol_file).step("face").title.id == "Verifikasi wajah (kantor)"


def test_parse_text_directly() -> None:
    p = parse_protocol(GOOD)
    assert p.step_index("qr_scan") == 4
