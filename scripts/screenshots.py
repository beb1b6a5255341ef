"""Render the README's screenshots (assets/screenshots/*.png) from the snapshot tests' SVGs.

The SVGs are the snapshot matrix's (tests/tui/test_screen_snapshots.py, refreshed with
``pytest tests/tui/test_screen_snapshots.py --snapshot-update``); this script only converts the
chosen ones with cairosvg (in the test extra):

    .venv/bin/python scripts/screenshots.py            # all of SHOTS
    .venv/bin/python scripts/screenshots.py --check    # exit 1 when a chosen SVG is missing
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "tui" / "__snapshots__" / "test_screen_snapshots"
OUT = ROOT / "assets" / "screenshots"

# PNG name -> snapshot (stop, size, language) as the snapshot test names it
SHOTS = {
    "counter-nik-id": "counter_nik-100x30-id",
    "counter-status-id": "counter_status-100x30-id",
    "counter-install-qr-id": "counter_step_install-100x30-id",
    "counter-outcome-id": "counter_outcome-100x30-id",
    "supervisor-home-id": "sup_home_extract-100x30-id",
    "supervisor-log-id": "sup_log-100x30-id",
    "coverage-id": "sup_coverage_extract-100x30-id",
    "login-en": "login-100x30-en",
    "counter-nik-en": "counter_nik-100x30-en",
}


def svg_path(snapshot: str) -> Path:
    return SNAPSHOTS / f"test_screen[{snapshot}].svg"


def render(svg: Path, png: Path, scale: float = 1.0) -> None:
    import cairosvg

    png.parent.mkdir(parents=True, exist_ok=True)
    cairosvg.svg2png(url=str(svg), write_to=str(png), scale=scale)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that every SVG exists")
    ap.add_argument("--scale", type=float, default=1.0, help="PNG scale (default 1)")
    args = ap.parse_args(argv)
    missing = [s for s in SHOTS.values() if not svg_path(s).is_file()]
    if missing:
        sys.stderr.write("missing snapshot SVGs: " + ", ".join(missing) + "\n")
        return 1
    if args.check:
        return 0
    for name, snapshot in SHOTS.items():
        target = OUT / f"{name}.png"
        render(svg_path(snapshot), target, args.scale)
        sys.stdout.write(f"{target.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
