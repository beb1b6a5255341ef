"""Two office PCs importing the same bundle at the same moment: it is merged exactly once."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from counter.config import load_settings
from counter.domain import nik as nikmod
from counter.services import accounts, bundles, visits
from counter.services.context import make_context
from counter.store.models import BundleImport, Officer, Visit, VisitEvent
from tests.helpers import concurrency as cu


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_same_bundle_imported_twice_at_once(
    engine: str, tmp_path: Path, clock, request: pytest.FixtureRequest
) -> None:  # noqa: ANN001
    laptop = make_context(
        load_settings(
            tmp_path / "none.toml",
            env={},
            overrides={"database.url": str(tmp_path / "laptop.db"), "paths.data": str(tmp_path)},
        ),
        clock=clock,
    )
    off = accounts.create_officer(laptop, "budi", "975310")
    for i in range(40):
        v = visits.start_visit(laptop, off, nikmod.compose("332503", date(1992, 4, 5), "F", i + 1))
        visits.record_event(laptop, v.id, "step", "install", {}, off.id)
        visits.finish_visit(laptop, v.id, "ACTIVATED", officer_id=off.id)
    path = tmp_path / "day.ikdb"
    key = bundles.bundle_key.ensure(laptop)
    bundles.export_bundle(laptop, path)
    laptop.db.dispose()

    url = request.getfixturevalue("pg_url") if engine == "postgres" else str(tmp_path / "o.db")
    office = make_context(
        load_settings(
            tmp_path / "none.toml",
            env={},
            overrides={"database.url": url, "paths.data": str(tmp_path)},
        ),
        clock=clock,
    )
    bundles.bundle_key.install(office, key)  # the laptop set-up: one key on both sides
    sp = mp.get_context("spawn")
    with sp.Manager() as m:
        barrier = m.Barrier(2)
        with sp.Pool(2) as pool:
            res = pool.starmap(cu.import_at_once, [(url, str(tmp_path), str(path), barrier)] * 2)
    for r in res:
        assert r["error"] is None, r["error"]
    flags = sorted(r["summary"]["already_imported"] for r in res)
    assert flags == [False, True]  # one merged it, the other was told it already was
    assert all(r["summary"]["new_visits"] == 40 for r in res)
    with office.db.read() as s:
        n = {
            m.__name__: int(s.exec(select(func.count()).select_from(m)).one())
            for m in (Visit, VisitEvent, BundleImport, Officer)
        }
    assert n == {"Visit": 40, "VisitEvent": 120, "BundleImport": 1, "Officer": 1}
    office.db.dispose()


def test_newer_bundle_version_is_refused(tmp_path: Path) -> None:
    import hashlib
    import json

    content = (
        json.dumps(
            {"format": bundles.FORMAT, "version": 99, "device_id": "x", "counts": {}},
            separators=(",", ":"),
        )
        + "\n"
    ).encode()
    trailer = json.dumps({"t": "end", "sha256": hashlib.sha256(content).hexdigest()}).encode()
    f = tmp_path / "future.ikdb"
    key = b"k" * 32
    f.write_bytes(bundles.gzip_bytes(content + trailer + b"\n", key))
    with pytest.raises(bundles.BundleError) as e:
        bundles.read_bundle(f, key)
    assert e.value.code == "version" and "99" in e.value.message("en")
