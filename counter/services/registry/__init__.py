"""Registry import: the central IKD status extract (CSV or XLSX), upserted by NIK.

Modules, in the order to read them:

* ``parsing``: header names, status words, dates, NIK cells (pure functions).
* ``reference``: the plain import: read every row, check it, upsert it; rejects with line
  numbers. Any file the import accepts goes through it.
* ``fastpath``: the same result for a clean CSV, streamed in blocks and packed into one sorted
  string per row (and, into an empty registry, read by two processes).
* ``places``: what an import keeps for coverage (each entry's desa, the totals per place).
* ``service``: ``import_registry``, which picks the route and audits the import.

Names and every other column of the extract are ignored and never stored. Every rejected row
goes to ``<file>.rejects.csv`` next to the input with its line number and the reason.
"""

from counter.services.registry.common import ImportResult, Progress, RegistryError, Written
from counter.services.registry.parsing import (
    BIRTH_DIGITS_RE,
    detect_delimiter,
    match_columns,
    norm_header,
    parse_date,
    status_code,
)
from counter.services.registry.service import import_registry

__all__ = [
    "BIRTH_DIGITS_RE",
    "ImportResult",
    "Progress",
    "RegistryError",
    "Written",
    "detect_delimiter",
    "import_registry",
    "match_columns",
    "norm_header",
    "parse_date",
    "status_code",
]
