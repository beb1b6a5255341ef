"""What an export or an import of a bundle reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from counter.services.bundles.format import parse_dt


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    device_id: str
    mode: str
    visits: int
    events: int
    officers: int
    outreach_events: int

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


@dataclass(frozen=True)
class OutcomeConflict:
    visit_id: str
    nik_masked: str
    ours: str | None
    theirs: str | None
    winner: str | None
    winner_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["winner_at"] = self.winner_at.isoformat() if self.winner_at else None
        return d


@dataclass
class ImportSummary:
    sha256: str
    source_device: str
    already_imported: bool = False
    visits_in_bundle: int = 0
    new_visits: int = 0
    events_added: int = 0
    visits_updated: int = 0
    unchanged_visits: int = 0
    outcomes_changed: int = 0
    followups_resolved: int = 0
    outreach_events_added: int = 0
    officers_created: list[str] = field(default_factory=list)
    conflicts: list[OutcomeConflict] = field(default_factory=list)
    closed_days: list[str] = field(default_factory=list)

    @property
    def outcome_conflicts(self) -> int:
        return len(self.conflicts)

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.new_visits
            or self.events_added
            or self.visits_updated
            or self.officers_created
            or self.outreach_events_added
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "source_device": self.source_device,
            "already_imported": self.already_imported,
            "visits_in_bundle": self.visits_in_bundle,
            "new_visits": self.new_visits,
            "events_added": self.events_added,
            "visits_updated": self.visits_updated,
            "unchanged_visits": self.unchanged_visits,
            "outcomes_changed": self.outcomes_changed,
            "followups_resolved": self.followups_resolved,
            "outreach_events_added": self.outreach_events_added,
            "officers_created": list(self.officers_created),
            "outcome_conflicts": [c.to_json() for c in self.conflicts],
            "closed_days": list(self.closed_days),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ImportSummary:
        s = cls(sha256=d["sha256"], source_device=d.get("source_device", ""))
        for k in (
            "visits_in_bundle",
            "new_visits",
            "events_added",
            "visits_updated",
            "unchanged_visits",
            "outcomes_changed",
            "followups_resolved",
            "outreach_events_added",
        ):
            setattr(s, k, int(d.get(k, 0)))
        s.officers_created = list(d.get("officers_created", []))
        s.closed_days = list(d.get("closed_days", []))
        s.conflicts = [
            OutcomeConflict(
                c["visit_id"],
                c.get("nik_masked", ""),
                c.get("ours"),
                c.get("theirs"),
                c.get("winner"),
                parse_dt(c.get("winner_at")),
            )
            for c in d.get("outcome_conflicts", [])
        ]
        return s

    def lines(self, lang: str = "id") -> list[str]:
        """Human-readable summary (catalog texts)."""
        from counter.i18n import catalog

        t = catalog(lang).t
        if self.already_imported:
            return [t("bundle.import.already", sha=self.sha256[:12])]
        out = [
            t("bundle.import.done", device=self.source_device, visits=self.visits_in_bundle),
            t("bundle.import.new_visits", n=self.new_visits),
            t("bundle.import.events_added", n=self.events_added),
            t("bundle.import.visits_updated", n=self.visits_updated),
            t("bundle.import.outcomes_changed", n=self.outcomes_changed),
            t("bundle.import.conflicts", n=len(self.conflicts)),
        ]
        for c in self.conflicts:
            out.append(
                t(
                    "bundle.import.conflict",
                    visit=c.visit_id[:8],
                    nik=c.nik_masked,
                    ours=c.ours or "-",
                    theirs=c.theirs or "-",
                    winner=c.winner or "-",
                )
            )
        if self.followups_resolved:
            out.append(t("bundle.import.followups_resolved", n=self.followups_resolved))
        if self.outreach_events_added:
            out.append(t("bundle.import.outreach_added", n=self.outreach_events_added))
        if self.officers_created:
            out.append(
                t(
                    "bundle.import.officers_created",
                    n=len(self.officers_created),
                    names=", ".join(self.officers_created),
                )
            )
        if self.closed_days:
            out.append(t("bundle.import.closed_days", days=", ".join(self.closed_days)))
        if not self.changed_anything:
            out.append(t("bundle.import.nothing_new"))
        return out


# -- encoding helpers ----------------------------------------------------------------------------
