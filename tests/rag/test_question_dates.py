from datetime import date

import pytest

from rag.question_dates import TimeScope, newest_relevant, time_scope
from rag.types import Filters

TODAY = date(2026, 12, 2)  # a Wednesday
NEWEST = date(2023, 12, 31)


@pytest.mark.parametrize("question, start, end", [
    ("What happened at the border in October 2023?", date(2023, 10, 1), date(2023, 10, 31)),
    ("what was said during nov 2023 about rates", date(2023, 11, 1), date(2023, 11, 30)),
    ("What did Biden say in October?", date(2023, 10, 1), date(2023, 10, 31)),  # the library's latest October
    ("What happened in early November 2023?", date(2023, 11, 1), date(2023, 11, 30)),
    ("Who resigned this week?", date(2026, 11, 30), TODAY),
    ("Who resigned last week?", date(2026, 11, 23), date(2026, 11, 29)),
    ("What happened today?", TODAY, TODAY),
    ("and yesterday?", date(2026, 12, 1), date(2026, 12, 1)),
    ("news from last month", date(2026, 11, 1), date(2026, 11, 30)),
    ("anything this month", date(2026, 12, 1), TODAY),
    ("What was reported in the past 10 days?", date(2026, 11, 22), TODAY),
    ("What changed over the last year?", date(2025, 12, 2), TODAY),
    ("between October 3 and November 2, 2023", date(2023, 10, 3), date(2023, 11, 2)),
    ("between 3 October 2023 and 2 November 2023", date(2023, 10, 3), date(2023, 11, 2)),
    ("what has happened since Oct. 5th 2023", date(2023, 10, 5), None),
    ("as reported after October 4, 2023, and before November 1, 2023", date(2023, 10, 5), date(2023, 10, 31)),
    ("What was known before December 2023?", None, date(2023, 11, 30)),
    ("What did they say in sept. 2023?", date(2023, 9, 1), date(2023, 9, 30)),
])
def test_periods_resolve_to_publication_ranges(question, start, end):
    scope = time_scope(question, today=TODAY, newest_article=NEWEST)
    assert (scope.date_from, scope.date_to) == (start, end)
    assert scope.phrase and all(part.lower() in question.lower() for part in scope.phrase.split(", ") if part)


@pytest.mark.parametrize("question", [
    "the report on October 7, 2023",  # a report's day: searched per clause by the retriever, not a range
    "What was Hammer's latest book?",  # an attribute, not the newest news
    "Which company, recently reported by TechCrunch, made a profit?",
    "What had he said before?",  # no event named
    "in may they said",  # "may" in lower case with no number is not the month
    "after Augusta National's decision",
    "What did the minister say?",
    "Does the article reflect on Kirk Cousins' performance in last week's game?",  # the game's week, not the news'
    # several reports, each dated: "before" twice, or a report's own day beside a range
    "Between the TechCrunch report before October 2, 2023, and the TechCrunch report before October 7, 2023, "
    "was there consistency?",
    "Has the focus reported by TechCrunch before October 1, 2023, remained consistent with the report on December 5?",
    # what an article is about, not the newest report
    "Considering the article discussing the latest developments in the office market, which company is named?",
    "Considering the articles on the recent updates in the music industry, which artist is featured?",
    "Who is expected to choose a team before the conclusion of the upcoming weekend?",  # a time, not an event
])
def test_words_that_are_not_a_time_scope(question):
    assert time_scope(question, today=TODAY, newest_article=NEWEST).is_empty()


@pytest.mark.parametrize("question, phrase", [
    ("what's the latest on the fentanyl talks", "the latest on"),
    ("What is the latest?", "the latest"),
    ("Latest on OpenAI", "Latest"),
    ("What did the newest report say about the strike?", "newest report"),
    ("What are the most recent developments in the case?", "most recent developments"),
    ("What did the senator say most recently?", "most recently"),
    ("How are the Wallabies doing lately?", "lately"),
])
def test_newest_first(question, phrase):
    scope = time_scope(question, today=TODAY)
    assert scope.newest and scope.phrase == phrase
    assert (scope.date_from, scope.date_to) == (None, None)
    assert scope.describe() == f'Newest relevant article first ("{phrase}").'


def test_a_range_of_one_report_is_not_applied_when_the_question_names_several_publishers():
    question = "Did The Age's reports before October 22, 2023 agree with The Verge's coverage?"
    assert time_scope(question, TODAY, NEWEST, publishers=["The Age", "The Verge"]).is_empty()
    assert time_scope(question, TODAY, NEWEST, publishers=["The Age"]).date_to == date(2023, 10, 21)


