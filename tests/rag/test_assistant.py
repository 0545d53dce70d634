"""Unit tests of the question handling in rag/assistant.py (no model, no index)."""

from rag.assistant import surname_keys, without_names


def test_named_publishers_are_not_words_to_find_in_the_answer():
    question = "Did 'The Age' report a fall in prices, as fortune said?"
    assert without_names(question, ["The Age", "Fortune"]) == "Did ' ' report a fall in prices, as   said?"
    assert without_names("Did Fortunes rise?", ["Fortune"]) == "Did Fortunes rise?"  # whole names only
    assert without_names("What did Blinken say?", []) == "What did Blinken say?"


def test_names_are_checked_without_their_possessive():
    assert surname_keys(["Molson Hart's", "Daye’s", "Gary Glover", "Mexico"]) == ["hart", "daye", "glover", "mexico"]
