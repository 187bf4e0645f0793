"""The `charter` command line. Each verb lives in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from charter.cli import approvals, assess, catalog, chat, log, operators, oversight, policy, review, serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="charter",
        description="Charter: a constitution runtime for AI assistants.",
    )
    parser.add_argument("--version", action="version", version="charter 0.1.0")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    assess.add_parser(verbs)
    review.add_parser(verbs)
    chat.add_parser(verbs)
    serve.add_parser(verbs)
    log.add_parser(verbs)
    operators.add_parser(verbs)
    oversight.add_parser(verbs)
    approvals.add_parser(verbs)
    policy.add_parser(verbs)
    catalog.add_parser(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for the `charter` script; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except BrokenPipeError:  # e.g. `charter assess --jsonl big.jsonl | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("charter: interrupted", file=sys.stderr)
        return 130
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