def test_a_publishers_name_is_not_a_time_word():
    question = "What did Business Today report about the rupee?"
    assert time_scope(question, TODAY, publishers=["Business Today"]).is_empty()
    assert time_scope(question, TODAY).date_from == TODAY


def test_narrow_keeps_the_tighter_ends_of_a_readers_filter():
    scope = TimeScope(date(2023, 10, 1), date(2023, 10, 31), phrase="in October 2023")
    assert scope.narrow(None) == Filters(date_from=date(2023, 10, 1), date_to=date(2023, 10, 31), undated=True)
    assert scope.narrow(Filters(sources=("Reuters",))).undated  # nothing says an undated article is outside
    mine = Filters(sources=("Reuters",), date_from=date(2023, 10, 15))
    assert scope.narrow(mine) == Filters(sources=("Reuters",), date_from=date(2023, 10, 15), date_to=date(2023, 10, 31))
    assert TimeScope(newest=True, phrase="latest").narrow(mine) is mine


def test_describe_says_what_was_searched():
    assert TimeScope(date(2023, 10, 1), date(2023, 10, 31), phrase="in October 2023").describe() == \
        'Searched articles published 2023-10-01 to 2023-10-31 ("in October 2023").'
    assert TimeScope(date(2023, 10, 5), None, newest=True, phrase="latest, since October 5").describe() == \
        'Searched articles published from 2023-10-05, newest first ("latest, since October 5").'
    assert TimeScope(None, date(2023, 11, 30), phrase="before December 2023").describe() == \
        'Searched articles published up to 2023-11-30 ("before December 2023").'
    assert TimeScope().describe() == ""


class P:
    def __init__(self, article_id, text="harbor strike talks"):
        self.article_id, self.text = article_id, text


def about_strike(text):
    return "strike" in text


def test_newest_relevant_takes_the_newest_of_the_best_ranked_articles_about_the_question():
    passages = [P("a"), P("b"), P("a"), P("c"), P("d"), P("g", "bicycle lanes"), P("e"), P("f")]
    dates = {"a": "2023-10-01", "b": "2023-11-20", "c": None, "d": "2023-11-02", "e": "2023-09-01",
             "f": "2023-12-30", "g": "2023-12-31"}
    # "g" is newest but not about the strike; "f" ranks 7th: outside the pool of five articles
    assert newest_relevant(passages, dates, about_strike) == "b"
    assert newest_relevant([P("c")], dates, about_strike) is None
    # the same day: the better ranked one
    assert newest_relevant([P("x"), P("y")], {"x": "2023-10-01", "y": "2023-10-01"}, about_strike) == "x"


@pytest.mark.parametrize("question, rest", [
    ("What is the latest on the Port Alder strike?", "What is the Port Alder strike?"),
    ("What happened in the strike talks in October 2023?", "What happened in the strike talks?"),
    ("What did the union say this week about wages?", "What did the union say about wages?"),
    ("What did the union say  about wages ?", "What did the union say  about wages ?"),  # no time words: as asked
])
def test_rest_is_the_question_without_its_time_words(question, rest):
    assert time_scope(question, today=TODAY, newest_article=NEWEST).rest == rest


@pytest.mark.parametrize("question, event, relation", [
    ("What did Blinken say before the Mexico City talks?", "the Mexico City talks", "before"),
    ("before the talks, what did he say?", "the talks", "before"),
    ("What was said ahead of the summit with Mexico?", "the summit with Mexico", "before"),
    ("What did Musk say following the launch of the Cybertruck?", "the launch of the Cybertruck", "after"),
    ("since the election, how have prices moved?", "the election", "since"),
])
def test_an_event_is_dated_by_its_first_report(question, event, relation):
    scope = time_scope(question, today=TODAY)
    assert (scope.event, scope.relation) == (event, relation) and scope.rest == question
    assert scope.describe() == f'No dated article reports {event}: searched every date ("{scope.phrase}").'
    dated = scope.anchored(date(2023, 10, 5))
    expected = {"before": (None, date(2023, 10, 4)), "after": (date(2023, 10, 5), None), "since": (date(2023, 10, 5), None)}
    assert (dated.date_from, dated.date_to) == expected[relation]
    assert dated.describe().endswith(f'("{scope.phrase}", first reported 2023-10-05).')


def test_a_report_is_not_an_event():
    assert time_scope("What did Sporting News say after the Sporting News report on the draft?", TODAY).is_empty()
