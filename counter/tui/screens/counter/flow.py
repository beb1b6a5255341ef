"""The counter's visit flow as a plain object: which phase is shown, the visit being served, and
every write it makes through ``services.visits``. No Textual here: the screen renders this state
and the tests drive it directly.

Every write comes first and the state moves only when it was committed, so a crash loses at most
the keystroke in flight. A refused write is handed to ``report`` (the screen shows it) and the
method returns False with nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from counter.domain import nik as nikmod
from counter.domain import outcomes as oc
from counter.domain import visit as vm
from counter.domain.protocol import Protocol, Step

if TYPE_CHECKING:
    from counter.services.context import Context
    from counter.services.lookup import LookupResult
    from counter.services.visits import OpenVisit

Visit = Any  # rows of services.visits / services.accounts: the tui never imports the ORM
Officer = Any

# The phases (views) of the counter; status/prereq/outcome are also the domain's step names and
# "step" is the domain's resume phase for a protocol step.
NIK, STATUS, PREREQ, STEP, OUTCOME = "nik", vm.STATUS_STEP, vm.PREREQ_STEP, "step", vm.OUTCOME_STEP
PHASES = (NIK, STATUS, PREREQ, STEP, OUTCOME)
STATUS_STEP, PREREQ_STEP, OUTCOME_STEP = vm.STATUS_STEP, vm.PREREQ_STEP, vm.OUTCOME_STEP
# An e-KTP is recorded from 17 (or on marriage): a younger NIK is warned, never blocked.
KTP_AGE = 17
# The prerequisite a resident under KTP_AGE (and not married) lacks.
KTP_PREREQ = "ektp"


def phone_ok(phone: str) -> bool:
    digits = "".join(c for c in phone if c.isdigit())
    return 8 <= len(digits) <= 15


@dataclass(frozen=True)
class Details:
    """What the resident tells besides the NIK (all optional; the phone only with consent)."""

    name: str | None = None
    phone: str | None = None
    consent: bool = False
    purpose: str | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phone": self.phone if self.consent else None,
            "consent": self.consent,
            "purpose": self.purpose,
        }


@dataclass(frozen=True)
class Contact:
    """The resident's consent to be contacted and phone, given on the outcome view."""

    consent: bool
    phone: str | None


def _digits(phone: str | None) -> str:
    return "".join(c for c in phone or "" if c.isdigit() or c == "+")


@dataclass(frozen=True)
class Saved:
    """A visit that was just saved (for the screen's notice and the slip)."""

    visit_id: str
    nik: str
    outcome: str


def _report_nothing(error: Exception) -> None:
    raise error


