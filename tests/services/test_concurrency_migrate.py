"""Several counters starting at the same moment on a new database: one migrates, none fails."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

from tests.helpers import concurrency as cu


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_counters_starting_at_once_on_a_new_database(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if engine == "postgres" else str(tmp_path / "new.db")
    sp = mp.get_context("spawn")
    with sp.Manager() as m:
        barrier = m.Barrier(4)
        with sp.Pool(4) as pool:
            errors = pool.starmap(cu.open_at_once, [(url, barrier)] * 4)
    assert errors == [None] * 4
