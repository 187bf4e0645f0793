"""Benchmark: the gateway under load, with a FakeBackend so only Charter's and the server's own work counts.

Run with `make bench-gateway` (or `python benchmarks/gateway_load.py --n 400 --concurrency 4`).
Starts `charter serve --backend fake:helpful` as its own process on a free loopback port with a
fresh SQLite audit store in a temporary folder, then sends ``--n`` chat completions (bounded
by ``--max-seconds``) from ``--concurrency`` client threads in this process, each request with
a unique user message so no cache answers. Reports requests per second, client-observed
latency p50/p99 (the backend answers instantly, so this is the gateway's own work plus HTTP
on loopback), the gateway's own `charter.latency_ms.charter` p50/p99 from the responses, and
checks that the audit store holds exactly one row per request answered. Streaming requests
(``--stream-share``) are measured the same way. Prints a summary, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from charter.audit import AuditStore
from gateway_server import free_port

TOPICS = ["compound interest", "Linux signals", "the French revolution", "sourdough starters", "TCP handshakes",
          "photosynthesis", "binary search", "tax brackets", "the water cycle", "garbage collection"]


def pct(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 2) if len(values) > 1 else round(values[0], 2)


def post(url: str, body: dict[str, Any]) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as err:
        payload = err.read()
        err.close()
        return err.code, payload


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=400, help="requests to send (default 400)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--max-seconds", type=float, default=180.0, help="stop sending after this long")
    parser.add_argument("--stream-share", type=float, default=0.25, help="share of streaming requests (0.25)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="charter-bench-"))
    db = f"sqlite:///{tmp}/bench.db"
    port = free_port()
    env = {**os.environ, "CHARTER_DATA_DIR": str(tmp)}
    server = subprocess.Popen([sys.executable, "-c", "from charter.cli import main; raise SystemExit(main())",
                               "serve", "--port", str(port), "--backend", "fake:helpful", "--database", db,
                               "--max-concurrency", str(max(1, args.concurrency))],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the gateway did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)
        # Warm up: the first turn loads the encoder and heads in the server.
        post(f"{base}/v1/chat/completions", {"model": "c", "messages": [{"role": "user", "content": "warm up"}]})

        lock = threading.Lock()
        latencies: list[float] = []
        own: list[float] = []
        statuses: dict[int, int] = {}
        counter = iter(range(args.n))
        stop_at = time.monotonic() + args.max_seconds

        def worker() -> None:
            while time.monotonic() < stop_at:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                stream = (i % 100) < args.stream_share * 100
                body = {"model": "c", "stream": stream, "messages": [
                    {"role": "user", "content": f"Explain {TOPICS[i % len(TOPICS)]} in two sentences (#{i})."}]}
                start = time.perf_counter()
                status, payload = post(f"{base}/v1/chat/completions", body)
                elapsed = (time.perf_counter() - start) * 1000
                charter_ms = None
                if status == 200 and not stream:
                    charter_ms = json.loads(payload)["charter"]["latency_ms"]["charter"]
                elif status == 200:
                    for line in payload.decode().splitlines():
                        if line.startswith("data: {") and '"charter"' in line:
                            charter_ms = json.loads(line[6:])["charter"]["latency_ms"]["charter"]
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    latencies.append(elapsed)
                    if charter_ms is not None:
                        own.append(charter_ms)

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    sent = len(latencies)
    with AuditStore(db) as store:
        rows = store.count()
    answered = statuses.get(200, 0)
    result = {
        "requests": sent, "concurrency": args.concurrency, "stream_share": args.stream_share,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "requests_per_s": round(sent / wall, 1),
        "latency_ms_p50": pct(latencies, 50), "latency_ms_p99": pct(latencies, 99),
        "charter_ms_p50": pct(own, 50) if own else None, "charter_ms_p99": pct(own, 99) if own else None,
        "audit_rows": rows - 1,  # less the warm-up turn
        "audit_rows_match": rows - 1 == answered,
    }
    print(f"{sent} requests ({args.concurrency} clients, {args.stream_share:.0%} streamed) in {wall:.1f} s: "
          f"{result['requests_per_s']} req/s; client latency p50 {result['latency_ms_p50']} ms, "
          f"p99 {result['latency_ms_p99']} ms; Charter's own work p50 {result['charter_ms_p50']} ms, "
          f"p99 {result['charter_ms_p99']} ms; statuses {result['statuses']}; audit rows {result['audit_rows']} "
          f"({'match' if result['audit_rows_match'] else 'DO NOT match'} the {answered} answered)")
    print(json.dumps(result))
    return 0 if result["audit_rows_match"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
