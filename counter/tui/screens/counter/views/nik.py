"""Phase 1, "Pengunjung baru": the NIK decoded as it is typed, and the optional details."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input

from counter.domain import nik as nikmod
from counter.domain.protocol import Protocol
from counter.tui.screens.counter.flow import Details, phone_ok
from counter.tui.screens.counter.views.common import age_warning, describe_nik, lang_of, tr
from counter.tui.widgets.literal import Label, Select, Static

if TYPE_CHECKING:
    from counter.tui.shell import Shell


class NikInput(Input):
    """Digits only, 16 at most; pasted separators (spaces, dots, dashes) are removed.

    Anything else is refused with the reason (:class:`NikInput.Refused`): a number Excel turned
    into ``3.32501E+15`` (its last digits are lost), a letter, a 17th digit.
    """

    class Refused(Message):
        def __init__(self, error: nikmod.NikError) -> None:
            super().__init__()
            self.error = error

    def replace(self, text: str, start: int, end: int) -> None:
        error = self._refusal(text, start, end)
        if error is not None:
            self.post_message(self.Refused(error))
            self.restricted()
            return
        super().replace(nikmod.clean(text), start, end)

    def _refusal(self, text: str, start: int, end: int) -> nikmod.NikError | None:
        if not text:
            return None
        if nikmod.looks_excel_mangled(text):
            return nikmod.NikError(nikmod.EXCEL, value=text.strip())
        digits = nikmod.clean(text)
        bad = next((c for c in digits if not (c.isascii() and c.isdigit())), None)
        if bad is not None:
            return nikmod.NikError(nikmod.NON_DIGITS, char=bad)
        lo, hi = sorted((max(0, start), min(len(self.value), end)))
        length = len(self.value) - (hi - lo) + len(digits)
        if length > 16:
            return nikmod.NikError(nikmod.LENGTH, length=length)
        return None


class NikView(VerticalScroll, can_focus=False):
    """The NIK field with its live decoding, name, phone (with consent) and purpose.

    Not a focus stop itself (Tab goes round the fields only); it still scrolls to the focused
    field when the window is short."""

    def __init__(self, protocol: Protocol, **kw: Any) -> None:
        super().__init__(**kw)
        self.proto = protocol

    def compose(self) -> ComposeResult:
        t = self.app.t  # type: ignore[attr-defined]
        yield Label(t("counter.nik.title"), classes="title")
        with Horizontal(classes="row"):
            yield Label(t("counter.nik.label"))
            yield NikInput(
                placeholder=t("counter.nik.placeholder"),
                restrict=r"[0-9]*",
                max_length=16,
                id="nik-input",
            )
        yield Static("", markup=False, id="nik-msg", classes="field-msg")
        with Horizontal(classes="row compact"):
            yield Label(t("counter.nik.name"))
            yield Input(
                placeholder=t("counter.nik.name_placeholder"),
                max_length=120,
                id="name-input",
                compact=True,
            )
        with Horizontal(classes="row compact"):
            yield Label(t("counter.nik.phone"))
            yield Checkbox(t("counter.nik.consent"), id="consent", compact=True)
            yield Input(
                placeholder=t("counter.nik.phone_placeholder"),
                max_length=20,
                restrict=r"[0-9+ \-]*",
                id="phone-input",
                disabled=True,
                compact=True,
            )
        yield Static("", markup=False, id="phone-msg", classes="field-msg error")
        with Horizontal(classes="row compact"):
            yield Label(t("counter.nik.purpose"))
            yield Select(
                [(p.label.get(lang_of(self)), p.id) for p in self.proto.purposes],
                prompt=t("counter.nik.purpose_prompt"),
                id="purpose",
                compact=True,
            )
        yield Static(t("counter.nik.hint"), classes="muted")

    @property
    def today(self) -> date:
        shell: Shell = self.app  # type: ignore[assignment]  # the app implements the Shell protocol
        assert shell.ctx is not None  # the counter exists only after login
        return shell.ctx.today()

    @on(Input.Changed, "#nik-input")
    def _nik_changed(self, event: Input.Changed) -> None:
        self.decode(event.value, final=False)

    def _partial(self, value: str) -> tuple[str, bool]:
        """The message while fewer than 16 digits are typed, and whether it is an error."""
        text = tr(self, "counter.nik.typed", n=len(value))
        if len(value) < 6:
            return text, False
        from counter.domain.regions import BATANG_PREFIX, district_name

        code = f"{value[:2]}.{value[2:4]}.{value[4:6]}"
        if not value.startswith(BATANG_PREFIX):
            return text + " · " + tr(self, "counter.nik.outside", code=code), False
        name = district_name(value[:6])
        if name:
            return text + " · " + tr(self, "counter.nik.district", name=name), False
        return text + " · " + nikmod.NikError(nikmod.REGION, region=code).message(
            lang_of(self)
        ), True

    def decode(self, value: str, final: bool) -> nikmod.NikInfo | None:
        """Show what the NIK typed so far says; the NikInfo once it is complete and valid."""
        msg = self.query_one("#nik-msg", Static)
        msg.set_class(False, "error", "warn")
        if len(value) < 16 and not final:
            text, error = self._partial(value)
            msg.set_class(error, "error")
            msg.update(text)
            return None
        info, err = nikmod.check(value, self.today)
        if err is not None:
            msg.set_class(True, "error")
            msg.update(err.message(lang_of(self)))
            return None
        assert info is not None
        warning = age_warning(self, info, self.today)
        msg.set_class(bool(warning), "warn")
        msg.update(describe_nik(self, info, self.today) + (f"\n{warning}" if warning else ""))
        return info

    @on(NikInput.Refused)
    def _nik_refused(self, event: NikInput.Refused) -> None:
        """Say why the key or paste was not taken (nothing is dropped without a word)."""
        msg = self.query_one("#nik-msg", Static)
        msg.set_class(True, "error")
        msg.update(event.error.message(lang_of(self)))

    @on(Checkbox.Changed, "#consent")
    def _consent_changed(self, event: Checkbox.Changed) -> None:
        phone = self.query_one("#phone-input", Input)
        phone.disabled = not event.value
        if not event.value:
            phone.value = ""
            self.query_one("#phone-msg", Static).update("")

    def checked(self) -> tuple[nikmod.NikInfo, Details] | None:
        """The NIK and details when both are valid; otherwise the field at fault is focused."""
        nik_input = self.query_one("#nik-input", NikInput)
        info = self.decode(nik_input.value, final=True)
        if info is None:
            nik_input.focus()
            return None
        details = self.details()
        if details.consent and details.phone and not phone_ok(details.phone):
            self.query_one("#phone-msg", Static).update(tr(self, "counter.nik.phone_bad"))
            self.query_one("#phone-input").focus()
            return None
        self.query_one("#phone-msg", Static).update("")
        return info, details

    def details(self) -> Details:
        consent = self.query_one("#consent", Checkbox).value
        purpose = self.query_one("#purpose", Select).value
        return Details(
            name=self.query_one("#name-input", Input).value.strip() or None,
            phone=(self.query_one("#phone-input", Input).value.strip() or None)
            if consent
            else None,
            consent=consent,
            purpose=purpose if isinstance(purpose, str) else None,
        )

    def clear(self) -> None:
        """Empty every field for the next visitor."""
        for sel in ("#nik-input", "#name-input", "#phone-input"):
            self.query_one(sel, Input).value = ""
        self.query_one("#consent", Checkbox).value = False
        self.query_one("#purpose", Select).clear()
        self.query_one("#nik-msg", Static).update("")
        self.query_one("#phone-msg", Static).update("")

    def show_nik(self, nik: str) -> None:
        self.query_one("#nik-input", NikInput).value = nik
