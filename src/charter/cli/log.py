"""`charter log`: read recorded turns back from the audit store.

Without options, prints the latest 20 turns one per line, the newest at the bottom:
time, id (the first 12 characters), operator, action, outcome, repairs, backend, total
time, and the start of the user's last message and of the answer. ``--show ID`` prints
one turn in full (an id prefix of 6 or more characters will do); ``--json`` writes the
full records instead, one JSON object per line. The database is ``--database URL``, else
``$CHARTER_DATABASE_URL``, else ``charter.db`` in the data directory.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from charter import paths
from charter.audit import MIN_PREFIX, AuditError, AuditStore
from charter.record import TurnRecord

_INDENT = "    "


def add_parser(verbs: Any) -> None:
    p: argparse.ArgumentParser = verbs.add_parser(
        "log", help="show the turns recorded in the audit store",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="how many turns (default 20)")
    p.add_argument("--operator", metavar="NAME", help="only this operator's turns")
    p.add_argument("--show", metavar="ID", help=f"one turn in full (an id, or a prefix of {MIN_PREFIX}+ characters)")
    p.add_argument("--json", action="store_true", help="full records as JSON, one object per line")
    p.add_argument("--database", metavar="URL",
                   help="SQLAlchemy URL of the audit store (default: $CHARTER_DATABASE_URL, else charter.db "
                        "in the data directory)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = args.database or paths.database_url()  # resolved now, not at import: it may create the data dir
    try:
        with AuditStore(url) as store:
            if args.show:
                return _show(store, args.show, operator=args.operator, as_json=args.json)
            turns = store.latest(args.limit, operator=args.operator)
    except AuditError as exc:
        print(f"charter log: {exc}", file=sys.stderr)
        return 1
    if not turns:
        whose = f" for operator {args.operator!r}" if args.operator else ""
        print(f"charter log: no turns recorded{whose} in {store.url}", file=sys.stderr)
        return 0
    for turn in reversed(turns):  # oldest of those shown first, so the newest ends at the bottom
        sys.stdout.write((_json_line(turn) if args.json else turn.summary()) + "\n")
    return 0


def _show(store: AuditStore, turn_id: str, *, operator: str | None, as_json: bool) -> int:
    turn = store.get(turn_id, operator=operator)
    if turn is None:
        whose = f" for operator {operator!r}" if operator else ""
        short = f" (a prefix needs at least {MIN_PREFIX} characters)" if len(turn_id) < MIN_PREFIX else ""
        print(f"charter log: no turn {turn_id!r}{whose} in {store.url}{short}", file=sys.stderr)
        return 1
    sys.stdout.write(_json_line(turn) + "\n" if as_json else render(turn))
    return 0


def _json_line(turn: TurnRecord) -> str:
    return json.dumps(turn.model_dump(mode="json"), ensure_ascii=False)


def render(turn: TurnRecord) -> str:
    """One turn in full, for a person: what came in, what was decided and why, what was written."""
    d, t = turn.decision, turn.timings
    stages = f"assess {t.assess_ms:.0f}, compose {t.compose_ms:.0f}, generate {t.generate_ms:.0f}, " \
             f"review {t.review_ms:.0f}"
    if t.first_token_ms is not None:
        stages += f"; first token {t.first_token_ms:.0f}"
    lines = [
        f"turn        {turn.id}",
        f"time        {turn.created_at.isoformat(sep=' ', timespec='milliseconds')}",
        f"operator    {turn.operator}",
        f"backend     {turn.backend}",
        f"action      {d.action.value}" + (f" (hard limit: {d.hard_limit})" if d.hard_limit else ""),
        f"obligations {', '.join(d.obligations) or '-'}",
        f"outcome     {turn.outcome.value}" + (" (streamed)" if turn.streamed else ""),
        f"timings     total {t.total_ms:.0f} ms, Charter {t.charter_ms:.0f} ms ({stages})",
    ]
    if turn.error:
        lines.append(f"error       {turn.error}")
    lines.append("\ninput:")
    for m in turn.input:
        lines.append(f"  {m.principal.value} ({m.source.value}):")
        lines.append(_block(m.text))
    if d.reasons:
        lines.append("\nreasons:")
        lines.extend(f"  [{r.priority.value}] {r.rule}: {r.text}" for r in d.reasons)
    if d.signals:
        lines.append("\nsignals:")
        lines.extend(f"  {s.id} {s.score:.2f} in {s.source}" + (f": {s.note}" if s.note else "") for s in d.signals)
    if d.behaviours:
        lines.append("\nbehaviours:")
        lines.extend(f"  {bid} {'on' if s.value else 'off'} (set by {s.set_by})"
                     for bid, s in sorted(d.behaviours.items()))
    for a in turn.attempts:
        r = a.review
        lines.append(f"\nattempt {a.number}: verdict {r.verdict.value}, refusal {r.refusal.value}, "
                     f"harmful {'yes' if r.harmful else 'no'} ({r.harm_score:.2f}), "
                     f"violations {', '.join(r.violations) or '-'}; "
                     f"generate {a.generate_ms:.0f} ms, review {a.review_ms:.0f} ms")
        lines.extend(f"  {v.rule}: {v.text}" for v in r.details)
        lines.append(_block(a.output))
    for rep in turn.repairs:
        lines.append(f"\nrepair after attempt {rep.attempt}: {rep.kind.value} for {', '.join(rep.rules) or '-'}")
        lines.append(_block(rep.text))
    lines.append("\noutput:")
    lines.append(_block(turn.output))
    return "\n".join(lines) + "\n"


def _block(text: str) -> str:
    """Indent a message so its lines cannot be mistaken for the headings around it."""
    if not text:
        return f"{_INDENT}(empty)"
    return "\n".join(_INDENT + line for line in text.splitlines())


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {number}")
    return number
