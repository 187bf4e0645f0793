"""`charter pause`, `charter resume`, `charter stop`: human oversight of the assistant.

    charter pause [--operator NAME] [--reason TEXT]    refuse new turns until resumed
    charter stop  [--operator NAME] [--reason TEXT]    refuse new turns and end running streams
    charter resume [--operator NAME] [--reason TEXT]   lift a pause or stop

Without ``--operator`` the switch is the global one: it applies to every operator, and
resuming it leaves operators paused or stopped on their own as they are. An operator's
effective state is the stricter of the global switch and its own. Every change is kept in the
oversight history with who made it (the OS user, "via cli") and why. Gateways that share the
database apply a change within about a second. The database is ``--database URL``, else
``$CHARTER_DATABASE_URL``, else ``charter.db`` in the data directory.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from charter import paths
from charter.errors import CharterError
from charter.oversight import EVERY_OPERATOR, Control, ControlStore, effective

_VERBS = {
    "pause": "pause the assistant: new turns are refused until `charter resume`",
    "stop": "stop the assistant: new turns are refused and running streams end",
    "resume": "resume the assistant after a pause or stop",
}


def add_parser(verbs: Any) -> None:
    """Register the ``pause``, ``resume`` and ``stop`` verbs."""
    for verb, help_text in _VERBS.items():
        p: argparse.ArgumentParser = verbs.add_parser(
            verb, help=help_text, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--operator", metavar="NAME",
                       help="only this operator (default: every operator, through the global switch)")
        p.add_argument("--reason", metavar="TEXT", default="", help="why; shown to callers and kept in the history")
        p.add_argument("--database", metavar="URL",
                       help="SQLAlchemy URL of Charter's database (default: $CHARTER_DATABASE_URL, else "
                            "charter.db in the data directory)")
        p.set_defaults(run=run, oversight_verb=verb)


def run(args: argparse.Namespace) -> int:
    """Apply ``args.oversight_verb`` and say what now holds; 1 on a store error."""
    verb: str = args.oversight_verb
    url = args.database or paths.database_url()  # resolved now, not at import: it may create the data dir
    try:
        with ControlStore(url) as store:
            if verb == "pause":
                store.pause(args.operator, args.reason, acting_user())
            elif verb == "stop":
                store.stop(args.operator, args.reason, acting_user())
            else:
                store.resume(args.operator, acting_user(), reason=args.reason)
            switches = store.snapshot()
    except CharterError as exc:  # AuditError or OperatorError, each naming the problem
        print(f"charter {verb}: {exc}", file=sys.stderr)
        return 1
    print(_report(verb, args.operator, args.reason, switches))
    return 0


def acting_user() -> str:
    """Who a CLI change is recorded as: the OS user, "via cli"."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers): still record the change
        user = "unknown user"
    return f"{user} via cli"


_DONE = {"pause": "paused", "stop": "stopped", "resume": "resumed"}


def _report(verb: str, operator: str | None, reason: str, switches: dict[str, Control]) -> str:
    done = _DONE[verb]
    why = f"; reason: {reason}" if reason else ""
    if operator is None:
        lines = [f"{done} every operator (the global switch){why}."]
        own = {scope: c for scope, c in sorted(switches.items()) if scope != EVERY_OPERATOR and not c.active}
        if verb == "resume" and own:
            lines.append("still paused or stopped on their own (resume each with --operator): "
                         + ", ".join(f"{scope} ({c.state})" for scope, c in own.items()))
    else:
        lines = [f"{done} operator {operator!r}{why}."]
        governing = effective(switches, operator)
        if verb == "resume" and not governing.active:
            lines.append(f"{operator!r} stays {governing.state} by the global switch until `charter resume`"
                         + (f" (reason: {governing.reason})" if governing.reason else "") + ".")
        elif verb == "pause" and governing.state == "stopped":
            lines.append(f"{operator!r} stays stopped by the global switch.")
    lines.append("Gateways sharing this database apply it within about a second.")
    return "\n".join(lines)
