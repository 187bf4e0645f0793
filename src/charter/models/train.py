"""Train Charter's heads from the corpus: `python -m charter.models.train` (or `make models`).

Deterministic: the corpus is read in file order, the encoder is deterministic, and
scikit-learn's network is seeded. Each binary head's threshold
is chosen on the dev split (the lowest threshold whose false-positive rate on dev stays
within the budget); the test split is never looked at here. Writes
``src/charter/data/heads.json`` and prints dev metrics.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from charter.analysers.learned import REQUEST_TOKENS
from charter.corpus import REPO_CORPUS, Item, load
from charter.models.adapter import Adapter, AdapterSpec, train_adapter
from charter.models.encoder import MODEL_SHA256, TOP_LAYER, Encoder
from charter.models.heads import Head, decode_array, encode_array
from charter.models.quantize import GRAPH
from charter.models.segments import Read, features, overlaps, read
from charter.review import RESPONSE_TOKENS

OUT = Path(__file__).resolve().parents[1] / "data" / "heads.json"

Model = tuple[str, float, float]


@dataclass(frozen=True)
class HeadSpec:
    """How one head is trained. Everything here was chosen on the dev split."""

    name: str
    select: Callable[[Item], bool]  # which items
    label: Callable[[Item], str]
    budget: float  # binary heads: the false-positive rate allowed on dev when choosing the threshold
    model: Model  # ("mlp", hidden units, L2 alpha) or ("linear", C, unused)
    ngrams: tuple[int, float] | None = None  # (longest word n-gram, C of their logistic regression)
    adapter: AdapterSpec | None = None  # low-rank updates to the encoder's last layer, trained with a
    # logistic output layer that starts from the "linear" model fitted on the plain vectors
    tokens: int = REQUEST_TOKENS  # how much of each text the head reads (its last tokens), as at run time
    reads: Literal["text", "segments"] = "text"  # segments: each piece of a document (charter.models.segments)
    planted_copies: int = 0  # segments: each training span is also read planted in this many other
    # clean training documents, so the head sees the same instruction amid other contexts
    planted_requests: int = 0  # segments: this many short training requests, each read planted in a
    # clean training document: a user's task is what a quiet injection slips into a document
    folds: int = 0  # segments: also score the training documents out of fold, to choose the threshold on more


SPECS: list[HeadSpec] = [
    # A harm false positive mostly costs "help with care", not a refusal: the weighing still
    # looks at severity and intent. So the harm head trades a little precision for recall.
    # On dev, at a 6% false-alarm budget: a network on the frozen encoder's vectors found 0.75 of
    # harmful requests; blending in word n-grams, 0.87; the adapted last layer with n-grams, 0.94.
    # The topic files made dev larger and harder: the same setting finds 0.906 of it; rank 16, 0.901;
    # six epochs, 0.898 (the adapted network alone rises, 0.815 -> 0.838 / 0.852, the blend does not).
    # With the encoder's products in integers (charter.models.quantize): 0.895 at 5.5% false alarms.
    HeadSpec("harm", lambda i: i.task == "request", lambda i: "yes" if i.harmful else "no", 0.06, ("linear", 16, 0),
             ngrams=(2, 16.0), adapter=AdapterSpec(rank=8, epochs=4, learning_rate=1e-3)),
    # Linear for crisis: as accurate on dev as a network, and far less sure of itself on
    # everyday messages unlike anything in the corpus. With word n-grams blended in, as for harm:
    # alone, the vector put "remind me to take my pills" and "am I talking to a bot? honestly?" at
    # 0.63-0.73, and dev's 22 crisis messages held the threshold at 0.55 (false alarms 2.9%); with
    # the n-grams dev recall stays 1.0 at 0.6% false alarms (0.9% on the integer encoder), and those
    # messages fall to 0.34-0.41.
    HeadSpec("crisis", lambda i: i.task == "request", lambda i: "yes" if i.crisis else "no", 0.03, ("linear", 16, 0),
             ngrams=(2, 16.0)),
    HeadSpec("category", lambda i: i.task == "request" and i.harmful is True and i.category is not None,
             lambda i: str(i.category), 0.0, ("mlp", 128, 1e-3)),
    # Injection is judged piece by piece, each piece beside the rest of its document; a document is
    # flagged when its most suspicious piece is. On dev, at 2% false alarms on clean documents: the
    # whole-document network never got within budget (at 0.99 it found 0.38, with 10% false alarms);
    # the piece-by-piece network found 0.44; with spans and requests planted in other documents, 0.52
    # (250 requests: 0.47, 1000: 0.50). Dev holds only 86 clean documents, so the threshold is now
    # chosen on them and on the training documents scored out of fold (5 folds, 1,109 documents).
    HeadSpec("injection", lambda i: i.task == "document", lambda i: "yes" if i.injected else "no", 0.02,
             ("mlp", 128, 1e-2), reads="segments", planted_copies=1, planted_requests=500, folds=5),
    # Responses: refusals and harmful content read through their own adaptations of the last layer.
    # On dev, refusal accuracy rose from 0.76 (a network on the frozen vectors) to 0.82, and
    # harmful-response recall within its 3% false-alarm budget from 0.73 to 0.91.
    HeadSpec("refusal", lambda i: i.task == "response", lambda i: str(i.refusal), 0.0, ("linear", 16, 0),
             adapter=AdapterSpec(rank=8, epochs=4, learning_rate=1e-3), tokens=RESPONSE_TOKENS),
    HeadSpec("harmful_response", lambda i: i.task == "response", lambda i: "yes" if i.harmful else "no", 0.03,
             ("linear", 16, 0), adapter=AdapterSpec(rank=8, epochs=4, learning_rate=1e-3), tokens=RESPONSE_TOKENS),
]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def corpus_digest(root: Path = REPO_CORPUS) -> str:
    h = hashlib.sha256()
    for path in sorted(root.glob("*/*.jsonl")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _fit(x: npt.NDArray[np.float32], y: list[str], spec: Model) -> Any:
    """A one-hidden-layer network (fixed seed) or a logistic regression; both deterministic."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    kind, size, alpha = spec
    if kind == "mlp":
        model: Any = MLPClassifier(hidden_layer_sizes=(int(size),), alpha=alpha, max_iter=600, random_state=0)
    else:
        model = LogisticRegression(C=size, class_weight="balanced", max_iter=5000)
    model.fit(x, y)
    return model


