"""`charter assess`: decide without generating (contract in DESIGN.md).

One conversation as JSON on stdin or as an argument, or many with ``--jsonl FILE``
(one ``{"id", "messages", "policy"?}`` per line). Output is one JSON object per
conversation, written and flushed as soon as it is decided, in input order. A bad line
yields an error object naming its line number, and processing continues.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from charter.cli import jsonl
from charter.errors import CharterError, ConversationError, PolicyError
from charter.policy import Policy
from charter.principals import Conversation, parse_conversation
from charter.runtime import Charter

_LINE_KEYS = {"id", "messages", "policy", "system"}
BATCH = 32  # lines read ahead so the encoder can batch their latest turns


def add_parser(verbs: Any) -> None:
    p: argparse.ArgumentParser = verbs.add_parser(
        "assess", help="decide how to respond to conversations, without generating",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("conversation", nargs="?",
                   help="a conversation as JSON (a messages array, or an object with 'messages'); "
                        "read from stdin when omitted and --jsonl/-m are not given")
    p.add_argument("-m", "--message", action="append", default=[], metavar="TEXT",
                   help="a user message in plain text (repeatable: one user turn each)")
    p.add_argument("--system", metavar="TEXT", help="a system prompt to put before -m messages")
    p.add_argument("--jsonl", metavar="FILE", help="many conversations, one JSON object per line ('-' for stdin)")
    p.add_argument("--policy", metavar="FILE", help="operator policy YAML applied to every conversation")
    p.add_argument("--judge", metavar="BACKEND",
                   help="ask this backend (embedded, fake:SCRIPT, or a backends-file name) about harm findings "
                        "whose intent the heads left unclear; the reason then names its verdict")
    p.add_argument("--backends", metavar="FILE", help="backends file for --judge (default: $CHARTER_BACKENDS)")
    p.add_argument("--pretty", action="store_true", help="indent the JSON output")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr after --jsonl")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        policy = Policy.load(args.policy) if args.policy else None
    except PolicyError as exc:
        print(f"charter assess: policy error: {exc}", file=sys.stderr)
        return 2
    judge = None
    if args.judge:
        from charter.backends import resolve_backend
        from charter.judge import Judge
        try:
            judge = Judge(resolve_backend(args.judge, backends_file=args.backends))
        except CharterError as exc:
            print(f"charter assess: judge: {exc}", file=sys.stderr)
            return 2
    charter = Charter(policy=policy, judge=judge)
    indent = 2 if args.pretty else None
    if args.jsonl:
        if args.conversation or args.message:
            print("charter assess: give either --jsonl or a single conversation, not both", file=sys.stderr)
            return 2
        return _run_jsonl(charter, args.jsonl, indent=indent, quiet=args.quiet)
    return _run_one(charter, args, indent=indent)


def _run_one(charter: Charter, args: argparse.Namespace, *, indent: int | None) -> int:
    if args.message:
        if args.conversation:
            print("charter assess: give either a JSON conversation or -m messages, not both", file=sys.stderr)
            return 2
        messages: list[dict[str, str]] = [{"role": "system", "content": args.system}] if args.system else []
        messages += [{"role": "user", "content": m} for m in args.message]
        item: Any = {"messages": messages}
    else:
        raw = args.conversation if args.conversation is not None else sys.stdin.read()
        if not raw.strip():
            print("charter assess: no conversation given (pass JSON, -m TEXT, or --jsonl FILE)", file=sys.stderr)
            return 2
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            print(f"charter assess: input is not valid JSON: {exc}", file=sys.stderr)
            return 2
    try:
        out = _assess_item(charter, item, where="input")
    except CharterError as exc:
        print(f"charter assess: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(out, indent=indent, ensure_ascii=False) + "\n")
    return 0


def _assess_item(charter: Charter, item: Any, *, where: str, extra_ms: float = 0.0) -> dict[str, Any]:
    """Assess one parsed input: a messages array, or an object with messages (and id/policy)."""
    if isinstance(item, list):
        return charter.assess(item, extra_ms=extra_ms).contract()
    if not isinstance(item, dict):
        raise ConversationError(where, "expected a JSON object with 'messages', or a messages array")
    unknown = sorted(set(item) - _LINE_KEYS)
    if unknown:
        raise ConversationError(where, f"unknown key(s) {', '.join(map(repr, unknown))}; "
                                       f"expected {', '.join(sorted(_LINE_KEYS))}")
    conv_id = item.get("id")
    if conv_id is not None and not isinstance(conv_id, str | int):
        raise ConversationError(f"{where}.id", "expected a string or a number")
    policy = Policy.from_mapping(item["policy"], where=f"{where}.policy") if item.get("policy") is not None else None
    payload = {k: item[k] for k in ("messages", "system") if k in item}
    if "messages" not in payload:
        raise ConversationError(where, "missing 'messages'")
    return charter.assess(payload, policy=policy, id=None if conv_id is None else str(conv_id),
                          extra_ms=extra_ms).contract()


def _prepare(charter: Charter, items: list[Any]) -> float:
    """Batch the model work of a chunk of lines ahead of deciding each; returns ms per line."""
    batch: list[tuple[Conversation, Policy | None]] = []
    for item in items:
        try:
            payload = {k: item[k] for k in ("messages", "system") if k in item} if isinstance(item, dict) else item
            policy = item.get("policy") if isinstance(item, dict) else None
            batch.append((parse_conversation(payload),
                          Policy.from_mapping(policy) if isinstance(policy, dict) else charter.policy))
        except CharterError:
            continue  # the line's own error is reported when it is assessed
    return charter.prepare(batch) * 1000 / max(len(items), 1)


def _run_jsonl(charter: Charter, path: str, *, indent: int | None, quiet: bool) -> int:
    # Lines are read in small chunks so model work can be batched; output still streams in order.
    return jsonl.stream(
        path, lambda number, item, share_ms: _assess_item(charter, item, where=f"line {number}", extra_ms=share_ms),
        verb="assess", noun="conversations", indent=indent, quiet=quiet,
        prepare=lambda items: _prepare(charter, items), chunk=BATCH)
