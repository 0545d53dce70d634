"""Time words in questions, end to end: a small library of dated reports on one story (real model, real Chroma)."""

import json
from datetime import date, timedelta

import pytest

from rag import query
from rag.settings import Settings

pytestmark = pytest.mark.e2e

# Three reports on one (invented) story, a month apart, and one on something else published last.
REPORTS = [
    ("2023-09-12", "Harbor workers begin strike at Port Alder",
     "Dock workers at Port Alder walked off the job on Monday. The harbor workers union said the strike would "
     "last until wages rose. Shipping companies said cargo would be diverted to other ports."),
    ("2023-10-18", "Port Alder strike talks stall",
     "Talks to end the harbor strike at Port Alder stalled on Wednesday. The union rejected an offer of a 4 percent "
     "raise. Mediators said both sides would meet again next week."),
    ("2023-11-21", "Port Alder strike ends with new contract",
     "The harbor strike at Port Alder ended on Tuesday after workers approved a new contract. The union said the "
     "contract raises wages by 9 percent over three years. Cargo ships returned to the port the same evening."),
    ("2023-12-05", "City council approves new bicycle lanes",
     "The city council approved twelve miles of new bicycle lanes on Monday. Construction begins in the spring."),
]


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory):
    from index import ingest

    folder = tmp_path_factory.mktemp("dated")
    with open(folder / "reports.jsonl", "w", encoding="utf-8") as out:
        for day, title, body in REPORTS:
            out.write(json.dumps({"title": title, "body": body, "published_at": day, "source": "Harbor Times",
                                  "url": f"https://example.org/{day}"}) + "\n")
    settings = Settings.load(environ={}, overrides={"index_dir": str(tmp_path_factory.mktemp("dated-index"))})
    report = ingest([folder], settings)
    assert len(report.added) == len(REPORTS) and not report.problems, report.summary()
    return settings


def test_the_latest_on_a_story_cites_its_newest_report_first(dated_index):
    answer = query("What is the latest on the Port Alder harbor strike?", index=dated_index)
    assert answer.citations and answer.citations[0].date == "2023-11-21"
    assert answer.searched == 'Newest relevant article first ("the latest on").'
    # without the time words the best-matching report may be any of the three
    plain = query("What happened with the Port Alder harbor strike?", index=dated_index)
    assert plain.searched is None


def test_a_month_in_the_question_searches_that_month_and_says_so(dated_index):
    answer = query("What happened in the Port Alder strike talks in October 2023?", index=dated_index)
    assert answer.citations and {c.date for c in answer.citations} == {"2023-10-18"}
    assert answer.searched == 'Searched articles published 2023-10-01 to 2023-10-31 ("in October 2023").'
    assert answer.searched in answer.to_markdown()


def test_a_period_no_article_covers_is_not_found_with_the_range_shown(dated_index):
    answer = query("What happened with the Port Alder strike this week?", index=dated_index)
    assert answer.kind == "not_found" and not answer.citations
    assert answer.searched and answer.searched.startswith("Searched articles published")
    today = date.today()  # "this week": from its Monday to today
    monday = today - timedelta(days=today.weekday())
    assert (f"The dates the question names (from {monday} to {today}) left out 4 of 4 articles: 4 are dated outside "
            "it.") in answer.text


def test_before_an_event_searches_up_to_its_first_report(dated_index):
    answer = query("What did the union say before the new contract?", index=dated_index)
    assert answer.searched == ('Searched articles published up to 2023-11-20 ("before the new contract", '
                               'first reported 2023-11-21).')
    assert answer.citations and all(c.date < "2023-11-21" for c in answer.citations)


def test_the_latest_in_a_library_with_no_dates_says_so(seeds_index):
    answer = query("What is the latest on the fentanyl talks?", index=seeds_index)
    assert answer.searched == 'No article has a publication date, so none can be told the newest ("the latest on").'
    assert answer.citations  # still answered from the best-ranked articles
