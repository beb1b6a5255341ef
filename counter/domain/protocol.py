"""The activation protocol as data: prerequisites, steps, problems, remedies, outcome texts.

Loaded from a TOML file (the packaged ``assets/protocol.toml`` or the office's own copy) and
validated: a broken file raises ``ProtocolError`` naming the file, the line and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counter.domain import outcomes as oc
from counter.domain.assets import asset_path

LANGS = ("id", "en")
QR_KINDS = ("install", "activation")
# Outcomes a problem may suggest when the visit ends on it.
PROBLEM_OUTCOMES = (oc.FAILED, oc.PENDING, oc.REFERRED)
DEFAULT_FILE = asset_path("protocol.toml")


class ProtocolError(ValueError):
    """A broken protocol file: ``file``, ``line`` (1-based; 0: unknown), ``key``, ``problem``."""

    def __init__(self, file: str, line: int, key: str, problem: str) -> None:
        self.file, self.line, self.key, self.problem = file, line, key, problem
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}: key '{key}': {problem}")


@dataclass(frozen=True)
class Text:
    """One text in every language."""

    id: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.id


@dataclass(frozen=True)
class Prerequisite:
    id: str
    label: Text
    remedy: Text  # for the officer
    resident: Text | None = None  # the resident's next step (the slip), when the file gives one


@dataclass(frozen=True)
class Problem:
    id: str
    text: Text
    remedy: Text  # for the officer
    outcome: str  # suggested outcome: FAILED, PENDING or REFERRED
    resident: Text | None = None  # the resident's next step (the slip), when the file gives one


@dataclass(frozen=True)
class Step:
    id: str
    title: Text
    instruction: Text
    problems: tuple[str, ...]
    qr: str | None = None  # "install" | "activation" | None


@dataclass(frozen=True)
class Purpose:
    id: str
    label: Text


@dataclass(frozen=True)
class Protocol:
    version: int
    prerequisites: tuple[Prerequisite, ...]
    problems: dict[str, Problem]
    steps: tuple[Step, ...]
    outcomes: dict[str, Text]
    purposes: tuple[Purpose, ...]
    source: str = ""

    # look-ups ----------------------------------------------------------------------------
    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def step_index(self, step_id: str) -> int:
        return [s.id for s in self.steps].index(step_id)

    def has_step(self, step_id: str) -> bool:
        return any(s.id == step_id for s in self.steps)

    def step_problems(self, step_id: str) -> list[Problem]:
        return [self.problems[p] for p in self.step(step_id).problems]

    def prerequisite(self, pid: str) -> Prerequisite:
        for p in self.prerequisites:
            if p.id == pid:
                return p
        raise KeyError(pid)

    def outcome_text(self, outcome: str, lang: str) -> str:
        t = self.outcomes.get(outcome)
        return t.get(lang) if t else outcome

    def purpose_text(self, purpose_id: str, lang: str) -> str:
        for p in self.purposes:
            if p.id == purpose_id:
                return p.label.get(lang)
        return purpose_id

    def reason_text(self, reason: str | None, lang: str) -> str:
        """The text of a reason code (a problem or prerequisite id); the code itself if unknown."""
        if not reason:
            return ""
        if reason in self.problems:
            return self.problems[reason].text.get(lang)
        for p in self.prerequisites:
            if p.id == reason:
                return p.label.get(lang)
        return reason

    def reason_codes(self) -> list[str]:
        return [p.id for p in self.prerequisites] + list(self.problems)

    def all_texts(self) -> list[tuple[str, Text]]:
        """Every text with a dotted name (used by the i18n test)."""
        out: list[tuple[str, Text]] = []
        for p in self.prerequisites:
            out += [
                (f"prerequisites.{p.id}.label", p.label),
                (f"prerequisites.{p.id}.remedy", p.remedy),
            ]
            out += [(f"prerequisites.{p.id}.resident", p.resident)] if p.resident else []
        for pr in self.problems.values():
            out += [(f"problems.{pr.id}.text", pr.text), (f"problems.{pr.id}.remedy", pr.remedy)]
            out += [(f"problems.{pr.id}.resident", pr.resident)] if pr.resident else []
        for s in self.steps:
            out += [(f"steps.{s.id}.title", s.title), (f"steps.{s.id}.instruction", s.instruction)]
        out += [(f"outcomes.{k}", v) for k, v in self.outcomes.items()]
        out += [(f"purposes.{p.id}.label", p.label) for p in self.purposes]
        return out


# --------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
# table name -> {key: kind}; kinds: "id", "text", "str", "outcome", "qr", "idlist"
_TABLES: dict[str, dict[str, str]] = {
    "prerequisites": {"id": "id", "label": "text", "remedy": "text", "resident": "text"},
    "problems": {
        "id": "id",
        "text": "text",
        "remedy": "text",
        "outcome": "outcome",
        "resident": "text",
    },
    "steps": {"id": "id", "title": "text", "instruction": "text", "problems": "idlist", "qr": "qr"},
    "purposes": {"id": "id", "label": "text"},
}
_OPTIONAL = {("steps", "qr"), ("prerequisites", "resident"), ("problems", "resident")}
_TOP = {"version", "prerequisites", "problems", "steps", "outcomes", "purposes"}


class _Locator:
    """Find the line of a key in the TOML text (tomllib gives no line numbers)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def _find(self, pattern: re.Pattern[str], start: int = 0, stop: int | None = None) -> int:
        stop = len(self.lines) if stop is None else stop
        for i in range(start, stop):
            line = self.lines[i]
            if not line.lstrip().startswith("#") and pattern.search(line):
                return i
        return -1

    def item_range(self, table: str, index: int) -> tuple[int, int]:
        """0-based [start, stop) line range of the index-th ``[[table]]`` block."""
        head = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
        any_head = re.compile(r"^\s*\[")
        pos, found = 0, -1
        for _ in range(index + 1):
            found = self._find(head, pos)
            if found < 0:
                return -1, -1
            pos = found + 1
        stop = self._find(any_head, found + 1)
        return found, (len(self.lines) if stop < 0 else stop)

    def item_key(self, table: str, index: int, key: str | None) -> int:
        start, stop = self.item_range(table, index)
        if start < 0:
            return self.top_key(table)
        if key:
            hit = self._find(re.compile(rf"^\s*{re.escape(key)}\s*[=.]"), start + 1, stop)
            if hit >= 0:
                return hit + 1
        return start + 1

    def table_key(self, table: str, key: str | None) -> int:
        head = self._find(re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]"))
        if head < 0:
            return self.top_key(table)
        if key:
            nxt = self._find(re.compile(r"^\s*\["), head + 1)
            hit = self._find(
                re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*[=.]"),
                head + 1,
                None if nxt < 0 else nxt,
            )
            if hit >= 0:
                return hit + 1
        return head + 1

    def top_key(self, key: str) -> int:
        hit = self._find(re.compile(rf"^\s*(\[\[?\s*)?{re.escape(key)}\b"))
        return hit + 1 if hit >= 0 else 0


