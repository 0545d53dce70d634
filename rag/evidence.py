"""Evidence selection: the few sentences, of the retrieved passages or their articles, that answer the question.

Sentences come from the `sentences` table, so a selected one is always an exact span
of the article. When a passage sentence answers, the rest of the passages' articles compete with it
(`ARTICLE_POOL_PASSAGES`). Scoring is lexical (folded, stemmed, weighted by rarity in the
candidate pool) plus the passage's fused rank; for "What did X say about Y" only
sentences attributed to X count (see `rag.speakers`), and a sentence next to an
on-topic sentence by the same speaker inherits part of its topicality.

    >>> from rag.evidence import near_duplicate
    >>> near_duplicate("But Mr. López Obrador has denied fentanyl is made in Mexico.",
    ...                "But López Obrador has denied fentanyl is made in Mexico and more.")
    True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Mapping, Sequence

from rag import answer_type
from rag.retrieve import Passage
from rag.speakers import (HONORIFICS, OPEN_QUOTES, Intent, Speaker, attribute, closes_quote, name_tokens, opens_quote,
                          quoted_claim, same_person)
from rag.store import sentence_rows
from rag.text import content_words, english_stems, fast_fold, stems

# A sentence that holds the kind of answer the question asks for (a number, a date, a name: `rag.answer_type`)
# gains this much coverage: half the weight of a typical second question word.
TYPE_BONUS = 0.15
MAX_TYPED_ANSWERS = 2  # answers of that kind that earn the bonus (a list question prefers a sentence naming several)
NEAREST = 3  # sentences shown when none answers ("not stated directly")
# Of those, the ones scoring at least this share of the first's (`nearest_shown`): a sentence far behind the closest
# is seldom the answer. On the tune halves, not-stated answers citing the right sentence first: multihop-new
# citation precision 0.684 -> 0.690, seeds-outside 0.697 -> 0.714 (one extra sentence each at 0.03 and 0.46 / 0.11
# of the first), key-fact recall unchanged; 0.7 lost a key fact on the seeds-outside report half. Not 0.5: the seeds'
# "What did Garland say about guns?" has its second sentence at 0.46 of the first with stored sentence vectors and
# at 0.505 with vectors computed at query time, and both must cite the same (tests/rag/test_sentence_vectors.py).
NEAREST_SHARE = 0.55
# Other sentences are cited beside the best one from `MIN_SCORE_RATIO` of its score (not measured); beside the
# best one of a one-answer question only from `SINGLE_ANSWER_RATIO`: on the tune half of multihop-new.jsonl
# citation precision 0.412 -> 0.499, key-fact recall 0.686 -> 0.674.
MIN_SCORE_RATIO = 0.6
SINGLE_ANSWER_RATIO = 0.85
# When words alone find no answer, this many of the best sentences by words are compared with the question by
# meaning (the embedding model): enough to hold a paraphrase's sentence, which still shares a name or two.
SEMANTIC_CANDIDATES = 8
# When words do find an answer, the best `SEMANTIC_CANDIDATES` sentences by words and the best
# `TYPED_MEANING_CANDIDATES` that give an answer of the kind asked gain `MEANING_WEIGHT` times their cosine to the
# question, so that of several sentences sharing the question's words the one that says what it asks comes first
# ("officially known as gastroparesis" for "the medical name for stomach paralysis"). Not for "how many / how
# much" questions: there the closest sentence by meaning is often another figure on the same subject. On the tune
# half of multihop-new.jsonl, with `_adding_words` below: citation precision 0.572 -> 0.623, key-fact recall 0.733
# either way (weight 0.6: 0.744 / 0.570 without the pruning; 8 + 4 candidates against 4 + 2: key-fact recall
# 0.733 against 0.721); with number questions too, their citation precision fell 0.688 -> 0.658. Cost: one
# embedding of up to 12 sentences (bench/query.py at load 2-3, MultiHop-RAG select stage p50 6.1 -> 15.6 ms).
MEANING_WEIGHT = 1.0
TYPED_MEANING_CANDIDATES = 4
# When a sentence of the retrieved passages holds `min_coverage` of the question's words, every other sentence of
# the articles of the best `ARTICLE_POOL_PASSAGES` passages competes with them (scored as they are, words then
# `_add_meaning`'s cosine from the stored sentence vectors, with word rarity taken over the wider pool); the gate's
# coverage figures stay those of the passages, so it decides on the scale it was fitted on. On the tune halves:
# multihop-new key-fact recall 0.733 -> 0.756, citation precision 0.647 -> 0.644, abstention recall 0.923 ->
# 0.846 (one of 13); seeds-outside unchanged; MultiHop-RAG sample of 200 key-fact recall 0.183 -> 0.207,
# citation precision 0.401 -> 0.397 (report halves in eval/RESULTS.md). The articles of the best 2 / 4
# passages: multihop-new key-fact recall 0.733 / 0.744. With the wider pool in every search (the several-sentence
# cover and the nearest too) and the gate's coverage taken over it, the MultiHop-RAG sample's answered share rose
# 0.41 -> 0.60 and its citation precision fell to 0.34.
ARTICLE_POOL_PASSAGES = 8
# (texts, about) -> the cosine of each text to `about`, or to the question when `about` is None
Similarity = Callable[[Sequence[str], str | None], Sequence[float]]
# "By how much did arrests rise from July?": news reports give the level, then the change in the next sentence
# ("... 181,509 arrests throughout August. Those figures have gone up by 37 percent from July ...").
CHANGE_QUESTION = re.compile(r"\bby how much\b|\bhow much (did|has|have|had|was|were|will)\b.*\b(rise|rose|risen|grow|grew|"
                             r"increase|fall|fell|drop|decline|jump|climb|go up|gone up|go down|change)", re.I)
CHANGE_FOLLOW_UP = re.compile(r"^\W*(those|these|that|this|it|the (figures?|numbers?|totals?|rates?))\b.*"
                              r"(\d\s*(percent|per cent|%)|\d+\s*times\b|\b(doubled|tripled|halved)\b)", re.I | re.S)
# Two sentences are copies of one when this share of the shorter's words (honorifics aside) is in the longer;
# below `COPY_MIN_WORDS` words they must be equal. Not measured.
COPY_CONTAINMENT = 0.8
COPY_MIN_WORDS = 4
# Fused rank's weight beside a sentence's word coverage (`_rank_bonus`, 1 for the top passage): enough to break
# ties between equally covering sentences, too little to outweigh one more question word. Not measured.
RANK_WEIGHT = 0.15
# The same for speech: smaller, as on-topic speech sentences score on the topic's words alone. Not measured.
SPEECH_RANK_WEIGHT = 0.1
# A word is a stand-in for a one-word topic ("overdoses" for "fentanyl") when at least `EXPANSION_MIN_COUNT` on-topic
# sentences hold it and it is `EXPANSION_MIN_LIFT` times as frequent among them as in the pool; its weight is
# lift / `EXPANSION_FULL_LIFT` (1 at that lift and above), counted at `EXPANSION_WEIGHT` of a topic word.
# Not measured.
EXPANSION_MIN_COUNT = 2
EXPANSION_MIN_LIFT = 2.0
EXPANSION_FULL_LIFT = 4
EXPANSION_WEIGHT = 0.5
# A topic stem of at least `FUZZY_PREFIX` letters also matches a word holding its first letters but the last
# `FUZZY_SLACK` ("migra" in "immigrants", "compet" in "competitors"), at least `FUZZY_PREFIX` of them. The prefix
# was not measured; the slack (before, any stem's first five letters) stops "compe" of "competition" matching
# "compelling": on the tune half of multihop-new.jsonl, citation precision of its quote items 0.389 -> 0.431.
FUZZY_PREFIX = 5
FUZZY_SLACK = 2
# A quotation and at most this many sentences that continue it are one unit. Not measured.
MAX_QUOTE_SENTENCES = 3
# What a person said this many sentences before or after a retrieved sentence of theirs is a candidate too.
# Not measured.
SPEECH_NEIGHBOURS = 2
# A passage's dense similarity ranks its speech sentences above this floor only (cosines of unrelated
# MiniLM passages stay below it). Not measured.
SPEECH_DENSE_FLOOR = 0.3
# The speech knobs below that carry tune-half figures were chosen, and those figures measured, with the fuller
# attribution of branch speech-attribution ("he said" resolved to the person a nearby sentence opens with); the
# code kept here attributes less, and its own figures are in eval/RESULTS.md.
# A many-word topic's sentence must hold this share of the best one's topic words (or the head word), and a
# sentence next to an on-topic one by the same speaker inherits this share of its score: brought in with
# seeds citation precision 0.80 -> 0.88 and Hit@5 0.90 -> 0.92. The floor was 0.5; swept on the tune halves of
# multihop-new.jsonl and seeds-outside.jsonl: 0.6, 0.65 and 0.7 give multihop-new's quote items citation
# precision 0.347 -> 0.403 with nothing else moving, 0.8 cost seeds-outside key-fact recall (0.714 -> 0.688).
# The neighbour share was not swept.
TOPIC_FLOOR_SHARE = 0.65
NEIGHBOUR_SHARE = 0.6
# What a person said is cited only when its cosine to the question is at least this share of that of the closest
# cited unit holding the topic's words: `INDIRECT_MEANING_SHARE` for a unit holding none of them (it came in
# through a stand-in word or a neighbour), `DIRECT_MEANING_SHARE` for one holding some. On the tune half of
# multihop-new.jsonl, quote items' citation precision 0.368 -> 0.431 with both (the first alone, with the topic
# floor at 0.5: none / 0.5 / 0.6 / 0.7 gave 0.326 / 0.326 / 0.347 / 0.347); on the seeds the López Obrador
# fentanyl answer's "scapegoat" and "social decay" sentences stand at 0.70 and 0.68 of the denial's cosine, so
# 0.6 keeps them. The second only
# drops a direct unit very far in meaning ("Competitors like …" at 0.11 of the best, for "the competition"):
# 0.25 and 0.45 both gave one quote item's precision 0.5 -> 1.0, but 0.45 lost another's key fact (its right
# sentence at 0.39 of the best).
INDIRECT_MEANING_SHARE = 0.6
DIRECT_MEANING_SHARE = 0.25
# A cited "He added ..." goes right after its antecedent when at most this many sentences follow it. Not measured.
FOLLOW_UP_DISTANCE = 3
# Sentences whose `token_set` is kept: over 150 MultiHop-RAG dev questions, 17 calls a question, hit rate 0.65 with
# 100 kept and 0.67 (all repeats) from 1,000.
TOKEN_SETS = 1_000
HOW_MEASURE = re.compile(r"\bhow\s+(?:big|large|small|tall|high|wide|deep|heavy|fast)\b", re.I)
LEADING_GLUE = re.compile(r"^(?:But|And|However|Yet|Still|So|Also|Meanwhile),?\s+")


@lru_cache(maxsize=TOKEN_SETS)
def token_set(text: str) -> frozenset[str]:
    """The folded words of `text` but honorifics; cached, as a cited sentence is compared with every sentence of its
    story's syndicated copies."""
    return frozenset(w for w in re.findall(r"\w+", fast_fold(text)) if w not in HONORIFICS)


