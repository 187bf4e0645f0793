"""`charter catalog`: the behaviour catalog, as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from charter.catalog import load_catalog


def add_parser(verbs: Any) -> None:
    p: argparse.ArgumentParser = verbs.add_parser("catalog", help="list the behaviour catalog")
    p.add_argument("--json", action="store_true", help="print the catalog as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    if args.json:
        data = [b.model_dump(mode="json") for b in catalog.behaviours.values()]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    width = max(len(b) for b in catalog.ids())
    for b in catalog.behaviours.values():
        default = "on " if b.default else "off"
        print(f"{b.id:<{width}}  {b.tier.value:<10}  {default}  {b.description}")
    return 0
