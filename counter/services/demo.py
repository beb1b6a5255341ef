"""The demo's sample NIKs: one per path of the counter, so a newcomer can try each at once."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from counter.domain import nik as nikmod
from counter.services.context import Context
from counter.store.models import RegistryEntry

SAMPLE_KINDS = ("active", "not_active", "unknown")


def sample_niks(ctx: Context) -> list[tuple[str, str]]:
    """(NIK, kind) for an already active resident, one not active, and a valid Batang NIK that
    is not in the central extract; a kind the registry has no example of is left out."""
    out: list[tuple[str, str]] = []
    with ctx.db.read() as s:
        for status in ("active", "not_active"):
            nik = s.exec(
                select(RegistryEntry.nik)
                .where(RegistryEntry.ikd_status == status)
                .order_by(RegistryEntry.nik)
                .limit(1)
            ).first()
            if nik:
                out.append((nik, status))
        for serial in range(9999, 9000, -1):  # an adult of Kec. Wonotunggal, from the top down
            nik = nikmod.compose("332501", date(1990, 1, 15), "M", serial)
            if s.get(RegistryEntry, nik) is None:
                out.append((nik, "unknown"))
                break
    return out