def near_duplicate(a: str, b: str, threshold: float = COPY_CONTAINMENT) -> bool:
    """Same sentence in two copies of a story: word containment (honorifics ignored) of the shorter in the longer."""
    x, y = token_set(a), token_set(b)
    if min(len(x), len(y)) < COPY_MIN_WORDS:
        return x == y
    return len(x & y) / min(len(x), len(y)) >= threshold


@dataclass
class Sentence:
    """One sentence of a retrieved article, with what is known about it."""

    article_id: str
    idx: int
    para: int
    start: int
    end: int
    text: str
    speakers: list[Speaker] = field(default_factory=list)
    passage: Passage | None = None  # best ranked retrieved passage that holds it
    stems: set[str] = field(default_factory=set)


@dataclass
class Evidence:
    """A unit of evidence: one sentence, or a quotation with its continuation sentences."""

    sentences: list[Sentence]
    score: float
    topical: float = 0.0
    coverage_words: float = 0.0  # `topical` without the answer-type bonus

    @property
    def first(self) -> Sentence:
        return self.sentences[0]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


def load_sentences(db, article_ids: Sequence[str], texts: dict[str, str], *, speakers: bool = True
                   ) -> dict[str, list[Sentence]]:
    """All sentences of the given articles, in order, with speakers attributed unless `speakers` is False."""
    out: dict[str, list[Sentence]] = {}
    for aid, rows in sentence_rows(db, article_ids).items():
        text = texts[aid]
        sents = [Sentence(aid, r[0], r[1], r[2], r[3], text[r[2]:r[3]]) for r in rows]
        if speakers:
            for s, found in zip(sents, _attribution(text, rows)):
                s.speakers = list(found)
        out[aid] = sents
    return out


