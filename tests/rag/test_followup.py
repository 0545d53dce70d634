"""Follow-up questions resolved against the conversation, without an LLM."""

from rag.followup import resolve

HISTORY = [{"role": "user", "content": "What did Garland say about fentanyl?"},
           {"role": "assistant", "content": "“Fentanyl is the deadliest drug threat,” Garland said. [1]"}]


def test_what_about_carries_the_person():
    assert resolve("And what about firearms?", HISTORY) == "What did Garland say about firearms?"


def test_what_about_a_name_carries_the_topic():
    assert resolve("What about Blinken?", HISTORY) == "What did Blinken say about fentanyl?"


def test_pronouns_are_replaced_by_the_person():
    assert resolve("Did he mention firearms?", HISTORY) == "Did Garland mention firearms?"


def test_what_else():
    assert resolve("What else?", HISTORY) == "What did Garland say about fentanyl?"


def test_chains_of_followups_resolve_in_turn():
    history = HISTORY + [{"role": "user", "content": "And what about firearms?"}, {"role": "assistant", "content": "…"}]
    assert resolve("What about Blinken?", history) == "What did Blinken say about firearms?"


def test_self_contained_questions_and_no_history_are_unchanged():
    q = "How many asylum applications does Mexico process a year?"
    assert resolve(q, HISTORY) == q
    assert resolve("And what about firearms?", None) == "And what about firearms?"
    assert resolve(q, [{"role": "system"}, "junk"]) == q


def test_who_said_that_asks_about_the_previous_answers_first_sentence():
    history = [{"role": "user", "content": "How many asylum applications does Mexico process?"},
               {"role": "assistant", "content": "She said Mexico processes 140,000 a year. [1] Other text. [2]"}]
    assert resolve("Who said that?", history) == 'Who said "She said Mexico processes 140,000 a year"?'
    # Nothing cited before: nothing to resolve against.
    assert resolve("Who said that?", [{"role": "assistant", "content": "I could not find this."}]) == "Who said that?"


def turn(question: str) -> list[dict]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": "… [1]"}]


def test_a_full_question_after_and_keeps_its_own_shape():
    assert resolve("And what did he say about guns?", turn("What did Ada Quist say about tolls?")) \
        == "What did Ada Quist say about guns?"
    assert resolve("And was it enough, according to him?", turn("What did Bo Lind say about the dam?")) \
        == "Was it enough, according to Bo Lind?"


def test_pronouns_find_the_person_of_any_previous_question():
    assert resolve("And what did she say about them?", turn("What did Ada Quist show the council?")) \
        == "What did Ada Quist say about them?"


def test_what_about_another_person_asks_the_same_of_them():
    assert resolve("What about Bo Lind?", turn("Who is Ada Quist?")) == "Who is Bo Lind?"


def test_and_in_another_month_asks_the_same_at_that_time():
    assert resolve("And in October?", turn("How many ships docked in September?")) == "How many ships docked in October?"


def test_who_else_asks_the_previous_question_again():
    assert resolve("Who else?", turn("Which mayors criticised the plan?")) == "Which mayors criticised the plan?"
