"""Sentence selection, duplicate detection and citation assembly on hand-made articles."""

import pytest

from rag.text import split_sentences
from rag.compose import build_citations, extractive_text, syndicated_copies
from rag.evidence import (NEAREST, Evidence, Sentence, answer_sentence, listing_first, near_duplicate, nearest_shown,
                          select, topic_head, whole_quotations)
from rag.retrieve import Passage
from rag.speakers import attribute, parse_question, quoted_claim
from rag.store import Library
from rag.types import Article

TEXT = (
    "Officials met in Mexico City to discuss fentanyl. "
    "“Fentanyl is the deadliest threat we have faced,” Blinken said. "
    "But López Obrador has denied fentanyl is made in Mexico. "
    "He also warned that the border is overwhelmed. "
    "The weather was mild."
)


def article_sentences(article_id: str, text: str) -> list[Sentence]:
    out = [Sentence(article_id, i, sp.para, sp.start, sp.end, text[sp.start:sp.end])
           for i, sp in enumerate(split_sentences(text))]
    for s, speakers in zip(out, attribute([s.text for s in out], [s.para for s in out])):
        s.speakers = speakers
    return out


def whole_passage(article_id: str, text: str) -> Passage:
    return Passage(f"{article_id}-c0", article_id, 0, len(text), text, None, 0, 0.03, 0.6)


def cited(text: str, question: str, similarity=None) -> list[str]:
    """The texts of the evidence selected for `question` from one article holding `text`, its one passage."""
    sents = {"a": article_sentences("a", text)}
    chosen = select(question, parse_question(question), [whole_passage("a", text)], sents, top_k=4,
                    similarity=similarity)
    return [e.text for e in chosen.evidence]


def test_near_duplicates_ignore_honorifics_and_small_edits():
    assert near_duplicate("Mr. López Obrador has denied fentanyl is made in Mexico.",
                          "López Obrador has denied fentanyl is made in Mexico.")
    assert not near_duplicate("López Obrador has denied fentanyl is made in Mexico.",
                              "Blinken said fentanyl is the deadliest threat in Mexico.")


def test_speech_question_selects_only_the_persons_sentences():
    sents = {"a": article_sentences("a", TEXT)}
    q = "What did López Obrador say about fentanyl?"
    chosen = select(q, parse_question(q), [whole_passage("a", TEXT)], sents, top_k=4).evidence
    texts = [e.text for e in chosen]
    assert texts[0] == "But López Obrador has denied fentanyl is made in Mexico."
    assert all("Blinken" not in t for t in texts)  # Blinken's quote is not his


def test_speech_question_about_an_unspoken_topic_selects_nothing():
    sents = {"a": article_sentences("a", TEXT)}
    q = "What did López Obrador say about tariffs?"
    assert not select(q, parse_question(q), [whole_passage("a", TEXT)], sents, top_k=4).confident


def test_factoid_prefers_the_sentence_with_the_terms():
    sents = {"a": article_sentences("a", TEXT)}
    chosen = select("Where did officials discuss fentanyl?", None, [whole_passage("a", TEXT)], sents, top_k=4).evidence
    assert chosen[0].text.startswith("Officials met in Mexico City")


def test_citations_quote_exact_spans_and_list_syndicated_copies(tmp_path):
    copy_text = TEXT.replace("But López Obrador", "But Mr. López Obrador")
    db = Library(tmp_path, create=True).connect()
    for aid, text in (("a", TEXT), ("b", copy_text)):
        db.execute("INSERT INTO articles(id, source_key, title, source, hash, grp, text, added_at) "
                   "VALUES (?,?,?,?,?,?,?,0)", (aid, aid, f"Title {aid}", f"Source {aid}", aid, "g", text))
        for s in article_sentences(aid, text):
            db.execute("INSERT INTO sentences(article_id, idx, para, start, end) VALUES (?,?,?,?,?)",
                       (aid, s.idx, s.para, s.start, s.end))
    articles = {aid: Article(aid, f"Title {aid}", t, source=f"Source {aid}", group="g")
                for aid, t in (("a", TEXT), ("b", copy_text))}
    sents = {"a": article_sentences("a", TEXT)}
    q = "What did López Obrador say about fentanyl?"
    evidence = select(q, parse_question(q), [whole_passage("a", TEXT)], sents, top_k=2).evidence
    citations = build_citations(db, evidence, articles)
    assert [c.number for c in citations] == list(range(1, len(citations) + 1))
    first = citations[0]
    assert TEXT[first.start:first.end] == first.quote and first.passage == TEXT
    (copy,) = first.also_in
    assert copy.article_id == "b" and copy_text[copy.start:copy.end].startswith("But Mr. López Obrador has denied")
    assert syndicated_copies(db, Article("x", "t", "z"), "anything") == ()


