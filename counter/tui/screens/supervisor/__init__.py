"""Supervisor mode: the day at a glance, daily log, visit detail, corrections, follow-up, close day.

One screen per module: :mod:`.home` (the day at a glance and the day's actions), :mod:`.daylog`,
:mod:`.detail` (the audited visit detail), :mod:`.followup`; the dialogs in :mod:`.modals` (text,
yes/no) and :mod:`.lifecycle` (correction, closing abandoned visits); what they share in
:mod:`.base`. Every screen is supervisor-only (``SUPERVISOR_ONLY``: the app's push/switch guard
refuses officers; each screen also checks again when it is composed). Database work runs in
worker threads and comes back through ``call_from_thread``; numbers come from the same services
the CLI uses (``services.report.summary`` for ``ikd-counter report``).

Import screens from their modules; the app's factory takes :class:`SupervisorHome` from here.
"""

from counter.tui.screens.supervisor.home import SupervisorHome

__all__ = ["SupervisorHome"]
