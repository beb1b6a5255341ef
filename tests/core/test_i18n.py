"""Every message exists in Indonesian and English with the same placeholders; protocol texts too."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

import pytest

from counter.domain.assets import asset_path
from counter.domain.protocol import load_protocol
from counter.i18n import LANGUAGES, catalog, flatten

MESSAGES = asset_path("messages")
FILES = sorted({p.name for lang in LANGUAGES for p in (MESSAGES / lang).glob("*.toml")})


def keys_of(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with path.open("rb") as fh:
        flatten("", tomllib.load(fh), out, path)
    return out


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_languages_have_the_same_files() -> None:
    for lang in LANGUAGES:
        assert sorted(p.name for p in (MESSAGES / lang).glob("*.toml")) == FILES, lang


@pytest.mark.parametrize("name", FILES)
def test_same_keys_and_placeholders_in_every_language(name: str) -> None:
    per_lang = {lang: keys_of(MESSAGES / lang / name) for lang in LANGUAGES}
    base = per_lang["id"]
    for lang, msgs in per_lang.items():
        missing = sorted(set(base) - set(msgs))
        extra = sorted(set(msgs) - set(base))
        assert not missing, f"{lang}/{name} lacks {missing}"
        assert not extra, f"{lang}/{name} has keys not in id/{name}: {extra}"
        for key, text in msgs.items():
            assert text.strip(), f"{lang}/{name}: {key} is empty"
            assert fields(text) == fields(base[key]), f"{lang}/{name}: {key} placeholders differ"


def test_no_key_defined_in_two_files() -> None:
    for lang in LANGUAGES:
        seen: dict[str, str] = {}
        for name in FILES:
            for key in keys_of(MESSAGES / lang / name):
                assert key not in seen, f"{lang}: {key} in {seen.get(key)} and {name}"
                seen[key] = name


def test_protocol_texts_in_both_languages() -> None:
    p = load_protocol()
    names = [n for n, _ in p.all_texts()]
    assert len(names) == len(set(names))
    for name, text in p.all_texts():
        assert text.id.strip() and text.en.strip(), name
        assert fields(text.id) == fields(text.en), name


def test_counter_screen_uses_only_existing_keys() -> None:
    pkg = Path(__file__).parents[2] / "counter" / "tui" / "screens" / "counter"
    src = "\n".join(f.read_text() for f in sorted(pkg.rglob("*.py")))
    keys = r"((?:counter|counter_visit|protocol)\.[a-z_.A-Z]+)"
    # self.t("..."), t("...") and the views' tr(self, "...")
    used = set(re.findall(r"""\bt(?:r\(\s*\w+\s*,|\()\s*["']""" + keys + "[\"']", src))
    used |= set(re.findall(r"""["']((?:counter|counter_visit)\.keys\.[a-z_]+)["']""", src))
    assert len(used) > 40
    for lang in LANGUAGES:
        cat = catalog(lang)
        missing = sorted(k for k in used if not cat.has(k))
        assert not missing, f"{lang}: {missing}"
