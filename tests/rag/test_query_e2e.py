"""`rag.query` end to end on the real seeds index (real model, real Chroma)."""

from pathlib import Path

import pytest

from rag import Answer, Filters, query
from rag.settings import Settings

pytestmark = pytest.mark.e2e


def by_file(answer: Answer, settings: Settings) -> dict[str, list[str]]:
    """{seed file prefix ("003"): [quotes cited from it]}, syndicated copies included."""
    from rag.store import Library

    db = Library(settings.index_dir).connect()
    paths = {r[0]: Path(r[1]).name[:3] for r in db.execute("SELECT id, path FROM articles")}
    out: dict[str, list[str]] = {}
    for c in answer.citations:
        out.setdefault(paths[c.article_id], []).append(c.quote)
        for copy in c.also_in:
            out.setdefault(paths[copy.article_id], []).append("(copy) " + c.quote)
    return out


def check_exact(answer: Answer, settings: Settings) -> None:
    from rag.store import Library

    db = Library(settings.index_dir).connect()
    assert answer.citations and not answer.abstained
    for n, c in enumerate(answer.citations, 1):
        text = db.execute("SELECT text FROM articles WHERE id = ?", (c.article_id,)).fetchone()[0]
        assert c.number == n and text[c.start:c.end] == c.quote and c.quote in text
        assert f"[{n}]" in answer.text
    assert f"[{len(answer.citations) + 1}]" not in answer.text


@pytest.mark.parametrize("question", [
    "What did López Obrador say about fentanyl?",
    "What did Lopez Obrador say about fentanyl?",
    "what did lopez obrador say about fentanyl",
])
def test_lopez_obrador_on_fentanyl(seeds_index, question):
    answer = query(question, index=seeds_index)
    check_exact(answer, seeds_index)
    cited = by_file(answer, seeds_index)
    quotes = " ".join(c.quote for c in answer.citations)
    assert "denied fentanyl is made in Mexico" in quotes
    assert "003" in cited and "004" in cited  # one copy cited, the other in also_in
    denial = [c for c in answer.citations if "denied fentanyl" in c.quote]
    assert len(denial) == 1 and denial[0].also_in
    assert "scapegoat for the record number of overdoses" in " ".join(cited["002"])
    assert "problem of social decay" in " ".join(cited["002"])
    assert "we do not have excessive addictions" in " ".join(cited["003"])
    for c in answer.citations:  # never Blinken's or Garland's words
        assert "Obrador" in c.quote or c.quote.lstrip().startswith("“")
        assert "Garland said" not in c.quote and "said Blinken" not in c.quote
    assert set(answer.timings) >= {"embed", "retrieve", "select", "compose", "total"}


def test_numeric_factoid_is_cited_to_the_afp_article(seeds_index):
    answer = query("How many asylum applications does Mexico process a year?", index=seeds_index)
    check_exact(answer, seeds_index)
    assert "140,000" in answer.text
    first = answer.citations[0]
    assert "140,000 asylum applications" in first.quote and first.source == "Agence France-Presse"
    assert "001" in by_file(answer, seeds_index)


def test_quote_question(seeds_index):
    answer = query("What did Garland say about fentanyl?", index=seeds_index)
    check_exact(answer, seeds_index)
    assert "deadliest drug threat we have ever faced" in answer.citations[0].quote
    assert all("Obrador" not in c.quote for c in answer.citations)


@pytest.mark.parametrize("question, why", [
    ("What did Justin Trudeau say about dairy tariffs?", "No article mentions Justin Trudeau."),
    ("How many migrants crossed the border in 2031?", "No article found covers 2031."),
    ("What is the capital of Australia?", ""),
])
def test_questions_nothing_is_about_are_not_found(seeds_index, question, why):
    answer = query(question, index=seeds_index)
    assert answer.kind == "not_found" and answer.abstained and not answer.citations and answer.error is None
    assert answer.text.startswith("I could not find this in your articles.") and "They cover:" in answer.text
    assert why in answer.text and "[1]" not in answer.text


@pytest.mark.parametrize("question", [
    "What did López Obrador say about firearms?",  # he is quoted, never on firearms
    "What did Blinken say about the weather?",
])
def test_questions_the_articles_are_near_but_do_not_answer_get_the_closest_passages(seeds_index, question):
    answer = query(question, index=seeds_index)
    assert answer.kind == "not_stated" and answer.abstained and answer.error is None
    assert answer.text.startswith("Your articles do not state this directly. The closest passages:")
    assert 1 <= len(answer.citations) <= 3 and "[1]" in answer.text
    markdown = answer.to_markdown()
    assert "**Closest passages**" in markdown and "**Sources**" not in markdown
    assert '"kind": "not_stated"' in answer.to_json()


def test_a_question_asking_for_a_number_highlights_it(seeds_index):
    answer = query("How many asylum applications is Mexico processing each year?", index=seeds_index)
    assert answer.kind == "answered" and 0 < answer.confidence <= 1
    before, marked, after = answer.citations[0].quote_parts()
    assert marked == "140,000" and f"**{marked}**" in answer.to_markdown()