@lru_cache(maxsize=2048)
def _attribution(text: str, rows: tuple) -> tuple[tuple[Speaker, ...], ...]:
    """Speakers per sentence, cached: an article's text and spans fully determine them."""
    return tuple(tuple(x) for x in attribute([text[r[2]:r[3]] for r in rows], [r[1] for r in rows]))


def _candidates(passages: Sequence[Passage], sentences: dict[str, list[Sentence]]) -> list[Sentence]:
    """Sentences inside the passages, each tied to the best ranked passage that holds it."""
    out: list[Sentence] = []
    for p in passages:
        for s in sentences.get(p.article_id, ()):
            if s.passage is None and p.start <= s.start and s.end <= p.end:
                s.passage = p
                s.stems = stems(s.text)
                out.append(s)
    return out


def _rest_of_articles(passages: Sequence[Passage], sentences: dict[str, list[Sentence]], n: int) -> list[Sentence]:
    """The sentences of the articles of the best `n` passages that no passage holds, each tied to its article's
    best ranked passage (whose rank and dense similarity it takes)."""
    best: dict[str, Passage] = {}
    for p in sorted(passages, key=lambda p: p.rank)[:n]:
        best.setdefault(p.article_id, p)
    out: list[Sentence] = []
    for aid, p in best.items():
        for s in sentences.get(aid, ()):
            if s.passage is None:
                s.passage, s.stems = p, stems(s.text)
                out.append(s)
    return out


def _idf(pool: Sequence[Sentence]) -> dict[str, float]:
    df: dict[str, int] = {}
    for s in pool:
        for t in s.stems:
            df[t] = df.get(t, 0) + 1
    n = len(pool)
    return {t: math.log(1 + n / c) for t, c in df.items()}


def _coverage(terms: set[str], s: set[str], idf: dict[str, float]) -> float:
    """The share of the rarity of `terms` that `s` holds. Summed with `math.fsum`, so the figure does not depend
    on the sets' iteration order (which changes with PYTHONHASHSEED) and a sentence exactly at the gate is judged
    the same in every process."""
    if not terms:
        return 0.0
    total = math.fsum(idf.get(t, math.log(2 + len(idf))) for t in terms)
    return math.fsum(idf.get(t, 0.0) for t in terms & s) / total


def _rank_bonus(s: Sentence) -> float:
    return 1.0 / (1 + s.passage.rank) if s.passage else 0.0


def _expansion(topic: set[str], pool: Sequence[Sentence], min_lift: float = EXPANSION_MIN_LIFT) -> dict[str, float]:
    """Words that co-occur with the topic in the pool far more than elsewhere ("overdoses" for "fentanyl")."""
    pool = list({frozenset(s.stems): s for s in pool}.values())  # syndicated copies count once
    on_topic = [s for s in pool if s.stems & topic]
    if not on_topic or len(on_topic) == len(pool):
        return {}
    counts: dict[str, int] = {}
    for s in on_topic:
        for t in s.stems - topic:
            counts[t] = counts.get(t, 0) + 1
    overall: dict[str, int] = {}
    for s in pool:
        for t in s.stems:
            overall[t] = overall.get(t, 0) + 1
    out = {}
    for t, c in counts.items():
        lift = (c / len(on_topic)) / (overall[t] / len(pool))
        if c >= EXPANSION_MIN_COUNT and lift >= min_lift:
            out[t] = min(1.0, lift / EXPANSION_FULL_LIFT)
    return out