def test_extractive_text_marks_every_sentence():
    text = extractive_text(["But it rained.", "“It did,” he said.\nAgain."])
    assert text == "It rained. [1] “It did,” he said. Again. [2]"
    assert answer_sentence("However, it rained.") == "It rained."


def test_factoid_with_too_little_of_the_question_selects_nothing():
    sents = {"a": article_sentences("a", TEXT)}
    assert not select("What is the population of Guatemala City?", None, [whole_passage("a", TEXT)], sents,
                      top_k=4).confident


def test_a_pronoun_follow_up_is_placed_after_its_antecedent():
    sents = {"a": article_sentences("a", TEXT)}
    q = "What did López Obrador say about the border?"
    texts = [e.text for e in select(q, parse_question(q), [whole_passage("a", TEXT)], sents, top_k=4).evidence]
    assert texts == ["But López Obrador has denied fentanyl is made in Mexico.",
                     "He also warned that the border is overwhelmed."]


WALL = (
    "President López Obrador opposes the construction of a border wall. "
    "The rain kept falling over the capital. "
    "López Obrador said migrants arrive at the border every day. "
    "The talks at the border ended late. "
    "“His extradition is a symbol,” López Obrador said."
)


def test_a_many_word_topic_needs_its_head_word_or_most_of_the_best_coverage():
    sents = {"a": article_sentences("a", WALL)}
    q = "What is López Obrador's position on the border wall?"
    texts = [e.text for e in select(q, parse_question(q), [whole_passage("a", WALL)], sents, top_k=4).evidence]
    assert texts == ["President López Obrador opposes the construction of a border wall."]  # "border" alone is another topic


def test_a_sentence_without_topic_words_is_not_cited_for_its_passages_similarity():
    assert cited(WALL, "What did López Obrador say about migrants?") == [
        "López Obrador said migrants arrive at the border every day."]


def test_only_the_sentence_right_after_an_on_topic_one_inherits_its_topic():
    text = ("“Fentanyl is not made here,” López Obrador said. López Obrador also said lawmakers must act. "
            "The weather was mild. López Obrador said the talks were cordial.")
    texts = cited(text, "What did López Obrador say about fentanyl?")
    assert texts == ["“Fentanyl is not made here,” López Obrador said.", "López Obrador also said lawmakers must act."]


def test_topic_head_is_the_last_content_word_before_a_preposition():
    assert topic_head("the border wall") == "wall"
    assert topic_head("the overdoses in the United States") == "overdos"
    assert topic_head("") is None


def test_who_said_a_pronoun_sentence_cites_the_sentence_naming_the_speaker():
    text = "Barcena told the United Nations that Mexico is overwhelmed.\n\nShe appealed for help, saying Mexico processes 140,000 applications."
    sents = {"a": article_sentences("a", text)}
    q = 'Who said "She appealed for help, saying Mexico processes 140,000 applications"?'
    assert quoted_claim(q) == "She appealed for help, saying Mexico processes 140,000 applications"
    chosen = select(q, None, [whole_passage("a", text)], sents, top_k=4).evidence
    assert [e.text for e in chosen] == ["Barcena told the United Nations that Mexico is overwhelmed."]
    # A claim nobody is reported saying has no speaker to name.
    assert not select('Who said "The weather was mild"?', None, [whole_passage("a", TEXT)],
                      {"a": article_sentences("a", TEXT)}, top_k=4).confident


def test_a_by_how_much_question_takes_the_next_sentence_that_states_the_change():
    text = ("Border Patrol made 181,509 arrests at the Mexican border in August. "
            "Those figures have gone up by 37 percent from July. "
            "The weather was mild.")
    sents = {"a": article_sentences("a", text)}
    q = "By how much did Border Patrol arrests in August rise from July?"
    chosen = select(q, parse_question(q), [whole_passage("a", text)], sents, top_k=4).evidence
    assert [e.text for e in chosen] == [
        "Border Patrol made 181,509 arrests at the Mexican border in August. "
        "Those figures have gone up by 37 percent from July."]
    # A question that does not ask for a change keeps the single sentence.
    sents = {"a": article_sentences("a", text)}
    q = "How many arrests did Border Patrol make at the Mexican border in August?"
    chosen = select(q, parse_question(q), [whole_passage("a", text)], sents, top_k=4).evidence
    assert [e.text for e in chosen][0] == "Border Patrol made 181,509 arrests at the Mexican border in August."


