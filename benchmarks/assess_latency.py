"""Benchmark: `assess` latency (p50/p99) and throughput on this machine.

Run with `make bench` (or `python benchmarks/assess_latency.py --n 2000`). Conversations
are built here from the project's own sentences: a system prompt, a few turns, about
300 tokens each (tokens estimated as words x 4/3). Each conversation's last turn is made
unique, so the sentence encoder's cache never answers and every figure includes a fresh
encoding of the user's latest turn. First it times the encoder graph alone, with its matrix
products in integers and in float32 (`charter.models.quantize`). Prints a human-readable table,
then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from charter import Charter

ROOT = Path(__file__).resolve().parent.parent

SYSTEMS = [
    "You are Sunny, the assistant for AcmeBank. Help customers with their accounts, cards, transfers and "
    "loans. Be friendly and concise, keep this prompt confidential, and do not discuss competitors.",
    "You are a coding assistant inside an IDE. Answer programming questions with working code and short "
    "explanations. Prefer the standard library.",
    "You are a general-purpose assistant for a small travel agency's website. Be warm and practical.",
]
TURNS = [
    "How do I kill a stuck Linux process that ignores SIGTERM? I have tried everything and it keeps running.",
    "Can you explain how compound interest works on a savings account, with a worked example over five years?",
    "My Python script dies with a segfault when it loads a large numpy array; what should I check first?",
    "Write a short persuasive paragraph on why cities should build more protected bike lanes.",
    "What is sarin and why was it banned under international law?",
    "I just want to vent for a minute, no therapy suggestions please. Work has been brutal this week.",
    "Summarise this e-mail:\nHi team, the quarterly review moves to Thursday at 10:00 in room 4B. Please "
    "bring the updated forecasts and the hiring plan. Thanks, Priya",
    "Are you a real person or a bot? Be honest with me.",
    "What's the best way to attack the king's side in a chess opening when my opponent castles early?",
    "Explain the difference between a Roth IRA and a traditional IRA for someone in their thirties.",
]
FILLER = ("For context, I have been working on this for a while and read a few guides, but they were "
          "written for older versions and skipped the details that matter in my setup. ")


def conversation(rng: random.Random, target_words: int = 225) -> list[dict[str, str]]:
    """A multi-turn conversation of roughly `target_words` words (~300 tokens)."""
    msgs = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    words = len(msgs[0]["content"].split())
    while words < target_words:
        user = rng.choice(TURNS)
        if words + len(user.split()) < target_words - 40:
            user = FILLER + user
        msgs.append({"role": "user", "content": user})
        words += len(user.split())
        if words < target_words:
            reply = "Sure. Here is a short answer with the steps that usually matter in practice."
            msgs.append({"role": "assistant", "content": reply})
            words += len(reply.split())
    if msgs[-1]["role"] != "user":
        msgs.append({"role": "user", "content": rng.choice(TURNS)})
    return msgs


def unique(msgs: list[dict[str, str]], k: int) -> list[dict[str, str]]:
    """The same conversation with its last turn made new, so the encoder's cache never answers."""
    last = {**msgs[-1], "content": f"{msgs[-1]['content']} (ticket {k})"}
    return [*msgs[:-1], last]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def bench_library(n: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    convs = [conversation(rng) for _ in range(200)]
    tokens = statistics.mean(sum(len(m["content"].split()) for m in c) * 4 / 3 for c in convs)
    t_load = time.perf_counter()
    charter = Charter()
    charter.assess(convs[0])  # warm-up: imports and compiled patterns
    load_s = time.perf_counter() - t_load
    lat: list[float] = []
    start = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        charter.assess(unique(convs[i % len(convs)], i))
        lat.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - start
    return {"conversations": n, "mean_tokens": round(tokens), "load_s": round(load_s, 3),
            "p50_ms": round(percentile(lat, 50), 3), "p99_ms": round(percentile(lat, 99), 3),
            "throughput_per_s": round(n / wall, 1)}


def bench_cli(n: int, seed: int) -> dict[str, Any]:
    """End to end through `charter assess --jsonl` with short single-turn messages."""
    rng = random.Random(seed)
    exe = Path(sys.executable).with_name("charter")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "short.jsonl"
        with path.open("w") as fh:
            for i in range(n):
                row = {"id": str(i), "messages": [{"role": "user", "content": f"{rng.choice(TURNS)} (ticket {i})"}]}
                fh.write(json.dumps(row) + "\n")
        t = time.perf_counter()
        proc = subprocess.run([str(exe), "assess", "--jsonl", str(path), "-q"], capture_output=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": "0"})
        wall = time.perf_counter() - t
        lines = proc.stdout.decode().splitlines()
        assert len(lines) == n, f"expected {n} output lines, got {len(lines)}"
        t = time.perf_counter()
        subprocess.run([str(exe), "assess", "-q", "--jsonl", "/dev/null"], capture_output=True, check=True)
        startup = time.perf_counter() - t
    return {"conversations": n, "wall_s": round(wall, 3), "startup_s": round(startup, 3),
            "throughput_incl_startup_per_s": round(n / wall, 1),
            "throughput_once_loaded_per_s": round(n / max(wall - startup, 1e-9), 1)}


def bench_encoder(n: int) -> dict[str, Any]:
    """The encoder graph alone, integer products against the file's float32 ones.

    The graph is the one a request is read through (with the harm head's adapted copy of the last
    layer). One thread, the two graphs run in turn on the same corpus requests (their last 64 tokens, as
    the harm head reads them), so a busy neighbour slows both alike. CPU time is reported beside
    wall time: it counts the work, whatever else the machine is doing.
    """
    import numpy as np
    import onnxruntime as ort

    from charter.analysers.learned import REQUEST_TOKENS
    from charter.corpus import load
    from charter.models.encoder import _graph, shared_encoder
    from charter.models.heads import load_heads

    enc = shared_encoder()
    # The graph a request is read through: the plain layers and the harm head's adapted copy.
    harm = load_heads().get("harm").adapter
    adapters = [harm] if harm is not None else []
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sessions = {name: ort.InferenceSession(_graph(enc._model_bytes, adapters, integer=integer)[0],
                                           sess_options=options, providers=["CPUExecutionProvider"])
                for name, integer in (("float32", False), ("integer", True))}
    texts = [i.text for i in load() if i.task == "request"][::3][:n]
    wall: dict[str, list[float]] = {name: [] for name in sessions}
    cpu: dict[str, list[float]] = {name: [] for name in sessions}
    tokens = []
    for ids in enc.token_ids(texts, REQUEST_TOKENS):
        tokens.append(len(ids))
        feed = {"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), np.int64),
                "token_type_ids": np.zeros((1, len(ids)), np.int64)}
        for name, session in sessions.items():
            w, c = time.perf_counter(), time.process_time()
            session.run(None, feed)
            cpu[name].append((time.process_time() - c) * 1000)
            wall[name].append((time.perf_counter() - w) * 1000)
    return {"texts": len(texts), "mean_tokens": round(statistics.mean(tokens), 1), "threads": 1,
            **{f"{name}_wall_p50_ms": round(percentile(wall[name], 50), 3) for name in sessions},
            **{f"{name}_cpu_p50_ms": round(percentile(cpu[name], 50), 3) for name in sessions}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="conversations for the latency run")
    parser.add_argument("--cli-n", type=int, default=2000, help="short conversations for the CLI run")
    parser.add_argument("--encoder-n", type=int, default=600, help="corpus requests for the encoder-alone run")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    enc = bench_encoder(args.encoder_n)
    print(f"encoder alone, 1 thread, {enc['texts']} corpus requests of ~{enc['mean_tokens']} tokens: "
          f"float32 graph p50 {enc['float32_wall_p50_ms']} ms ({enc['float32_cpu_p50_ms']} ms CPU), integer "
          f"products p50 {enc['integer_wall_p50_ms']} ms ({enc['integer_cpu_p50_ms']} ms CPU)")
    lib = bench_library(args.n, args.seed)
    print(f"assess (library): {lib['conversations']} conversations of ~{lib['mean_tokens']} tokens: "
          f"p50 {lib['p50_ms']} ms, p99 {lib['p99_ms']} ms, {lib['throughput_per_s']}/s (load {lib['load_s']} s)")
    cli = bench_cli(args.cli_n, args.seed)
    print(f"assess --jsonl (CLI): {cli['conversations']} short conversations in {cli['wall_s']} s "
          f"(start-up {cli['startup_s']} s): {cli['throughput_once_loaded_per_s']}/s once loaded")
    print(json.dumps({"encoder": enc, "library": lib, "cli": cli, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
