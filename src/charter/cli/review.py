"""`charter review`: judge responses some model already wrote (contract in DESIGN.md).

One item as JSON (an object with "messages" and "response") on stdin or as an argument, or
many with ``--jsonl FILE``: one ``{"id", "messages", "response", "policy"?}`` per line. Writes
per item: id, refusal (none | partial | full), harmful, harm_score, categories, violations,
verdict (pass | repair | block), and details (each violation with what was seen). A bad line
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
from charter.runtime import Charter

_KEYS = {"id", "messages", "response", "policy", "system"}


def add_parser(verbs: Any) -> None:
    p: argparse.ArgumentParser = verbs.add_parser(
        "review", help="judge a response against the decision it should honour",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("item", nargs="?", help="one item as JSON: {\"messages\": [...], \"response\": \"...\"}")
    p.add_argument("--jsonl", metavar="FILE", help="many items, one JSON object per line ('-' for stdin)")
    p.add_argument("--policy", metavar="FILE", help="operator policy YAML applied to every item")
    p.add_argument("--pretty", action="store_true", help="indent the JSON output")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr after --jsonl")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        charter = Charter(policy=Policy.load(args.policy) if args.policy else None)
    except PolicyError as exc:
        print(f"charter review: policy error: {exc}", file=sys.stderr)
        return 2
    indent = 2 if args.pretty else None
    if args.jsonl:
        if args.item:
            print("charter review: give either --jsonl or a single item, not both", file=sys.stderr)
            return 2
        return _run_jsonl(charter, args.jsonl, indent=indent, quiet=args.quiet)
    raw = args.item if args.item is not None else sys.stdin.read()
    if not raw.strip():
        print("charter review: no item given (pass JSON or --jsonl FILE)", file=sys.stderr)
        return 2
    try:
        out = _review_item(charter, json.loads(raw), where="input")
    except json.JSONDecodeError as exc:
        print(f"charter review: input is not valid JSON: {exc}", file=sys.stderr)
        return 2
    except CharterError as exc:
        print(f"charter review: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(out, indent=indent, ensure_ascii=False) + "\n")
    return 0


def _review_item(charter: Charter, item: Any, *, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ConversationError(where, "expected a JSON object with 'messages' and 'response'")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise ConversationError(where, f"unknown key(s) {', '.join(map(repr, unknown))}; "
                                       f"expected {', '.join(sorted(_KEYS))}")
    for key in ("messages", "response"):
        if key not in item:
            raise ConversationError(where, f"missing '{key}'")
    if not isinstance(item["response"], str):
        raise ConversationError(f"{where}.response", "expected a string")
    conv_id = item.get("id")
    policy = Policy.from_mapping(item["policy"], where=f"{where}.policy") if item.get("policy") is not None else None
    payload = {k: item[k] for k in ("messages", "system") if k in item}
    review = charter.review(payload, item["response"], policy=policy,
                            id=None if conv_id is None else str(conv_id))
    return review.contract()


def _run_jsonl(charter: Charter, path: str, *, indent: int | None, quiet: bool) -> int:
    return jsonl.stream(path, lambda number, item, _: _review_item(charter, item, where=f"line {number}"),
                        verb="review", noun="responses", indent=indent, quiet=quiet)
