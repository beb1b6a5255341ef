"""What the phase views share: the focusable view base, durations, the decoded-NIK line."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.containers import Vertical

from counter.domain import nik as nikmod


class View(Vertical, can_focus=True):
    """A focusable phase view: its keys are the screen's bindings (no scrolling keys)."""


def fmt_duration(seconds: float) -> str:
    s = max(0, int(seconds))
    return (
        f"{s // 60:02d}:{s % 60:02d}"
        if s < 3600
        else f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    )


def tr(node: Any, key: str, **kw: object) -> str:
    """The catalog text in the app's language (``node`` is any mounted widget or screen)."""
    return str(node.app.t(key, **kw))


def lang_of(node: Any) -> str:
    return str(node.app.settings.lang)


def describe_nik(node: Any, info: nikmod.NikInfo, today: date) -> str:
    """District (or the region outside Batang), birth date, sex and age of a valid NIK."""
    common = {
        "born": info.birth_date.strftime("%d-%m-%Y"),
        "sex": tr(node, f"counter.sex.{info.sex}"),
        "age": info.age(today),
    }
    if info.in_batang:
        return tr(node, "counter.nik.decoded", district=info.district_name, **common)
    code = f"{info.province_code}.{info.regency_code}.{info.district_code}"
    return (
        tr(node, "counter.nik.decoded_outside", code=code, **common)
        + "\n"
        + tr(node, "counter.nik.outside", code=code)
    )


def age_warning(node: Any, info: nikmod.NikInfo, today: date) -> str:
    """The under-17 warning (an e-KTP needs 17 years or marriage), or ""."""
    from counter.tui.screens.counter.flow import KTP_AGE

    age = info.age(today)
    return tr(node, "counter_visit.age_warning", age=age) if age < KTP_AGE else ""