class CounterFlow:
    """One counter's visit from the NIK to a saved outcome."""

    def __init__(
        self,
        ctx: Context,
        officer: Officer,
        protocol: Protocol,
        *,
        install_qr: str = "",
        activation_qr: str = "",
        report: Callable[[Exception], None] = _report_nothing,
    ) -> None:
        self.ctx, self.officer, self.proto = ctx, officer, protocol
        self.install_qr, self.activation_qr = install_qr, activation_qr
        self.report = report
        self.reset()

    def reset(self) -> None:
        """Nothing in progress: ready for the next visitor."""
        self.phase = NIK
        self.visit_id: str | None = None
        self.info: nikmod.NikInfo | None = None
        self.found: LookupResult | None = None
        self.details = Details()
        self.missing: set[str] = set()
        self.prereq_cursor = 0
        self.step_index = 0
        self.problem: str | None = None
        self.outcome: str | None = None
        self.reason: str | None = None
        self.back_to: tuple[str, int] = (STEP, 0)
        self.visit_started: datetime | None = None
        self.step_started: datetime | None = None
        self.qr_entered = ""
        self.open_visit: OpenVisit | None = None  # this NIK's visit still open today
        self.day_closed = False

    # -- writes ------------------------------------------------------------------------------
    def _write(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run one services write; False after reporting the error (nothing was recorded)."""
        try:
            return fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - VisitError, DatabaseBusy, StorageError, ...
            self.report(e)
            return False

    def _event(self, payload: vm.Payload, step: str | None) -> bool:
        """Append one typed event (the domain's state machine checks it) and commit it."""
        from counter.services import visits

        assert self.visit_id is not None
        return (
            self._write(
                visits.append_event,
                self.ctx,
                self.visit_id,
                vm.Event(payload, step),
                self.officer.id,
            )
            is not False
        )

    # -- facts the screen shows ----------------------------------------------------------------
    @property
    def registry_active(self) -> bool:
        return bool(self.found and self.found.ikd_status == oc.ACTIVE)

    @property
    def step(self) -> Step:
        return self.proto.steps[self.step_index]

    def qr_payload(self, kind: str) -> str:
        if kind == "install":
            return self.install_qr
        return self.activation_qr or self.qr_entered

    def step_seconds(self) -> int:
        return int((self.ctx.now() - self.step_started).total_seconds()) if self.step_started else 0

    def visit_seconds(self) -> int:
        return (
            int((self.ctx.now() - self.visit_started).total_seconds()) if self.visit_started else 0
        )

    @property
    def under_age(self) -> bool:
        """The NIK says younger than 17: eligible only if married (the officer asks)."""
        return self.info is not None and self.info.age(self.ctx.today()) < KTP_AGE

    @property
    def _ktp_prereq_known(self) -> bool:
        return any(p.id == KTP_PREREQ for p in self.proto.prerequisites)

    def first_missing(self) -> str | None:
        return next((p.id for p in self.proto.prerequisites if p.id in self.missing), None)

    # -- which keys apply ----------------------------------------------------------------------
    def allows(self, action: str) -> bool:
        phase = self.phase
        on_step = phase == STEP and self.problem is None
        match action:
            case "check_nik":
                return phase == NIK
            # Enter does what the registry suggests; "a" / "s" do the other thing (the resident
            # shows an active app the extract does not know, or needs a new activation).
            case "primary_already":
                return phase == STATUS and self.registry_active
            case "primary_start" | "record_already":
                return phase == STATUS and not self.registry_active
            case "start_activation":
                return phase == STATUS and self.registry_active
            case "declined":
                return phase == STATUS
            case "not_eligible_age":
                return phase == STATUS and self.under_age and self._ktp_prereq_known
            case "edit_nik":
                # Once the visit is recorded its NIK is fixed: end it with an outcome instead.
                return phase == STATUS and self.visit_id is None
            case "prereq_next" | "prereq_toggle" | "prereq_move" | "prereq_back":
                return phase == PREREQ
            case "step_done" | "problem" | "step_back":
                return on_step
            case "enlarge_qr":
                return on_step and self.step.qr is not None and bool(self.qr_payload(self.step.qr))
            case "paste_qr":
                return on_step and self.step.qr == "activation" and not self.activation_qr
            case "retry" | "continue_step" | "end_with":
                return phase == STEP and self.problem is not None
            case "save" | "save_print" | "outcome_back":
                return phase == OUTCOME
            case "void":
                return self.visit_id is not None and phase != NIK
        return True

    # -- NIK -----------------------------------------------------------------------------------
    def check(self, info: nikmod.NikInfo, details: Details) -> bool:
        """The NIK was checked: look it up and show its status (nothing is recorded yet)."""
        from counter.services import lookup, visits

        found = self._write(lookup.lookup, self.ctx, info.nik)
        if found is False:
            return False
        open_visit = self._write(visits.open_visit_for_nik, self.ctx, info.nik)
        closed = self._write(lambda: [visits.is_day_closed(self.ctx, self.ctx.today())])
        if open_visit is False or closed is False:
            return False
        self.info, self.found, self.details = info, found, details
        self.open_visit, self.day_closed = open_visit, closed[0]
        self.phase = STATUS
        return True

    # -- status --------------------------------------------------------------------------------
    def _ensure_visit(self, step: str) -> bool:
        """Start the visit (first decision on the status view) or move the open one to ``step``."""
        from counter.services import visits

        if self.visit_id is not None:
            return self._event(vm.StatusSeen(), step)
        assert self.info is not None
        try:
            v = visits.start_visit(
                self.ctx, self.officer, self.info.nik, step=step, **self.details.as_kwargs()
            )
        except visits.AlreadyOpen as e:  # typed again meanwhile elsewhere: offer that visit
            self.open_visit = e.visit
            return False
        except Exception as e:  # noqa: BLE001 - DayClosed, DatabaseBusy, ...: shown
            self.report(e)
            return False
        self.visit_id = v.id
        self.visit_started = self.ctx.now()
        return True

    def record_already(self) -> Saved | None:
        if self._ensure_visit(STATUS_STEP):
            return self.finish(oc.ALREADY_ACTIVE, None, None)
        return None

    def start_activation(self) -> bool:
        if not self._ensure_visit(PREREQ_STEP):
            return False
        self.missing, self.prereq_cursor = set(), 0
        self.phase = PREREQ
        return True

    def declined(self) -> bool:
        return self._ensure_visit(OUTCOME_STEP) and self.choose_outcome(
            oc.DECLINED, None, back=(STATUS, 0)
        )

    def not_eligible_age(self) -> bool:
        """Under 17 and not married: NOT_ELIGIBLE for the missing e-KTP, one key away."""
        if not self.allows("not_eligible_age"):
            return False
        return self._ensure_visit(OUTCOME_STEP) and self.choose_outcome(
            oc.NOT_ELIGIBLE, KTP_PREREQ, back=(STATUS, 0)
        )

    def edit_nik(self) -> bool:
        if self.visit_id is not None:
            return False
        self.phase = NIK
        return True

    # -- prerequisites -------------------------------------------------------------------------
    def prereq_move(self, delta: int) -> None:
        self.prereq_cursor = (self.prereq_cursor + delta) % len(self.proto.prerequisites)

    def prereq_toggle(self, index: int | None = None) -> None:
        prereqs = self.proto.prerequisites
        index = self.prereq_cursor if index is None else index
        if 0 <= index < len(prereqs):
            self.prereq_cursor = index
            self.missing ^= {prereqs[index].id}

    def prereq_next(self) -> bool:
        first = self.first_missing()
        if first:
            missing = [p.id for p in self.proto.prerequisites if p.id in self.missing]
            return self._event(vm.Prereq(tuple(missing)), OUTCOME_STEP) and self.choose_outcome(
                oc.NOT_ELIGIBLE, first, back=(PREREQ, 0), record=False
            )
        if not self._event(vm.Prereq(()), self.proto.steps[0].id):
            return False
        self.enter_step(0)
        return True

    def prereq_back(self) -> bool:
        if not self._event(vm.Back(), STATUS_STEP):
            return False
        self.phase = STATUS
        return True

    # -- steps ---------------------------------------------------------------------------------
    def enter_step(self, index: int, started: datetime | None = None) -> None:
        self.step_index, self.problem, self.qr_entered = index, None, ""
        self.step_started = started or self.ctx.now()
        self.phase = STEP

    def step_done(self, after_problem: str | None = None) -> bool:
        step = self.step
        last = self.step_index + 1 >= len(self.proto.steps)
        nxt = OUTCOME_STEP if last else self.proto.steps[self.step_index + 1].id
        done = vm.StepDone(step.id, self.step_seconds(), after_problem)
        if not self._event(done, nxt):
            return False
        if last:
            return self.choose_outcome(
                oc.ACTIVATED, None, back=(STEP, self.step_index), record=False
            )
        self.enter_step(self.step_index + 1)
        return True

    def step_back(self) -> bool:
        if self.step_index == 0:
            if not self._event(vm.Back(), PREREQ_STEP):
                return False
            self.phase = PREREQ
            return True
        if not self._event(vm.Back(), self.proto.steps[self.step_index - 1].id):
            return False
        self.enter_step(self.step_index - 1)
        return True

    def choose_problem(self, problem_id: str) -> bool:
        if not self._event(vm.ProblemMet(problem_id), self.step.id):
            return False
        self.problem = problem_id
        return True

    def retry(self) -> bool:
        if not self._event(vm.Retry(self.problem), self.step.id):
            return False
        self.problem = None
        self.step_started = self.ctx.now()
        return True

    def continue_step(self) -> bool:
        problem, self.problem = self.problem, None
        if self.step_done(after_problem=problem):
            return True
        self.problem = problem
        return False

    def end_with(self, outcome: str) -> bool:
        if self.problem is None:
            return False
        return self.choose_outcome(outcome, self.problem, back=(STEP, self.step_index))

    def qr_submitted(self, payload: str) -> None:
        self.qr_entered = payload.strip()
        if self.qr_entered:
            self._event(vm.QrShown("activation", "entered"), self.step.id)

    # -- outcome -------------------------------------------------------------------------------
    def choose_outcome(
        self, outcome: str, reason: str | None, back: tuple[str, int], record: bool = True
    ) -> bool:
        if record and not self._event(vm.ChooseOutcome(outcome, reason), OUTCOME_STEP):
            return False
        self.outcome, self.reason, self.back_to = outcome, reason, back
        self.phase = OUTCOME
        return True

    def outcome_back(self) -> bool:
        phase, index = self.back_to
        step = {STATUS: STATUS_STEP, PREREQ: PREREQ_STEP}.get(phase) or (self.proto.steps[index].id)
        if not self._event(vm.Back(self.outcome), step):
            return False
        self.outcome = self.reason = None
        if phase == STEP:
            self.enter_step(index)
        else:
            self.phase = phase
        return True

    def save(self, note: str | None, contact: Contact | None = None) -> Saved | None:
        """Save the chosen outcome; ``contact`` (for a follow-up) is recorded first."""
        assert self.outcome is not None
        if contact is not None and not self._record_contact(contact):
            return None
        return self.finish(self.outcome, self.reason, note)

    def _record_contact(self, contact: Contact) -> bool:
        from counter.services import visits

        d = self.details
        phone = contact.phone if contact.consent else None
        if (contact.consent, _digits(phone)) == (d.consent, _digits(d.phone)):
            return True
        if (
            self._write(
                visits.update_details,
                self.ctx,
                self.visit_id,
                name=d.name,
                phone=phone,
                consent=contact.consent,
                purpose=d.purpose,
                officer_id=self.officer.id,
            )
            is False
        ):
            return False
        self.details = Details(d.name, phone, contact.consent, d.purpose)
        return True

    def finish(self, outcome: str, reason: str | None, note: str | None) -> Saved | None:
        from counter.services import visits

        assert self.visit_id is not None and self.info is not None
        if (
            self._write(
                visits.finish_visit, self.ctx, self.visit_id, outcome, reason, note, self.officer.id
            )
            is False
        ):
            return None
        saved = Saved(self.visit_id, self.info.nik, outcome)
        self.reset()
        return saved

    # -- resume ------------------------------------------------------------------------------
    def resume(self, visit: Visit) -> bool | None:
        """Carry on an unfinished visit where the domain says it continues (its events decide:
        :func:`counter.domain.visit.resume_point`). True: resumed; None: resumed at the
        prerequisites because its step is no longer in the protocol; False: refused."""
        from counter.services import lookup, visits

        self.reset()
        found = self._write(lookup.lookup, self.ctx, visit.nik)
        rows: Any = (
            self._write(visits.timeline, self.ctx, visit.id) if found is not False else False
        )
        if found is False or rows is False:
            return False
        try:
            point = vm.resume_point([r.event for r in rows], self.proto)
        except vm.Refusal as r:
            self.report(visits.VisitRefused(r.code, **{k: str(v) for k, v in r.detail.items()}))
            return False
        self.visit_id, self.visit_started, self.found = visit.id, visit.started_at, found
        self.info, _err = nikmod.check(visit.nik, self.ctx.today())
        self.details = Details(visit.name, visit.phone, bool(visit.consent_contact), visit.purpose)
        was = visit.current_step
        if not self._event(vm.Resume(was), point.step if point.known else was):
            self.reset()
            return False
        self._go_to(point)
        return True if point.known else None

    def _go_to(self, point: vm.ResumePoint) -> None:
        if point.phase == OUTCOME and point.outcome:
            self.missing = set(point.missing)
            self.choose_outcome(point.outcome, point.reason, point.back, record=False)
        elif point.phase == STEP:
            self.enter_step(point.step_index, started=point.since)
        else:
            self.phase = point.phase if point.known else PREREQ

    def resume_by_id(self, visit_id: str) -> bool | None:
        """Resume the visit this NIK still has open (typed again: never a second one)."""
        from counter.services import visits

        row = self._write(visits.get_visit, self.ctx, visit_id)
        if not row:
            return False
        return self.resume(row)

    # -- ending another way --------------------------------------------------------------------
    def close_open(self, visit_id: str) -> str | None:
        """A supervisor closes the visit this NIK left open (PENDING, interrupted): the outcome
        code, or None when refused. The resident can then start a new visit."""
        from counter.services import visits

        v = self._write(visits.close_abandoned, self.ctx, self.officer, visit_id)
        if v is False:
            return None
        self.open_visit = None
        return str(v.outcome)

    def void(self, visit_id: str, reason: str) -> bool:
        """Void a mistaken visit with its reason (the service decides who may). When it is the
        visit being served, the counter is ready for the next visitor."""
        from counter.services import visits

        if self._write(visits.void_visit, self.ctx, self.officer, visit_id, reason) is False:
            return False
        if visit_id == self.visit_id:
            self.reset()
        elif self.open_visit is not None and self.open_visit.visit_id == visit_id:
            self.open_visit = None
        return True
