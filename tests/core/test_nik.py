"""NIK validation and decoding: our rules on top of python-stdnum, and property tests."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter.domain import nik
from counter.domain.regions import districts

TODAY = date(2026, 11, 27)


def test_decodes_a_batang_nik() -> None:
    info = nik.parse("3325011708050001", TODAY)
    assert info.nik == "3325011708050001"
    assert (info.province_code, info.regency_code, info.district_code) == ("33", "25", "01")
    assert info.district_name == "Wonotunggal"
    assert info.in_batang is True
    assert info.birth_date == date(2005, 8, 17)  # not 1905
    assert info.age(TODAY) == 21
    assert info.sex == "M"
    assert info.serial == "0001"


def test_woman_has_day_plus_40_and_old_birth_century() -> None:
    info = nik.parse("3325155708450002", TODAY)  # 17-08-1945, woman, Banyuputih
    assert info.sex == "F"
    assert info.birth_date == date(1945, 8, 17)
    assert info.age(TODAY) == 81
    assert info.district_name == "Banyuputih"


def test_future_20yy_goes_to_19yy() -> None:
    # born 01-12-26: 2026-12-01 is after today, so 1926
    assert nik.parse("3325010112260003", TODAY).birth_date == date(1926, 12, 1)
    # born 27-11-26: today, so a newborn
    assert nik.parse("3325012711260003", TODAY).age(TODAY) == 0


def test_separators_are_removed() -> None:
    assert nik.parse(" 3325.01-1708 05 0001 ", TODAY).nik == "3325011708050001"


def test_outside_batang_is_valid_but_flagged() -> None:
    info = nik.parse("3171011708450001", TODAY)  # Jakarta Pusat
    assert info.in_batang is False
    assert info.district_name is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", nik.EMPTY),
        ("   ", nik.EMPTY),
        ("3.32501E+15", nik.EXCEL),
        ("3,32501E+15", nik.EXCEL),
        ("3325011708050001.0", nik.EXCEL),
        ("33250117O8050001", nik.NON_DIGITS),
        ("332501170805000", nik.LENGTH),
        ("33250117080500011", nik.LENGTH),
        ("3325991708050001", nik.REGION),  # no kecamatan 99 in Batang
        ("9925011708050001", nik.REGION),  # no province 99
        ("3325003108050001", nik.REGION),  # district 00
        ("3300011708050001", nik.REGION),  # regency 00
        ("3325013202050001", nik.DATE),  # day 32
        ("3325012913050001", nik.DATE),  # month 13
        ("3325012902010001", nik.DATE),  # 29 Feb 2001/1901
        ("3325017202050001", nik.DATE),  # woman, day 32
        ("3325011708050000", nik.SERIAL),
    ],
)
def test_each_rejection_names_the_part(raw: str, code: str) -> None:
    with pytest.raises(nik.NikError) as ei:
        nik.parse(raw, TODAY)
    assert ei.value.code == code
    # every error has a real message in both languages, not the missing-key marker
    for lang in ("id", "en"):
        assert "⟨" not in ei.value.message(lang)


def test_excel_message_says_digits_are_lost() -> None:
    with pytest.raises(nik.NikError) as ei:
        nik.parse("3.32501E+15", TODAY)
    assert "re-type" in ei.value.message("en").lower()
    assert "ketik ulang" in ei.value.message("id").lower()


def test_mask_hides_the_middle() -> None:
    assert nik.mask("3325011708050001") == "3325**********01"


district_codes = [r.code.replace(".", "") for r in districts()]


@st.composite
def nik_parts(draw: st.DrawFn) -> tuple[str, date, str, int]:
    d6 = draw(st.sampled_from(district_codes))
    # two-digit years: any birth in the last 99 years decodes to the same date
    born = draw(st.dates(min_value=date(1927, 12, 1), max_value=TODAY))
    sex = draw(st.sampled_from(["M", "F"]))
    serial = draw(st.integers(1, 9999))
    return d6, born, sex, serial


@settings(max_examples=300, deadline=None)
@given(nik_parts())
def test_property_valid_parts_decode_back(parts: tuple[str, date, str, int]) -> None:
    d6, born, sex, serial = parts
    info = nik.parse(nik.compose(d6, born, sex, serial), TODAY)
    assert info.nik[:6] == d6
    assert info.birth_date == born
    assert info.sex == sex
    assert int(info.serial) == serial
    assert info.in_batang and info.district_name


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789 .-eE+,", max_size=24),
        st.integers().map(str),
        st.floats().map(str),
        st.binary().map(repr),
    )
)
def test_property_only_nik_error_escapes(raw: str) -> None:
    try:
        info = nik.parse(raw, TODAY)
    except nik.NikError as e:
        assert e.code in nik.ERROR_CODES
    else:
        assert len(info.nik) == 16 and info.nik.isdigit()


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.integers())))
def test_property_non_strings_do_not_crash(raw: object) -> None:
    info, err = nik.check(raw, TODAY)
    assert (info is None) != (err is None)
