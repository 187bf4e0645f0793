"""`charter operators`: the operators that call the gateway, their API keys and policies.

    charter operators add NAME [--policy FILE]    add one; prints its API key once
    charter operators list                        name, policy, last change, oversight state
    charter operators remove NAME                 its key stops working; its turns stay recorded
    charter operators rotate-key NAME             a new key; the old one stops working at once
    charter operators set-policy NAME FILE        replace its policy (validated first)
    charter operators set-policy NAME --clear     remove its policy
    charter operators admin-key add LABEL         a key for the gateway's oversight endpoints
    charter operators admin-key list | revoke LABEL

A new key goes to standard output alone (so ``KEY=$(charter operators add acme)`` works) and
a note to standard error. The database is ``--database URL``, else ``$CHARTER_DATABASE_URL``,
else ``charter.db`` in the data directory. Running gateways pick up every change without a
restart.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from charter import paths
from charter.errors import CharterError
from charter.operators import OperatorStore
from charter.oversight import ControlStore, effective
from charter.policy import Policy

_PROG = "charter operators"


def add_parser(verbs: Any) -> None:
    """Register ``operators`` and its actions on the `charter` verb parsers."""
    p: argparse.ArgumentParser = verbs.add_parser(
        "operators", help="add operators (API keys and policies) for the gateway; admin keys",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--database", metavar="URL",
                          help="SQLAlchemy URL of Charter's database (default: $CHARTER_DATABASE_URL, else "
                               "charter.db in the data directory)")
    actions = p.add_subparsers(dest="operators_action", metavar="ACTION", required=True)

    def action(name: str, help_text: str, run: Callable[[OperatorStore, argparse.Namespace], int],
               on: Any = actions) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = on.add_parser(name, help=help_text, description=help_text,
                                                     parents=[database])
        sub.set_defaults(run=_with_store(run))
        return sub

    add = action("add", "add an operator and print its API key (shown only once)", _add)
    add.add_argument("name", metavar="NAME", help="lower case letters, digits, '_' and '-'")
    add.add_argument("--policy", metavar="FILE", help="its operator policy (YAML)")
    action("list", "list operators: policy, last change, oversight state", _list)
    action("remove", "remove an operator; its key stops working", _remove).add_argument("name", metavar="NAME")
    action("rotate-key", "give an operator a new API key; the old one stops working",
           _rotate).add_argument("name", metavar="NAME")
    set_policy = action("set-policy", "replace an operator's policy, or remove it with --clear", _set_policy)
    set_policy.add_argument("name", metavar="NAME")
    which = set_policy.add_mutually_exclusive_group(required=True)
    which.add_argument("file", metavar="FILE", nargs="?", help="the new policy (YAML)")
    which.add_argument("--clear", action="store_true", help="remove the operator's policy")

    admin: argparse.ArgumentParser = actions.add_parser(
        "admin-key", help="keys for the gateway's oversight endpoints (pause, resume, stop)",
        description="Keys for the gateway's oversight endpoints (pause, resume, stop).")
    admin_actions = admin.add_subparsers(dest="admin_action", metavar="ACTION", required=True)
    action("add", "issue an admin key and print it (shown only once)", _admin_add,
           admin_actions).add_argument("label", metavar="LABEL", help="who holds it, e.g. ann or oncall")
    action("list", "list admin keys by label", _admin_list, admin_actions)
    action("revoke", "revoke an admin key; it stops working at once", _admin_revoke,
           admin_actions).add_argument("label", metavar="LABEL")


def _with_store(run: Callable[[OperatorStore, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def opened(args: argparse.Namespace) -> int:
        url = args.database or paths.database_url()  # resolved now, not at import: it may create the data dir
        try:
            with OperatorStore(url) as store:
                return run(store, args)
        except CharterError as exc:  # AuditError, OperatorError, PolicyError: each names the problem
            print(f"{_PROG}: {exc}", file=sys.stderr)
            return 1
    return opened


def _add(store: OperatorStore, args: argparse.Namespace) -> int:
    text = _policy_text(args.policy) if args.policy else None
    key = store.add(args.name, text, source=args.policy)
    with_policy = f" with the policy in {args.policy}" if text else " (no policy: platform defaults)"
    _show_key(f"added operator {args.name!r}{with_policy}", key,
              f"`charter operators rotate-key {args.name}` issues a new one")
    return 0


def _list(store: OperatorStore, args: argparse.Namespace) -> int:
    operators = store.list()
    if not operators:
        print(f"{_PROG}: no operators in {store.url}; add one with `charter operators add NAME`", file=sys.stderr)
        return 0
    with ControlStore(args.database or paths.database_url()) as controls:
        switches = controls.snapshot()
    rows: list[tuple[str, ...]] = [("NAME", "POLICY", "UPDATED (UTC)", "STATE")]
    for op in operators:
        control = effective(switches, op.name)
        state: str = control.state
        if not control.active:
            state += " (every operator)" if control.scope == "*" else ""
            state += f": {control.reason}" if control.reason else ""
        rows.append((op.name, "yes" if op.policy_yaml else "no", f"{op.updated_at:%Y-%m-%d %H:%M}", state))
    _table(rows)
    return 0


def _remove(store: OperatorStore, args: argparse.Namespace) -> int:
    store.remove(args.name)
    print(f"removed operator {args.name!r}: its key no longer works (its recorded turns stay in the audit store)")
    return 0


def _rotate(store: OperatorStore, args: argparse.Namespace) -> int:
    key = store.rotate_key(args.name)
    _show_key(f"new API key for operator {args.name!r}; the old key no longer works", key,
              "rotate again if it is lost")
    return 0


def _set_policy(store: OperatorStore, args: argparse.Namespace) -> int:
    if args.clear:
        store.set_policy(args.name, None)
        print(f"removed the policy of operator {args.name!r}: it runs on platform defaults")
        return 0
    text = _policy_text(args.file)
    store.set_policy(args.name, text, source=args.file)
    print(f"operator {args.name!r} now uses the policy in {args.file}" if text.strip()
          else f"{args.file} is empty: operator {args.name!r} now runs on platform defaults")
    return 0


def _admin_add(store: OperatorStore, args: argparse.Namespace) -> int:
    key = store.add_admin_key(args.label)
    _show_key(f"added admin key {args.label!r} for the gateway's oversight endpoints", key,
              f"`charter operators admin-key revoke {args.label}` withdraws it")
    return 0


def _admin_list(store: OperatorStore, args: argparse.Namespace) -> int:
    keys = store.list_admin_keys()
    if not keys:
        print(f"{_PROG}: no admin keys in {store.url}; add one with `charter operators admin-key add LABEL`",
              file=sys.stderr)
        return 0
    _table([("LABEL", "ISSUED (UTC)")] + [(k.label, f"{k.created_at:%Y-%m-%d %H:%M}") for k in keys])
    return 0


def _admin_revoke(store: OperatorStore, args: argparse.Namespace) -> int:
    store.revoke_admin_key(args.label)
    print(f"revoked admin key {args.label!r}: it no longer works")
    return 0


def _policy_text(path: str) -> str:
    """The policy file's text, validated first so errors name the file, key and line."""
    Policy.load(path)  # raises PolicyError: missing file, bad UTF-8, bad YAML, unknown key...
    return Path(path).read_bytes().decode("utf-8").removeprefix("\ufeff")


def _show_key(note: str, key: str, remedy: str) -> None:
    # The key alone on standard output, for `$(...)`; the note on standard error, written first.
    print(f"{note}. The key below is not shown again: store it now ({remedy}).", file=sys.stderr)
    sys.stderr.flush()
    print(key)


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
