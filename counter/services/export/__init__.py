"""Export of visits to the district's central sheet (XLSX or CSV), as recorded batches.

The contract (columns, formats, batches) is documented in the README ("Export to the central
sheet"). In short:

* One row per finished visit, fixed columns with Indonesian headers, ordered by day, start time
  and visit id, so exporting the same date range twice gives the same rows in the same order.
* XLSX: NIK and phone are text cells, date and times are real date/time cells; a second sheet
  holds the recap per outcome per day. CSV: UTF-8 with BOM, ``;`` or ``,``, RFC 4180 quoting,
  the recap in a second file ``NAME-rekap.csv``.
* Free-text cells that start with ``= + - @``, tab or CR get a leading single quote (OWASP CSV
  injection); NIK and phone are validated digits and stay as they are.
* Every export is an ``ExportBatch`` with one ``ExportItem`` per row (visit id, revision,
  correction flag). ``since_last`` exports exactly the finished visits whose current revision is
  in no batch yet; a visit corrected after it was exported goes again, flagged as a correction.

Reading order, one job per module:

* ``run``: ``export_visits`` = check the request (contract.request) and the officer, choose the
  route (plan.plan), run it.
* ``plan``: the ONE place the route is chosen (writer, one or two phases, how items are
  recorded), from the request and a few facts; a pure function tests call.
* ``csv_plain``: the CSV writer as plain code, the reference. ``csv_fast`` (the same loop,
  inlined) and ``csv_sql`` (cells computed by SQLite) are its fast copies; ``xlsx`` the other
  format. ``cells`` turns stored values into cell values and counts the recap.
* ``injection``: the CSV-injection rule, once, with its Python and SQL forms.
* ``selection``: the rows and items of an export, as SQL, and the raw cursor that streams them.
* ``two_phase`` / ``one_phase``: the two routes; ``writing`` (phase 1, the snapshot into the
  file), ``items`` (the batch's items), ``recording`` (batch row, audit, renames), ``files``.
* ``batches``: the read side (recorded batches, pending count).
"""

from __future__ import annotations

from counter.services.export.batches import batch_items, batches, pending_count
from counter.services.export.contract import (
    BOM,
    CHUNK,
    COLUMNS,
    DELIMITERS,
    FORMATS,
    MODES,
    RECAP_COLUMNS,
    SHEET_RECAP,
    SHEET_VISITS,
    BatchView,
    ExportError,
    ExportResult,
    Request,
    headers,
    recap_headers,
    request,
)
from counter.services.export.files import default_path, recap_path_for
from counter.services.export.injection import neutralise, neutralise_phone
from counter.services.export.job import Observer
from counter.services.export.plan import LOCKED_MAX_ROWS, Facts, Items, Plan, Writer, plan, survey
from counter.services.export.run import export_visits, run

__all__ = [
    "BOM",
    "CHUNK",
    "COLUMNS",
    "DELIMITERS",
    "FORMATS",
    "LOCKED_MAX_ROWS",
    "MODES",
    "RECAP_COLUMNS",
    "SHEET_RECAP",
    "SHEET_VISITS",
    "BatchView",
    "ExportError",
    "ExportResult",
    "Facts",
    "Items",
    "Observer",
    "Plan",
    "Request",
    "Writer",
    "batch_items",
    "batches",
    "default_path",
    "export_visits",
    "headers",
    "neutralise",
    "neutralise_phone",
    "pending_count",
    "plan",
    "recap_headers",
    "recap_path_for",
    "request",
    "run",
    "survey",
]
