"""Words, not codes, where a person reads: outcome, reason and follow-up codes as the catalog and
the protocol file say them in the app's language. Exports and JSON keep the codes."""

from __future__ import annotations

from typing import Any

from counter.domain import outcomes as oc
from counter.i18n import catalog


def outcome_word(app: Any, code: str | None) -> str:
    """The words for an outcome code (``PENDING`` -> Tertunda); "-" when there is none."""
    if not code:
        return "-"
    return str(app.t(f"supervisor.outcome.{code}")) if code in oc.OUTCOMES else code


def reason_text(protocol: Any, reason: str | None, lang: str) -> str:
    """A reason code in words: the protocol's problem/prerequisite text, else the app's own
    reasons (``interrupted``), else the code itself; "" when there is none."""
    if not reason:
        return ""
    text = protocol.reason_text(reason, lang) if protocol is not None else reason
    if text == reason:
        cat = catalog(lang)
        if cat.has(f"lifecycle.reason.{reason}"):
            return cat.t(f"lifecycle.reason.{reason}")
    return text or reason


def reason_word(app: Any, reason: str | None) -> str:
    """``reason_text`` with the app's protocol file and language."""
    from counter.domain.protocol import ProtocolError, cached_protocol

    try:
        protocol = cached_protocol(app.settings.protocol_file or None)
    except ProtocolError:
        protocol = None
    return reason_text(protocol, reason, app.settings.lang)


def state_word(app: Any, state: str | None) -> str:
    """The words for a follow-up state; "-" when there is none."""
    return str(app.t(f"supervisor.followup.state_{state}")) if state else "-"


def extract_line(app: Any, imported_at: Any, today: Any) -> str:
    """How old the central extract is ("imported 01-12-2026, 3 days ago"), or that none was ever
    imported (then every NIK's status is unknown): said on the counter and the dashboard."""
    from counter.tui.formats import fmt_date

    if imported_at is None:
        return str(app.t("extract.none"))
    day = app.ctx.local(imported_at).date() if app.ctx is not None else imported_at.date()
    days = (today - day).days
    return str(app.t("extract.age", date=fmt_date(day, app.settings.lang), days=max(days, 0)))


def event_word(app: Any, kind: str) -> str:
    """The words for a visit event's kind (``start`` -> Mulai); the code when unknown."""
    cat = catalog(app.settings.lang)
    key = f"events.kind.{kind}"
    return cat.t(key) if cat.has(key) else kind


def step_word(app: Any, step: str | None) -> str:
    """A protocol step's title in the reader's language (``status`` -> its title); "" for none."""
    if not step:
        return ""
    from counter.domain.protocol import ProtocolError, cached_protocol

    lang = app.settings.lang
    try:
        protocol = cached_protocol(app.settings.protocol_file or None)
        if protocol.has_step(step):
            return str(protocol.step(step).title.get(lang))
    except (ProtocolError, OSError):
        pass  # the counter screen reports a broken protocol file; here the id will do
    cat = catalog(lang)
    key = f"tui.step.{step}"
    return cat.t(key) if cat.has(key) else step