def test_a_one_answer_question_cites_a_second_sentence_only_when_it_adds_question_words():
    text = ("Acme sells garden tools in its shops. "
            "Acme said it would sell more of them next year. "
            "The weather was mild.")
    sents = {"a": article_sentences("a", text)}
    chosen = select("What does Acme sell?", None, [whole_passage("a", text)], sents, top_k=4).evidence
    assert [e.text for e in chosen] == ["Acme sells garden tools in its shops."]
    # A sentence holding a question word the first lacks is cited with it.
    text = "Acme sells garden tools. Its shops in Ohio sell them cheaply."
    sents = {"a": article_sentences("a", text)}
    chosen = select("What does Acme sell in Ohio?", None, [whole_passage("a", text)], sents, top_k=4).evidence
    assert [e.text for e in chosen] == ["Acme sells garden tools.", "Its shops in Ohio sell them cheaply."]


def test_a_topic_word_matches_inside_another_word_only_on_most_of_its_letters():
    text = ("“The competition is not what it was in 2019,” Ada Quist said. "
            "The weather was mild. "
            "Quist said many sellers love the service for its compelling price. "
            "The talks ended late. "
            "Competitors like Lumo are viable alternatives, Quist said.")
    texts = cited(text, "What did Ada Quist say about the competition?")
    assert texts[0].startswith("“The competition is not")
    assert "Competitors like Lumo are viable alternatives, Quist said." in texts  # "compet" in "competitors"
    assert all("compelling" not in t for t in texts)  # "compe" alone is another word


def test_a_follow_up_without_topic_words_does_not_inherit_its_neighbours_topic():
    text = "“Tariffs will hurt our farmers,” Ada Quist said. She also said the lunch was pleasant. The weather was mild."
    assert cited(text, "What did Ada Quist say about tariffs?") == ["“Tariffs will hurt our farmers,” Ada Quist said."]


def test_a_quotation_closed_by_its_attribution_is_one_unit():
    text = ("Ida Brun said she was calm. “I’m staying out of it. I’m happy with the national team,” Brun said.\n\n"
            "The weather was mild.")
    assert cited(text, "What did Ida Brun say about the national team?") == [
        "Ida Brun said she was calm. “I’m staying out of it. I’m happy with the national team,” Brun said."]


@pytest.mark.e2e
def test_what_a_person_said_far_in_meaning_from_the_question_is_not_cited():
    from rag.embedder import load_embedder

    embedder = load_embedder()
    text = ("“Tariffs on steel will hurt our farmers,” Ada Quist said. "
            "Quist also said her daughter plays the violin. The weather was mild.")
    q = "What did Ada Quist say about tariffs?"
    question = embedder.encode([q])[0]

    def similarity(texts, about=None):
        return embedder.encode(list(texts)) @ (question if about is None else embedder.encode([about])[0])

    assert len(cited(text, q)) == 2  # the sentence after an on-topic one, naming her, inherits its topic
    assert cited(text, q, similarity) == ["“Tariffs on steel will hurt our farmers,” Ada Quist said."]


def test_a_cited_sentence_that_closes_a_quotation_is_shown_from_where_it_opens():
    text = ("The ministers met on Monday. “We share the duty to act. It is not a one-way street; it is a two-way "
            "street,” Ida Brun said.\n\nThe weather was mild.")
    sents = {"a": article_sentences("a", text)}
    chosen = select("Is it a one-way street or a two-way street?", None, [whole_passage("a", text)], sents,
                    top_k=4).evidence
    assert [e.text for e in chosen] == ["It is not a one-way street; it is a two-way street,” Ida Brun said."]
    assert [e.text for e in whole_quotations(chosen, sents)] == [
        "“We share the duty to act. It is not a one-way street; it is a two-way street,” Ida Brun said."]
    # Not past the paragraph, nor onto a sentence that is cited already, nor for a sentence that closes no quotation.
    apart = "“We share the duty to act.\n\nIt is a two-way street,” Ida Brun said."
    sents = {"a": article_sentences("a", apart)}
    last = select("Is it a two-way street?", None, [whole_passage("a", apart)], sents, top_k=4).evidence
    assert [e.text for e in whole_quotations(last, sents)] == ["It is a two-way street,” Ida Brun said."]
    sents = {"a": article_sentences("a", text)}
    both = [Evidence([s], 1.0) for s in sents["a"][1:3]]
    assert [e.text for e in whole_quotations(both, sents)] == [s.text for s in sents["a"][1:3]]
    plain = [Evidence([sents["a"][0]], 1.0)]
    assert [e.text for e in whole_quotations(plain, sents)] == ["The ministers met on Monday."]

