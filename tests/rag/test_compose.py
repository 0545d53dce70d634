"""The order of reports stated from publication dates (`rag.compose.date_order`, `order_claim`)."""

import pytest

from rag.compose import date_order, order_claim
from rag.types import Citation

NAMED = ["TechCrunch", "The Verge"]
CITED = [Citation(1, "a", "T1", "The Verge", "2023-10-03", "q", "p", 0, 1, 1.0),
         Citation(2, "b", "T2", "TechCrunch", "2023-10-05", "q", "p", 0, 1, 1.0)]


@pytest.mark.parametrize("question, verdict", [
    ("Did The Verge report on the launch before TechCrunch covered the lawsuit?", "Yes."),
    ("Did TechCrunch report on the lawsuit before The Verge covered the launch?", "No."),
    ("Did TechCrunch report on the lawsuit after The Verge covered the launch?", "Yes."),
    ("Did TechCrunch fail to report on the lawsuit after The Verge covered the launch?", "No."),  # negated
    ("Was the launch not covered by The Verge before TechCrunch reported the lawsuit?", "No."),
])
def test_a_yes_no_question_about_the_order_of_two_reports_is_answered_from_their_dates(question, verdict):
    stated = date_order(question, CITED, NAMED)
    assert stated.startswith(f"{verdict} By publication date, The Verge's report (2023-10-03) came before "
                             "TechCrunch's (2023-10-05).")


@pytest.mark.parametrize("question", [
    "Did The Verge suggest the launch slipped before TechCrunch said it was on time?",  # judges what they say
    "Was the coverage by The Verge before October consistent with TechCrunch's?",
    "Which came first, the report by The Verge or the one by TechCrunch?",  # not yes/no: the order alone
    "Did The Verge and TechCrunch both report the launch before and after the event?",  # two order words
])
def test_no_verdict_where_the_dates_do_not_decide_the_question(question):
    assert order_claim(question, NAMED) is None
    stated = date_order(question, CITED, NAMED)
    assert stated is None or stated.startswith("By publication date")


def test_no_verdict_on_the_same_day():
    same = [CITED[0], Citation(2, "b", "T2", "TechCrunch", "2023-10-03", "q", "p", 0, 1, 1.0)]
    assert date_order("Did The Verge report it before TechCrunch did?", same, NAMED).startswith(
        "By publication date, the reports of The Verge and TechCrunch came out the same day")
