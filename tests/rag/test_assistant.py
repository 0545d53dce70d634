"""Unit tests of the question handling in rag/assistant.py (no model, no index)."""

from rag.assistant import lacks_figure, surname_keys, without_names


def test_named_publishers_are_not_words_to_find_in_the_answer():
    question = "Did 'The Age' report a fall in prices, as fortune said?"
    assert without_names(question, ["The Age", "Fortune"]) == "Did ' ' report a fall in prices, as   said?"
    assert without_names("Did Fortunes rise?", ["Fortune"]) == "Did Fortunes rise?"  # whole names only
    assert without_names("What did Blinken say?", []) == "What did Blinken say?"


def test_names_are_checked_without_their_possessive():
    assert surname_keys(["Molson Hart's", "Daye’s", "Gary Glover", "Mexico"]) == ["hart", "daye", "glover", "mexico"]


def test_a_how_much_answer_needs_a_figure_in_its_first_sentence():
    assert lacks_figure("How much does the drug cost?", "A second drug is expected to follow soon.")
    assert not lacks_figure("How much does the drug cost?", "The drug costs $26,500 a year.")
    assert not lacks_figure("Who makes the drug?", "A second drug is expected to follow soon.")  # asks no figure
