"""What a screen may use of the application shell, as a typed protocol.

Screens declare ``app: Shell`` instead of importing ``counter.tui.app`` (which imports the
screens: that was an import cycle). ``counter.tui.app.CounterApp`` implements it; the
architecture test checks that no screen imports the app module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.geometry import Size

    from counter.config import Settings
    from counter.services.accounts import OfficerView
    from counter.services.context import Context


class Shell(Protocol):
    """The app as the screens see it (a Textual ``App`` besides)."""

    settings: Settings
    ctx: Context | None  # None only while the database opens in a thread at start-up
    ctx_done: threading.Event  # set once ctx is open (or failed to open)
    ctx_error: Exception | None  # why it failed to open
    officer: OfficerView | None  # the logged-in account (None before login)
    officer_count: int | None
    demo_accounts: list[tuple[str, str, str]]  # (username, PIN, role) shown on the demo login
    demo_niks: list[tuple[str, str]]  # (NIK, kind) shown on the demo login

    def t(self, key: str, **kw: object) -> str: ...
    def today(self) -> date: ...
    def set_language(self, lang: str) -> None: ...
    def login_done(self, officer: OfficerView) -> None: ...
    @property
    def is_supervisor(self) -> bool: ...

    # the Textual App methods the screens call
    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
    def notify(self, message: str, **kwargs: Any) -> None: ...
    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any: ...
    def pop_screen(self) -> Any: ...
    def call_later(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool: ...
    def exit(self, *args: Any, **kwargs: Any) -> None: ...

    # the Textual App attributes the screens read
    def get_key_display(self, binding: Any) -> str: ...
    def copy_to_clipboard(self, text: str) -> None: ...
    @property
    def screen(self) -> Any: ...
    @property
    def size(self) -> Size: ...
    @property
    def log(self) -> Any: ...
