"""End to end: the real ``ikd-counter`` in tmux: log in, start a visit, SIGKILL it, restart, resume.

Nothing is simulated: the process is the installed console script on a real SQLite file, the
keys go through a terminal (tmux), and the kill is SIGKILL in the middle of the activation steps.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter.config import load_settings
from counter.domain import nik as nikmod
from counter.domain.protocol import cached_protocol
from counter.i18n import catalog
from counter.services import accounts, visits
from counter.services.context import make_context

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

IKD = str(Path(sys.executable).parent / "ikd-counter")
NIK = "3325014507900002"
T = catalog("id")
TIMEOUT = 40.0  # seconds; generous: argon2 and start-up on a busy 2-core machine


class Tmux:
    def __init__(self, name: str) -> None:
        self.name = name

    def start(self, command: str) -> None:
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "100", "-y", "30", command],
            check=True,
        )

    def keys(self, *keys: str, literal: bool = False, pause: float = 0.25) -> None:
        for k in keys:
            args = ["tmux", "send-keys", "-t", self.name] + (["-l"] if literal else []) + [k]
            subprocess.run(args, check=True)
            time.sleep(pause)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def screen(self) -> str:
        r = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return r.stdout

    def wait_for(self, *texts: str, timeout: float = TIMEOUT) -> str:
        end = time.time() + timeout
        while True:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            if time.time() > end:
                raise AssertionError(f"{texts!r} not on screen after {timeout}s:\n{screen}")
            time.sleep(0.2)

    def app_pid(self) -> int:
        pane = subprocess.run(
            ["tmux", "list-panes", "-t", self.name, "-F", "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[0]
        kids = subprocess.run(["pgrep", "-P", pane], capture_output=True, text=True).stdout.split()
        assert kids, "ikd-counter is not running"
        return int(kids[0])

    def kill_session(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def tmux() -> Iterator[list[Tmux]]:
    made: list[Tmux] = []
    yield made
    for t in made:
        t.kill_session()


def _command(db: Path, config: Path) -> str:
    env = f"IKD_COUNTER_CONFIG={shlex.quote(str(config))} TERM=xterm-256color"
    return f"env {env} {shlex.quote(IKD)} --db {shlex.quote(str(db))}; echo EXIT=$?; sleep 120"


def _login(t: Tmux) -> None:
    t.wait_for(T.t("tui.login.heading"))
    t.type("siti")
    t.keys("Enter")
    t.type("135790")
    t.keys("Enter")


def test_kill_mid_visit_then_resume_and_finish(tmp_path: Path, tmux: list[Tmux]) -> None:
    db, config = tmp_path / "counter.db", tmp_path / "config.toml"
    settings = load_settings(config, env={}, overrides={"database.url": str(db)})
    ctx = make_context(settings)
    siti = accounts.create_officer(ctx, "siti", "135790", full_name="Siti Rahayu")
    steps = cached_protocol().steps
    title = [s.title.get("id") for s in steps]

    first = Tmux(f"ikd-e2e-{uuid.uuid4().hex[:8]}")
    tmux.append(first)
    first.start(_command(db, config))
    _login(first)
    # the counter screen: type a NIK, start the assisted activation, go through 3 steps
    first.wait_for("NIK")
    time.sleep(0.5)
    first.type(NIK)
    first.keys("Enter")
    first.wait_for("Kec. Wonotunggal")
    first.keys("Enter")  # start activation -> prerequisites
    first.keys("Enter")  # all present -> step 1
    first.wait_for(title[0])
    first.keys("Enter")
    first.wait_for(title[1])
    first.keys("Enter")
    first.wait_for(title[2])
    # the step change is already in the database before the kill
    deadline = time.time() + TIMEOUT
    while visits.unfinished(ctx, siti.id)[0].current_step != steps[2].id:
        assert time.time() < deadline
        time.sleep(0.2)

    os.kill(first.app_pid(), signal.SIGKILL)
    first.wait_for("EXIT=137")

    [open_visit] = visits.unfinished(ctx, siti.id)
    assert open_visit.nik == NIK and open_visit.current_step == steps[2].id
    before = visits.timeline(ctx, open_visit.id)
    assert before[0].kind == "start" and before[-1].step == steps[2].id
    # every step change was written at once: step 1 entered, steps 1 and 2 done
    assert steps[0].id in [e.step for e in before]
    assert [e.data.get("done") for e in before if e.kind == "step"][-2:] == [
        steps[0].id,
        steps[1].id,
    ]

    # restart: after login the unfinished visit is offered at the step it was on
    second = Tmux(f"ikd-e2e-{uuid.uuid4().hex[:8]}")
    tmux.append(second)
    second.start(_command(db, config))
    _login(second)
    second.wait_for(T.t("tui.resume.title"), nikmod.mask(NIK), title[2])
    second.keys("Enter")  # resume
    deadline = time.time() + TIMEOUT
    while T.t("tui.resume.title") in second.screen():  # the prompt closes, the step shows
        assert time.time() < deadline
        time.sleep(0.2)
    second.wait_for(title[2])
    for i in range(2, len(steps) - 1):
        second.wait_for(title[i])
        second.keys("Enter", pause=0.5)
    second.wait_for(title[-1])
    second.keys("Enter", pause=1.0)  # last step done -> outcome ACTIVATED
    second.keys("Enter")  # save
    deadline = time.time() + TIMEOUT
    while visits.get_visit(ctx, open_visit.id).ended_at is None:
        assert time.time() < deadline, second.screen()
        time.sleep(0.2)
    done = visits.get_visit(ctx, open_visit.id)
    assert done.outcome == "ACTIVATED" and done.officer_id == siti.id
    kinds = [e.kind for e in visits.timeline(ctx, done.id)]
    assert "resume" in kinds and kinds[-1] == "outcome"
    assert visits.unfinished(ctx) == []
    assert len(visits.history(ctx, NIK)) == 1  # resumed, not started again
    second.keys("C-q")
    second.wait_for("EXIT=0")
    ctx.db.dispose()


def test_demo_in_english_shows_accounts_and_logs_in(tmp_path: Path, tmux: list[Tmux]) -> None:
    """``ikd-counter --lang en demo``: a throwaway database, the demo accounts on the login."""
    en = catalog("en")
    t = Tmux(f"ikd-e2e-{uuid.uuid4().hex[:8]}")
    tmux.append(t)
    env = f"IKD_COUNTER_CONFIG={shlex.quote(str(tmp_path / 'config.toml'))} TMPDIR={tmp_path}"
    t.start(
        f"env {env} {shlex.quote(IKD)} --lang en demo --registry 300 --visits 20; "
        f"echo EXIT=$?; sleep 120"
    )
    screen = t.wait_for(
        en.t("tui.login.demo_title"),
        en.t("tui.login.heading"),
        "kasi",
        "246802",
        "siti",
        "135790",
        "budi",
        "135791",
        timeout=90,
    )
    assert en.t("tui.demo_banner")[:20] in screen
    demo_dirs = list(tmp_path.glob("ikd-counter-demo-*"))
    assert len(demo_dirs) == 1 and (demo_dirs[0] / "demo.db").exists()
    t.type("kasi")
    t.keys("Enter")
    t.type("246802")
    t.keys("Enter")
    # the supervisor lands in supervisor mode (its home screen, in English); at 100 columns
    # the panels are stacked, the per-officer table is further down (PageDown scrolls)
    t.wait_for(en.t("supervisor.summary.outcomes"), en.t("supervisor.summary.reasons"))
    t.keys("PageDown")
    t.wait_for(en.t("supervisor.summary.by_officer"))
    t.keys("C-q")
    t.wait_for("EXIT=0")
    assert not demo_dirs[0].exists()  # the throwaway database is gone
    assert not (tmp_path / "config.toml").exists()  # the real config is never written


def test_quit_mid_visit_asks_first_and_keeps_the_visit(tmp_path: Path, tmux: list[Tmux]) -> None:
    """Ctrl+Q (and F8) in the middle of a visit ask first; Escape stays; "y" leaves, the visit
    stays open in the database for the resume prompt."""
    db, config = tmp_path / "counter.db", tmp_path / "config.toml"
    settings = load_settings(config, env={}, overrides={"database.url": str(db)})
    ctx = make_context(settings)
    siti = accounts.create_officer(ctx, "siti", "135790", full_name="Siti Rahayu")
    title = T.t("counter_visit.leave.title")
    t = Tmux(f"ikd-e2e-{uuid.uuid4().hex[:8]}")
    tmux.append(t)
    t.start(_command(db, config))
    _login(t)
    t.wait_for("NIK")
    time.sleep(0.5)
    t.type(NIK)
    t.keys("Enter")
    t.wait_for("Kec. Wonotunggal")
    t.keys("Enter")  # start activation: the visit is open
    t.wait_for(T.t("counter.prereq.title"))
    for key in ("F8", "C-q"):
        t.keys(key)
        t.wait_for(title, nikmod.mask(NIK))
        t.keys("Escape")
        deadline = time.time() + TIMEOUT
        while title in t.screen():
            assert time.time() < deadline
            time.sleep(0.2)
        t.wait_for(T.t("counter.prereq.title"))
    t.keys("C-q")
    t.wait_for(title)
    t.keys("y")
    t.wait_for("EXIT=0")
    [v] = visits.unfinished(ctx, siti.id)
    assert v.nik == NIK and v.current_step == "prereq"
    ctx.db.dispose()
