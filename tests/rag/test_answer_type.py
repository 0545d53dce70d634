"""Answer types: what a question asks for, and the span of a sentence that gives it."""

import pytest

from rag.answer_type import answer_span, asks_for_several, count, expected, find, unit_fits


@pytest.mark.parametrize("question, kind", [
    ("How many people crossed?", "number"), ("By how much did prices rise?", "number"),
    ("When did the talks start?", "date"), ("What year was the fence built?", "date"),
    ("Who met the minister?", "person"), ("who is jane roe", "person"), ("Which officials travelled?", "person"),
    ("Where did they meet?", "place"), ("What did the report say about tariffs?", None),
])
def test_expected_kind(question, kind):
    assert expected(question) == kind


def span(sentence, question):
    found = find(sentence, expected(question), question)
    return sentence[found[0]:found[1]] if found else None


def test_numbers_dates_and_names_not_already_in_the_question():
    assert span("In 2023 the port handled 1.2 million containers.", "How many containers did the port handle in 2023?") \
        == "1.2 million"
    assert span("The council voted on March 4, 2024 to close it.", "When did the council vote?") == "March 4, 2024"
    assert span("Mayor Tindra Oakhollow met Governor Piet Vandermolen.", "Who did Mayor Tindra Oakhollow meet?") \
        == "Governor Piet Vandermolen"
    assert span("Nothing was decided.", "How many were decided?") is None


@pytest.mark.parametrize("sentence, role", [
    ("Harbour Minister Ada Quist opened the pier.", "Harbour Minister Ada Quist"),
    ("Ada Quist, the town's harbour minister, opened the pier.", "Ada Quist, the town's harbour minister"),
    ("The town's harbour minister, Ada Quist, opened the pier.", "The town's harbour minister, Ada Quist"),
    # A role in lower case right before the name, with no comma.
    ("In a statement, harbour general counsel Ada Quist said the pier was safe.", "harbour general counsel Ada Quist"),
    ("The pier reopened, with director of operations Ada Quist in charge.", "director of operations Ada Quist"),
    ("Marine biologist Ada Quist counted the seals.", "Marine biologist Ada Quist"),
])
def test_who_is_finds_the_role_next_to_the_name(sentence, role):
    assert span(sentence, "who is ada quist") == role


def test_a_sentence_that_only_names_the_person_gives_no_role():
    assert span("Ada Quist opened the pier.", "who is ada quist") is None
    assert span("Four years ago, Ada Quist opened the pier.", "who is ada quist") is None  # a time, no role
    # Another person of the same surname is not the one asked about.
    assert span("Bo Quist — the sister of Ada and Cy Quist — opened the pier.", "who is cy quist") is None


def test_list_questions_count_every_name():
    q = "Which officials attended the ceremony?"
    assert asks_for_several(q) and not asks_for_several("Who attended the ceremony?")
    assert count("Ada Quist, Bo Lind and Cy Moreau attended.", "person", q, several=True) == 3
    assert count("Ada Quist attended.", "person", q, several=True) == 1


def test_digits_inside_a_name_are_no_amount():
    assert span("U2 played at the Sphere.", "How many fans came?") is None
    assert span("The Covid-19 rules ended.", "How many rules ended?") is None
    assert span("U2 played to 18,000 fans.", "How many fans came?") == "18,000"
    assert span("The deal was worth C$20 billion.", "How much was the deal?") == "C$20 billion"
    assert span("It took in $US41 million last year.", "How much did it take in?") == "$US41 million"


def test_the_day_of_a_date_is_no_amount():
    q = "How much will the survey of the north pier cost?"
    assert span("The pier is closed from 1 April for repairs.", q) is None
    assert span("The survey, from Oct. 4, will cost 180,000 crowns.", q) == "180,000"


