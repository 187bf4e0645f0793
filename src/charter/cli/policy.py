"""`charter policy check FILE` and `charter policy schema`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from charter.errors import PolicyError
from charter.policy import Policy, policy_json_schema


def add_parser(verbs: Any) -> None:
    p: argparse.ArgumentParser = verbs.add_parser("policy", help="check operator policies; print their JSON Schema")
    sub = p.add_subparsers(dest="policy_verb", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate policy files; errors name the key and line")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(run=run_check)
    schema = sub.add_parser("schema", help="print the policy JSON Schema (for editors)")
    schema.set_defaults(run=run_schema)


def run_check(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        try:
            policy = Policy.load(path)
        except PolicyError as exc:
            print(f"{exc}", file=sys.stderr)
            status = 1
            continue
        print(f"{path}: ok ({_summary(policy)})")
    return status


def _summary(policy: Policy) -> str:
    parts = []
    if policy.operator.name:
        parts.append(f"operator {policy.operator.name}")
    if policy.behaviours:
        parts.append("behaviours " + ", ".join(f"{k}={'on' if v else 'off'}" for k, v in policy.behaviours.items()))
    parts.append(f"users.trust={policy.users.trust}")
    if policy.scope and policy.scope.only:
        parts.append("scope: " + "; ".join(policy.scope.only))
    return ", ".join(parts)


def run_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(policy_json_schema(), indent=2) + "\n")
    return 0
