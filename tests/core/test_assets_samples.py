"""The samples under the top-level assets/ folder are what they say: a configuration file the
app reads with its defaults, and a registry extract whose every row imports."""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path

from counter.config import Settings, load_settings
from counter.domain import nik as nikmod
from counter.services import registry
from counter.services.context import Context

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def test_sample_config_is_read_and_names_every_default(tmp_path: Path) -> None:
    loaded = load_settings(ASSETS / "config.sample.toml", env={})
    mine = asdict(loaded)
    mine.pop("config_file")
    defaults = asdict(Settings())
    defaults.pop("config_file")
    assert mine == defaults  # the sample shows the defaults, so copying it changes nothing


def test_sample_extract_imports_every_row_with_its_desa(ctx: Context) -> None:
    path = ASSETS / "sample-extract.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert len(rows) >= 20 and {"NIK", "DESA/KEL", "STATUS IKD"} <= set(rows[0])
    for row in rows:
        info, error = nikmod.check(row["NIK"])
        assert error is None and info is not None and info.in_batang, row["NIK"]
    result = registry.import_registry(ctx, path)
    assert (result.read, result.inserted, result.rejected) == (len(rows), len(rows), 0)
    desa = result.to_json()["desa"]
    assert (desa["column"], desa["matched"], desa["unmatched"]) == ("DESA/KEL", len(rows), {})
