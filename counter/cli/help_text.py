"""The command line's help in the user's language.

Help texts are written in English beside the options they describe (argparse's own place for
them); ``assets/cli-help-id.toml`` gives each its Indonesian text, keyed by the English one. When
the language is Indonesian, :func:`localise` walks the finished parser and swaps every help and
description, and argparse's own words ("usage:", "options", its error messages) come from the
same file's ``[argparse]`` table. A test walks every parser and fails on a text with no
translation, so a new option cannot slip through in English.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Iterator, Sequence
from functools import lru_cache

from counter.domain.assets import asset_path


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    with asset_path("cli-help-id.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return dict(data.get("help", {})), dict(data.get("argparse", {}))


def language(argv: Sequence[str]) -> str:
    """The language asked for before the parser exists: ``--lang`` in argv, then the
    environment, then the config file; Indonesian by default."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    env = os.environ.get("IKD_COUNTER_LANG")
    if env:
        return env
    try:
        from counter.config import load_settings

        config = None
        for i, a in enumerate(argv):
            if a == "--config" and i + 1 < len(argv):
                config = argv[i + 1]
        return load_settings(config).lang
    except Exception:  # noqa: BLE001 - a broken config is reported by the command itself
        return "id"


def texts(parser: argparse.ArgumentParser) -> Iterator[tuple[object, str, str]]:
    """(owner, attribute, English text) for every help and description under ``parser``."""
    if parser.description:
        yield parser, "description", parser.description
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            yield action, "help", action.help
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.help:
                    yield choice, "help", choice.help
            for sub in dict.fromkeys(action.choices.values()):
                yield from texts(sub)


def argparse_words(lang: str) -> None:
    """argparse looks its own words up through gettext (group titles when a parser is built,
    messages when they are shown): answer in ``lang``. Call before building the parser."""
    words = _table()[1] if lang == "id" else {}

    def gettext(message: str) -> str:
        return words.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return words.get(singular if n == 1 else plural, singular if n == 1 else plural)

    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def localise(parser: argparse.ArgumentParser, lang: str) -> None:
    """Swap every help and description of the built parser for its ``lang`` text."""
    if lang != "id":
        return
    helps = _table()[0]
    for owner, attr, text in list(texts(parser)):
        if text in helps:
            setattr(owner, attr, helps[text])


def missing(parser: argparse.ArgumentParser) -> list[str]:
    """English texts under ``parser`` with no Indonesian one (the test's check)."""
    helps, _ = _table()
    return sorted({text for _, _, text in texts(parser) if text not in helps})
