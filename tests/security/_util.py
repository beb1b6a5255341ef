"""Helpers of the security tests: real `ikd-counter` processes in an isolated home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = "246802"


def env_for(tmp: Path, **extra: str) -> dict[str, str]:
    """Environment with HOME/XDG folders inside ``tmp`` (no real config or data is touched)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("IKD_COUNTER_")}
    e.update(
        HOME=str(tmp / "home"),
        XDG_DATA_HOME=str(tmp / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp / "xdg-config"),
        PYTHONPATH=str(ROOT),
    )
    e.update(extra)
    return e


def run(
    tmp: Path, *args: str, stdin: str = "", umask: int | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(
        [sys.executable, "-m", "counter", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env_for(tmp, **extra),
        cwd=ROOT,
        preexec_fn=preexec,
        timeout=120,
        check=False,
    )


def assert_clean_failure(r: subprocess.CompletedProcess[str], *words: str) -> None:
    """Non-zero exit, one clear message on stderr, never a traceback."""
    assert r.returncode != 0, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr
    assert r.stderr.startswith("ikd-counter: "), r.stderr
    for w in words:
        assert w in r.stderr, r.stderr


def init_db(tmp: Path, db: Path, username: str = "kasi") -> None:
    r = run(tmp, "--db", str(db), "init", "--username", username, stdin=f"{PIN}\n{PIN}\n")
    assert r.returncode == 0, r.stderr


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
