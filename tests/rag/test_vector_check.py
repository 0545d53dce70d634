"""The one-line message of `rag.vector_check.VectorGap` and the `--repair` argument check (no model, no Chroma)."""

from rag.cli import main
from rag.vector_check import VectorGap

PLACE = "the Chroma collection 'news' on http://127.0.0.1:8000"


def test_a_gap_says_what_is_missing_and_what_to_run():
    assert not VectorGap(22, frozenset(), frozenset(), PLACE) and VectorGap(22, frozenset(), frozenset(), PLACE).line() == ""
    lost = VectorGap(22, frozenset(f"c{i}" for i in range(22)), frozenset(), PLACE)
    assert lost.line() == (f"22 of 22 chunks have no vector in {PLACE} (the vector store lost them?): "
                           "run `rag index --repair`")
    one = VectorGap(22, frozenset({"c1"}), frozenset({"x", "y"}), PLACE)
    assert one.line() == (f"1 of 22 chunks has no vector in {PLACE}, which holds 2 vectors of no chunk "
                          "(the vector store lost them?): run `rag index --repair`")
    stray = VectorGap(22, frozenset(), frozenset({"x"}), PLACE)
    assert stray.line() == f"1 vector in {PLACE} belongs to no chunk of the library: run `rag index --repair` to drop them"


def test_repair_takes_no_paths(tmp_path, capsys):
    assert main(["index", "--repair", "seeds", "--index", str(tmp_path / "idx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --repair takes no PATH") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "idx").exists()


def test_repair_of_no_index_is_one_line(tmp_path, capsys):
    assert main(["index", "--repair", "--index", str(tmp_path / "idx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: no index at {tmp_path / 'idx'}") and len(err.strip().splitlines()) == 1
