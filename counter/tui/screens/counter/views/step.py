"""Phase 4, "Langkah": one activation step with its instruction, elapsed time, QR and the
problem chosen (with its remedy) when there is one."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from counter.domain.protocol import Protocol
from counter.tui.screens.counter.flow import CounterFlow
from counter.tui.screens.counter.views.common import View, fmt_duration, lang_of, tr
from counter.tui.widgets.literal import Label, Static


class StepView(View):
    def __init__(self, protocol: Protocol, **kw: Any) -> None:
        super().__init__(**kw)
        self.proto = protocol

    def compose(self) -> ComposeResult:
        from counter.tui.widgets.qr import QrCode

        # The QR takes the view's whole height on the right (at 80x24 the install code needs
        # all 21 rows); everything else is in the column on its left.
        with Horizontal(id="step-main"):
            with Vertical(id="step-left"):
                yield Label("", markup=False, id="step-title", classes="title")
                yield Static("", markup=False, id="step-elapsed", classes="muted")
                yield Static("", markup=False, id="step-problem")
                yield Input(
                    placeholder=tr(self, "counter.step.qr_activation_placeholder"),
                    id="qr-payload",
                    compact=True,
                )
                yield Static("", markup=False, id="step-instruction")
            yield QrCode("", id="step-qr")

    def on_mount(self) -> None:
        self.query_one("#step-problem").display = False
        self.query_one("#qr-payload").display = False

    def show(self, flow: CounterFlow) -> None:
        from counter.tui.widgets.qr import QrCode

        lang, step = lang_of(self), flow.step
        self.query_one("#step-title", Label).update(
            tr(
                self,
                "counter.step.title",
                n=flow.step_index + 1,
                total=len(self.proto.steps),
                title=step.title.get(lang),
            )
        )
        text = step.instruction.get(lang)
        payload = flow.qr_payload(step.qr) if step.qr else ""
        if step.qr == "activation" and not payload:
            text += "\n\n" + tr(self, "counter.step.qr_none")
        self.query_one("#step-instruction", Static).update(text)
        qr = self.query_one("#step-qr", QrCode)
        qr.payload = payload
        qr.display = bool(payload)
        paste = self.query_one("#qr-payload", Input)
        paste.display = step.qr == "activation" and not flow.activation_qr
        self._show_problem(flow.problem)
        self.tick(flow)

    def _show_problem(self, problem: str | None) -> None:
        box = self.query_one("#step-problem", Static)
        box.display = problem is not None
        if problem is None:
            return
        lang, p = lang_of(self), self.proto.problems[problem]
        box.update(
            "\n".join(
                [
                    tr(self, "counter.step.problem_chosen", text=p.text.get(lang)),
                    tr(self, "counter.step.remedy", text=p.remedy.get(lang)),
                    tr(
                        self,
                        "counter.step.suggested",
                        outcome=self.proto.outcome_text(p.outcome, lang),
                    ),
                    tr(self, "counter.step.decide"),
                ]
            )
        )

    def tick(self, flow: CounterFlow) -> None:
        """The elapsed time of the step and of the visit."""
        self.query_one("#step-elapsed", Static).update(
            tr(
                self,
                "counter.step.elapsed",
                step=fmt_duration(flow.step_seconds()),
                visit=fmt_duration(flow.visit_seconds()),
            )
        )

    def enlarge_qr(self) -> None:
        from counter.tui.widgets.qr import QrCode

        self.query_one("#step-qr", QrCode).enlarge()

    def clear(self) -> None:
        self.query_one("#qr-payload", Input).value = ""