def test_a_quotation_cut_by_the_sentence_splitter_is_cited_whole(seeds_index):
    # Seed 002 quotes Blinken in two sentences; the question's words are all in the second.
    answer = query("Is the relationship a one-way street?", index=seeds_index)
    check_exact(answer, seeds_index)
    assert answer.citations[0].quote.startswith('"We have a mutual responsibility')
    assert answer.citations[0].quote.endswith('two-way street," said Blinken.')


def test_what_a_person_called_or_complained_about_is_answered_with_their_words(seeds_index):
    answer = query("What did Ebrard call the trafficking of weapons?", index=seeds_index)
    check_exact(answer, seeds_index)
    assert "weapons pandemic" in answer.citations[0].quote and "Ebrard said" in answer.citations[0].quote
    answer = query("Did Pritzker complain about the border?", index=seeds_index)
    check_exact(answer, seeds_index)
    assert [c.quote for c in answer.citations if "untenable situation" in c.quote] == [answer.citations[0].quote]


def test_follow_up_is_resolved_against_history(seeds_index):
    first = query("What did Garland say about fentanyl?", index=seeds_index)
    history = [{"role": "user", "content": first.question}, {"role": "assistant", "content": first.text}]
    answer = query("And what about firearms?", history=history, index=seeds_index)
    assert answer.resolved_question == "What did Garland say about firearms?"
    check_exact(answer, seeds_index)
    assert "firearms" in answer.citations[0].quote and "Garland" in answer.citations[0].quote


def test_filters_restrict_sources(seeds_index):
    answer = query("What did López Obrador say about fentanyl?", index=seeds_index,
                   filters=Filters(sources=("The Boston Globe",)))
    check_exact(answer, seeds_index)
    assert {c.source for c in answer.citations} == {"The Boston Globe"}


@pytest.mark.parametrize("question", ["", "   \n\t ", 12, "¿Qué dijo López Obrador sobre el fentanilo?", "Что сказал Обрадор?"])
def test_bad_input_gets_a_one_line_error(seeds_index, question):
    answer = query(question, index=seeds_index)
    assert answer.abstained and answer.error and "\n" not in answer.error and not answer.citations


def test_huge_and_control_character_questions_are_served(seeds_index):
    answer = query("What did López Obrador say about fentanyl?\x00\x07 " + "x" * 100_000, index=seeds_index)
    assert answer.error is None and len(answer.resolved_question) <= 1000


def test_missing_index_and_other_model_are_clear_errors(seeds_index, tmp_path):
    answer = query("What did Garland say?", index=tmp_path / "nowhere")
    assert answer.abstained and "no index" in answer.error
    other = seeds_index.replace(chunk_size=seeds_index.chunk_size + 1)
    answer = query("What did Garland say?", index=other)
    assert answer.abstained and "built with other settings" in answer.error


def test_library_description(seeds_index):
    from rag import open_assistant

    assistant = open_assistant(seeds_index)
    assert "What did López Obrador say about fentanyl?" in assistant.example_questions(4)
    assert "5 articles" in assistant.coverage()


def test_retrieve_ranks_passages_with_metadata(seeds_index):
    from rag import open_assistant

    passages = open_assistant(seeds_index).retrieve("How many asylum applications does Mexico process a year?", top_k=5)
    assert 1 <= len(passages) <= 5 and [p.rank for p in passages] == list(range(len(passages)))
    assert "140,000 asylum applications" in passages[0].text and passages[0].source == "Agence France-Presse"


def test_keyword_side_run_in_another_thread_gives_the_same_passages(seeds_index):
    """`query()` computes BM25 in a worker thread while it embeds; the result must not depend on where it ran."""
    from concurrent.futures import ThreadPoolExecutor

    from rag import open_assistant

    assistant = open_assistant(seeds_index)
    question = "What did Blinken say about fentanyl, according to Agence France-Presse and to The Boston Globe?"
    vector = assistant.embedder.encode([question])[0]
    with ThreadPoolExecutor(1) as pool:
        hits = pool.submit(assistant.retriever.keyword_hits, question, None).result()
    assert hits.ranking and hits.named
    inline, _ = assistant.retriever.retrieve(question, vector)
    threaded, _ = assistant.retriever.retrieve(question, vector, keyword=hits)
    assert [p.chunk_id for p in threaded] == [p.chunk_id for p in inline] and inline


def test_a_closed_assistant_lets_its_threads_go_and_answers_as_before(seeds_index):
    import threading
    import time

    from rag.assistant import Assistant

    def keyword_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name.startswith("keyword")}

    before = keyword_threads()
    assistant = Assistant(seeds_index)
    question = "How many asylum applications does Mexico process a year?"
    answer = assistant.query(question)
    assert keyword_threads() - before  # the keyword side ran in the assistant's pool
    assistant.close()  # as the chat does when it reopens the library
    deadline = time.monotonic() + 10
    while keyword_threads() - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not keyword_threads() - before
    again = assistant.query(question)  # a question already on its way when the library reopened
    assert (again.text, again.citations) == (answer.text, answer.citations)
