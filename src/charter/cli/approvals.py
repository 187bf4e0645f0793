"""`charter approvals`: tool calls the agent gate held until a person approves or denies them.

    charter approvals list [--all | --status S] [--operator NAME] [--json]   the queue (default: pending)
    charter approvals approve ID [--note TEXT]                              let the call run
    charter approvals deny ID [--note TEXT]                                 refuse it; the agent is told why

Pending calls are listed oldest first (the order to decide them in); ``--all`` and ``--status``
list newest first. Each decision is recorded with who made it (the OS user, "via cli") and
the note, which a denied agent is shown. Deciding a call someone already decided fails and
names who did. The database is ``--database URL``, else ``$CHARTER_DATABASE_URL``, else
``charter.db`` in the data directory.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from charter import paths
from charter.agents.approvals import STATUSES, Approval, ApprovalStore
from charter.cli.oversight import acting_user
from charter.errors import CharterError

_PROG = "charter approvals"


def add_parser(verbs: Any) -> None:
    """Register ``approvals`` and its actions (list, approve, deny) on the `charter` verb parsers."""
    p: argparse.ArgumentParser = verbs.add_parser(
        "approvals", help="tool calls waiting for a person: list, approve, deny",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--database", metavar="URL",
                          help="SQLAlchemy URL of Charter's database (default: $CHARTER_DATABASE_URL, else "
                               "charter.db in the data directory)")
    actions = p.add_subparsers(dest="approvals_action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, run: Callable[[ApprovalStore, argparse.Namespace], int]
               ) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text,
                                                          parents=[database])
        sub.set_defaults(run=_with_store(run))
        return sub

    listing = action("list", "list held tool calls (pending ones, oldest first, unless told otherwise)", _list)
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every status, newest first")
    which.add_argument("--status", choices=STATUSES, help="only this status (pending: oldest first; else newest)")
    listing.add_argument("--operator", metavar="NAME", help="only this operator's calls")
    listing.add_argument("--limit", type=int, default=100, metavar="N", help="at most N (default 100)")
    listing.add_argument("--json", action="store_true", help="a JSON array of the approvals, for scripts")
    for verb, help_text in (("approve", "approve a held call: it may run"),
                            ("deny", "deny a held call: it does not run, and the agent is told why")):
        decide = action(verb, help_text, _approve if verb == "approve" else _deny)
        decide.add_argument("id", metavar="ID", help="the approval's id (apr_...)")
        decide.add_argument("--note", metavar="TEXT", default="", help="why; kept with the decision")


def _with_store(run: Callable[[ApprovalStore, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def opened(args: argparse.Namespace) -> int:
        url = args.database or paths.database_url()  # resolved now, not at import: it may create the data dir
        try:
            with ApprovalStore(url) as store:
                return run(store, args)
        except CharterError as exc:  # AuditError or ApprovalError, each naming the problem
            print(f"{_PROG}: {exc}", file=sys.stderr)
            return 1
    return opened


def _list(store: ApprovalStore, args: argparse.Namespace) -> int:
    if args.limit < 0:
        print(f"{_PROG}: --limit must be 0 or more, got {args.limit}", file=sys.stderr)
        return 2
    status: str | None = None if args.all else (args.status or "pending")
    if status == "pending":
        found = store.pending(operator=args.operator, limit=args.limit)
    else:
        found = store.list(status=status, operator=args.operator, limit=args.limit)
    if args.json:
        # ASCII only: the text is the model's, and \u escapes keep control characters off the terminal.
        print(json.dumps([a.model_dump(mode="json") for a in found], indent=2))
        return 0
    if not found:
        whose = f" for operator {args.operator!r}" if args.operator else ""
        kind = f"{status} approvals" if status else "approvals"
        print(f"{_PROG}: no {kind}{whose} in {store.url}", file=sys.stderr)
        return 0
    print("\n\n".join(_block(a) for a in found))
    return 0


def _approve(store: ApprovalStore, args: argparse.Namespace) -> int:
    done = store.approve(args.id, acting_user(), args.note)
    print(f"approved {done.id}: the call to {_shown(done.tool)} (operator {_shown(done.operator)}) may run now.")
    return 0


def _deny(store: ApprovalStore, args: argparse.Namespace) -> int:
    done = store.deny(args.id, acting_user(), args.note)
    told = f"; the agent is told: {_shown(done.note)}" if done.note else ""
    print(f"denied {done.id}: the call to {_shown(done.tool)} (operator {_shown(done.operator)}) will not run{told}.")
    return 0


def _block(a: Approval) -> str:
    """One approval as a few lines a person can decide from; the arguments are shown whole."""
    lines = [f"{a.id}  {a.created_at:%Y-%m-%d %H:%M:%S} UTC  operator {_shown(a.operator)}  "
             f"tool {_shown(a.tool)}  {a.status}",
             f"  arguments: {_shown(json.dumps(a.arguments, ensure_ascii=False))}"]
    lines += [f"  why: {_shown(reason)}" for reason in a.reasons]
    if a.decided:
        when = f" at {a.decided_at:%Y-%m-%d %H:%M:%S} UTC" if a.decided_at else ""
        lines.append(f"  {a.status} by {_shown(a.decided_by or '?')}{when}" + (f": {_shown(a.note)}" if a.note else ""))
    return "\n".join(lines)


def _shown(text: str) -> str:
    # Tool names, arguments and reasons come from a model and its inputs: never let them send
    # escape sequences to the terminal of the person deciding.
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                   for c in text)
