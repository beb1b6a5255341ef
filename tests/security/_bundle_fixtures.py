"""A laptop and an office sharing the bundle key, a real bundle, and a way to edit it as an
attacker who holds the key would (re-signed, checksums recomputed)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from counter.config import load_settings
from counter.domain import nik as nikmod
from counter.services import accounts, bundles, outreach, visits
from counter.services.context import Context, make_context
from counter.store.models import BundleImport, Officer, OutreachEvent, Visit, VisitEvent

Records = list[dict[str, Any]]


def nik(i: int) -> str:
    return nikmod.compose("332501", date(1990, 1, 1 + i % 28), "M" if i % 2 else "F", 1 + i)


def make(tmp: Path, name: str, clock: Any, **extra: str) -> Context:
    s = load_settings(
        tmp / "none.toml",
        env={},
        overrides={
            "database.url": str(tmp / f"{name}.db"),
            "paths.data": str(tmp / f"data-{name}"),
            **extra,
        },
    )
    return make_context(s, clock=clock)


def fill_laptop(laptop: Context, clock: Any) -> None:
    """Five visits of two officers at an outreach event: finished, pending with a phone, open."""
    siti = accounts.create_officer(laptop, "siti", "135790", full_name="Siti")
    budi = accounts.create_officer(laptop, "budi", "975310", full_name="Budi")
    outreach.start(laptop, village_code="33.25.01.2001")
    for i in range(5):
        off = siti if i % 2 else budi
        v = visits.start_visit(
            laptop,
            off,
            nik(i),
            name=f"Warga {i}",
            phone="081234567890" if i == 1 else None,
            consent=i == 1,
        )
        clock.advance(seconds=30)
        visits.record_event(laptop, v.id, "step", "install", {"result": "done"}, off.id)
        clock.advance(seconds=30)
        if i < 4:
            visits.finish_visit(
                laptop,
                v.id,
                "PENDING" if i == 1 else "ACTIVATED",
                "email_not_received" if i == 1 else None,
                note="ok",
                officer_id=off.id,
            )
        clock.advance(seconds=10)


def read_records(path: Path) -> Records:
    """Every line of a bundle as a dict: the manifest first, the trailer dropped."""
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").split("\n")[:-1]
    return [json.loads(x) for x in lines[:-1]]


def write_records(path: Path, records: Records, key: bytes) -> Path:
    """A bundle of ``records``, checksums recomputed and signed with ``key`` (the attacker
    holds the key: only the record checks stand in the way)."""
    content = b"".join(
        (json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        for r in records
    )
    trailer = json.dumps({"t": "end", "sha256": hashlib.sha256(content).hexdigest()})
    path.write_bytes(bundles.gzip_bytes(content + trailer.encode() + b"\n", key))
    return path


def edited(src: Path, dst: Path, key: bytes, change: Callable[[Records], None]) -> Path:
    recs = read_records(src)
    change(recs)
    return write_records(dst, recs, key)


def line_of(records: Records, kind: str, n: int = 0) -> int:
    """The 1-based line of the n-th record of a kind (the manifest is line 1)."""
    return [i for i, r in enumerate(records, 1) if r.get("t") == kind][n]


def snapshot(c: Context) -> dict[str, int]:
    with c.db.read() as s:
        return {
            m.__name__: int(s.exec(select(func.count()).select_from(m)).one())
            for m in (Visit, VisitEvent, Officer, OutreachEvent, BundleImport)
        }