def _fuzzy(topic: set[str], text: str) -> set[str]:
    """Topic stems whose first letters but the last `FUZZY_SLACK` (at least `FUZZY_PREFIX`) occur inside a word of
    `text` ("migrat" in "immigrants", "compet" in "competitors", not "compe" in "compelling")."""
    words = content_words(text)
    return {t for t in topic if len(t) >= FUZZY_PREFIX
            and any(t[:max(FUZZY_PREFIX, len(t) - FUZZY_SLACK)] in w for w in words)}


def _units(sents: list[Sentence]) -> list[list[Sentence]]:
    """Group each attributed sentence with the quotation sentences that continue it."""
    units: list[list[Sentence]] = []
    for s in sents:
        prev = units[-1][-1] if units else None
        # A quotation's sentences go on from the one naming the speaker, or lead to one naming them again ("X
        # said … “It works. / It is cheap,” X said.": tune half of multihop-new.jsonl, quote items' citation
        # precision 0.417 -> 0.431).
        continuation = (prev is not None and prev.article_id == s.article_id and prev.idx + 1 == s.idx
                        and s.para == prev.para and len(units[-1]) < MAX_QUOTE_SENTENCES
                        and ((s.speakers and all(x.inherited for x in s.speakers)
                              and (s.text.lstrip()[:1] in OPEN_QUOTES or opens_quote(prev.text)))
                             or (opens_quote(prev.text) and closes_quote(s.text))))
        if continuation:
            units[-1].append(s)
        else:
            units.append([s])
    return units


@dataclass
class Selection:
    """What evidence selection found, and how: the gate in `rag.answerability` decides from it whether it answers.

    `how` is "source" (who said a quoted claim), "speech" (what a named person said), "sentence" (one sentence
    holds at least `min_coverage` of the question's words), "cover" (several sentences do together), or
    "nearest" (none does: the closest sentences, for a "not stated directly" answer), or "unattributed" (the
    question asks what a named person said, or who said a quoted claim, and no sentence gives that person's
    words or the claim's speaker: never an answer, only the closest sentences); `evidence` is empty only
    when no retrieved sentence shares a word with the question. `coverage` is the share of the question's
    rarity-weighted words the best unit holds, `set_coverage` the share all chosen units hold together.
    """

    evidence: list[Evidence]
    how: str
    coverage: float = 0.0
    set_coverage: float = 0.0
    semantic: float | None = None  # cosine of the first unit to the question, when words alone did not answer

    @property
    def confident(self) -> bool:
        return self.how not in ("nearest", "unattributed") and bool(self.evidence)


