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
from collections.abc import Iterator
from time import perf_counter
from typing import IO, Any

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
    p.add_argument("--pretty", action="store_true", help="indent the JSON output")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr after --jsonl")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        policy = Policy.load(args.policy) if args.policy else None
    except PolicyError as exc:
        print(f"charter assess: policy error: {exc}", file=sys.stderr)
        return 2
    charter = Charter(policy=policy)
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


def _lines(path: str) -> Iterator[tuple[int, bytes]]:
    stream: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    try:
        yield from enumerate(stream, start=1)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _chunks(path: str, size: int) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for number, raw in _lines(path):
        if raw.strip():
            chunk.append((number, raw))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepare(charter: Charter, chunk: list[tuple[int, bytes]]) -> float:
    """Batch the chunk's model work ahead of deciding each line; returns ms per line."""
    batch: list[tuple[Conversation, Policy | None]] = []
    for _, raw in chunk:
        try:
            item = json.loads(raw)
            payload = {k: item[k] for k in ("messages", "system") if k in item} if isinstance(item, dict) else item
            policy = item.get("policy") if isinstance(item, dict) else None
            batch.append((parse_conversation(payload),
                          Policy.from_mapping(policy) if isinstance(policy, dict) else charter.policy))
        except (ValueError, CharterError):
            continue  # the line's own error is reported when it is assessed
    return charter.prepare(batch) * 1000 / max(len(chunk), 1)


def _run_jsonl(charter: Charter, path: str, *, indent: int | None, quiet: bool) -> int:
    done = errors = 0
    start = perf_counter()
    out = sys.stdout
    try:
        # Lines are read in small chunks so model work can be batched; output still streams in order.
        for chunk in _chunks(path, BATCH):
            share_ms = _prepare(charter, chunk)
            for number, raw in chunk:
                result = _assess_line(charter, number, raw, share_ms)
                errors += "error" in result
                done += 1
                out.write(json.dumps(result, indent=indent, ensure_ascii=False) + "\n")
                out.flush()
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"charter assess: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not quiet:
        elapsed = perf_counter() - start
        rate = done / elapsed if elapsed > 0 else 0.0
        print(f"charter assess: {done} conversations, {errors} errors, {elapsed:.2f} s ({rate:.0f}/s)",
              file=sys.stderr)
    return 1 if errors else 0


def _assess_line(charter: Charter, number: int, raw: bytes, share_ms: float = 0.0) -> dict[str, Any]:
    conv_id: Any = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _error(number, None, "encoding", f"line is not valid UTF-8 (byte {exc.start})")
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        return _error(number, None, "json", f"not valid JSON: {exc.msg} at column {exc.colno}")
    if isinstance(item, dict):
        conv_id = item.get("id")
    try:
        return _assess_item(charter, item, where=f"line {number}", extra_ms=share_ms)
    except PolicyError as exc:
        return _error(number, conv_id, "policy", str(exc))
    except ConversationError as exc:
        return _error(number, conv_id, "conversation", str(exc))


def _error(number: int, conv_id: Any, kind: str, message: str) -> dict[str, Any]:
    return {"id": conv_id if conv_id is None or isinstance(conv_id, str) else str(conv_id),
            "line": number, "error": {"type": kind, "message": message}}
