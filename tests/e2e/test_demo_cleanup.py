"""``ikd-counter demo`` removes its throwaway folder (demo database) when the terminal closes."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.test_tui_shell_e2e import IKD, T, Tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _demo_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("ikd-counter-demo-*"))


@pytest.mark.parametrize("how", ["close-terminal", "term"])
def test_demo_folder_removed_when_the_terminal_closes(tmp_path: Path, how: str) -> None:
    t = Tmux(f"ikd-demo-{uuid.uuid4().hex[:8]}")
    env = f"TMPDIR={shlex.quote(str(tmp_path))} TERM=xterm-256color"
    t.start(f"env {env} {shlex.quote(IKD)} demo --registry 50 --visits 5 --days 1")
    try:
        t.wait_for(T.t("tui.login.heading"))
        folders = _demo_folders(tmp_path)
        assert len(folders) == 1 and (folders[0] / "demo.db").exists()
        # `env` execs the command: the pane's process is ikd-counter itself
        pid = int(
            subprocess.run(
                ["tmux", "list-panes", "-t", t.name, "-F", "#{pane_pid}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[0]
        )
        if how == "close-terminal":
            t.kill_session()  # tmux sends SIGHUP to the pane's processes
        else:
            os.kill(pid, 15)
        end = time.time() + 20
        while _demo_folders(tmp_path) and time.time() < end:
            time.sleep(0.2)
        assert _demo_folders(tmp_path) == []
    finally:
        t.kill_session()
