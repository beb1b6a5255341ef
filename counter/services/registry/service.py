"""``import_registry``: the use case. Checks the file's bounds, picks the route, audits.

Route: ``fastpath.import_fast`` first (a clean CSV), and ``reference.import_plain`` when it
declines (it writes nothing then) or when ``route="plain"`` is asked for (tests compare both).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import text

import counter.services.registry.fastpath as fastpath
import counter.services.registry.reference as reference
from counter.services import input_bounds
from counter.services.context import Context
from counter.services.registry.common import ImportResult, Progress, RegistryError, Written

if TYPE_CHECKING:
    from counter.services.audit import Actor

Route = Literal["auto", "plain"]


def import_registry(
    ctx: Context,
    path: str | Path,
    progress: Progress | None = None,
    lang: str | None = None,
    by: Actor | None = None,
    route: Route = "auto",
) -> ImportResult:
    """Import a registry extract; returns the counts (audited as ``by``). Raises RegistryError
    for a refused file."""
    t0 = time.perf_counter()
    path = Path(path)
    lang = lang or ctx.settings.lang
    check_bounds(path)
    written = run(ctx, path, progress, lang, route)
    desa = written.desa
    if desa is not None and desa["unmatched"]:
        desa = {**desa, "unmatched_file": str(write_unmatched(path, desa["unmatched"], lang))}
    result = ImportResult(
        read=written.stored + written.rejected,
        inserted=written.inserted,
        updated=written.updated,
        unchanged=written.stored - written.inserted - written.updated,
        rejected=written.rejected,
        rejects_file=written.rejects_file,
        seconds=round(time.perf_counter() - t0, 3),
        desa=desa,
    )
    from counter.services import audit

    audit.log(
        ctx,
        "registry_import",
        by,
        target=path.name,
        read=result.read,
        inserted=result.inserted,
        updated=result.updated,
        rejected=result.rejected,
    )
    return result


def write_unmatched(path: Path, unmatched: dict[str, int], lang: str) -> Path:
    """``<file>.desa-unmatched.csv`` beside the input: every desa name that matched nothing,
    with its rows (most rows first); the command line shows the first few."""
    import csv

    from counter.i18n import catalog
    from counter.services.export import neutralise
    from counter.store.files import open_private

    t = catalog(lang)
    out = path.with_name(path.name + ".desa-unmatched.csv")
    with open_private(out, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow([t("registry.col_desa"), t("registry.col_rows")])
        for name, rows in unmatched.items():
            w.writerow([neutralise(name) or "", rows])
    return out


def check_bounds(path: Path) -> None:
    """Size, encoding, line lengths: a file is refused before it is read."""
    if not path.is_file():
        raise RegistryError("unreadable", file=str(path), detail="not found")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            input_bounds.check_xlsx(path)
        else:
            input_bounds.check_csv(path)
    except OSError as e:
        raise RegistryError("unreadable", file=path.name, detail=e.strerror or str(e)) from e


def run(ctx: Context, path: Path, progress: Progress | None, lang: str, route: Route) -> Written:
    """The fast route when it takes the file, else the plain one."""
    if route == "auto":
        written = fastpath.import_fast(ctx, path, progress, registry_empty(ctx))
        if written is not None:
            return written
    return reference.import_plain(ctx, path, progress, lang)


def registry_empty(ctx: Context) -> bool:
    with ctx.db.read() as s:
        return s.execute(text("SELECT 1 FROM registry_entry LIMIT 1")).first() is None
