"""Streaming JSON Lines for the CLI verbs: read in order, one result per line, bad lines reported.

Each non-blank input line yields exactly one output line, in input order, flushed as soon
as it is ready. A line that is not UTF-8, not JSON, or fails the verb's own checks yields
``{"id", "line", "error": {"type", "message"}}`` and processing continues.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from time import perf_counter
from typing import IO, Any

from charter.errors import ConversationError, PolicyError

# Handles one parsed line: (line number, the JSON value, its share of batched work in ms) -> result.
Handler = Callable[[int, Any, float], dict[str, Any]]
# Sees each chunk of parsed lines before they are handled (for batched work); returns ms per line.
Preparer = Callable[[list[Any]], float]


def lines(path: str) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes) from a file, or stdin for '-'."""
    stream: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    try:
        yield from enumerate(stream, start=1)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def error_row(number: int, item_id: Any, kind: str, message: str) -> dict[str, Any]:
    return {"id": item_id if item_id is None or isinstance(item_id, str) else str(item_id),
            "line": number, "error": {"type": kind, "message": message}}


def _parse(number: int, raw: bytes) -> tuple[Any, dict[str, Any] | None]:
    try:
        return json.loads(raw.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        return None, error_row(number, None, "encoding", f"line is not valid UTF-8 (byte {exc.start})")
    except json.JSONDecodeError as exc:
        return None, error_row(number, None, "json", f"not valid JSON: {exc.msg} at column {exc.colno}")


def _handle(handler: Handler, number: int, item: Any, share_ms: float) -> dict[str, Any]:
    item_id = item.get("id") if isinstance(item, dict) else None
    try:
        return handler(number, item, share_ms)
    except PolicyError as exc:
        return error_row(number, item_id, "policy", str(exc))
    except ConversationError as exc:
        return error_row(number, item_id, "conversation", str(exc))


def stream(path: str, handler: Handler, *, verb: str, noun: str, indent: int | None, quiet: bool,
           prepare: Preparer | None = None, chunk: int = 1) -> int:
    """Run ``handler`` over every line of ``path``; exit status 0, 1 (some lines failed) or 2."""
    done = errors = 0
    start = perf_counter()
    pending: list[tuple[int, Any, dict[str, Any] | None]] = []

    def flush() -> None:
        nonlocal done, errors
        share_ms = prepare([item for _, item, err in pending if err is None]) if prepare else 0.0
        for number, item, err in pending:
            result = err or _handle(handler, number, item, share_ms)
            errors += "error" in result
            done += 1
            sys.stdout.write(json.dumps(result, indent=indent, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        pending.clear()

    try:
        for number, raw in lines(path):
            if not raw.strip():
                continue
            item, err = _parse(number, raw)
            pending.append((number, item, err))
            if len(pending) >= chunk:
                flush()
        flush()
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        print(f"charter {verb}: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if not quiet:
        elapsed = perf_counter() - start
        rate = done / elapsed if elapsed > 0 else 0.0
        print(f"charter {verb}: {done} {noun}, {errors} errors, {elapsed:.2f} s ({rate:.0f}/s)", file=sys.stderr)
    return 1 if errors else 0
