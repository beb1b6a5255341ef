"""scripts/run.sh installs only when needed: missing install or a changed pyproject.toml."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp_path: Path) -> tuple[Path, Path]:
    proj = tmp_path / "proj"
    (proj / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "run.sh", proj / "scripts" / "run.sh")
    (proj / "pyproject.toml").write_text("[project]\nname='x'\n")
    bin_ = proj / ".venv" / "bin"
    bin_.mkdir(parents=True)
    log = tmp_path / "pip.log"
    # A stand-in interpreter: `-m pip` is logged (and "installs" the command), the rest is real.
    (bin_ / "python").write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo install >> "{log}";\n'
        f'  printf "#!/bin/sh\\necho ran \\"\\$@\\"\\n" > "{bin_}/ikd-counter";'
        f' chmod +x "{bin_}/ikd-counter"; exit 0; fi\n'
        f'exec "{sys.executable}" "$@"\n'
    )
    (bin_ / "python").chmod(0o755)
    return proj, log


def _run(proj: Path) -> str:
    out = subprocess.run(
        ["bash", str(proj / "scripts" / "run.sh"), "locate"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": "false"},
    )
    return out.stdout.strip()


def test_installs_once_then_only_when_pyproject_changes(tmp_path: Path) -> None:
    proj, log = _project(tmp_path)
    assert _run(proj) == "ran locate"
    assert _run(proj) == "ran locate"
    assert log.read_text().splitlines() == ["install"]  # the second start did not reinstall
    (proj / "pyproject.toml").write_text("[project]\nname='x'\nversion='2'\n")
    assert _run(proj) == "ran locate"
    assert log.read_text().splitlines() == ["install", "install"]
    (proj / ".venv" / "bin" / "ikd-counter").unlink()  # install gone: installed again
    _run(proj)
    assert log.read_text().splitlines() == ["install"] * 3
