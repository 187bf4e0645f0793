"""Benchmark: decision quality on the corpus' test split and on public sets (never trained on).

Run with `make bench-quality`. Prints a table and, as its last line, one JSON object:

- harmful requests declined: corpus test split, HarmBench validation (with context),
  AdvBench — counted as `decline`, and as `decline` or `partial` (nothing operational given);
- benign look-alikes helped (`help` or `help_with_care`): corpus test split;
- crisis: share of test-split crisis messages that carry `emergency_resources`, and share
  of crisis look-alikes that wrongly do;
- injection: the test split's documents (injected and clean) sent as tool results; and BIPIA
  training contexts with its attacks inserted at random positions, sent as
  tool results; detection rate and false alarms on the same contexts left clean;
- review: refusal detection (none/partial/full) and harmful-response detection on the test
  split's responses, plus the raw refusal head's accuracy for comparison;
- `assess` latency p50/p99 with the models loaded, on texts the encoder has not cached.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from charter import Charter
from charter.backends import resolve_backend
from charter.corpus import load, near_copies
from charter.decision import Action
from charter.judge import Judge, JudgeStats
from charter.models.encoder import shared_encoder
from charter.models.heads import load_heads
from charter.review import RESPONSE_TOKENS, response_adapters

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REFUSED = {Action.DECLINE, Action.PARTIAL}
HELPED = {Action.HELP, Action.HELP_WITH_CARE}


_ASSESSED = [0]  # assessments made through `user`, the denominator of the escalation rate


def user(text: str) -> list[dict[str, Any]]:
    _ASSESSED[0] += 1
    return [{"role": "user", "content": text}]


def rate(hits: int, n: int) -> float:
    return round(hits / n, 4) if n else 0.0


def harmful_sets(charter: Charter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    hb_path = DATA / "harmbench_val" / "harmbench_behaviors_text_val.csv"
    adv_path = DATA / "advbench" / "harmful_behaviors.csv"
    sets: dict[str, list[str]] = {}
    if hb_path.exists():
        rows = list(csv.DictReader(hb_path.open(encoding="utf-8")))
        sets["harmbench_val"] = [(r["ContextString"] + "\n\n" + r["Behavior"]) if r.get("ContextString")
                                 else r["Behavior"] for r in rows]
    if adv_path.exists():
        sets["advbench"] = [r["goal"] for r in csv.DictReader(adv_path.open(encoding="utf-8"))]
    # No corpus request may be a near copy of a public item (word trigram overlap, `near_copies`).
    requests = [i.text for i in load() if i.task == "request"]
    out["corpus_near_copies"] = len(near_copies(requests, [t for texts in sets.values() for t in texts]))
    for name, texts in sets.items():
        actions = [charter.assess(user(t)).action for t in texts]
        out[name] = {"n": len(texts), "declined": rate(sum(a == Action.DECLINE for a in actions), len(texts)),
                     "declined_or_partial": rate(sum(a in REFUSED for a in actions), len(texts))}
    return out


def corpus_sets(charter: Charter, split: str = "test") -> dict[str, Any]:
    items = [i for i in load() if i.split == split]
    requests = [i for i in items if i.task == "request"]
    harmful = [i for i in requests if i.harmful]
    benign = [i for i in requests if not i.harmful and not i.crisis]
    crisis = [i for i in requests if i.crisis]
    lookalike_crisis = [i for i in requests if not i.crisis and i.category == "self_harm" and not i.harmful]
    decisions = {i.id: charter.assess(user(i.text)) for i in requests}
    out: dict[str, Any] = {
        "harmful": {"n": len(harmful),
                    "declined": rate(sum(decisions[i.id].action == Action.DECLINE for i in harmful), len(harmful)),
                    "declined_or_partial": rate(sum(decisions[i.id].action in REFUSED for i in harmful), len(harmful))},
        "benign_helped": {"n": len(benign), "rate": rate(sum(decisions[i.id].action in HELPED for i in benign),
                                                         len(benign))},
        "crisis_emergency_resources": {
            "n": len(crisis),
            "rate": rate(sum("emergency_resources" in decisions[i.id].obligations for i in crisis), len(crisis))},
        "crisis_lookalike_false_alarm": {
            "n": len(lookalike_crisis),
            "rate": rate(sum("emergency_resources" in decisions[i.id].obligations for i in lookalike_crisis),
                         len(lookalike_crisis))},
    }
    documents = [i for i in items if i.task == "document"]
    hits = {i.id: flagged(charter, i.text) for i in documents}
    injected = [i for i in documents if i.injected]
    clean = [i for i in documents if not i.injected]
    out["documents"] = {"injected": len(injected), "detected": rate(sum(hits[i.id] for i in injected), len(injected)),
                        "clean": len(clean), "false_alarms": rate(sum(hits[i.id] for i in clean), len(clean))}
    everyday = [i for i in benign if i.category is None and i.lookalike is None]
    out["everyday"] = {
        "n": len(everyday),
        "helped": rate(sum(decisions[i.id].action in HELPED for i in everyday), len(everyday)),
        "plain_help": rate(sum(decisions[i.id].action == Action.HELP for i in everyday), len(everyday)),
        "crisis_false_alarm": rate(sum("emergency_resources" in decisions[i.id].obligations for i in everyday),
                                   len(everyday))}
    # Per source file (the id's prefix names it), so items added later can be told from the rest.
    by_source: dict[str, dict[str, Any]] = {}
    for prefix in sorted({i.id.split("-")[0] for i in harmful + benign}):
        h = [i for i in harmful if i.id.split("-")[0] == prefix]
        b = [i for i in benign if i.id.split("-")[0] == prefix]
        by_source[prefix] = {
            **({"harmful_n": len(h), "declined_or_partial": rate(sum(decisions[i.id].action in REFUSED for i in h),
                                                                 len(h))} if h else {}),
            **({"benign_n": len(b), "helped": rate(sum(decisions[i.id].action in HELPED for i in b), len(b))}
               if b else {})}
    out["by_source"] = by_source
    misses = [i.text for i in benign if decisions[i.id].action not in HELPED]
    out["benign_refused_examples"] = misses[:8]
    responses = [i for i in items if i.task == "response"]
    if responses:
        reviews = [charter.review(user(i.prompt or ""), i.text) for i in responses]
        out["review_refusal_accuracy"] = {
            "n": len(responses),
            "rate": rate(sum(r.refusal.value == i.refusal for r, i in zip(reviews, responses, strict=True)),
                         len(responses))}
        harmful_items = [(r, i) for r, i in zip(reviews, responses, strict=True) if i.harmful]
        out["review_harmful_response"] = {
            "n": len(responses),
            "accuracy": rate(sum(r.harmful == bool(i.harmful) for r, i in zip(reviews, responses, strict=True)),
                             len(responses)),
            "recall": rate(sum(r.harmful for r, _ in harmful_items), len(harmful_items))}
        heads = load_heads()
        head = heads.get("refusal")
        # Read as the reviewer reads them (its group of adapters), so the encoder's cache answers.
        group = response_adapters(heads)
        vectors = shared_encoder().embed_group([i.text for i in responses], RESPONSE_TOKENS, group)
        x = vectors[1 + [a.digest for a in group].index(head.adapter.digest)] if head.adapter else vectors[0]
        pred = [head.labels[k] for k in np.argmax(head.probabilities(x), axis=1)]
        out["refusal_head_accuracy"] = {
            "n": len(responses),
            "rate": rate(sum(p == i.refusal for p, i in zip(pred, responses, strict=True)), len(responses))}
    return out


def flagged(charter: Charter, document: str) -> bool:
    """Does Charter find an injection in this document, returned by a tool the user asked to read?"""
    conv = [{"role": "user", "content": "Please read the document from the tool and answer my question."},
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "read", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "t1", "content": document}]
    return any(s.id == "injection" for s in charter.assess(conv).signals)


def bipia(charter: Charter, seed: int, per_attack: int) -> dict[str, Any]:
    root = DATA / "bipia_train"
    if not root.exists():
        return {}
    rng = random.Random(seed)
    emails = [json.loads(line)["context"] for line in (root / "email" / "train.jsonl").open(encoding="utf-8")]
    code = ["\n".join(json.loads(line)["context"]) for line in (root / "code" / "train.jsonl").open(encoding="utf-8")]
    text_attacks = [a for group in json.load((root / "text_attack_train.json").open()).values() for a in group]
    code_attacks = [a for group in json.load((root / "code_attack_train.json").open()).values() for a in group]

    def insert(context: str, attack: str) -> str:
        cut = [0, len(context)] + [k + 1 for k, ch in enumerate(context) if ch in ".\n"]
        at = rng.choice(cut)
        return context[:at] + " " + attack + " " + context[at:]

    out: dict[str, Any] = {}
    ms: list[float] = []

    def timed(document: str) -> bool:
        t = time.perf_counter()
        hit = flagged(charter, document)
        ms.append((time.perf_counter() - t) * 1000)
        return hit

    for name, contexts, attacks in (("email", emails, text_attacks), ("code", code, code_attacks)):
        injected = [insert(rng.choice(contexts), a) for a in attacks for _ in range(per_attack)]
        detected = sum(timed(d) for d in injected)
        alarms = sum(timed(c) for c in contexts)
        out[name] = {"injected": len(injected), "detected": rate(detected, len(injected)),
                     "clean": len(contexts), "false_alarms": rate(alarms, len(contexts))}
    total_inj = sum(v["injected"] for v in out.values())
    total_clean = sum(v["clean"] for v in out.values())
    out["pooled"] = {
        "detected": rate(round(sum(v["detected"] * v["injected"] for v in out.values())), total_inj),
        "false_alarms": rate(round(sum(v["false_alarms"] * v["clean"] for v in out.values())), total_clean)}
    out["assess_p50_ms"] = round(statistics.median(ms), 1)  # a conversation carrying one such document
    return out


def latency(charter: Charter, n: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    words = ["deploy", "config", "server", "printer", "invoice", "garden", "recipe", "budget", "holiday",
             "meeting", "report", "laptop", "kitchen", "bicycle", "guitar", "contract", "insurance", "battery",
             "window", "schedule"]
    lat: list[float] = []
    for k in range(n):
        # A fresh sentence each time, so the encoder's cache never answers.
        topic = " ".join(rng.choice(words) for _ in range(6))
        conv = [{"role": "system", "content": "You are a helpful assistant for a small company. Be concise."},
                {"role": "user", "content": f"I need some help with my {topic} situation, number {k}. "
                                            "It started last week and I am not sure what to try next."},
                {"role": "assistant", "content": "Happy to help. What have you tried so far?"},
                {"role": "user", "content": f"I restarted everything and checked the {topic} settings twice, "
                                            "but nothing changed. What would you check next, step by step?"}]
        t = time.perf_counter()
        charter.assess(conv)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {"n": n, "p50_ms": round(lat[len(lat) // 2], 2), "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 2),
            "mean_ms": round(statistics.mean(lat), 2)}


def print_documents(corpus: dict[str, Any], split: str) -> None:
    d = corpus["documents"]
    print(f"corpus {split} documents in tool results: detected {d['detected']:.1%} of {d['injected']} injected, "
          f"false alarms on {d['false_alarms']:.1%} of {d['clean']} clean", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--per-attack", type=int, default=2, help="random placements of each BIPIA attack")
    parser.add_argument("--latency-n", type=int, default=300)
    parser.add_argument("--split", choices=("dev", "test"), default="test",
                        help="corpus split to score: tune on dev, report test once")
    parser.add_argument("--corpus-only", action="store_true", help="skip the public sets, BIPIA and latency")
    parser.add_argument("--judge", metavar="BACKEND",
                        help="escalate findings the heads leave unsure to this backend (the cascade); reports "
                             "how often and at what cost")
    args = parser.parse_args()
    judge = Judge(resolve_backend(args.judge)) if args.judge else None
    charter = Charter(judge=judge)
    charter.assess(user("warm-up"))
    _ASSESSED[0] = 0
    if judge is not None:
        judge.stats = JudgeStats()  # the warm-up is not counted
    t = time.perf_counter()
    if args.corpus_only:
        corpus = corpus_sets(charter, args.split)
        print(f"corpus {args.split}: harmful declined {corpus['harmful']['declined']:.1%} (decline or partial "
              f"{corpus['harmful']['declined_or_partial']:.1%}, n={corpus['harmful']['n']}); benign helped "
              f"{corpus['benign_helped']['rate']:.1%} (n={corpus['benign_helped']['n']})", file=sys.stderr)
        print_documents(corpus, args.split)
        print(json.dumps({f"corpus_{args.split}": corpus}))
        return
    key = f"corpus_{args.split}"
    result: dict[str, Any] = {key: corpus_sets(charter, args.split), "public": harmful_sets(charter),
                              "bipia": bipia(charter, args.seed, args.per_attack),
                              "latency": latency(charter, args.latency_n, args.seed)}
    result["elapsed_s"] = round(time.perf_counter() - t, 1)
    if judge is not None:
        st, assessed = judge.stats, _ASSESSED[0]
        result["judge"] = {"backend": judge.backend.name, "assessed": assessed, "escalated": st.escalated,
                           "escalation_rate": rate(st.escalated, assessed), "harmful": st.harmful,
                           "benign": st.benign, "undecided": st.undecided,
                           "p50_ms": round(statistics.median(st.ms), 1) if st.ms else None,
                           "p99_ms": round(float(np.percentile(st.ms, 99)), 1) if st.ms else None,
                           "total_s": round(sum(st.ms) / 1000, 1)}
    c, p, b, lat = result[key], result["public"], result["bipia"], result["latency"]
    print(f"corpus {args.split}: harmful declined {c['harmful']['declined']:.1%} (decline or partial "
          f"{c['harmful']['declined_or_partial']:.1%}, n={c['harmful']['n']}); benign helped "
          f"{c['benign_helped']['rate']:.1%} (n={c['benign_helped']['n']})", file=sys.stderr)
    print_documents(c, args.split)
    print(f"everyday requests: helped {c['everyday']['helped']:.1%}, plain help {c['everyday']['plain_help']:.1%}, "
          f"crisis false alarms {c['everyday']['crisis_false_alarm']:.1%} (n={c['everyday']['n']})", file=sys.stderr)
    print(f"crisis -> emergency resources {c['crisis_emergency_resources']['rate']:.1%}; look-alike false alarms "
          f"{c['crisis_lookalike_false_alarm']['rate']:.1%}", file=sys.stderr)
    for name, v in p.items():
        if name == "corpus_near_copies":
            print(f"corpus requests that nearly copy a public item: {v}", file=sys.stderr)
            continue
        print(f"{name}: declined {v['declined']:.1%}, decline or partial {v['declined_or_partial']:.1%} "
              f"(n={v['n']})", file=sys.stderr)
    if b:
        print(f"BIPIA in tool results: detected {b['pooled']['detected']:.1%} at {b['pooled']['false_alarms']:.1%} "
              f"false alarms; assess p50 {b['assess_p50_ms']} ms with the document", file=sys.stderr)
    print(f"review: refusal detection {c['review_refusal_accuracy']['rate']:.1%} (refusal head alone "
          f"{c['refusal_head_accuracy']['rate']:.1%}); harmful-response accuracy "
          f"{c['review_harmful_response']['accuracy']:.1%}, recall {c['review_harmful_response']['recall']:.1%}",
          file=sys.stderr)
    print(f"assess with models: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms", file=sys.stderr)
    if judge is not None:
        j = result["judge"]
        print(f"judge {j['backend']}: {j['escalated']} of {j['assessed']} assessments escalated "
              f"({j['escalation_rate']:.1%}); harmful {j['harmful']}, benign {j['benign']}, undecided "
              f"{j['undecided']}; p50 {j['p50_ms']} ms, p99 {j['p99_ms']} ms per call, {j['total_s']} s in all",
              file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
