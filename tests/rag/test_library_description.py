"""What the assistant says the library covers: topics one per word family, example questions that read as English,
and what a date filter left out when nothing is found."""

from collections import Counter
from datetime import date

import pytest

from rag import Filters, open_assistant, query
from rag.library_summary import as_object
from rag.text import stems


def test_topic_reads_as_the_object_of_about():
    text = ["The flood hit the town. The flood receded on Monday. Flood water stood for days."]
    assert as_object("flood", Counter({"flood": 3}), text) == "the flood"
    assert as_object("flood", Counter({"flood": 3, "floods": 1}), text) == "floods"
    assert as_object("policy", Counter({"policy": 1, "policies": 2}), ["x"]) == "policies"
    assert as_object("migration", Counter({"migration": 2}), ["irregular migration and migration talks"]) == "migration"


@pytest.mark.e2e
def test_topics_fold_word_forms_and_examples_are_grammatical(seeds_index):
    assistant = open_assistant(seeds_index)
    coverage = assistant.coverage()
    topics = coverage.split("topics include ", 1)[1].split(";", 1)[0].split(", ")
    families = [next(iter(stems(t))) for t in topics]
    assert len(set(families)) == len(families), topics  # no "drug, drugs"
    examples = assistant.example_questions(5)
    assert "What did López Obrador say about fentanyl?" in examples
    assert "What happened with drugs?" in examples and "What happened with drug?" not in examples
    assert examples == open_assistant(seeds_index).example_questions(5)


@pytest.mark.e2e
def test_date_filter_over_undated_articles_says_what_it_left_out(seeds_index):
    # The five seed articles carry no date.
    for filters in (Filters(date_from=date(2023, 10, 1)), Filters(date_to=date(2023, 12, 31))):
        answer = query("What did López Obrador say about fentanyl?", filters=filters, index=seeds_index)
        assert answer.abstained and not answer.error
        assert "left out 5 of 5 articles: 5 have no date." in answer.text, answer.text
    answer = query("What did López Obrador say about fentanyl?", index=seeds_index,
                   filters=Filters(sources=("The Boston Globe",), date_from=date(2023, 10, 1)))
    assert "The date filter (from 2023-10-01) left out 1 of 1 article: 1 has no date." in answer.text
    kept = query("What did López Obrador say about fentanyl?", index=seeds_index,
                 filters=Filters(date_from=date(2023, 10, 1), undated=True))
    assert kept.kind == "answered" and kept.citations
    unfiltered = query("What did the moon landing cost?", index=seeds_index)
    assert unfiltered.abstained and "date filter" not in unfiltered.text
