"""``bundle key export|import|show`` end to end: a supervisor's PIN, a 0600 key file naming the
office, refusal of another office's key and of a different key without --replace; then a bundle
goes from the laptop to the office with no other set-up."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from counter.cli import main
from counter.services import accounts

from ._bundle_fixtures import fill_laptop, make


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "pin_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


def _run(
    capsys: Any, monkeypatch: Any, db: Path, *args: str, pin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
    empty = db.parent / "none.toml"  # an empty config: this machine's own is not read
    empty.touch()
    code = main(["--db", str(db), "--config", str(empty), "--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_key_export_import_then_a_bundle_goes_through(tmp_path, clock, capsys, monkeypatch) -> None:
    office_db, laptop_db = tmp_path / "office.db", tmp_path / "laptop.db"
    for name in ("office", "laptop"):
        c = make(tmp_path, name, clock)
        accounts.create_officer(c, "kasi", "246802", role="supervisor")
        accounts.create_officer(c, "siti2", "135790")
        if name == "laptop":
            fill_laptop(c, clock)
        c.db.dispose()
    keyfile = tmp_path / "office.ikdkey"
    # only a supervisor, with the PIN
    code, _, err = _run(
        capsys,
        monkeypatch,
        office_db,
        "bundle",
        "key",
        "export",
        "-o",
        str(keyfile),
        "--as",
        "siti2",
        pin="135790",
    )
    assert code != 0 and "supervisor" in err and not keyfile.exists()
    code, out, _ = _run(
        capsys,
        monkeypatch,
        office_db,
        "bundle",
        "key",
        "export",
        "-o",
        str(keyfile),
        "--as",
        "kasi",
        "--json",
        pin="246802",
    )
    assert code == 0
    fp = json.loads(out)["fingerprint"]
    assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
    assert "office 3325" in keyfile.read_text()
    # the laptop: no key yet, so its bundle cannot be made
    code, _, err = _run(
        capsys,
        monkeypatch,
        laptop_db,
        "bundle",
        "export",
        "-o",
        str(tmp_path / "b.ikdb"),
        "--as",
        "kasi",
        pin="246802",
    )
    assert code != 0 and "bundle key" in err and "Traceback" not in err
    # another office's key file is refused
    other = tmp_path / "other.ikdkey"
    other.write_text(keyfile.read_text().replace("office 3325", "office 3326"))
    code, _, err = _run(
        capsys,
        monkeypatch,
        laptop_db,
        "bundle",
        "key",
        "import",
        str(other),
        "--as",
        "kasi",
        pin="246802",
    )
    assert code != 0 and "3326" in err and "3325" in err
    code, out, _ = _run(
        capsys,
        monkeypatch,
        laptop_db,
        "bundle",
        "key",
        "import",
        str(keyfile),
        "--as",
        "kasi",
        pin="246802",
    )
    assert code == 0 and fp in out
    code, out, _ = _run(capsys, monkeypatch, laptop_db, "bundle", "key", "show")
    assert code == 0 and fp in out
    # a different key is not replaced silently
    c = make(tmp_path, "laptop", clock)
    from counter.services import bundle_key

    with pytest.raises(bundle_key.BundleKeyError) as e:
        bundle_key.install(c, b"\x02" * 32)
    assert e.value.code == "exists" and fp in e.value.message("en")
    c.db.dispose()
    # and now the bundle travels
    bundle = tmp_path / "b.ikdb"
    code, _, err = _run(
        capsys,
        monkeypatch,
        laptop_db,
        "bundle",
        "export",
        "-o",
        str(bundle),
        "--as",
        "kasi",
        pin="246802",
    )
    assert code == 0, err
    code, out, err = _run(
        capsys,
        monkeypatch,
        office_db,
        "bundle",
        "import",
        str(bundle),
        "--json",
        "--as",
        "kasi",
        pin="246802",
    )
    assert code == 0, err
    assert json.loads(out)["new_visits"] == 5