def test_a_number_in_a_name_or_the_pronoun_one_is_no_amount():
    q = "How many publishers does the app have?"
    assert span("Publishers like Refinery 29 and Digiday joined.", q) is None
    assert span("Publishers like Refinery 29 joined, 10,000 in all.", q) == "10,000"
    assert span("Each room is bigger than the one before.", "How many rooms are there?") is None
    assert span("It is one of the biggest apps.", q) is None
    assert span("The app has one publisher.", q) == "one"


def test_a_name_span_keeps_its_whole_title_and_bodies_are_no_people():
    q = "Which officials flew to Port Varn for the harbour talks?"
    assert span("The officials — Secretary of State Ilse Marrow and Harbour Secretary Odo Fenn — flew in.", q) \
        == "Secretary of State Ilse Marrow"
    assert span("Governor of the Bank of Eastland Rui Adler spoke.", "Who spoke?") == "Bank of Eastland Rui Adler"
    # A capitalised run ending in a body, place or event names no person.
    assert span("State Department officials said the Harbour Security Dialogue went well.", q) is None
    assert count("Attorney General Lea Dunmore and Harbour Secretary Odo Fenn, with the State Department, flew in.",
                 "person", q, several=True) == 2
    # A title word the question gives is not its answer; the name after it is.
    assert span("Harbour Secretary Odo Fenn flew in.", "Who was the harbour secretary?") == "Odo Fenn"


def test_a_list_answer_highlights_the_whole_run_of_names():
    q = "Which officials flew to the harbour talks?"

    def shown(sentence, question=q):
        found = answer_span(sentence, expected(question), question)
        return sentence[found[0]:found[1]] if found else None

    assert shown("The officials — Secretary of State Ilse Marrow, Harbour Secretary Odo Fenn, and Attorney General "
                 "Lea Dunmore — flew in.") == ("Secretary of State Ilse Marrow, Harbour Secretary Odo Fenn, and "
                                               "Attorney General Lea Dunmore")
    # Names apart are not one run: the first is the highlight.
    assert shown("Ilse Marrow flew in on Monday, and on Tuesday Odo Fenn joined her.") == "Ilse Marrow"
    # A question for one name highlights one name.
    assert shown("Ilse Marrow and Odo Fenn flew in.", "Who flew in first?") == "Ilse Marrow"
@pytest.mark.parametrize("question", ["How big is the screen?", "What is the family's stake worth?",
                                      "What net worth did the filing claim?"])
def test_size_and_worth_questions_ask_for_a_number(question):
    assert expected(question) == "number"


@pytest.mark.parametrize("sentence, question, fits", [
    ("There are 157,000 small speakers.", "How many speakers does the hall have?", True),
    ("Its 270-degree screen wraps the hall.", "How many speakers does the hall have?", False),
    ("It has a subscriber base of over 4 million.", "How many subscribers does it have?", True),
    ("They subscribed in 2020.", "How many subscribers does it have?", False),  # a year is no count
    ("The test costs £99.", "How much does the test cost?", True),
    ("A five-minute call is free.", "How much does the test cost?", False),
    ("Kids spent 4.5 hours a day on phones.", "How long do kids spend on phones?", True),
    ("97% of kids used phones at school.", "How long do kids spend on phones?", False),
    ("Fines reach 6% of turnover.", "What share of turnover can fines reach?", True),
    ("The screen measures 7.4 inches.", "How big is the screen?", True),
    ("The hall has 157,000 speakers.", "What did the architect say?", None),  # no unit asked
    ("Soon 10,000 illegal immigrants a day may arrive.", "How many migrants a day may arrive?", True),
])
def test_unit_fits_the_unit_the_question_asks_for(sentence, question, fits):
    assert unit_fits(sentence, question) is fits


@pytest.mark.parametrize("sentence", ["The Lumo speaker gen 3 is out.", "Pair it with the Lumo One speaker.",
                                      "They won game 7 at home."])
def test_a_place_in_a_series_or_a_name_is_no_amount(sentence):
    assert find(sentence, "number", "How many speakers are there?") is None
