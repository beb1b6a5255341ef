"""Every record of a bundle checked, in file order, before anything is written.

The rules are the counter's own (``domain.bundle_records``); this module walks the lines, keeps
what later records refer to (officers, outreach events, visits), refuses duplicates and records
out of the exporter's order, and turns the first problem into one message that names the file,
the line, the record and the field. The whole bundle is then refused: nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from counter.domain import bundle_records as br
from counter.services.bundle_file import BundleRefused

KINDS = ("officer", "event", "visit", "vevent")


class BadRecord(BundleRefused):
    """One record broke a rule: the message names the file, line, record, field and problem."""

    def message(self, lang: str = "id") -> str:
        from counter.i18n import catalog

        t = catalog(lang).t
        p = dict(self.params)
        detail = p.pop("detail")
        problem = t(
            f"inputs.problem.{p.pop('problem')}", **(detail if isinstance(detail, dict) else {})
        )
        kind = t(f"inputs.record.{p.pop('kind')}")
        return t("inputs.bundle.record", problem=problem, kind=kind, **p)


def rules_for(ctx: Any) -> br.Rules:
    """This office's rules: its office code and its protocol's codes."""
    from counter.domain.protocol import cached_protocol

    proto = cached_protocol(ctx.settings.protocol_file or None)
    return br.Rules.make(
        ctx.settings.office_code,
        [s.id for s in proto.steps],
        proto.reason_codes(),
        ctx.now(),
        ctx.today(),
    )


def default_rules(office_code: str) -> br.Rules:
    """Rules with the packaged protocol (a preview outside any database)."""
    from counter.domain.protocol import cached_protocol

    proto = cached_protocol(None)
    now = datetime.now(UTC)
    return br.Rules.make(
        office_code, [s.id for s in proto.steps], proto.reason_codes(), now, now.date()
    )


class _Walk:
    """What the records seen so far make known, for the records after them."""

    def __init__(self, rules: br.Rules, fields: dict[str, Sequence[str]]) -> None:
        self.rules = rules
        self.fields = {k: frozenset(v) for k, v in fields.items()}
        self.lists: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        self.officers: set[str] = set()
        self.outreach: set[str] = set()
        self.visits: set[str] = set()
        self.events: set[str] = set()
        self.seqs: set[tuple[str, str, int]] = set()
        self.order = 0

    def one(self, rec: dict[str, Any]) -> None:
        """Check one record (converted in place) and keep it."""
        kind = rec.pop("t", None)
        if kind not in KINDS:
            raise br.RecordProblem("t", "unknown_code", value=br.shown(kind))
        at = KINDS.index(kind)
        if at < self.order:
            raise br.RecordProblem("t", "out_of_order", value=kind)
        self.order = at
        fields, r = self.fields[kind], self.rules
        if kind == "officer":
            br.check_officer(rec, fields)
            self._new(self.officers, rec["username"], "username")
        elif kind == "event":
            br.check_outreach(rec, fields, r)
            self._new(self.outreach, rec["id"], "id")
        elif kind == "visit":
            br.check_visit(rec, fields, r, self.officers, self.outreach)
            self._new(self.visits, rec["id"], "id")
        else:
            br.check_vevent(rec, fields, r, self.visits, self.officers)
            self._new(self.events, rec["id"], "id")
            self._new(self.seqs, (rec["visit_id"], rec["device_id"], rec["seq"]), "seq")
        self.lists[kind].append(rec)

    @staticmethod
    def _new(seen: set[Any], key: Any, field: str) -> None:
        if key in seen:
            raise br.RecordProblem(field, "duplicate")
        seen.add(key)


def check_records(
    lines: Sequence[str],
    manifest: dict[str, Any],
    rules: br.Rules,
    fields: dict[str, Sequence[str]],
    name: str,
) -> dict[str, list[dict[str, Any]]]:
    """The records of ``lines`` (the manifest is line 1), each checked and converted; raises
    BadRecord for the first broken one."""
    try:
        br.check_manifest(manifest, rules)
    except br.RecordProblem as e:
        if e.code == "other_office":
            raise BundleRefused("other_office", file=name, **e.params) from None
        raise _bad(e, name, 1, "manifest", "") from None
    walk = _Walk(rules, fields)
    for n, line in enumerate(lines[1:], start=2):
        kind, ref = "record", ""
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise br.RecordProblem("t", "not_object")
            kind = str(rec.get("t"))[:20]
            ref = str(rec.get("username" if kind == "officer" else "id"))[:40]
            walk.one(rec)
        except br.RecordProblem as e:
            raise _bad(e, name, n, kind if kind in KINDS else "record", ref) from None
        except (ValueError, RecursionError):
            raise _bad(br.RecordProblem("-", "not_json"), name, n, "record", "") from None
    return walk.lists


def _bad(e: br.RecordProblem, name: str, line: int, kind: str, ref: str) -> BadRecord:
    return BadRecord(
        "record",
        file=name,
        line=line,
        kind=kind,
        ref=ref or "-",
        field=e.field,
        problem=e.code,
        detail=e.params,
    )