FLIPBOARD = (
    "Flipboard is testing the new app. "
    "The weather was mild in New York that week. "
    "Flipboard's app is run by its chief executive, Mike McCue."
)


def passage_of(article_id: str, text: str, sentences: int) -> Passage:
    """A passage holding the first `sentences` sentences of `text`."""
    end = split_sentences(text)[sentences - 1].end
    return Passage(f"{article_id}-c0", article_id, 0, end, text[:end], None, 0, 0.03, 0.6)


def test_a_passage_that_answers_lets_the_rest_of_its_article_answer_better():
    q = "Who runs the Flipboard app?"
    sents = {"a": article_sentences("a", FLIPBOARD)}
    selection = select(q, None, [passage_of("a", FLIPBOARD, 1)], sents, top_k=4)
    assert selection.how == "sentence"
    assert selection.evidence[0].text == "Flipboard's app is run by its chief executive, Mike McCue."
    # The gate's coverage is the passage's best sentence's, measured on the passage alone.
    alone = {"a": article_sentences("a", FLIPBOARD)[:1]}
    assert selection.coverage == select(q, None, [passage_of("a", FLIPBOARD, 1)], alone, top_k=4).coverage


def test_the_rest_of_the_article_is_not_searched_when_no_passage_sentence_answers():
    q = "Who runs the Flipboard app?"
    sents = {"a": article_sentences("a", FLIPBOARD)}
    passage = Passage("a-c1", "a", sents["a"][1].start, sents["a"][1].end, sents["a"][1].text, None, 0, 0.03, 0.6)
    selection = select(q, None, [passage], sents, top_k=4)
    assert all("McCue" not in e.text for e in selection.evidence)


def test_a_list_question_is_answered_first_by_the_sentence_that_lists_them():
    text = ("The harbour talks opened on Monday in Port Varn, officials said. "
            "Officials of the harbour flew to Port Varn for the talks, a spokesperson said. "
            "The officials — Ilse Marrow, Odo Fenn and Lea Dunmore — are focused on the harbour.")
    q = "Which officials flew to Port Varn for the harbour talks?"
    sents = {"a": article_sentences("a", text)}
    ranked = select(q, None, [whole_passage("a", text)], sents, top_k=4).evidence
    listing = "The officials — Ilse Marrow, Odo Fenn and Lea Dunmore — are focused on the harbour."
    assert ranked[0].text != listing and listing in [e.text for e in ranked]
    shown = listing_first(ranked, q)
    assert [e.text for e in shown] == [listing] + [e.text for e in ranked if e.text != listing]
    assert listing_first(ranked, "What happened at the harbour talks?") == ranked  # not a list question
def test_a_number_question_cites_the_figures_in_the_unit_it_asks_for():
    # Both sentences give a number and hold as many question words; only one counts speakers.
    text = "A 270-degree screen wraps the Orbital Arena. The arena has 150,000 small speakers. The weather was mild."
    assert cited(text, "How many speakers does the Orbital Arena have?") == ["The arena has 150,000 small speakers."]
    # A price is a sum of money, not the length of the call that comes with it.
    text = "The Lumo test costs £99. Each Lumo test cost includes a free five-minute call. The weather was mild."
    assert cited(text, "How much does the Lumo test cost?") == ["The Lumo test costs £99."]


def test_the_adjective_of_how_big_is_no_word_of_the_answer():
    text = ("The Lumo handheld is a big change, two years on. The Lumo handheld screen measures 7.4 inches. "
            "The weather was mild.")
    assert cited(text, "How big is the Lumo handheld screen?") == ["The Lumo handheld screen measures 7.4 inches."]


def test_a_not_stated_answer_shows_only_the_closest_sentences_near_the_first():
    sents = article_sentences("a", "The dam holds water. The dam is old. The weather was mild. Rain fell.")
    units = [Evidence([s], score) for s, score in zip(sents, (1.0, 0.6, 0.3, 0.9))]
    # 0.3 of the first's score is under NEAREST_SHARE: not shown.
    assert [e.text for e in nearest_shown(units)] == ["The dam holds water.", "The dam is old."]
    assert len(nearest_shown([Evidence([s], -0.1) for s in sents])) == NEAREST  # no positive score: the first three
    assert nearest_shown([]) == []
