"""The two embedding backends of the same model: checked weights, same vectors, the index decides; int8 is the
default for new indexes."""

from pathlib import Path

import numpy as np
import pytest

from rag.embedder import BACKENDS, ModelError, load_embedder

ROOT = Path(__file__).resolve().parents[2]
SENTENCES = [
    "López Obrador denied that fentanyl is produced in Mexico.",
    "Mexico processes some 140,000 asylum applications a year, according to the government.",
    "word " * 400,  # longer than the model's window: both backends read the same first 254 word pieces
]


@pytest.mark.e2e
def test_torch_backend_gives_sentence_transformers_vectors():
    """The torch backend skips sentence-transformers' import but must give its vectors exactly."""
    from sentence_transformers import SentenceTransformer

    from rag.embedder import _model_dir

    fp32 = load_embedder(backend="torch")
    reference = SentenceTransformer(str(_model_dir("all-MiniLM-L6-v2")), device="cpu")
    texts = SENTENCES + ["  padded  ", "Obrador"]
    ours = fp32.encode(texts)
    theirs = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.dtype == np.float32 and ours.shape == (5, 384)
    assert np.abs(ours - theirs).max() < 1e-5
    assert np.allclose(fp32.encode(texts[::-1])[::-1], ours, atol=1e-5)


@pytest.mark.e2e
def test_onnx_int8_vectors_match_the_fp32_model():
    fp32 = load_embedder(backend="torch")
    int8 = load_embedder(backend="onnx-int8")
    assert fp32.weights_sha256.startswith("53aa5117") and int8.weights_sha256 != fp32.weights_sha256
    assert (int8.dimension, int8.max_tokens) == (fp32.dimension, fp32.max_tokens) == (384, 254)
    a, b = fp32.encode(SENTENCES), int8.encode(SENTENCES)
    assert b.dtype == np.float32 and np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5)
    # Integer activations cost a little precision (MultiHop-RAG chunks: cosine 0.994 mean, 0.98 min);
    # the retrieval metrics it must keep are measured by the evaluation (eval/RESULTS.md).
    assert (a * b).sum(axis=1).min() > 0.98
    # Batching and length-sorting must not change which vector belongs to which text (beyond the
    # per-batch activation scale of dynamic quantization).
    assert ((int8.encode(SENTENCES[::-1])[::-1] * b).sum(axis=1)).min() > 0.995


@pytest.mark.e2e
def test_int8_model_is_derived_once_from_the_packaged_weights(tmp_path):
    import onnx

    from rag.embedder import ONNX_INT8_SHA256, _onnx_int8_path, requantized_int8, sha256_of

    derived = requantized_int8(_onnx_int8_path(), ONNX_INT8_SHA256, tmp_path)
    assert derived.parent == tmp_path and [p.name for p in tmp_path.iterdir()] == [derived.name]
    ops = [node.op_type for node in onnx.load(str(derived)).graph.node]
    assert ops.count("MatMulInteger") == 36  # all six weight MatMuls of each of the six layers run on integers
    # Deterministic, so the manifest's hash of it holds on this machine; and not derived again.
    assert sha256_of(derived) == load_embedder(backend="onnx-int8").weights_sha256
    stamp = derived.stat().st_mtime_ns
    assert requantized_int8(_onnx_int8_path(), ONNX_INT8_SHA256, tmp_path) == derived
    assert derived.stat().st_mtime_ns == stamp


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ModelError, match=f"available: {', '.join(BACKENDS)}"):
        load_embedder(backend="tensorrt")


@pytest.mark.e2e
def test_queries_use_the_backend_that_built_the_index(tmp_path):
    import rag
    from index import ingest
    from rag.settings import Settings
    from rag.store import read_manifest

    built = Settings.load(environ={}, overrides={"index_dir": str(tmp_path), "backend": "onnx-int8"})
    afp = next((ROOT / "seeds").glob("001_*.txt"))  # the AFP story with the 140,000 asylum applications
    report = ingest([afp], built)
    assert len(report.added) == 1, report.summary()
    assert read_manifest(tmp_path)["backend"] == "onnx-int8"
    # A default (torch) settings object opens it with the index's backend instead of failing or mixing vectors.
    assistant = rag.open_assistant(built.replace(backend="torch"))
    assert assistant.settings.backend == "onnx-int8" and assistant.embedder.backend == "onnx-int8"
    answer = assistant.query("How many asylum applications does Mexico process a year?")
    assert not answer.abstained and "140,000" in answer.citations[0].quote


def test_new_indexes_default_to_int8_and_torch_is_one_setting_away(tmp_path):
    from rag.settings import Settings

    assert Settings.load(environ={}).backend == "onnx-int8"
    assert Settings.load(environ={"RAG_BACKEND": "torch"}).backend == "torch"
    # Derived models go where the settings say: RAG_MODEL_CACHE, else XDG_CACHE_HOME/newsrag.
    assert Settings.load(environ={"XDG_CACHE_HOME": str(tmp_path)}).model_cache == tmp_path / "newsrag"
    assert Settings.load(environ={"XDG_CACHE_HOME": "/x", "RAG_MODEL_CACHE": str(tmp_path)}).model_cache == tmp_path


@pytest.mark.e2e
def test_an_existing_fp32_index_keeps_its_backend_under_the_int8_default(tmp_path):
    import rag
    from index import ingest
    from rag.settings import Settings
    from rag.store import read_manifest

    default = Settings.load(environ={}, overrides={"index_dir": str(tmp_path)})
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    ingest(seeds[:1], default.replace(backend="torch"))  # an index built before int8 became the default
    assert read_manifest(tmp_path)["backend"] == "torch"
    # Adding to it with default settings embeds with fp32, as the rest of it is, rather than refusing or mixing.
    report = ingest(seeds[1:2], default)
    assert len(report.added) == 1 and read_manifest(tmp_path)["backend"] == "torch"
    assistant = rag.open_assistant(default)
    assert assistant.settings.backend == "torch" and assistant.embedder.backend == "torch"
    answer = assistant.query("How many asylum applications does Mexico process a year?")
    assert not answer.abstained and "140,000" in answer.citations[0].quote
    # A rebuild is a new index: it takes the default.
    ingest(seeds[:2], default, rebuild=True)
    assert read_manifest(tmp_path)["backend"] == "onnx-int8"
