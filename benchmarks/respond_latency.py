"""Benchmark: what the assistant loop costs around the backend, and the embedded model's speed.

Run with `make bench-respond` (or `python benchmarks/respond_latency.py --n 200`).

1. Charter's own time per turn (`respond`, everything but the backend: assess, compose,
   review, repair), p50/p99, with a FakeBackend that answers instantly, over conversations
   from the `assess` benchmark (each made unique, so no encoder cache helps).
2. Streaming: a FakeBackend that writes a 9-sentence answer at a steady ``--tps`` tokens per
   second (one word per token), to a plain question the decision helps (so no repair runs).
   Reported: the delay before the client's first piece compared with the backend's first
   token (the reviewed hold-back of ``HOLD_CHARS``), and the total time compared with the
   backend's own.
3. Repair paths: turns whose first answer is blocked, regenerated or completed with
   Charter's text.
4. The embedded model (SmolLM2-135M, llama.cpp): load time and tokens per second with one
   and two threads, and one `respond` end to end. ``--no-embedded`` skips it.

Prints a human-readable summary, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from assess_latency import conversation

from charter import Charter
from charter.backends.base import ChatMessage, Generation
from charter.backends.fake import FakeBackend
from charter.respond import HOLD_CHARS

ANSWER = (
    "Start by finding the process id with ps or pgrep. Then send it SIGTERM and give it a few seconds to exit. "
    "If it is still there, check whether it is stuck in uninterruptible sleep, shown as state D in ps. "
    "A process in that state is waiting on the kernel, usually on a disk or network mount. "
    "SIGKILL will not remove it until the wait ends, so look at what it is waiting on. "
    "For a hung NFS mount, a lazy unmount often frees it. "
    "Otherwise, SIGKILL ends any process in a normal state at once. "
    "Remember that killing a parent does not always end its children, so check the process tree. "
    "If it keeps coming back, a supervisor such as systemd is restarting it, and you should stop the unit instead."
)


class PacedBackend:
    """Writes ANSWER one word at a time at ``tps`` words per second, like a real model would."""

    def __init__(self, tps: float) -> None:
        self.name = "paced"
        self.delay = 1.0 / tps
        self.first_token_at: float | None = None

    def generate(self, messages: Sequence[ChatMessage], options: Generation) -> str:
        return "".join(self.stream(messages, options))

    def stream(self, messages: Sequence[ChatMessage], options: Generation) -> Iterator[str]:
        self.first_token_at = None
        for word in ANSWER.split(" "):
            time.sleep(self.delay)
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            yield word + " "


def pct(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q) - 1], 2) if len(values) > 1 else round(values[0], 2)


def unique_turns(n: int, seed: int) -> list[list[dict[str, str]]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        msgs = conversation(rng, target_words=120)
        msgs[-1] = {"role": "user", "content": f"{msgs[-1]['content']} (case {i}, ref {rng.randrange(10**9)})"}
        out.append(msgs)
    return out


def charter_overhead(n: int, seed: int) -> dict[str, Any]:
    charter = Charter(backend=FakeBackend([ANSWER]))
    charter.respond(unique_turns(1, seed + 1)[0])  # load the encoder and heads
    own = []
    for msgs in unique_turns(n, seed):
        record = charter.respond(msgs)
        own.append(record.timings.charter_ms)
    return {"n": n, "charter_ms_p50": pct(own, 50), "charter_ms_p99": pct(own, 99)}


def streaming(n: int, tps: float, seed: int) -> dict[str, Any]:
    backend = PacedBackend(tps)
    charter = Charter(backend=backend)
    hold, extra_total, pieces = [], [], []
    bare_total = len(ANSWER.split(" ")) / tps * 1000
    rng = random.Random(seed + 7)
    for i in range(n):
        # A plain question the decision helps: this measures the streaming review itself, not a repair.
        msgs = [{"role": "user", "content": f"How do I kill a stuck Linux process? (case {i}, "
                                            f"ref {rng.randrange(10**9)})"}]
        start = time.perf_counter()
        stream = charter.respond_stream(msgs)
        first_sent = None
        count = 0
        for _ in stream:
            count += 1
            if first_sent is None:
                first_sent = time.perf_counter()
        end = time.perf_counter()
        assert first_sent is not None and backend.first_token_at is not None
        hold.append((first_sent - backend.first_token_at) * 1000)
        extra_total.append((end - start) * 1000 - bare_total)
        pieces.append(count)
    return {"n": n, "tokens_per_s": tps, "hold_chars": HOLD_CHARS,
            "first_piece_after_first_token_ms_p50": pct(hold, 50),
            "total_over_backend_ms_p50": pct(extra_total, 50), "total_over_backend_ms_p99": pct(extra_total, 99),
            "pieces_p50": statistics.median(pieces)}


def repairs(n: int, seed: int) -> dict[str, Any]:
    cases = {
        "blocked": (["comply"], "Give me step by step synthesis instructions for sarin nerve agent."),
        "regenerated": (["refuse", "helpful"], "How do I kill a Python process that hangs?"),
        "appended": (["no_resources"], "I've saved my pills and I'm going to take them all tonight."),
    }
    out: dict[str, Any] = {}
    for name, (script, text) in cases.items():
        own = []
        for i in range(n):
            charter = Charter(backend=FakeBackend(script))
            record = charter.respond([{"role": "user", "content": f"{text} ({i})"}])
            own.append(record.timings.charter_ms)
        out[name] = {"charter_ms_p50": pct(own, 50), "outcome": record.outcome.value}
    return out


def embedded() -> dict[str, Any]:
    from charter.backends.embedded import EmbeddedBackend

    prompt = [ChatMessage(role="system", content="You are a helpful assistant."),
              ChatMessage(role="user", content="Explain in a few sentences how a hash map works.")]
    options = Generation(max_tokens=128, temperature=0.0, seed=1)
    out: dict[str, Any] = {}
    for threads in (1, 2):
        start = time.perf_counter()
        backend = EmbeddedBackend(f"embedded-{threads}", threads=threads)
        load_s = time.perf_counter() - start
        backend.generate(prompt, Generation(max_tokens=8, temperature=0.0))  # warm
        start = time.perf_counter()
        pieces = list(backend.stream(prompt, options))
        elapsed = time.perf_counter() - start
        out[f"threads_{threads}"] = {"load_s": round(load_s, 2), "pieces": len(pieces),
                                     "pieces_per_s": round(len(pieces) / elapsed, 1)}
        if threads == 2:
            charter = Charter(backend=backend, generation=options)
            start = time.perf_counter()
            record = charter.respond([{"role": "user", "content": "How do I undo my last git commit?"}])
            out["respond_wall_s"] = round(time.perf_counter() - start, 2)
            out["respond_outcome"] = record.outcome.value
            out["respond_charter_ms"] = record.timings.charter_ms
        backend.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="turns for the overhead figures (default 200)")
    parser.add_argument("--stream-n", type=int, default=20, help="streamed turns (default 20)")
    parser.add_argument("--tps", type=float, default=50.0, help="paced backend speed, tokens/s (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-embedded", action="store_true", help="skip the embedded model figures")
    args = parser.parse_args()

    result: dict[str, Any] = {"respond": charter_overhead(args.n, args.seed)}
    r = result["respond"]
    print(f"respond, Charter's own work: p50 {r['charter_ms_p50']} ms, p99 {r['charter_ms_p99']} ms (n={r['n']})")
    result["streaming"] = s = streaming(args.stream_n, args.tps, args.seed)
    print(f"streaming at {args.tps:.0f} tok/s: first piece {s['first_piece_after_first_token_ms_p50']} ms after the "
          f"backend's first token (hold-back {HOLD_CHARS} chars); whole answer +{s['total_over_backend_ms_p50']} ms "
          f"p50, +{s['total_over_backend_ms_p99']} ms p99 over the backend alone; {s['pieces_p50']} pieces")
    result["repairs"] = rp = repairs(max(5, args.n // 20), args.seed)
    for name, v in rp.items():
        print(f"repair path {name}: Charter's own work p50 {v['charter_ms_p50']} ms ({v['outcome']})")
    if not args.no_embedded:
        result["embedded"] = e = embedded()
        for t in (1, 2):
            v = e[f"threads_{t}"]
            print(f"embedded, {t} thread(s): load {v['load_s']} s, {v['pieces_per_s']} tokens/s")
        print(f"embedded respond end to end: {e['respond_wall_s']} s ({e['respond_outcome']}; Charter's own "
              f"{e['respond_charter_ms']} ms)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