def select(question: str, intent: Intent | None, passages: Sequence[Passage],
           sentences: dict[str, list[Sentence]], top_k: int, min_ratio: float = MIN_SCORE_RATIO,
           min_coverage: float = 0.4, reports: Mapping[str, str] | None = None,
           similarity: Similarity | None = None) -> Selection:
    """The smallest set of evidence units that answers, best first, or the closest sentences when none does.

    Outside "what did X say" questions, a sentence that holds at least `min_coverage` of the question's words
    (weighted by rarity) answers, or several that together do; otherwise the `NEAREST` best are returned as
    "nearest". When one sentence of the passages answers, every sentence of the articles of the best
    `ARTICLE_POOL_PASSAGES` passages is a candidate; the coverage figures returned stay the passages'. A "what
    did X say" question with nothing by X on the topic falls back to the same search.
    `reports` maps the article ids of each publisher a question names to that publisher: a question about
    several reports is answered with the best sentence of each. With `similarity`, a question words alone do
    not answer is tried by meaning: the person's own sentences for "what did X say", else the best sentences by
    words, ordered by their cosine to the question (`Selection.semantic`), so a paraphrase ("complain" for
    "wrote a letter … untenable") finds its sentence and the gate can weigh how close it is.
    """
    pool = _candidates(passages, sentences)
    if not pool:
        return Selection([], "nearest")
    idf = _idf(pool)
    # "How big / tall / fast …" asks for a size: its adjective is no word the answer holds ("a big change" does not
    # answer "how big is the screen", "7.4 inches" does). Not "how long / far / old": on the tune half of
    # multihop-new.jsonl taking "long" away too put two answers to "how long" questions from answered to
    # not stated (the sentence holding every other word, with no figure, came first).
    terms = stems(HOW_MEASURE.sub(" ", question))
    claim = quoted_claim(question)
    if claim is not None:
        found = _select_source(claim, pool, sentences)
        if found:
            return Selection(found, "source", 1.0, 1.0)
    elif intent is not None:
        found = _select_speech(intent, pool, sentences, idf, top_k, similarity)
        if found:
            return Selection(found, "speech", max(e.topical for e in found), _union_coverage(terms, found, idf))
        said = sorted((s for s in pool if any(same_person(intent.person, sp.name) for sp in s.speakers)),
                      key=lambda s: (s.article_id, s.idx))
        # Whole quotations, from the best ranked passages: a quotation's first words are often its point (tune
        # half of multihop-new.jsonl: quote items' key-fact recall 0.583 -> 0.667 against single sentences).
        units = sorted(_units(said), key=lambda u: _rank_bonus(u[0]), reverse=True)[:SEMANTIC_CANDIDATES]
        if units and similarity is not None:
            # All of them are the person's: which is about the topic is the question.
            return _by_meaning([Evidence(u, 0.0) for u in units], "speech", terms, idf, similarity,
                               about=intent.topic)
    kind = answer_type.expected(question)
    plural = answer_type.asks_for_several(question)

    def score(sents: Sequence[Sentence], idf: dict[str, float]) -> list[Evidence]:
        out = []
        for s in sents:
            cover = _coverage(terms, s.stems, idf)
            if cover <= 0:
                continue
            words = cover
            cover += TYPE_BONUS * min(MAX_TYPED_ANSWERS, answer_type.count(s.text, kind, question, plural))
            out.append(Evidence([s], cover + RANK_WEIGHT * _rank_bonus(s), cover, words))
        return out

    scored = score(pool, idf)
    if not scored:
        return Selection([], "nearest")
    best = max(e.topical for e in scored)
    gate_idf = idf  # the gate's coverage figures are the passages', whatever pool the answer comes from
    if best >= min_coverage and ARTICLE_POOL_PASSAGES:
        # The passages answer: the rest of their articles may say it better ("Flipboard CEO Mike McCue" for "who
        # runs Flipboard", past the passage's end). Scored with the rarity of words in the wider pool.
        pool = pool + _rest_of_articles(passages, sentences, ARTICLE_POOL_PASSAGES)
        idf = _idf(pool)
        scored = score(pool, idf)
    if best >= min_coverage and similarity is not None and kind != "number":
        _add_meaning(scored, similarity)
    if best >= min_coverage:
        # A question with one answer of a kind (a number, a date, a name) is answered by the best sentence that
        # gives it; another is cited only when it gives one too and scores nearly as well.
        typed = [e for e in scored if e.topical > e.coverage_words]  # those that give an answer of the kind
        enough = max(min_coverage, best - TYPE_BONUS)
        if kind == "number" and not plural:
            # Of those, the ones whose number is in the unit asked ("157,000 … speakers" for "how many speakers",
            # not "the Sphere's 270-degree view"; `answer_type.unit_fits`), when one of them scores enough. On the
            # tune half of multihop-new.jsonl, with size and worth questions read as number questions: citation
            # precision 0.650 -> 0.684, key-fact recall 0.767 either way; seeds-outside's tune half unchanged.
            fitting = [e for e in typed if answer_type.unit_fits(e.text, question)]
            if fitting and max(e.topical for e in fitting) >= enough:
                typed = fitting
        if kind is not None and not plural and typed and max(e.topical for e in typed) >= enough:
            chosen = _pick(typed, top_k, SINGLE_ANSWER_RATIO)
        else:
            chosen = _pick(scored, top_k, min_ratio)
        if not plural and kind != "number":
            chosen = _adding_words(chosen, terms, idf)
        how = "sentence"
    else:
        chosen, how = _cover(terms, scored, idf, top_k, min_coverage), "cover"
        if not chosen:
            chosen, how = _pick(scored, NEAREST, min_ratio), "nearest"
    if claim is not None or (intent is not None and not any(_names_on_topic(intent, e) for e in chosen)):
        # A quoted claim with no speaker found does not say who said it; for "What did X say/propose about Y"
        # with nothing of X's on Y, only a sentence naming X and holding Y's head word may answer.
        how = "unattributed"
    if how == "nearest" and similarity is not None:
        by_words = sorted(scored, key=lambda e: -e.score)[:SEMANTIC_CANDIDATES]
        return _by_meaning(by_words, how, terms, idf, similarity, best)
    if kind is not None and how == "sentence":
        chosen = _with_breakdown(chosen, sentences, terms, kind, question)
    if reports and len(set(reports.values())) >= 2:
        chosen = _one_per_report(chosen, scored, reports)
    if CHANGE_QUESTION.search(question):
        chosen = _with_changes(chosen, sentences)
    return Selection(chosen, how, best, _union_coverage(terms, chosen, gate_idf))


def _by_meaning(units: list[Evidence], how: str, terms: set[str], idf: dict[str, float], similarity: Similarity,
                coverage: float | None = None, about: str | None = None) -> Selection:
    """The units ordered by their cosine to the question (or to `about`), the closest `NEAREST` kept."""
    cosines = [float(c) for c in similarity([e.text for e in units], about)]
    ranked = sorted(zip(cosines, units), key=lambda cu: -cu[0])
    chosen: list[Evidence] = []
    for cosine, e in ranked:
        if len(chosen) >= NEAREST:
            break
        if not any(near_duplicate(e.text, c.text) for c in chosen):
            e.score = cosine
            chosen.append(e)
    top = max((_coverage(terms, e.first.stems, idf) for e in chosen), default=0.0)
    return Selection(chosen, how, top if coverage is None else coverage, _union_coverage(terms, chosen, idf),
                     semantic=ranked[0][0] if ranked else None)


def _add_meaning(scored: list[Evidence], similarity: Similarity) -> None:
    """Raise the scores of the best candidates by words (and of the best that give an answer of the kind asked)
    by `MEANING_WEIGHT` times their cosine to the question."""
    by_score = sorted(scored, key=lambda e: -e.score)
    typed = [e for e in by_score if e.topical > e.coverage_words][:TYPED_MEANING_CANDIDATES]
    top = list({id(e): e for e in by_score[:SEMANTIC_CANDIDATES] + typed}.values())
    for e, cosine in zip(top, similarity([e.text for e in top], None)):
        e.score += MEANING_WEIGHT * float(cosine)