class _Loader:
    def __init__(self, file: str, text: str) -> None:
        self.file, self.loc = file, _Locator(text)

    def fail(self, line: int, key: str, problem: str) -> ProtocolError:
        return ProtocolError(self.file, line, key, problem)

    def text(self, value: Any, line: int, key: str) -> Text:
        if not isinstance(value, dict):
            raise self.fail(line, key, 'expected a table of texts, e.g. { id = "...", en = "..." }')
        for lang in LANGS:
            if lang not in value:
                raise self.fail(line, f"{key}.{lang}", f"missing the {lang!r} text")
            if not isinstance(value[lang], str) or not value[lang].strip():
                raise self.fail(line, f"{key}.{lang}", "expected a non-empty text")
        extra = sorted(set(value) - set(LANGS))
        if extra:
            raise self.fail(
                line, f"{key}.{extra[0]}", f"unknown language (expected {', '.join(LANGS)})"
            )
        return Text(id=value["id"], en=value["en"])

    def items(self, data: dict[str, Any], table: str) -> list[dict[str, Any]]:
        raw = data.get(table)
        if raw is None:
            raise self.fail(0, table, f"missing: the file needs at least one [[{table}]]")
        if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw) or not raw:
            raise self.fail(
                self.loc.top_key(table), table, f"expected one or more [[{table}]] tables"
            )
        out: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        spec = _TABLES[table]
        for i, item in enumerate(raw):
            for key in item:
                if key not in spec:
                    raise self.fail(
                        self.loc.item_key(table, i, key),
                        f"{table}.{key}",
                        f"unknown key (expected: {', '.join(spec)})",
                    )
            row: dict[str, Any] = {}
            for key, kind in spec.items():
                line = self.loc.item_key(table, i, key)
                name = f"{table}[{i + 1}].{key}"
                if key not in item:
                    if (table, key) in _OPTIONAL:
                        row[key] = None
                        continue
                    raise self.fail(self.loc.item_key(table, i, None), name, "missing")
                value = item[key]
                if kind == "id":
                    if not isinstance(value, str) or not _ID_RE.match(value):
                        raise self.fail(
                            line,
                            name,
                            "expected an id: lowercase letters, digits "
                            f"and _, starting with a letter, got {value!r}",
                        )
                    if value in seen:
                        raise self.fail(
                            line,
                            name,
                            f"duplicate id {value!r} (first in "
                            f"[[{table}]] number {seen[value] + 1})",
                        )
                    seen[value] = i
                    name = f"{table}.{value}"
                    row[key] = value
                elif kind == "text":
                    row[key] = self.text(value, line, f"{table}.{item.get('id', i + 1)}.{key}")
                elif kind in ("outcome", "qr"):
                    allowed = PROBLEM_OUTCOMES if kind == "outcome" else QR_KINDS
                    if value not in allowed:
                        raise self.fail(
                            line,
                            f"{table}.{item.get('id', i + 1)}.{key}",
                            f"expected one of {', '.join(allowed)}, got {value!r}",
                        )
                    row[key] = value
                elif kind == "idlist":
                    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                        raise self.fail(
                            line,
                            f"{table}.{item.get('id', i + 1)}.{key}",
                            "expected a list of problem ids",
                        )
                    row[key] = tuple(value)
                row.setdefault("_line", self.loc.item_key(table, i, None))
            out.append(row)
        return out

    def load(self, data: dict[str, Any]) -> Protocol:
        for key in data:
            if key not in _TOP:
                raise self.fail(
                    self.loc.top_key(key), key, f"unknown key (expected: {', '.join(sorted(_TOP))})"
                )
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version != 1:
            raise self.fail(self.loc.top_key("version"), "version", f"expected 1, got {version!r}")
        prereqs = self.items(data, "prerequisites")
        problems = self.items(data, "problems")
        steps = self.items(data, "steps")
        purposes = self.items(data, "purposes")
        problem_ids = {p["id"] for p in problems}
        prereq_ids = {p["id"]: p for p in prereqs}
        for p in problems:
            if p["id"] in prereq_ids:
                raise self.fail(
                    p["_line"] + 1,
                    f"problems.{p['id']}.id",
                    "the same id is a prerequisite: reason codes must be unique",
                )
        for i, s in enumerate(steps):
            for pid in s["problems"]:
                if pid not in problem_ids:
                    raise self.fail(
                        self.loc.item_key("steps", i, "problems"),
                        f"steps.{s['id']}.problems",
                        f"unknown problem id {pid!r}",
                    )
            if len(set(s["problems"])) != len(s["problems"]):
                raise self.fail(
                    self.loc.item_key("steps", i, "problems"),
                    f"steps.{s['id']}.problems",
                    "a problem id is listed twice",
                )
        raw_out = data.get("outcomes")
        if not isinstance(raw_out, dict):
            raise self.fail(
                self.loc.top_key("outcomes"),
                "outcomes",
                "missing: an [outcomes] table with a text for every outcome code",
            )
        outcomes: dict[str, Text] = {}
        for code in raw_out:
            if code not in oc.OUTCOMES:
                raise self.fail(
                    self.loc.table_key("outcomes", code),
                    f"outcomes.{code}",
                    f"unknown outcome code (expected: {', '.join(oc.OUTCOMES)})",
                )
        for code in oc.OUTCOMES:
            if code not in raw_out:
                raise self.fail(self.loc.table_key("outcomes", None), f"outcomes.{code}", "missing")
            outcomes[code] = self.text(
                raw_out[code], self.loc.table_key("outcomes", code), f"outcomes.{code}"
            )
        return Protocol(
            version=version,
            prerequisites=tuple(
                Prerequisite(p["id"], p["label"], p["remedy"], p["resident"]) for p in prereqs
            ),
            problems={
                p["id"]: Problem(p["id"], p["text"], p["remedy"], p["outcome"], p["resident"])
                for p in problems
            },
            steps=tuple(
                Step(s["id"], s["title"], s["instruction"], s["problems"], s["qr"]) for s in steps
            ),
            outcomes=outcomes,
            purposes=tuple(Purpose(p["id"], p["label"]) for p in purposes),
            source=self.file,
        )


_PARSE_LINE = re.compile(r"at line (\d+)")


def parse_protocol(text: str, file: str = "<text>") -> Protocol:
    """Validate and build a Protocol from TOML text; raises ProtocolError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = _PARSE_LINE.search(str(e))
        raise ProtocolError(file, int(m.group(1)) if m else 0, "(syntax)", str(e)) from None
    return _Loader(file, text).load(data)


def load_protocol(path: str | Path | None = None) -> Protocol:
    """Load the office's protocol file, or the packaged one when ``path`` is empty."""
    p = Path(path) if path else DEFAULT_FILE
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProtocolError(str(p), 0, "(file)", f"cannot be read: {e}") from None
    return parse_protocol(text, str(p))


_CACHE: dict[tuple[str, float], Protocol] = {}


def cached_protocol(path: str | Path | None = None) -> Protocol:
    """load_protocol, cached per file and modification time."""
    p = Path(path) if path else DEFAULT_FILE
    try:
        mtime = p.stat().st_mtime
    except OSError:
        mtime = -1.0
    key = (str(p), mtime)
    if key not in _CACHE:
        _CACHE[key] = load_protocol(p)
    return _CACHE[key]
