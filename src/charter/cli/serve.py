"""`charter serve`: the gateway on 127.0.0.1:8080 (OpenAI and Anthropic APIs, through Charter).

Point any OpenAI or Anthropic client at it. Without operators (`charter operators add`), it
serves one keyless default operator, and only on a loopback address. With operators, every
request needs a key, and the key alone decides the operator and its policy. `charter pause`,
`resume` and `stop` (or the admin endpoints) take effect in every gateway process sharing the
database within a second.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from charter import paths
from charter.errors import CharterError
from charter.gateway.settings import GatewaySettings


def add_parser(verbs: Any) -> None:
    p: argparse.ArgumentParser = verbs.add_parser(
        "serve", help="run the OpenAI/Anthropic-compatible gateway",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    p.add_argument("--backend", default="embedded", metavar="NAME",
                   help="embedded (default), fake:SCRIPT, or a name from the backends file")
    p.add_argument("--backends", metavar="FILE", help="backends file (default: $CHARTER_BACKENDS)")
    p.add_argument("--policy", metavar="FILE", help="policy for the keyless default operator")
    p.add_argument("--database", metavar="URL", help="audit/operator database (default: $CHARTER_DATABASE_URL, "
                                                     "else charter.db in the data directory)")
    p.add_argument("--max-concurrency", type=int, default=8, metavar="N", help="turns at once (default 8)")
    p.add_argument("--backend-timeout", type=float, default=120.0, metavar="S",
                   help="seconds before a backend counts as timed out (default 120)")
    p.add_argument("--max-body-bytes", type=int, default=1_048_576, metavar="N",
                   help="largest request body (default 1 MiB)")
    p.add_argument("--max-messages", type=int, default=256, metavar="N", help="most messages per request")
    p.add_argument("--graceful-timeout", type=float, default=30.0, metavar="S",
                   help="on shutdown, seconds to let turns in flight finish (default 30)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from charter.gateway.app import create_app
    from charter.gateway.service import Gateway

    try:
        settings = GatewaySettings(host=args.host, port=args.port, backend=args.backend,
                                   backends_file=args.backends, default_policy=args.policy,
                                   database_url=args.database or paths.database_url(),
                                   max_concurrency=args.max_concurrency, backend_timeout_s=args.backend_timeout,
                                   max_body_bytes=args.max_body_bytes, max_messages=args.max_messages)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        print(f"charter serve: {problems}", file=sys.stderr)
        return 2
    try:
        gateway = Gateway(settings)
    except CharterError as exc:
        print(f"charter serve: {exc}", file=sys.stderr)
        return 2
    keyed = gateway.keys_required()
    if not keyed and not settings.loopback:
        gateway.close()
        print(f"charter serve: no operators are configured, so the gateway would serve anyone without a key; "
              f"it only does that on a loopback address, not {settings.host}. Create an operator first: "
              "charter operators add NAME --policy FILE", file=sys.stderr)
        return 2
    base = f"http://{settings.host}:{settings.port}"
    print(f"charter serve: {base} with backend {gateway.backend.name!r}, database {gateway.audit.url}", file=sys.stderr)
    if keyed:
        print("charter serve: API keys required (each key selects its operator and policy)", file=sys.stderr)
    else:
        print("charter serve: no operators configured: serving the keyless 'default' operator on loopback only "
              f"(policy: {settings.default_policy or 'none'})", file=sys.stderr)
    key = "YOUR_KEY" if keyed else "unused"
    auth = "-H 'authorization: Bearer YOUR_KEY' " if keyed else ""
    body = '{"model": "charter", "messages": [{"role": "user", "content": "Hi"}]}'
    print("\n".join([
        "",
        "  Python:  from openai import OpenAI",
        f'           client = OpenAI(base_url="{base}/v1", api_key="{key}")',
        '           client.chat.completions.create(model="charter", messages=[{"role": "user", "content": "Hi"}])',
        f"  curl:    curl {base}/v1/chat/completions -H 'content-type: application/json' {auth}\\",
        f"             -d '{body}'",
        "",
    ]), file=sys.stderr)
    app = create_app(settings, gateway=gateway)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                    timeout_graceful_shutdown=int(args.graceful_timeout))
    finally:
        gateway.close()
    return 0