def _adding_words(chosen: list[Evidence], terms: set[str], idf: dict[str, float]) -> list[Evidence]:
    """The best unit, and each further one only when it holds at least `MIN_GAIN` (the set cover's) of the question's weighted words
    that the units kept before it lack: a one-answer question's second sentence on the same words restates the
    subject rather than the answer. On the tune half of multihop-new.jsonl (with `_add_meaning`): citation
    precision 0.572 -> 0.623 with key-fact recall unchanged (0.733); gains of 0.02 and 0.08 cite the same. Not for
    "how many / how much" questions, whose right figure is often in the second sentence."""
    kept = chosen[:1]
    held = set().union(*(s.stems for e in kept for s in e.sentences))
    for e in chosen[1:]:
        words = set().union(*(s.stems for s in e.sentences))
        if _coverage(terms, held | words, idf) - _coverage(terms, held, idf) >= MIN_GAIN:
            kept.append(e)
            held |= words
    return kept


PRONOUN_LEAD = re.compile(r"^\W*(?:They|These|Those|It|This|That|Of (?:them|those|these))\b")


def _with_breakdown(chosen: list[Evidence], sentences: dict[str, list[Sentence]], terms: set[str], kind: str,
                    question: str) -> list[Evidence]:
    """The first unit followed by the next sentence of its article when that one goes on about it ("They
    include 50,000 Venezuelans") with an answer of the kind asked and a question word the unit lacks: news
    gives a total, then its breakdown, and the question may ask for the part."""
    if not chosen:
        return chosen
    first = chosen[0]
    article = sentences.get(first.first.article_id, [])
    last = first.sentences[-1]
    at = article.index(last) + 1 if last in article else len(article)
    if at < len(article) and PRONOUN_LEAD.match(article[at].text) and answer_type.find(article[at].text, kind, question):
        held = set().union(*(x.stems for x in first.sentences))
        if (stems(article[at].text) & terms) - held:
            first.sentences.append(article[at])
    return chosen


def listing_first(units: Sequence[Evidence], question: str) -> list[Evidence]:
    """The units of an answer in the order to show them: for a list question ("Which officials …?"), those that give
    several answers of its kind ("The US officials — A, B and C — …") ahead of better-worded ones that name one.
    Only the order shown changes, after the gate has judged the selection as `select` ranked it.

        >>> units = [Evidence([Sentence("a", 0, 0, 0, 0, "Officials flew to Port Varn.")], 2.0),
        ...          Evidence([Sentence("a", 1, 0, 0, 0, "They were Ida Brun and Odo Fenn.")], 1.0)]
        >>> [e.text for e in listing_first(units, "Which officials flew to Port Varn?")]
        ['They were Ida Brun and Odo Fenn.', 'Officials flew to Port Varn.']
    """
    kind = answer_type.expected(question)
    if kind is None or not answer_type.asks_for_several(question):
        return list(units)
    return sorted(units, key=lambda e: answer_type.count(e.text, kind, question, several=True) < 2)


def whole_quotations(chosen: list[Evidence], sentences: dict[str, list[Sentence]]) -> list[Evidence]:
    """Each unit whose first sentence closes a quotation opened in an earlier sentence of its paragraph (at most
    `MAX_QUOTE_SENTENCES` in all), with the sentences back to where the quotation opens: the sentence splitter
    cuts a quotation at its full stops, and its point is often in its first words ("“We have a mutual
    responsibility … . It's a two-way street,” said X." cited from "It's a two-way street" on lost the
    responsibility). Not when one of those sentences is cited already. Applied to what is shown, after the gate has
    weighed what `select` chose.

    On the tune half of seeds-outside.jsonl key-fact recall 0.739 -> 0.765, of multihop-new.jsonl 0.733 -> 0.744
    (citation precision 0.647 -> 0.653); report halves, seeds and the MultiHop-RAG sample of 200 unchanged."""
    cited = {id(s) for e in chosen for s in e.sentences}
    for e in chosen:
        article = sentences.get(e.first.article_id, [])
        if not closes_quote(e.first.text) or e.first not in article:
            continue
        at = article.index(e.first)
        for back in range(1, MAX_QUOTE_SENTENCES):
            prev = article[at - back] if at - back >= 0 else None
            if prev is None or prev.para != e.first.para or id(prev) in cited:
                break
            if opens_quote(prev.text):
                e.sentences[:0] = article[at - back:at]
                cited |= {id(s) for s in article[at - back:at]}
                break
            if any(c in prev.text for c in OPEN_QUOTES + "”"):
                break
    return chosen


def _one_per_report(chosen: list[Evidence], scored: list[Evidence], reports: Mapping[str, str]) -> list[Evidence]:
    """`chosen`, with the best scored unit of each named publisher that has none in it, in the question's order."""
    have = {reports.get(e.first.article_id) for e in chosen}
    for source in dict.fromkeys(reports.values()):
        if source in have:
            continue
        best = max((e for e in scored if reports.get(e.first.article_id) == source and e not in chosen),
                   key=lambda e: e.score, default=None)
        if best is not None:
            chosen = chosen + [best]
    return chosen


def _names_on_topic(intent: Intent, unit: Evidence) -> bool:
    head = topic_head(intent.topic or "")
    return same_person_named(intent.person, unit.text) and (head is None or head in unit.first.stems)


def same_person_named(person: str, text: str) -> bool:
    """True when `text` names `person` (by the last word of their name, accent and case folded)."""
    tokens = name_tokens(person)
    return bool(tokens) and tokens[-1] in set(re.findall(r"\w+", fast_fold(text)))


def _union_coverage(terms: set[str], chosen: Sequence[Evidence], idf: dict[str, float]) -> float:
    return _coverage(terms, set().union(*(s.stems for e in chosen for s in e.sentences)), idf)


