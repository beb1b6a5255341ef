"""The base of every error a person can act on: a catalog key plus the values for its message."""

from __future__ import annotations

from collections.abc import Callable


class UserError(Exception):
    """``code`` (under the class's catalog ``prefix``) selects the message; ``params`` fill it."""

    prefix = ""

    def __init__(self, code: str, /, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(code)

    @property
    def key(self) -> str:
        return f"{self.prefix}.{self.code}" if self.prefix else self.code

    def message(self, lang: str = "id") -> str:
        from counter.i18n import catalog

        return catalog(lang).t(self.key, **self.params)

    def __str__(self) -> str:
        return self.message("en")


_unexpected: Callable[[BaseException, str], str] | None = None


def set_unexpected_describer(fn: Callable[[BaseException, str], str]) -> None:
    """Installed by ``counter.services.errorlog`` when imported (the CLI and the TUI import it):
    a known storage/disk failure in words, else "unexpected error, details in <log>" with the
    scrubbed traceback logged."""
    global _unexpected
    _unexpected = fn


def describe(error: BaseException, lang: str = "id") -> str:
    """What to show a person: the catalog message of a UserError (or a ConfigError's own text),
    else the installed describer's line; never the exception's own text (it can carry NIKs,
    phone numbers, SQL parameters)."""
    if isinstance(error, UserError):
        return error.message(lang)
    if isinstance(error, ValueError) and error.__class__.__name__ == "ConfigError":
        return str(error)
    if _unexpected is not None:
        return _unexpected(error, lang)
    return error.__class__.__name__
