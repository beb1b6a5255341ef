"""A plain ``pip install`` of the built wheel carries every runtime file.

The wheel is built from this checkout (offline: ``--no-build-isolation`` with the test venv's
setuptools), installed without dependencies into a fresh venv that does not see this checkout,
and that venv's Python reads every packaged file (catalogs, protocol, region table, fonts, the
stylesheet, the migrations) and runs ``ikd-counter --help``. Its dependencies come from the test
venv's site-packages through PYTHONPATH (no network); the editable install there is not active
on PYTHONPATH (it needs its .pth file), so ``counter`` can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ("assets", "store/migrations", "tui")  # folders of counter/ that hold data files
SUFFIXES = {".py", ".toml", ".tsv", ".tcss", ".mako", ".ttf", ".txt", ".md", ".csv", ".json"}

READ_ALL = """
import json, pathlib, counter
root = pathlib.Path(counter.__file__).parent
files = {}
for folder in %r:
    for p in sorted((root / folder).rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            files[p.relative_to(root).as_posix()] = len(p.read_bytes())
from counter.i18n import catalog
files["#messages"] = {lang: len(catalog(lang).messages) for lang in ("id", "en")}
print(json.dumps({"root": str(root), "files": files}))
"""


def _source_files() -> dict[str, int]:
    out = {}
    for folder in PACKAGED:
        for p in sorted((ROOT / "counter" / folder).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix in SUFFIXES:
                out[p.relative_to(ROOT / "counter").as_posix()] = p.stat().st_size
    return out


def _run(*cmd: str | Path, **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_the_wheel_installs_and_reads_every_packaged_file(tmp_path: Path) -> None:
    offline = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": ""}
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        ROOT,
        "--no-deps",
        "--no-build-isolation",
        "-w",
        tmp_path / "dist",
        env=offline,
    )
    (wheel,) = (tmp_path / "dist").glob("ikd_counter-*.whl")

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    py = venv / "bin" / "python"
    _run(py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, env=offline)

    deps = sysconfig.get_paths()["purelib"]  # the test venv: textual, sqlmodel, ...
    env = {k: v for k, v in offline.items() if not k.startswith("IKD_")}
    env.update(PYTHONPATH=deps, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    seen = json.loads(_run(py, "-c", READ_ALL % (PACKAGED,), cwd=tmp_path, env=env).stdout)

    assert Path(seen["root"]).is_relative_to(venv), seen["root"]  # not this checkout
    installed = seen["files"]
    missing = {f for f in _source_files() if f not in installed}
    assert not missing, f"not in the wheel: {sorted(missing)}"
    assert {f: installed[f] for f in _source_files()} == _source_files()  # whole files
    assert installed["#messages"]["id"] == installed["#messages"]["en"] > 500

    helped = _run(venv / "bin" / "ikd-counter", "--help", cwd=tmp_path, env=env)
    assert "ikd-counter" in helped.stdout and "registry" in helped.stdout