def _with_changes(chosen: list[Evidence], sentences: dict[str, list[Sentence]]) -> list[Evidence]:
    """Each unit followed by the next sentence of its article when that one states the change of its figures
    ("Those figures have gone up by 37 percent"), for questions that ask by how much something changed."""
    for e in chosen:
        article = sentences.get(e.first.article_id, [])
        at = article.index(e.sentences[-1]) + 1 if e.sentences[-1] in article else len(article)
        if at < len(article) and CHANGE_FOLLOW_UP.match(article[at].text):
            e.sentences.append(article[at])
    appended = {id(s) for e in chosen for s in e.sentences[1:]}
    return [e for e in chosen if id(e.first) not in appended]


def _select_source(claim: str, pool: list[Sentence], sentences: dict[str, list[Sentence]]) -> list[Evidence]:
    """Who said `claim`: the sentence that names the speaker of the retrieved sentence carrying it.

    When the claim's own sentence names its speaker, it answers; when it only says "she" or
    continues a quotation, the earlier sentence where that speaker is named answers instead.
    """
    said = next((s for s in pool if near_duplicate(claim, s.text) and s.speakers), None)
    if said is None:
        return []
    if not all(sp.inherited for sp in said.speakers):
        return [Evidence([said], 1.0, 1.0)]
    names = [sp.name for sp in said.speakers]
    for s in reversed(sentences[said.article_id][:said.idx]):
        if any(not sp.inherited and sp.name in names for sp in s.speakers):
            return [Evidence([s], 1.0, 1.0)]
    return []


# A question with more words than this asks less coverage (and gain) of the set, in proportion. Not measured.
LONG_QUESTION_TERMS = 10
# Share of the question's words a sentence must add to join the set cover. Brought in with the set cover, tuned
# with the fusion on MultiHop-RAG dev; the value itself was not swept.
MIN_GAIN = 0.08


def _cover(terms: set[str], scored: list[Evidence], idf: dict[str, float], top_k: int,
           min_coverage: float, min_gain: float = MIN_GAIN) -> list[Evidence]:
    """Sentences that answer a many-part question together when no single one does.

    Multi-hop questions ("... according to Fortune, and ... as reported by The Age")
    spread their words over sentences of several articles. Greedy set cover: take the
    sentence that adds the most uncovered question weight, while each adds at least
    `min_gain`; answer only if together they reach `min_coverage`.
    """
    # A long question cannot expect a few sentences to hold 40% of its words: ask for about
    # as much evidence, in question words, as a ten-word question would need.
    scale = min(1.0, LONG_QUESTION_TERMS / max(1, len(terms)))
    min_coverage, min_gain = min_coverage * scale, min_gain * scale
    covered: set[str] = set()
    chosen: list[Evidence] = []
    candidates = sorted(scored, key=lambda e: -e.score)
    while len(chosen) < top_k:
        best, gain = None, min_gain
        uncovered = terms - covered
        left = _coverage(terms, uncovered, idf)  # the same for every candidate of this round
        for e in candidates:
            g = _coverage(uncovered, e.first.stems, idf) * left
            if g > gain and not any(near_duplicate(e.text, c.text) for c in chosen):
                best, gain = e, g
        if best is None:
            break
        chosen.append(best)
        covered |= terms & best.first.stems
        candidates.remove(best)
    return chosen if chosen and _coverage(terms, covered, idf) >= min_coverage else []


PREPOSITIONS = frozenset(
    "in of on at for with from to during against about by over between among after before since into".split())


def topic_head(topic: str) -> str | None:
    """Stem of the head noun of a topic phrase: its last content word before any preposition.

        >>> topic_head("the border wall"), topic_head("the overdoses in the United States")
        ('wall', 'overdos')
    """
    words = []
    for w in re.findall(r"[\w'’]+", topic):
        if fast_fold(w) in PREPOSITIONS:
            break
        words.append(w)
    content = content_words(" ".join(words))
    return english_stems(content[-1:])[0] if content else None


