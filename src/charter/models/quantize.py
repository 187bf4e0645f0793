"""Integer matrix products for the encoder.

The shipped MiniLM stores its weights as int8 with a scale per output column, but the graph
casts them back to float32 and multiplies in float32. On this project's machines (x86-64 with
AVX2) an integer product is faster, and the encoder is most of `assess`'s time.

`int8_matmuls` rewrites each such product to run on integers:

- the activations are quantised per token (each row of the input gets its own scale, its
  largest magnitude over 127), so a text's vector does not depend on what else is in its batch
  or how far the batch is padded;
- the weights are the file's own int8 values, untouched: nothing is quantised twice;
- the int32 product is scaled back by the row's scale times the column's.

The adapted copies of the last layer that heads train in numpy (`charter.models.adapter`) carry
float32 weights, so they are left alone and compute what training computed. Their input, the
states leaving the integer layers, is read from the rewritten graph at training time too, so
heads are trained on what Charter runs.

onnxruntime's ``quantize_dynamic`` was the first choice, but it re-quantises weights from float
(the file's are already int8) and scales activations per tensor, which couples a text's vector to
its batch-mates'. Its fused ``DynamicQuantizeMatMul`` does the same. `make bench` times the
encoder on both graphs; a test checks that the pooled vectors stay close to the float32 ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Stamped on trained heads: heads read vectors from this graph, so a change here needs a retrain.
GRAPH = "int8-per-token-v2"


def int8_matmuls(model: Any) -> int:
    """Rewrite ``model`` (an ``onnx.ModelProto``, in place); return how many products now use integers.

    Only products by a constant int8 weight (``MatMul(x, Mul(Cast(int8), scale))``, a scale per
    output column) change. Raises ``ValueError`` if there are none, which means the graph is not
    the MiniLM export this was written for.
    """
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}

    def constant(name: str, value: Any) -> str:
        graph.initializer.append(numpy_helper.from_array(value, name))
        return name

    eps = constant("int8mm_eps", np.array(1e-8, np.float32))
    levels = constant("int8mm_127", np.array(127.0, np.float32))
    shift = constant("int8mm_128", np.array(128.0, np.float32))
    a_zero = constant("int8mm_a_zero", np.array(128, np.uint8))
    b_zero = constant("int8mm_b_zero", np.array(0, np.int8))

    nodes: list[Any] = []
    rewritten = 0
    for node in graph.node:
        weight = _int8_weight(node, producers, inits) if node.op_type == "MatMul" else None
        if weight is None:
            nodes.append(node)
            continue
        q_name, scale_name = weight
        scale = numpy_helper.to_array(inits[scale_name]).reshape(-1).astype(np.float32)
        k = f"int8mm{rewritten}"
        col_scale = constant(f"{k}_col_scale", scale)
        x = node.input[0]
        nodes += [
            # The row's scale: its largest magnitude over 127 (never zero).
            helper.make_node("Abs", [x], [f"{k}_abs"]),
            helper.make_node("ReduceMax", [f"{k}_abs"], [f"{k}_max"], axes=[-1], keepdims=1),
            helper.make_node("Max", [f"{k}_max", eps], [f"{k}_max_safe"]),
            helper.make_node("Div", [f"{k}_max_safe", levels], [f"{k}_row_scale"]),
            # To uint8 around 128 (values land in 1..255, so nothing clips).
            helper.make_node("Div", [x, f"{k}_row_scale"], [f"{k}_scaled"]),
            helper.make_node("Round", [f"{k}_scaled"], [f"{k}_rounded"]),
            helper.make_node("Add", [f"{k}_rounded", shift], [f"{k}_shifted"]),
            helper.make_node("Cast", [f"{k}_shifted"], [f"{k}_q"], to=TensorProto.UINT8),
            helper.make_node("MatMulInteger", [f"{k}_q", q_name, a_zero, b_zero], [f"{k}_int32"]),
            helper.make_node("Cast", [f"{k}_int32"], [f"{k}_float"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [f"{k}_float", f"{k}_row_scale"], [f"{k}_rows"]),
            helper.make_node("Mul", [f"{k}_rows", col_scale], list(node.output), name=f"{k}_out"),
        ]
        rewritten += 1
    if not rewritten:
        raise ValueError("no int8-weighted matrix products to rewrite")
    del graph.node[:]
    graph.node.extend(nodes)
    return rewritten


def _int8_weight(node: Any, producers: dict[str, Any], inits: dict[str, Any]) -> tuple[str, str] | None:
    """For ``MatMul(x, Mul(Cast(q), scale))`` with q an int8 constant: the names of q and scale."""
    from onnx import TensorProto

    mul = producers.get(node.input[1])
    if mul is None or mul.op_type != "Mul":
        return None
    cast = producers.get(mul.input[0])
    scale = mul.input[1]
    if cast is None or cast.op_type != "Cast" or scale not in inits:
        return None
    q = inits.get(cast.input[0])
    if q is None or q.data_type != TensorProto.INT8 or len(q.dims) != 2:
        return None
    if int(np.prod(inits[scale].dims)) != q.dims[1]:
        return None
    return q.name, scale
