"""MiniLM's last layer, adapted to one head by low-rank updates trained on the corpus.

A frozen sentence encoder with a small head on top tops out on harm: the mean-pooled vector
keeps what a sentence is about, and loses some of what it asks for. So the harm head reads a
request through its own copy of the encoder's last transformer layer. The hidden states that
enter that layer come from the shipped ONNX graph (given them as a second output); the layer is
re-run here in numpy, with the base weights read from the same checksummed file plus a
low-rank update ``W + A @ B`` for each of its six weight matrices. ``heads.json`` ships only the
updates: ``rank * (inputs + outputs)`` numbers per matrix, about 110 KiB at rank 8.

Training is here too, in numpy rather than torch: the forward pass keeps what the backward pass
needs, and the backward pass runs through the layer, mean pooling, normalisation and a logistic
output to the updates and the output layer. Adam does the steps; everything is seeded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from charter.models.arrays import Array, decode_array, encode_array

ATTENTION_HEADS = 12
_LN_EPS = 1e-12
# The layer's weight matrices, by the names their biases carry in the ONNX graph.
MATRICES: dict[str, str] = {
    "query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
    "attention_output": "attention.output.dense", "intermediate": "intermediate.dense", "output": "output.dense",
}
NORMS: dict[str, str] = {"attention_norm": "attention.output.LayerNorm", "output_norm": "output.LayerNorm"}


@dataclass(frozen=True)
class LayerWeights:
    """One BERT layer's parameters: matrices shaped inputs x outputs, their biases, two layer norms."""

    weights: dict[str, Array]
    biases: dict[str, Array]
    norms: dict[str, tuple[Array, Array]]


def read_layer(model: Any, index: int) -> tuple[str, LayerWeights]:
    """The name of the tensor entering layer ``index`` of an ONNX BERT, and that layer's weights.

    ``model`` is an ``onnx.ModelProto``. Quantised weights (an int8 initialiser cast to float and
    scaled) are dequantised the way the graph itself does it, so the numpy layer computes what
    the graph computes.
    """
    from onnx import numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def value(name: str) -> Array:
        if name in inits:
            return numpy_helper.to_array(inits[name]).astype(np.float32)
        node = producers.get(name)
        if node is None:
            raise ValueError(f"the encoder graph has no value named {name!r}")
        if node.op_type == "Cast":
            return value(node.input[0])
        if node.op_type == "Mul":
            return (value(node.input[0]) * value(node.input[1])).astype(np.float32)
        raise ValueError(f"cannot read weight {name!r}: made by a {node.op_type} node")

    prefix = f"inner.encoder.layer.{index}."
    weights: dict[str, Array] = {}
    biases: dict[str, Array] = {}
    layer_input = ""
    for key, path in MATRICES.items():
        bias = prefix + path + ".bias"
        add = next((n for n in consumers.get(bias, []) if n.op_type == "Add"), None)
        if add is None:
            raise ValueError(f"the encoder graph has no layer {index} ({bias} is not used)")
        matmul = producers[next(i for i in add.input if i != bias)]
        if matmul.op_type != "MatMul":
            raise ValueError(f"{bias} follows a {matmul.op_type}, not a MatMul")
        weights[key] = value(matmul.input[1])
        biases[key] = value(bias)
        if key == "query":
            layer_input = matmul.input[0]
    norms = {key: (value(prefix + path + ".weight"), value(prefix + path + ".bias")) for key, path in NORMS.items()}
    return layer_input, LayerWeights(weights=weights, biases=biases, norms=norms)


