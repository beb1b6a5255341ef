"""Bundles between two real SQLite databases: an outreach laptop and the office."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from counter.config import load_settings
from counter.domain import nik as nikmod
from counter.services import accounts, bundles, outreach, visits
from counter.services.context import Context, make_context
from counter.store.models import BundleImport, Officer, Visit, VisitEvent
from tests.conftest import FixedClock
from tests.helpers.bundle import share_key


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its smallest cost: these tests are about bundles, not PIN hashing."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def _nik(i: int) -> str:
    return nikmod.compose("332501", date(1990, 1, 1 + i % 28), "M" if i % 2 else "F", 1 + i)


def _ctx(tmp: Path, name: str, clock: FixedClock, counter_id: str) -> Context:
    s = load_settings(
        tmp / "none.toml",
        env={},
        overrides={
            "database.url": str(tmp / f"{name}.db"),
            "paths.data": str(tmp / f"data-{name}"),
            "office.counter": counter_id,
        },
    )
    return make_context(s, clock=clock)


@pytest.fixture
def two(tmp_path: Path, clock: FixedClock):  # noqa: ANN201
    laptop = _ctx(tmp_path, "laptop", clock, "LAPTOP-1")
    office = _ctx(tmp_path, "office", clock, "LOKET-1")
    # the office knows siti and kasi; the laptop also has budi, unknown at the office
    accounts.create_officer(office, "siti", "135790", full_name="Siti")
    accounts.create_officer(office, "kasi", "246802", role="supervisor", full_name="Kasi")
    accounts.create_officer(office, "andi", "135791", full_name="Andi")  # shifts ids
    siti = accounts.create_officer(laptop, "siti", "135790", full_name="Siti")
    budi = accounts.create_officer(laptop, "budi", "975310", full_name="Budi")
    lkasi = accounts.create_officer(laptop, "kasi", "246802", role="supervisor")
    share_key(office, laptop)  # the office's key, copied to the laptop at set-up
    yield laptop, office, siti, budi, lkasi
    laptop.db.dispose()
    office.db.dispose()


def _visit(
    c: Context,
    clock: FixedClock,
    off: Officer,
    i: int,
    outcome: str | None = "ACTIVATED",
    reason: str | None = None,
) -> Visit:
    v = visits.start_visit(c, off, _nik(i))
    clock.advance(seconds=30)
    visits.record_event(c, v.id, "step", "install", {"ok": True}, off.id)
    clock.advance(seconds=30)
    if outcome:
        visits.finish_visit(c, v.id, outcome, reason, officer_id=off.id)
        clock.advance(seconds=10)
    return v


def _count(c: Context, model: type) -> int:
    with c.db.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def _events(c: Context, visit_id: str) -> set[str]:
    with c.db.read() as s:
        return set(s.exec(select(VisitEvent.id).where(VisitEvent.visit_id == visit_id)))


def test_new_visits_reach_the_office_once(two, clock, tmp_path):  # noqa: ANN001
    laptop, office, siti, budi, _ = two
    ev = outreach.start(laptop, village_code="33.25.01.2001")
    made = [_visit(laptop, clock, siti if i % 2 else budi, i) for i in range(6)]
    out = tmp_path / "day1.ikdb"
    res = bundles.export_bundle(laptop, out)
    assert (res.visits, res.events, res.officers, res.outreach_events) == (6, 18, 2, 1)
    raw = gzip.decompress(out.read_bytes()).decode()  # any gzip tool reads it
    assert "pin_hash" not in raw and "$argon2" not in raw

    summ = bundles.import_bundle(office, out)
    assert not summ.already_imported
    assert (summ.new_visits, summ.events_added, summ.visits_updated) == (6, 18, 0)
    assert summ.officers_created == ["budi"]
    assert summ.outreach_events_added == 1
    assert _count(office, Visit) == 6
    # officer ids are mapped by username, not copied
    siti_office = accounts.get_officer(office, "siti")
    budi_office = accounts.get_officer(office, "budi")
    for v in made:
        got = visits.get_visit(office, v.id)
        assert got is not None and got.event_id == ev.id
        want = siti_office if v.officer_id == siti.id else budi_office
        assert got.officer_id == want.id
        assert got.started_at == v.started_at and got.started_at.tzinfo is not None
        assert [e.kind for e in visits.timeline(office, v.id)] == ["start", "step", "outcome"]
    # budi: created disabled without PIN; a supervisor sets a PIN, then enables
    assert budi_office.active is False and budi_office.pin_hash == ""
    assert budi_office.origin_device == bundles.settings_store.device_id(laptop)
    with pytest.raises(accounts.AccountError):
        accounts.authenticate(office, "budi", "975310")
    with pytest.raises(accounts.AccountError):
        accounts.set_active(office, "budi", True)
    accounts.set_pin(office, "budi", "864209")
    accounts.set_active(office, "budi", True)
    assert accounts.authenticate(office, "budi", "864209").username == "budi"
    # the split by event and by place sees the laptop's visits
    split = outreach.by_event(office, clock.now.date(), clock.now.date())
    assert [(s.key, s.visits, s.activated) for s in split] == [(ev.id, 6, 6)]
    places = outreach.by_place(office, clock.now.date(), clock.now.date())
    assert [(p.key, p.label, p.visits) for p in places] == [("33.25.01.2001", "Silurah", 6)]

    # the same bundle again: nothing changes, and it says so
    before = (_count(office, Visit), _count(office, VisitEvent), _count(office, Officer))
    again = bundles.import_bundle(office, out)
    assert again.already_imported and again.new_visits == 6  # the first import's summary
    assert (_count(office, Visit), _count(office, VisitEvent), _count(office, Officer)) == before
    assert _count(office, BundleImport) == 1
    assert "already" in again.lines("en")[0]

    # a new export of the same visits (different file) merges to nothing new
    out2 = tmp_path / "again.ikdb"
    clock.advance(seconds=5)  # another moment: another file (created_at differs)
    assert bundles.export_bundle(laptop, out2).sha256 != res.sha256
    summ2 = bundles.import_bundle(office, out2)
    assert not summ2.already_imported and not summ2.changed_anything
    assert summ2.unchanged_visits == 6
    assert (_count(office, Visit), _count(office, VisitEvent)) == before[:2]


def test_since_last_and_event_modes(two, clock, tmp_path):  # noqa: ANN001
    laptop, office, siti, budi, _ = two
    a = outreach.start(laptop, school="SMA Negeri 1 Batang")
    v1 = _visit(laptop, clock, siti, 1)
    first = bundles.export_bundle(laptop, tmp_path / "1.ikdb", since_last=True)
    assert first.visits == 1
    empty = bundles.export_bundle(laptop, tmp_path / "2.ikdb", since_last=True)
    assert empty.visits == 0
    b = outreach.start(laptop, village_code="3325012002")
    v2 = _visit(laptop, clock, budi, 2)
    second = bundles.export_bundle(laptop, tmp_path / "3.ikdb", since_last=True)
    assert second.visits == 1
    only_a = bundles.export_bundle(laptop, tmp_path / "a.ikdb", event_id=a.id)
    assert only_a.visits == 1
    outreach.stop(laptop)
    assert outreach.active_event(laptop) is None
    v3 = _visit(laptop, clock, siti, 3)
    assert visits.get_visit(laptop, v3.id).event_id is None
    for f in ("1.ikdb", "2.ikdb", "3.ikdb"):
        bundles.import_bundle(office, tmp_path / f)
    assert {v.id for v in visits.visits_of_day(office, clock.now.date())} == {v1.id, v2.id}
    assert visits.get_visit(office, v2.id).event_id == b.id
    with pytest.raises(bundles.BundleError) as e:
        bundles.export_bundle(laptop, tmp_path / "x.ikdb", event_id="nope")
    assert e.value.code == "no_event"


def test_visit_continued_and_corrected_on_both_sides(two, clock, tmp_path):  # noqa: ANN001
    laptop, office, siti, budi, lkasi = two
    kasi = accounts.get_officer(office, "kasi")
    # a visit left open on the laptop, one finished, one that both sides will correct
    open_v = _visit(laptop, clock, siti, 10, outcome=None)
    done_v = _visit(laptop, clock, siti, 11, outcome="PENDING")
    both_v = _visit(laptop, clock, budi, 12, outcome="FAILED", reason="email_not_received")
    bundles.export_bundle(laptop, tmp_path / "1.ikdb")
    bundles.import_bundle(office, tmp_path / "1.ikdb")
    assert visits.get_visit(office, open_v.id).ended_at is None

    # the office corrects done_v; the laptop finishes open_v and corrects both_v later;
    # the office corrected both_v first (older), so the laptop's (newer) outcome wins
    clock.advance(minutes=5)
    visits.correct_visit(office, done_v.id, kasi, "ACTIVATED", None, "code arrived by phone")
    visits.correct_visit(office, both_v.id, kasi, "REFERRED", "nik_not_found", "checked KK")
    office_events_both = _events(office, both_v.id)
    clock.advance(minutes=5)
    visits.record_event(laptop, open_v.id, "step", "email", {"ok": True}, siti.id)
    clock.advance(seconds=20)
    visits.finish_visit(laptop, open_v.id, "ACTIVATED", officer_id=siti.id)
    visits.correct_visit(laptop, both_v.id, lkasi, "ACTIVATED", None, "retried, worked")
    clock.advance(minutes=1)

    laptop_events_both = _events(laptop, both_v.id)
    res = bundles.export_bundle(laptop, tmp_path / "2.ikdb", since_last=True)
    assert res.visits == 2  # open_v and both_v changed on the laptop; done_v did not
    summ = bundles.import_bundle(office, tmp_path / "2.ikdb")
    assert (summ.new_visits, summ.visits_updated) == (0, 2)
    assert summ.events_added == 3  # step + outcome of open_v, correction of both_v
    # the visit continued on the laptop is finished at the office, with every step
    ov = visits.get_visit(office, open_v.id)
    assert ov.outcome == "ACTIVATED" and ov.ended_at is not None and ov.current_step == "done"
    assert [e.kind for e in visits.timeline(office, open_v.id)] == [
        "start",
        "step",
        "step",
        "outcome",
    ]
    # both corrections stay in the timeline; the newest outcome wins and is reported
    bv = visits.get_visit(office, both_v.id)
    assert bv.outcome == "ACTIVATED" and bv.reason is None
    assert _events(office, both_v.id) == office_events_both | laptop_events_both
    kinds = [e.kind for e in visits.timeline(office, both_v.id)]
    assert kinds == ["start", "step", "outcome", "correction", "correction"]
    assert [(c.visit_id, c.ours, c.theirs, c.winner) for c in summ.conflicts] == [
        (both_v.id, "REFERRED", "ACTIVATED", "ACTIVATED")
    ]
    assert "******" in summ.conflicts[0].nik_masked
    # the office's own correction of done_v is untouched
    assert visits.get_visit(office, done_v.id).outcome == "ACTIVATED"
    # the office can keep appending to the merged visit without a sequence clash
    visits.correct_visit(office, both_v.id, kasi, "ACTIVATED", None, "confirmed")
    assert len(visits.timeline(office, both_v.id)) == 6

    # office -> laptop the other way: the laptop gains the office's corrections
    bundles.export_bundle(office, tmp_path / "back.ikdb")
    back = bundles.import_bundle(laptop, tmp_path / "back.ikdb")
    assert visits.get_visit(laptop, done_v.id).outcome == "ACTIVATED"
    assert back.new_visits == 0 and back.visits_updated == 2
    assert _events(laptop, both_v.id) == _events(office, both_v.id)


def test_newer_office_correction_beats_older_laptop_one(two, clock, tmp_path):  # noqa: ANN001
    laptop, office, siti, _, lkasi = two
    kasi = accounts.get_officer(office, "kasi")
    v = _visit(laptop, clock, siti, 20, outcome="PENDING")
    bundles.export_bundle(laptop, tmp_path / "1.ikdb")
    bundles.import_bundle(office, tmp_path / "1.ikdb")
    visits.correct_visit(laptop, v.id, lkasi, "DECLINED", None, "resident left")
    clock.advance(minutes=3)
    visits.correct_visit(office, v.id, kasi, "ACTIVATED", None, "came back")
    bundles.export_bundle(laptop, tmp_path / "2.ikdb")
    summ = bundles.import_bundle(office, tmp_path / "2.ikdb")
    assert visits.get_visit(office, v.id).outcome == "ACTIVATED"
    assert [(c.ours, c.theirs, c.winner) for c in summ.conflicts] == [
        ("ACTIVATED", "DECLINED", "ACTIVATED")
    ]
    assert summ.outcomes_changed == 0
    assert [e.kind for e in visits.timeline(office, v.id)][-2:] == ["correction", "correction"]


def _bundle(two, clock, tmp_path) -> tuple[Path, bytes]:  # noqa: ANN001
    laptop, _, siti, budi, _ = two
    outreach.start(laptop, village_code="33.25.01.2001")
    for i in range(5):
        _visit(laptop, clock, siti if i % 2 else budi, 30 + i)
    p = tmp_path / "good.ikdb"
    bundles.export_bundle(laptop, p)
    return p, p.read_bytes()


def _assert_nothing_imported(office: Context) -> None:
    assert _count(office, Visit) == 0
    assert _count(office, VisitEvent) == 0
    assert _count(office, BundleImport) == 0
    assert {o.username for o in accounts.list_officers(office)} == {"siti", "kasi", "andi"}


@pytest.mark.parametrize("cut", [0.5, 0.99, 20, 5])
def test_truncated_file_is_refused_whole(two, clock, tmp_path, cut):  # noqa: ANN001
    office = two[1]
    _, data = _bundle(two, clock, tmp_path)
    n = int(len(data) * cut) if isinstance(cut, float) else cut
    bad = tmp_path / "cut.ikdb"
    bad.write_bytes(data[:n])
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, bad)
    assert e.value.code == "truncated"
    assert "incomplete" in e.value.message("en") and "cut.ikdb" in e.value.message("en")
    assert "tidak lengkap" in e.value.message("id")
    _assert_nothing_imported(office)


def test_every_single_changed_byte_is_refused(two, clock, tmp_path):  # noqa: ANN001
    office = two[1]
    _, data = _bundle(two, clock, tmp_path)
    bad = tmp_path / "bad.ikdb"
    # every position in the header and trailer, and a spread through the compressed body
    positions = sorted(
        set(range(70))
        | set(range(len(data) - 12, len(data)))
        | set(range(12, len(data) - 10, max(1, len(data) // 150)))
    )
    for pos in positions:
        for flip in (0x01, 0x80):
            changed = bytearray(data)
            changed[pos] ^= flip
            bad.write_bytes(bytes(changed))
            with pytest.raises(bundles.BundleError) as e:
                bundles.import_bundle(office, bad)
            assert e.value.code == "altered", (pos, flip, e.value.code)
    assert "changed or damaged" in e.value.message("en")
    _assert_nothing_imported(office)


def test_changed_content_with_recomputed_gzip_is_refused(two, clock, tmp_path):  # noqa: ANN001
    """Someone edits an outcome and re-gzips: the sha256 trailer no longer matches."""
    office = two[1]
    _, data = _bundle(two, clock, tmp_path)
    raw = gzip.decompress(data).replace(b'"outcome":"ACTIVATED"', b'"outcome":"DECLINED"', 1)
    bad = tmp_path / "edited.ikdb"
    bad.write_bytes(bundles.gzip_bytes(raw, bundles.bundle_key.require(office)))
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, bad)
    assert e.value.code == "altered"
    _assert_nothing_imported(office)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"NIK;STATUS\n3325010101900001;active\n",
        b"PK\x03\x04 zip file",
        gzip.compress(b"just some text\n", mtime=0),
        gzip.compress(json.dumps({"format": "other-app", "version": 1}).encode() + b"\n", mtime=0),
    ],
    ids=["empty", "csv", "zip", "gzip-text", "gzip-other-json"],
)
def test_foreign_file_is_refused(two, tmp_path, content):  # noqa: ANN001
    office = two[1]
    f = tmp_path / "foreign.bin"
    f.write_bytes(content)
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, f)
    assert e.value.code == "foreign"
    assert "not an IKD Counter bundle" in e.value.message("en")
    _assert_nothing_imported(office)


def test_missing_file_message(two, tmp_path):  # noqa: ANN001
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(two[1], tmp_path / "nope.ikdb")
    assert e.value.code == "missing"


def test_failure_midway_rolls_back_everything(two, clock, tmp_path, monkeypatch):  # noqa: ANN001
    """An error after visits were inserted leaves no visit, event, officer or import row."""
    office = two[1]
    p, _ = _bundle(two, clock, tmp_path)

    real = bundles.audit.record

    def boom(s, c, action, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        if action == "bundle_import":  # the last write of the transaction
            raise RuntimeError("power cut")
        return real(s, c, action, *a, **k)

    monkeypatch.setattr(bundles.audit, "record", boom)
    with pytest.raises(RuntimeError):
        bundles.import_bundle(office, p)
    _assert_nothing_imported(office)
    monkeypatch.undo()
    assert bundles.import_bundle(office, p).new_visits == 5


def test_well_formed_file_with_bad_records_is_refused(two, clock, tmp_path):  # noqa: ANN001
    """Checksum right but content wrong (made by another tool): refused, nothing imported."""
    import hashlib

    office = two[1]
    _, data = _bundle(two, clock, tmp_path)
    lines = gzip.decompress(data).splitlines(keepends=True)[:-1]
    for i, line in enumerate(lines):
        if b'"t":"vevent"' in line:
            rec = json.loads(line)
            del rec["kind"]
            lines[i] = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
            break
    content = b"".join(lines)
    trailer = json.dumps({"t": "end", "sha256": hashlib.sha256(content).hexdigest()}).encode()
    bad = tmp_path / "crafted.ikdb"
    bad.write_bytes(
        bundles.gzip_bytes(content + trailer + b"\n", bundles.bundle_key.require(office))
    )
    with pytest.raises(bundles.BundleError) as e:
        bundles.import_bundle(office, bad)
    assert e.value.code == "record" and "kind" in e.value.message("en")
    _assert_nothing_imported(office)


def test_followups_resolved_by_activations_on_the_other_side(two, clock, tmp_path):  # noqa: ANN001
    laptop, office, siti, budi, _ = two
    ositi = accounts.get_officer(office, "siti")
    # NIK 50: PENDING at the office (follow-up open), ACTIVATED later on the laptop
    a = visits.start_visit(office, ositi, _nik(50), phone="081234567890", consent=True)
    visits.finish_visit(office, a.id, "PENDING", officer_id=ositi.id)
    # NIK 51: PENDING on the laptop (follow-up open), ACTIVATED later at the office
    b = visits.start_visit(laptop, budi, _nik(51), phone="081234567891", consent=True)
    visits.finish_visit(laptop, b.id, "PENDING", officer_id=budi.id)
    clock.advance(hours=2)
    c = _visit(laptop, clock, siti, 50, "ACTIVATED")
    d = _visit(office, clock, ositi, 51, "ACTIVATED")
    assert visits.get_visit(office, a.id).followup_state == "open"
    bundles.export_bundle(laptop, tmp_path / "f.ikdb")
    summ = bundles.import_bundle(office, tmp_path / "f.ikdb")
    assert summ.followups_resolved == 2
    got_a, got_b = visits.get_visit(office, a.id), visits.get_visit(office, b.id)
    assert (got_a.followup_state, got_a.resolved_by_visit_id) == ("resolved", c.id)
    assert (got_b.followup_state, got_b.resolved_by_visit_id) == ("resolved", d.id)
    assert visits.timeline(office, b.id)[-1].kind == "followup"
    assert any("follow-ups resolved" in line for line in summ.lines("en"))
