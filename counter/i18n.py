"""Message catalogs (Indonesian default, English): every user-facing text comes from here.

Catalogs are TOML files under ``assets/messages/<lang>/``; each feature keeps its own file
(e.g. ``core.toml``, ``counter.toml``) and nested tables become dotted keys.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from counter.domain.assets import asset_path
from counter.domain.text import printable

LANGUAGES = ("id", "en")
DEFAULT_LANG = "id"


def flatten(prefix: str, table: dict[str, Any], out: dict[str, str], origin: Path) -> None:
    for k, v in table.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            flatten(key, v, out, origin)
        else:
            if key in out:
                raise ValueError(f"{origin}: key {key!r} defined twice")
            out[key] = str(v)


class Catalog:
    def __init__(self, lang: str, messages: dict[str, str]) -> None:
        self.lang = lang
        self.messages = messages

    def t(self, key: str, **params: object) -> str:
        """The message ``key`` filled with ``params``. Text parameters are data (a name, a note, a
        file header): each becomes one printable line first, so it can neither add lines to the
        message nor carry control characters to a terminal (``counter.domain.text``)."""
        text = self.messages.get(key)
        if text is None:
            return f"⟨{key}⟩"
        if params:
            clean = {k: printable(v) if isinstance(v, str) else v for k, v in params.items()}
            try:
                return text.format(**clean)
            except (KeyError, IndexError, ValueError):
                return text
        return text

    __call__ = t

    def has(self, key: str) -> bool:
        return key in self.messages


def load_messages(lang: str, folder: Path | None = None) -> dict[str, str]:
    folder = folder or asset_path("messages", lang)
    out: dict[str, str] = {}
    for f in sorted(folder.glob("*.toml")):
        with f.open("rb") as fh:
            flatten("", tomllib.load(fh), out, f)
    return out


@lru_cache(maxsize=4)
def catalog(lang: str = DEFAULT_LANG) -> Catalog:
    if lang not in LANGUAGES:
        lang = DEFAULT_LANG
    return Catalog(lang, load_messages(lang))