def add_adapted_copy(model: Any, index: int, layer_input: str, layer: LayerWeights, suffix: str = "_adapted") -> str:
    """Add to an ONNX BERT a second copy of layer ``index`` with ``layer``'s weights; return its output.

    ``layer_input`` is the tensor entering that layer, as `read_layer` names it.

    The copy reads the same input as the original (and shares the attention mask, shapes and
    constants computed before it), so one run of the graph gives the plain last hidden state and
    the adapted one. onnxruntime runs the copy with its own kernels and thread pool.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    last_norm = f"inner.encoder.layer.{index}.output.LayerNorm.weight"
    inside: set[str] = {layer_input}
    copied: list[Any] = []
    end = ""
    for node in graph.node:  # the graph is topologically sorted
        if not any(i in inside for i in node.input):
            continue
        copied.append(node)
        if node.op_type == "LayerNormalization" and last_norm in node.input:
            end = node.output[0]
            break
        inside.update(node.output)
    if not end:
        raise ValueError(f"layer {index} of the encoder graph has no output LayerNorm")
    renamed = {o: o + suffix for node in copied for o in node.output}
    weight_inputs: dict[str, str] = {}
    for key, path in MATRICES.items():
        bias = f"inner.encoder.layer.{index}.{path}.bias"
        add = next(n for n in copied if n.op_type == "Add" and bias in n.input)
        matmul = next(n for n in copied if n.output[0] in add.input)
        weight_inputs[matmul.input[1]] = f"{key}{suffix}"
        graph.initializer.append(numpy_helper.from_array(layer.weights[key], f"{key}{suffix}"))
    for node in copied:
        new = helper.make_node(node.op_type, [renamed.get(i, weight_inputs.get(i, i)) for i in node.input],
                               [renamed[o] for o in node.output], name=node.name + suffix, domain=node.domain)
        new.attribute.extend(node.attribute)
        graph.node.append(new)
    output: str = renamed[end]
    graph.output.append(helper.make_tensor_value_info(output, 1, None))  # 1: FLOAT
    return output


class Adapter(BaseModel):
    """Low-rank updates to one encoder layer, as stored in ``heads.json``."""

    model_config = ConfigDict(frozen=True, ignored_types=(cached_property,))

    layer: int
    rank: int
    updates: dict[str, tuple[dict[str, Any], dict[str, Any]]]  # matrix -> (A: in x rank, B: rank x out)

    @cached_property
    def digest(self) -> str:
        """A short digest of the updates: adapted vectors are cached under it."""
        import hashlib
        import json

        return hashlib.sha256(json.dumps(self.updates, sort_keys=True).encode()).hexdigest()[:16]

    @cached_property
    def arrays(self) -> dict[str, tuple[Array, Array]]:
        return {k: (decode_array(a), decode_array(b)) for k, (a, b) in self.updates.items()}

    def apply(self, base: LayerWeights) -> LayerWeights:
        """The base layer with the updates added."""
        unknown = set(self.updates) - set(base.weights)
        if unknown:
            raise ValueError(f"adapter updates unknown matrices: {sorted(unknown)}")
        merged = {k: (w + self.arrays[k][0] @ self.arrays[k][1]).astype(np.float32) if k in self.arrays else w
                  for k, w in base.weights.items()}
        return LayerWeights(weights=merged, biases=base.biases, norms=base.norms)


# --- the layer, forward (and backward, for training) ---------------------------------------------

def _erf(x: Array) -> Array:
    # Abramowitz & Stegun 7.1.26: absolute error below 1.5e-7, finer than float32 needs here.
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    out: Array = (s * (1.0 - poly * np.exp(-a * a))).astype(np.float32)
    return out


def _norm(x: Array, gamma: Array, beta: Array) -> tuple[Array, tuple[Array, Array]]:
    centred = x - x.mean(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + _LN_EPS)
    unit = centred * inv
    return (unit * gamma + beta).astype(np.float32), (unit, inv)


def _norm_back(grad: Array, gamma: Array, saved: tuple[Array, Array]) -> Array:
    unit, inv = saved
    g = grad * gamma
    out: Array = (inv * (g - g.mean(axis=-1, keepdims=True) - unit * (g * unit).mean(axis=-1, keepdims=True)))
    return out.astype(np.float32)


@dataclass
class _Saved:
    """What the backward pass needs from the forward pass."""

    inputs: Array
    q: Array
    k: Array
    v: Array
    attention: Array
    context: Array
    norm1: tuple[Array, Array]
    after_attention: Array
    pre_gelu: Array
    gelu: Array
    norm2: tuple[Array, Array]
    mean: Array
    length: Array
    mask: Array


def forward(layer: LayerWeights, states: Array, mask: Array, *, keep: bool = False) -> tuple[Array, _Saved | None]:
    """Unit-length mean-pooled outputs of the layer for ``states`` (batch x tokens x 384).

    ``mask`` is 1 for real tokens and 0 for padding (batch x tokens).
    """
    w, b = layer.weights, layer.biases
    batch, tokens, dim = states.shape
    size = dim // ATTENTION_HEADS

    def heads(x: Array) -> Array:
        return x.reshape(batch, tokens, ATTENTION_HEADS, size).transpose(0, 2, 1, 3)

    q = heads(states @ w["query"] + b["query"])
    k = heads(states @ w["key"] + b["key"])
    v = heads(states @ w["value"] + b["value"])
    scores = (q @ k.transpose(0, 1, 3, 2)) / math.sqrt(size)
    scores = scores + np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
    scores = scores - scores.max(axis=-1, keepdims=True)
    attention = np.exp(scores)
    attention /= attention.sum(axis=-1, keepdims=True)
    context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, tokens, dim)
    after_attention, norm1 = _norm(context @ w["attention_output"] + b["attention_output"] + states,
                                   *layer.norms["attention_norm"])
    pre_gelu = after_attention @ w["intermediate"] + b["intermediate"]
    gelu = 0.5 * pre_gelu * (1.0 + _erf(pre_gelu / math.sqrt(2.0)))
    out, norm2 = _norm(gelu @ w["output"] + b["output"] + after_attention, *layer.norms["output_norm"])
    weights = mask[:, :, None].astype(np.float32)
    length = np.maximum(weights.sum(axis=1), 1.0)
    mean = (out * weights).sum(axis=1) / length
    pooled: Array = (mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    saved = _Saved(states, q, k, v, attention, context, norm1, after_attention, pre_gelu, gelu, norm2, mean,
                   length, weights) if keep else None
    return pooled, saved


def backward(layer: LayerWeights, saved: _Saved, grad_pooled: Array) -> dict[str, Array]:
    """Gradients of the loss with respect to the layer's six weight matrices, given d loss / d pooled."""
    w = layer.weights
    s = saved
    batch, tokens, dim = s.inputs.shape
    size = dim // ATTENTION_HEADS
    norm = np.linalg.norm(s.mean, axis=1, keepdims=True)
    unit = s.mean / norm
    grad_mean = (grad_pooled - unit * (unit * grad_pooled).sum(axis=1, keepdims=True)) / norm
    grad_out = grad_mean[:, None, :] * s.mask / s.length[:, None, :]
    grad_sum2 = _norm_back(grad_out, layer.norms["output_norm"][0], s.norm2)

    def flat(x: Array) -> Array:
        return x.reshape(-1, x.shape[-1])

    grads: dict[str, Array] = {"output": flat(s.gelu).T @ flat(grad_sum2)}
    grad_gelu = grad_sum2 @ w["output"].T
    x = s.pre_gelu
    gelu_slope = 0.5 * (1.0 + _erf(x / math.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    grad_pre = grad_gelu * gelu_slope
    grads["intermediate"] = flat(s.after_attention).T @ flat(grad_pre)
    grad_after = grad_pre @ w["intermediate"].T + grad_sum2
    grad_sum1 = _norm_back(grad_after, layer.norms["attention_norm"][0], s.norm1)
    grads["attention_output"] = flat(s.context).T @ flat(grad_sum1)
    grad_context = (grad_sum1 @ w["attention_output"].T).reshape(batch, tokens, ATTENTION_HEADS, size)
    grad_context = grad_context.transpose(0, 2, 1, 3)
    grad_attention = grad_context @ s.v.transpose(0, 1, 3, 2)
    grad_v = s.attention.transpose(0, 1, 3, 2) @ grad_context
    grad_scores = s.attention * (grad_attention - (grad_attention * s.attention).sum(axis=-1, keepdims=True))
    grad_scores /= math.sqrt(size)
    grad_q = grad_scores @ s.k
    grad_k = grad_scores.transpose(0, 1, 3, 2) @ s.q

    def merge(x: Array) -> Array:
        return x.transpose(0, 2, 1, 3).reshape(batch * tokens, dim)

    inputs = flat(s.inputs).T
    grads["query"] = inputs @ merge(grad_q)
    grads["key"] = inputs @ merge(grad_k)
    grads["value"] = inputs @ merge(grad_v)
    return {k: g.astype(np.float32) for k, g in grads.items()}


# --- training ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdapterSpec:
    """How to train an adapter: rank, passes over the data, steps and batch size, seed."""

    rank: int = 8
    epochs: int = 6
    learning_rate: float = 1e-3
    batch: int = 32
    seed: int = 0


@dataclass
class _Adam:
    rate: float
    beta1: float = 0.9
    beta2: float = 0.999
    step: int = 0

    def __post_init__(self) -> None:
        self.moments: dict[str, tuple[Array, Array]] = {}

    def update(self, params: dict[str, Array], grads: dict[str, Array]) -> None:
        self.step += 1
        for name, g in grads.items():
            m, v = self.moments.get(name, (np.zeros_like(g), np.zeros_like(g)))
            m = self.beta1 * m + (1 - self.beta1) * g
            v = self.beta2 * v + (1 - self.beta2) * g * g
            self.moments[name] = (m, v)
            m_hat = m / (1 - self.beta1 ** self.step)
            v_hat = v / (1 - self.beta2 ** self.step)
            params[name] -= (self.rate * m_hat / (np.sqrt(v_hat) + 1e-8)).astype(np.float32)


def pad(sequences: Sequence[Array]) -> tuple[Array, Array]:
    """Variable-length token states stacked into (batch x longest x dim) with a 0/1 mask."""
    longest = max(s.shape[0] for s in sequences)
    dim = sequences[0].shape[1]
    states = np.zeros((len(sequences), longest, dim), dtype=np.float32)
    mask = np.zeros((len(sequences), longest), dtype=np.float32)
    for row, s in enumerate(sequences):
        states[row, :s.shape[0]] = s
        mask[row, :s.shape[0]] = 1.0
    return states, mask


def train_adapter(base: LayerWeights, layer_index: int, sequences: Sequence[Array], labels: Sequence[int],
                  spec: AdapterSpec, classifier: tuple[Array, Array],
                  log: Callable[[str], None] = print) -> tuple[Adapter, tuple[Array, Array]]:
    """Low-rank updates and the head's output layer, trained jointly.

    ``sequences`` are the token states entering the layer, one array per text; ``classifier`` is
    the starting output layer (weights dim x outputs, bias), e.g. a logistic regression fitted on
    the unadapted vectors. One output: a yes/no head (``labels`` 0/1, sigmoid, positives weighted
    so both classes count equally). More: one per class (``labels`` are class indices, softmax,
    each class weighted by the inverse of its frequency).
    """
    rng = np.random.default_rng(spec.seed)
    classes = classifier[0].shape[1]
    target_index = np.asarray(labels, dtype=np.int64)
    y = target_index.astype(np.float32)
    positive_weight = float((1 - y).sum() / max(y.sum(), 1.0))
    class_weight = (len(target_index) / (max(classes, 2) * np.maximum(np.bincount(target_index, minlength=classes), 1))
                    ).astype(np.float32)
    params: dict[str, Array] = {}
    for name, w in base.weights.items():
        fan_in, fan_out = w.shape
        params[f"{name}.a"] = (rng.standard_normal((fan_in, spec.rank)) / math.sqrt(fan_in)).astype(np.float32)
        params[f"{name}.b"] = np.zeros((spec.rank, fan_out), dtype=np.float32)
    params["classifier.w"] = classifier[0].astype(np.float32).copy()
    params["classifier.b"] = classifier[1].astype(np.float32).copy()
    adam = _Adam(spec.learning_rate)
    order = np.arange(len(sequences))
    for epoch in range(spec.epochs):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), spec.batch):
            rows = order[start:start + spec.batch]
            states, mask = pad([sequences[i] for i in rows])
            layer = LayerWeights(weights={k: w + params[f"{k}.a"] @ params[f"{k}.b"] for k, w in base.weights.items()},
                                 biases=base.biases, norms=base.norms)
            pooled, saved = forward(layer, states, mask, keep=True)
            assert saved is not None
            logits = pooled @ params["classifier.w"] + params["classifier.b"]
            if classes == 1:
                p = 1.0 / (1.0 + np.exp(-logits[:, 0]))
                target = y[rows]
                scale = positive_weight * target + (1 - target)
                total += float(-(positive_weight * target * np.log(p + 1e-9)
                                 + (1 - target) * np.log(1 - p + 1e-9)).sum())
                grad_logits = ((p * scale - positive_weight * target) / len(rows)).astype(np.float32)[:, None]
            else:
                shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
                probs = shifted / shifted.sum(axis=1, keepdims=True)
                picked = target_index[rows]
                weight = class_weight[picked]
                total += float(-(weight * np.log(probs[np.arange(len(rows)), picked] + 1e-9)).sum())
                probs[np.arange(len(rows)), picked] -= 1.0
                grad_logits = (probs * weight[:, None] / len(rows)).astype(np.float32)
            grads = {"classifier.w": pooled.T @ grad_logits,
                     "classifier.b": grad_logits.sum(axis=0).astype(np.float32)}
            grad_w = backward(layer, saved, (grad_logits @ params["classifier.w"].T).astype(np.float32))
            for k, g in grad_w.items():
                grads[f"{k}.a"] = g @ params[f"{k}.b"].T
                grads[f"{k}.b"] = params[f"{k}.a"].T @ g
            adam.update(params, grads)
        log(f"adapter epoch {epoch + 1}/{spec.epochs}: loss {total / len(order):.4f}")
    adapter = Adapter(layer=layer_index, rank=spec.rank, updates={
        k: (encode_array(params[f"{k}.a"]), encode_array(params[f"{k}.b"])) for k in base.weights})
    return adapter, (params["classifier.w"], params["classifier.b"])
