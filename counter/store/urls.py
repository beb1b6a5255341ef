"""Database URLs: which ones we accept, and how one is shown without its password."""

from __future__ import annotations

import re

# What --db / IKD_COUNTER_DB / database.url may name: a file path, or one of these URL schemes.
SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgres", "postgresql+psycopg")
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@\s]*@")
_QUERY_SECRET = re.compile(r"(?i)((?:^|[?&;\s])(?:password|passwd|pwd|sslpassword)=)[^&\s]*")


def scheme_of(url: str) -> str | None:
    """The scheme of a URL (``postgresql+psycopg``), None for a plain file path."""
    s = str(url)
    if "://" not in s:
        return None
    return s.split("://", 1)[0].lower()


def is_supported(url: str) -> bool:
    scheme = scheme_of(url)
    return scheme is None or scheme in SCHEMES


def mask_url(url: object) -> str:
    """``url`` with any password replaced by ``***`` (user info and ``password=`` query
    parameters); a file path is returned as it is. Used by everything that prints a URL."""
    s = str(url)
    if "://" not in s:
        return s
    s = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", s)
    return _QUERY_SECRET.sub(lambda m: f"{m.group(1)}***", s)
