"""One typed settings object, built once from defaults < `RAG_*` environment < CLI flags.

No module reads the environment itself: entry points call `Settings.load()` and
pass the result down.

    >>> from rag.settings import Settings
    >>> s = Settings.load(environ={"RAG_TOP_K": "3"}, overrides={"index_dir": "/tmp/idx"})
    >>> (s.top_k, str(s.index_dir))
    (3, '/tmp/idx')
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

REPO_ROOT = Path(__file__).resolve().parents[1]

# Every network-facing library we use reads these at import time; set them before any import.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' "Loading weights" bar on every start
    # torch's OpenMP threads otherwise spin between calls; once llama_index.core is imported that spinning
    # starves the next encode (a one-question encode measured 490 ms instead of 14 ms on 2 cores).
    "OMP_WAIT_POLICY": "PASSIVE",
    "LLAMA_INDEX_CACHE_DIR": str(REPO_ROOT / ".rag" / "llama-index-cache"),
}


def force_offline() -> None:
    """Make every library we load stay off the network (idempotent)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    """Configuration for indexing and querying.

    Environment variables are the field names upper-cased with a `RAG_` prefix,
    e.g. `RAG_INDEX_DIR`, `RAG_TOP_K`, `RAG_CHROMA_URL`, `RAG_DATABASE_URL`.
    """

    index_dir: Path = REPO_ROOT / ".rag" / "index"
    collection: str = "news"
    model: str = "all-MiniLM-L6-v2"
    # How new indexes run the model: int8 ONNX ingests 2.4x as fast as fp32 torch with 35% less peak memory,
    # every retrieval metric within half a point (eval/RESULTS.md); "torch" runs the fp32 weights. An existing
    # index keeps the backend its manifest names (`rag.store.with_index_backend`).
    backend: str = "onnx-int8"
    # Where models derived from packaged weights are kept (the re-quantized int8 model); the default follows
    # XDG_CACHE_HOME, else ~/.cache/newsrag.
    model_cache: Path = Path.home() / ".cache" / "newsrag"
    chunk_size: int = 200  # word pieces of the model's own tokenizer; MiniLM reads at most 256
    chunk_overlap: int = 40  # word pieces, rounded to whole sentences
    embed_batch_size: int = 64
    top_k: int = 4  # citations in an answer at most
    candidates: int = 60  # passages each retriever contributes before fusion (tuned on MultiHop-RAG dev)
    chroma_url: str | None = None  # None: embedded PersistentClient under index_dir
    # PostgreSQL for the library and keyword index (postgresql://user:password@host:5432/db), shared by every
    # host; None: SQLite in index_dir (`rag.store.open_library`).
    database_url: str | None = None
    chroma_batch: int | None = None  # vectors embedded and written at once; None: 256, never above Chroma's limit
    llm_url: str | None = None  # OpenAI-compatible endpoint; None: extractive answers only
    llm_model: str = "local"
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    host: str = "127.0.0.1"
    port: int = 7860
    # The HTTP API's rate limits (`limits` notation, e.g. "60/minute"), per API key and per user (all their keys);
    # a question keeps both cores busy for about 0.1 s, so one a second per key leaves the machine to the others.
    api_key_rate: str = "60/minute"
    api_user_rate: str = "120/minute"
    # The chat's sign-in attempts per user name; past it even the right password is refused until the window moves.
    login_rate: str = "10/minute"
    # Fetching web pages and feeds (index/web.py): a polite client.
    user_agent: str = "newsrag/0.1 (offline news question answering; fetches pages its user adds)"
    fetch_timeout: float = 15.0  # seconds to connect, and between bytes received
    fetch_max_bytes: int = 20_000_000  # a response larger than this is refused (the chat's upload limit)
    fetch_delay: float = 1.0  # seconds between two requests to one host
    fetch_max_redirects: int = 5
    respect_robots: bool = True  # False fetches what robots.txt disallows (for one's own sites)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> "Settings":
        """Defaults, then `RAG_*` variables from `environ` (default `os.environ`), then `overrides`.

        `overrides` values that are None are ignored, so an argparse namespace
        with unset flags can be passed as `vars(args)`.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if environ.get("XDG_CACHE_HOME"):
            values["model_cache"] = Path(environ["XDG_CACHE_HOME"]) / "newsrag"
        for f in fields(cls):
            raw = environ.get(f"RAG_{f.name.upper()}")
            if raw not in (None, ""):
                values[f.name] = _coerce(f, raw)
        for key, value in (overrides or {}).items():
            if value is not None and key in cls.__dataclass_fields__:
                values[key] = _coerce(cls.__dataclass_fields__[key], value)
        return cls(**values)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    kind = str(f.type)
    try:
        if "Path" in kind:
            return Path(value).expanduser()
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
        if kind.startswith("bool") and isinstance(value, str):
            if value.strip().lower() not in _BOOLEANS:
                raise ValueError
            return _BOOLEANS[value.strip().lower()]
    except ValueError:
        raise ValueError(f"setting {f.name}: {value!r} is not a valid {kind}") from None
    return value if not isinstance(value, str) else value.strip()
