"""Wrong-typed arguments to query() and terminal escapes in a question: one line naming the problem."""

from __future__ import annotations

from datetime import date

import pytest

from rag import Filters, query
from rag.assistant import clean_question
from rag.query_args import argument_error


@pytest.mark.parametrize("kwargs,named", [
    (dict(top_k="4"), "top_k must be a whole number of at least 1, not '4' (str)"),
    (dict(top_k=0), "top_k must be a whole number of at least 1, not 0 (int)"),
    (dict(top_k=True), "top_k must be a whole number"),
    (dict(history="What did Garland say?"), "history must be a list of messages"),
    (dict(filters={"sources": ["BBC"]}), "filters must be a rag.Filters, not {'sources': ['BBC']} (dict)"),
    (dict(filters=Filters(sources="The Boston Globe")), "filters.sources must be a tuple of strings"),
    (dict(filters=Filters(date_from="2023-09-26")),
     "filters.date_from must be a datetime.date such as date(2023, 9, 26) or None, not '2023-09-26' (str)"),
    (dict(filters=Filters(date_to=20231001)), "filters.date_to must be a datetime.date"),
])
def test_a_wrong_argument_is_named_in_one_line(kwargs, named):
    error = argument_error(**{"history": None, "top_k": None, "filters": None, **kwargs})
    assert error.startswith(named) and "\n" not in error


def test_right_arguments_pass():
    assert argument_error([{"role": "user", "content": "Hi"}], 3,
                          Filters(sources=("AFP",), date_from=date(2023, 1, 1), date_to=date(2023, 12, 31))) is None


def test_terminal_escapes_are_taken_out_of_the_question():
    text, error = clean_question("\x1b[31mWhat did López Obrador\x1b[0m say \x1b]0;title\x07about fentanyl?\x1b(B")
    assert (text, error) == ("What did López Obrador say about fentanyl?", None)


@pytest.mark.e2e
def test_query_answers_wrong_types_with_an_error_that_names_the_argument(seeds_index):
    wrong = ((dict(top_k="4"), "top_k"), (dict(filters=Filters(date_from="2023-09-26")), "filters.date_from"))
    for kwargs, named in wrong:
        answer = query("What did López Obrador say about fentanyl?", index=seeds_index, **kwargs)
        assert answer.abstained and answer.error.startswith(named), answer.error
    answer = query("\x1b[31mWhat did López Obrador say about fentanyl?\x1b[0m", index=seeds_index)
    assert answer.question == "What did López Obrador say about fentanyl?" and answer.citations