def _select_speech(intent: Intent, pool: list[Sentence], sentences: dict[str, list[Sentence]],
                   idf: dict[str, float], top_k: int, similarity: Similarity | None = None) -> list[Evidence]:
    person = intent.person

    def by_person(s: Sentence) -> bool:
        return any(same_person(person, sp.name) for sp in s.speakers)

    said = [s for s in pool if by_person(s)]
    if not said:
        return []
    # What the person said just before or after a retrieved sentence, even past the passage's end.
    for s in list(said):
        for n in sentences[s.article_id][max(0, s.idx - SPEECH_NEIGHBOURS):s.idx + SPEECH_NEIGHBOURS + 1]:
            if n.passage is None and by_person(n):
                n.passage, n.stems = s.passage, stems(n.text)
                said.append(n)
    person_stems = set(english_stems(name_tokens(person)))
    topic = stems(intent.topic) - person_stems if intent.topic else set()
    # Co-occurring words stand in for a one-word topic ("overdoses" for "fentanyl"); for a
    # many-word topic they mostly echo its commonest word, so only the topic's own words count.
    expansion = _expansion(topic, pool) if len(topic) == 1 else {}

    def direct(s: Sentence) -> float:
        return _coverage(topic, s.stems | _fuzzy(topic, s.text), idf)

    def own(s: Sentence) -> float:
        """What the sentence's own words say about the topic."""
        if not topic:
            return 1.0
        return direct(s) + EXPANSION_WEIGHT * max((expansion.get(t, 0.0) for t in s.stems), default=0.0)

    def prior(s: Sentence) -> float:
        # The passage's similarity to the question ranks sentences; it never makes one on topic.
        return max(0.0, (s.passage.dense or 0.0) - SPEECH_DENSE_FLOOR) if s.passage and topic else 0.0

    said.sort(key=lambda s: (s.article_id, s.idx))
    units = _units(said)
    owns = [max(own(s) for s in u) for u in units]
    # A many-word topic ("the border wall") is answered by sentences holding its head word or most of
    # what the best one holds: "border" alone is another subject.
    floor = TOPIC_FLOOR_SHARE * max((max(direct(s) for s in u) for u in units), default=0.0) if len(topic) > 1 else 0.0
    head = topic_head(intent.topic or "")
    tops = [owns[i] + max(prior(s) for s in u) if owns[i] > 0 and (
        max(direct(s) for s in u) >= floor or any(head in s.stems for s in u)) else 0.0 for i, u in enumerate(units)]

    def adjacent(i: int, j: int) -> bool:
        return 0 <= j < len(units) and units[j][0].article_id == units[i][0].article_id and \
            abs(units[max(i, j)][0].idx - units[min(i, j)][-1].idx) == 1

    scored = []
    for i, u in enumerate(units):
        t = tops[i]
        # A sentence naming the speaker, right after an on-topic one by them, continues it ("X has also said"),
        # and one before an on-topic "he added" names who "he" is. Only one that names them: an "he also …"
        # with none of the topic's words has moved on (tune half of multihop-new.jsonl, quote items' citation
        # precision 0.389 -> 0.431; before, any sentence of theirs next to an on-topic one).
        named = any(not sp.inherited and same_person(person, sp.name) for s in u for sp in s.speakers)
        if named and adjacent(i, i - 1) and tops[i - 1] > 0:
            t = max(t, NEIGHBOUR_SHARE * tops[i - 1])
        if named and adjacent(i, i + 1) and tops[i + 1] > 0 and all(sp.inherited for sp in units[i + 1][0].speakers):
            t = max(t, NEIGHBOUR_SHARE * tops[i + 1])
        if t > 0:
            scored.append(Evidence(u, t + SPEECH_RANK_WEIGHT * _rank_bonus(u[0]), t))
    # Nothing the person said touches the topic directly: they did not speak about it here.
    if topic and not any(direct(s) > 0 for e in scored for s in e.sentences):
        return []
    # Everything on the topic the person said, best first: on the seeds (int8 index), half the best's score as a
    # floor drops López Obrador's "scapegoat" and "social decay" sentences from the fentanyl answer.
    chosen = _pick(scored, top_k, min_ratio=0.0)
    if similarity is not None and topic and len(chosen) > 1:
        chosen = _near_in_meaning(chosen, lambda e: any(direct(s) > 0 for s in e.sentences), similarity)
    # Best first, but a follow-up ("He added …") goes right after its antecedent when both are cited.
    def follows(f: Evidence, a: Evidence) -> bool:
        return (f is not a and f.first.article_id == a.first.article_id and all(sp.inherited for sp in f.first.speakers)
                and 0 < f.first.idx - a.sentences[-1].idx <= FOLLOW_UP_DISTANCE)

    ordered: list[Evidence] = []
    for e in chosen:
        if e in ordered:
            continue
        ordered += [a for a in chosen if a not in ordered and follows(e, a)][:1] + [e]
        ordered += sorted((f for f in chosen if f not in ordered and follows(f, e)), key=lambda f: f.first.idx)
    return ordered


def _near_in_meaning(chosen: list[Evidence], on_topic: Callable[[Evidence], bool],
                     similarity: Similarity) -> list[Evidence]:
    """`chosen` without the units further from the question in meaning than a share of the closest unit that holds
    topic words: `INDIRECT_MEANING_SHARE` for a unit holding none (it came in through a stand-in word or a
    neighbour), `DIRECT_MEANING_SHARE` for one holding some."""
    cosines = [float(c) for c in similarity([e.text for e in chosen], None)]
    best = max((c for c, e in zip(cosines, chosen) if on_topic(e)), default=None)
    if best is None or best <= 0:
        return chosen
    return [e for c, e in zip(cosines, chosen)
            if c >= (DIRECT_MEANING_SHARE if on_topic(e) else INDIRECT_MEANING_SHARE) * best]


def _pick(scored: list[Evidence], top_k: int, min_ratio: float) -> list[Evidence]:
    scored.sort(key=lambda e: -e.score)
    chosen: list[Evidence] = []
    for e in scored:
        if len(chosen) >= top_k or (chosen and e.score < min_ratio * chosen[0].score):
            break
        if any(near_duplicate(e.text, c.text) for c in chosen):
            continue
        chosen.append(e)
    return chosen


def nearest_shown(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The units shown as the closest passages of a "not stated directly" answer: the first `NEAREST`, without those
    scoring under `NEAREST_SHARE` of the first's score (when that is positive)."""
    top = evidence[0].score if evidence else 0.0
    return [e for e in evidence[:NEAREST] if top <= 0 or e.score >= NEAREST_SHARE * top]


def answer_sentence(text: str) -> str:
    """A quote made to read as a sentence of the answer: one line, no leading "But"."""
    flat = " ".join(text.split())
    m = LEADING_GLUE.match(flat)
    if m and len(flat) > m.end():
        flat = flat[m.end()].upper() + flat[m.end() + 1:]
    return flat