def _layers(model: Any) -> list[dict[str, Any]]:
    if hasattr(model, "coefs_"):
        pairs = list(zip(model.coefs_, model.intercepts_, strict=True))
    else:  # logistic regression: one layer, weights shaped inputs x outputs
        pairs = [(model.coef_.T, model.intercept_)]
    return [{"weights": encode_array(w), "bias": encode_array(b)} for w, b in pairs]


def _fit_ngrams(texts: list[str], y: list[str], spec: tuple[int, float]) -> dict[str, Any]:
    """Sublinear TF-IDF of word 1..n-grams and a balanced logistic regression, as stored `Ngrams`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    n, c = spec
    vectoriser = TfidfVectorizer(ngram_range=(1, n), sublinear_tf=True, min_df=2, lowercase=True)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    model.fit(vectoriser.fit_transform(texts), y)
    if [str(k) for k in model.classes_] != ["no", "yes"]:
        raise ValueError("n-grams are blended into yes/no heads only")
    terms = sorted(vectoriser.vocabulary_, key=vectoriser.vocabulary_.__getitem__)
    return {"n": n, "terms": terms, "idf": encode_array(vectoriser.idf_), "coef": encode_array(model.coef_[0]),
            "intercept": float(model.intercept_[0])}


def _predict(head: dict[str, Any], x: npt.NDArray[np.float32],
             texts: list[str] | None = None) -> npt.NDArray[np.float32]:
    """Probabilities through the stored (float16) weights, exactly as Charter will compute them."""
    return Head.model_validate(head).probabilities(x, texts)


def _threshold(p: npt.NDArray[np.float32], truth: npt.NDArray[np.bool_], budget: float,
               fine: bool = False) -> float:
    """The threshold with the best dev recall whose false-positive rate stays within budget.

    Among thresholds with that recall the highest is taken: the widest margin against
    messages unlike anything in dev. 0.5 if dev lacks either class. ``fine`` also tries a
    threshold just above each negative's score (to six places), for heads whose false alarms
    are surer than 0.99.
    """
    negatives, positives = p[~truth], p[truth]
    if negatives.size == 0 or positives.size == 0:
        return 0.5
    grid = np.arange(0.05, 0.995, 0.01)
    places = 2
    if fine:
        places = 6
        grid = np.unique(np.concatenate([grid, np.ceil(negatives.astype(np.float64) * 1e6 + 1) / 1e6]))
    best_t, best_recall = 0.99, -1.0
    for t in grid:
        if float((negatives >= t).mean()) > budget:
            continue
        recall = float((positives >= t).mean())
        if recall >= best_recall:
            best_t, best_recall = round(float(t), places), recall
    return best_t


PLANTED_REQUEST_WORDS = 25  # a request planted in a document is a short one


def _pieces(spec: HeadSpec, chosen: list[Item], documents: list[Read], requests: list[Read],
            rng: random.Random) -> tuple[npt.NDArray[np.float32], list[str]]:
    """The labelled pieces of some training documents, with their spans and the requests planted anew.

    A piece is planted when at least half of it, or of a span, is shared with a span; pieces that
    touch a span less than that are left out rather than guessed.
    """
    pieces_x: list[npt.NDArray[np.float32]] = []
    pieces_y: list[int] = []
    spans_read: list[Read] = []  # each span as a document of its own: the pieces it covers
    for item, doc in zip(chosen, documents, strict=True):
        f = features(doc.vectors)
        if not item.injected:
            pieces_x.append(f)
            pieces_y += [0] * len(doc.pieces)
            continue
        per_span = np.array([[overlaps(piece, [(a, a + len(s))]) for piece in doc.pieces]
                             for s in item.spans or () for a in [item.text.index(s)]]).reshape(-1, len(doc.pieces))
        share = per_span.max(axis=0, initial=0.0)
        keep = (share >= 0.5) | (share == 0)
        pieces_x.append(f[keep])
        pieces_y += [int(v) for v in share[keep] >= 0.5]
        for row in per_span:
            covered = np.flatnonzero(row >= 0.5)
            if covered.size:
                spans_read.append(Read([doc.pieces[k] for k in covered], doc.vectors[covered]))
    clean = [d for i, d in zip(chosen, documents, strict=True) if not i.injected]
    for instruction in spans_read * spec.planted_copies + requests:
        # Only the planted pieces are added: the host's own pieces are already negatives.
        host = rng.choice(clean).vectors
        pieces_x.append(features(np.vstack([host, instruction.vectors]))[len(host):])
        pieces_y += [1] * len(instruction.pieces)
    return np.vstack(pieces_x), ["yes" if v else "no" for v in pieces_y]


def _train_segments(spec: HeadSpec, items: list[Item], encoder: Encoder) -> tuple[dict[str, Any], dict[str, Any]]:
    """A yes/no head over document pieces, labelled by the corpus' spans; thresholded per document.

    The threshold is chosen on more clean documents than dev alone holds: dev, and the training
    documents scored by networks that did not see them (``spec.folds`` folds, split by group).
    """
    train_items = [i for i in items if spec.select(i) and i.split == "train"]
    dev_items = [i for i in items if spec.select(i) and i.split == "dev"]
    documents = read(encoder, [i.text for i in train_items])
    # The requests to plant are the first by a digest of their ids: a fixed rule, so a corpus change
    # swaps in only the new requests that sort among them. (A seeded shuffle of all of them drew a
    # new sample whenever a request was added, and moved dev recall by a few points on its own.)
    requests = sorted((i for i in items if i.task == "request" and i.split == "train" and not i.crisis
                       and len(i.text.split()) <= PLANTED_REQUEST_WORDS), key=lambda i: _digest(i.id))
    planted_requests = read(encoder, [i.text for i in requests[:spec.planted_requests]])
    x, y = _pieces(spec, train_items, documents, planted_requests, random.Random(0))
    model = _fit(x, y, spec.model)
    head: dict[str, Any] = {"name": spec.name, "labels": [str(k) for k in model.classes_], "reads": "segments",
                            "trained_on": len(y), "layers": _layers(model)}
    stored = Head.model_validate(head)  # dev is read through the stored (float16) weights
    dev_scores = np.array([float(stored.probabilities(features(d.vectors)).max())
                           for d in read(encoder, [i.text for i in dev_items])], dtype=np.float32)
    dev_truth = np.array([spec.label(i) == "yes" for i in dev_items], dtype=bool)
    held_scores: list[float] = []
    held_truth: list[bool] = []
    fold_of = [int(hashlib.sha256(i.group.encode()).hexdigest(), 16) % spec.folds if spec.folds else 0
               for i in train_items]
    for fold in range(spec.folds):
        rest = [k for k, f in enumerate(fold_of) if f != fold]
        fx, fy = _pieces(spec, [train_items[k] for k in rest], [documents[k] for k in rest], planted_requests,
                         random.Random(fold + 1))
        network = _fit(fx, fy, spec.model)
        yes = list(network.classes_).index("yes")
        for k, f in enumerate(fold_of):
            if f == fold:
                held_scores.append(float(network.predict_proba(features(documents[k].vectors))[:, yes].max()))
                held_truth.append(spec.label(train_items[k]) == "yes")
    scores = np.concatenate([dev_scores, np.array(held_scores, dtype=np.float32)])
    truth = np.concatenate([dev_truth, np.array(held_truth, dtype=bool)])
    head["threshold"] = _threshold(scores, truth, spec.budget, fine=True)

    def rates(p: npt.NDArray[np.float32], t: npt.NDArray[np.bool_]) -> tuple[float, float]:
        hit = p >= head["threshold"]
        return (round(float(hit[t].mean()), 3) if t.any() else 0.0, round(float(hit[~t].mean()), 3) if (~t).any()
                else 0.0)

    recall, fpr = rates(dev_scores, dev_truth)
    report = {"dev_n": len(dev_items), "threshold": head["threshold"], "recall": recall, "false_positive_rate": fpr}
    if spec.folds:
        held_recall, held_fpr = rates(np.array(held_scores, dtype=np.float32), np.array(held_truth, dtype=bool))
        report.update(held_out_n=len(held_scores), held_out_recall=held_recall, held_out_false_positive_rate=held_fpr)
    return head, report


def train(out: Path = OUT, log: Callable[[str], None] = print) -> dict[str, Any]:
    start = time.perf_counter()
    items = load()
    encoder = Encoder(cache_size=0)  # the test suite checks that retraining reproduces the shipped heads
    log(f"corpus: {len(items)} items; embedding…")
    # Requests are read as the analysers read them: their last REQUEST_TOKENS tokens. Their states
    # entering the last layer are kept for the heads that adapt that layer.
    vectors = np.zeros((len(items), 384), dtype=np.float32)
    states: dict[int, npt.NDArray[np.float32]] = {}
    for task, tokens in (("request", REQUEST_TOKENS), ("response", RESPONSE_TOKENS)):
        rows = [n for n, i in enumerate(items) if i.task == task]
        if not rows:
            continue
        texts = [items[n].text for n in rows]
        vectors[rows], layer_inputs = encoder.layer_inputs(texts, max_tokens=tokens)
        states.update(zip(rows, layer_inputs, strict=True))
    log(f"embedded in {time.perf_counter() - start:.1f} s")
    index = {i.id: n for n, i in enumerate(items)}
    heads: dict[str, Any] = {}
    report: dict[str, Any] = {}
    for spec in SPECS:
        name, label = spec.name, spec.label
        chosen = [i for i in items if spec.select(i)]
        train_items = [i for i in chosen if i.split == "train"]
        dev_items = [i for i in chosen if i.split == "dev"]
        if len({label(i) for i in train_items}) < 2:
            log(f"{name}: skipped (fewer than two labels in train)")
            continue
        if spec.reads == "segments":
            heads[name], report[name] = _train_segments(spec, items, encoder)
            log(f"{name}: trained on {heads[name]['trained_on']} pieces; dev {report[name]}")
            continue
        x = vectors[[index[i.id] for i in train_items]]
        y = [label(i) for i in train_items]
        model = _fit(x, y, spec.model)
        classes = [str(k) for k in model.classes_]
        head: dict[str, Any] = {"name": name, "labels": classes, "trained_on": len(train_items),
                                "layers": _layers(model)}
        if spec.ngrams is not None:
            head["ngrams"] = _fit_ngrams([i.text for i in train_items], y, spec.ngrams)
        xd = vectors[[index[i.id] for i in dev_items]] if dev_items else np.zeros((0, x.shape[1]), np.float32)
        if spec.adapter is not None:
            if spec.model[0] != "linear":
                raise ValueError(f"{name}: an adapter starts from a linear model")
            missing = [i.id for i in chosen if index[i.id] not in states]
            if missing:
                raise ValueError(f"{name}: adapters read requests and responses only; {missing[0]} is neither")
            log(f"{name}: adapting the encoder's last layer (rank {spec.adapter.rank}, {spec.adapter.epochs} epochs)…")
            layers = head["layers"][0]
            adapter, (w, b) = train_adapter(
                encoder.top_layer, TOP_LAYER, [states[index[i.id]] for i in train_items],
                [classes.index(v) if len(classes) > 2 else int(v == classes[1]) for v in y],
                spec.adapter, (decode_array(layers["weights"]), decode_array(layers["bias"])), log=log)
            head["adapter"] = adapter.model_dump(mode="json")
            head["layers"] = [{"weights": encode_array(w), "bias": encode_array(b)}]
            # Dev is read as Charter reads it: the stored (float16) updates, run inside the graph.
            xd = encoder.embed([i.text for i in dev_items], max_tokens=spec.tokens,
                               adapter=Adapter.model_validate(head["adapter"]))
        dev_texts = [i.text for i in dev_items]
        if classes == ["no", "yes"]:
            p = _predict(head, xd, dev_texts) if len(dev_items) else np.zeros(0, np.float32)
            truth = np.array([label(i) == "yes" for i in dev_items], dtype=bool)
            head["threshold"] = _threshold(p, truth, spec.budget)
            pred = p >= head["threshold"]
            tp = int((pred & truth).sum())
            report[name] = {"dev_n": len(dev_items), "threshold": head["threshold"],
                            "recall": round(tp / max(int(truth.sum()), 1), 3),
                            "false_positive_rate": round(int((pred & ~truth).sum()) / max(int((~truth).sum()), 1), 3)}
        else:
            probs = _predict(head, xd) if len(dev_items) else np.zeros((0, len(classes)), np.float32)
            pred_labels = [classes[k] for k in np.argmax(probs, axis=1)]
            acc = float(np.mean([a == label(i) for a, i in zip(pred_labels, dev_items, strict=True)])) \
                if dev_items else 0.0
            report[name] = {"dev_n": len(dev_items), "accuracy": round(acc, 3)}
        heads[name] = head
        log(f"{name}: trained on {len(train_items)}; dev {report[name]}")
    data = {"encoder_sha256": MODEL_SHA256, "encoder_graph": GRAPH, "corpus_sha256": corpus_digest(),
            "heads": heads}
    out.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {out} ({out.stat().st_size // 1024} KiB) in {time.perf_counter() - start:.1f} s")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("training needs scikit-learn: pip install -e '.[train]'", file=sys.stderr)
        return 2
    train(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
