"""The reference for the start-up benchmark: a minimal Textual app that shows one label."""

from __future__ import annotations

import os
import time

from textual.app import App, ComposeResult
from textual.widgets import Label


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("IKD Counter")

    def on_mount(self) -> None:
        self.call_after_refresh(self._done)

    def _done(self) -> None:
        t0 = os.environ.get("IKD_COUNTER_BENCH_T0")
        out = os.environ.get("IKD_COUNTER_BENCH_OUT")
        if t0 and out:
            with open(out, "a", encoding="utf-8") as fh:
                fh.write(f"{time.time() - float(t0):.4f}\n")
        self.exit()


if __name__ == "__main__":
    Minimal().run()
