"""The library's spelling of a misspelt name, on the real seeds index (SQLite here; PostgreSQL in
test_store_postgres.py), and a question asked with it."""

import pytest

from rag import query
from rag.spelling import library_spelling
from rag.store import Library

pytestmark = pytest.mark.e2e


def test_a_name_one_slip_away_is_written_as_the_articles_write_it(seeds_index):
    db = Library(seeds_index.index_dir).connect()
    assert library_spelling(db, "Blinkin") == "Blinken"
    assert library_spelling(db, "Pritzkr's") == "Pritzker"
    assert library_spelling(db, "Mayorkus") == "Mayorkas"
    assert library_spelling(db, "Trudeau") is None  # nothing near
    assert library_spelling(db, "Overdoxes") is None  # near a word the articles write only in lower case
    assert library_spelling(db, "Garlnd") is None  # shorter than MIN_LENGTH: left as written


def test_a_question_with_a_misspelt_name_is_answered_and_says_what_was_searched(seeds_index):
    answer = query("What did Blinkin say about drugs?", index=seeds_index)
    assert not answer.abstained and answer.citations
    assert answer.searched == "Searched for “Blinken” (the question wrote “Blinkin”, which no article holds)."
    assert any("Blinken" in c.quote for c in answer.citations)
    assert "Searched for “Blinken”" in answer.to_markdown()
    unknown = query("What did Trudeau say about drugs?", index=seeds_index)
    assert unknown.abstained and unknown.searched is None and "No article mentions Trudeau" in unknown.text
