"""Who is running a command: every command that changes accounts, takes personal data out or
changes recorded data names a supervisor account with ``--as USERNAME`` and gives its PIN (at a
masked prompt, or one line of stdin when stdin is not a terminal; a command that then reads a
new PIN or a code takes it from the next line).

``require_supervisor`` is the one place that enforces it: it authenticates (the lockout and audit
of ``accounts.authenticate`` apply), refuses a non-supervisor (audited), and returns the account;
the caller passes it on as ``by=`` so the change is audited with that username.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from counter.cli.common import CliError, read_pin

if TYPE_CHECKING:
    from counter.services.context import Context

Officer = Any  # the account accounts.authenticate returns (the CLI does not import the ORM)


def add_as_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help="supervisor account doing this (its PIN is asked)",
    )


def require_supervisor(ctx: Context, args: argparse.Namespace, action: str) -> Officer:
    """The authenticated, active supervisor named by ``--as``; refuses anything else."""
    from counter.services import accounts, audit

    t = ctx.msg
    username = getattr(args, "as_user", None)
    if not username:
        raise CliError(t("auth.as_required"), code=2)
    pin = read_pin(t("auth.pin_prompt", username=username))
    if not pin:  # end of input: not an attempt (a script without stdin must not burn the five)
        raise CliError(t("auth.pin_missing", username=username), code=2)
    who = accounts.authenticate(ctx, username, pin, purpose=action)
    if who.role != "supervisor" or not who.active:
        audit.log(ctx, "forbidden", who, target=action, role=who.role)
        raise CliError(t("auth.not_supervisor", username=username))
    return who
