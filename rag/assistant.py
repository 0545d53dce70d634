"""`query()`: a question in, a cited `Answer` out, with the model and index opened once per process.

    >>> from rag import query, Filters
    >>> answer = query("What did López Obrador say about fentanyl?", index="/tmp/seeds-idx")
    >>> print(answer.to_markdown())
    >>> answer = query("And what about migration?", history=[
    ...     {"role": "user", "content": "What did López Obrador say about fentanyl?"},
    ...     {"role": "assistant", "content": answer.text}], index="/tmp/seeds-idx")

Whatever goes wrong with the input or the index, `query` returns an abstaining
`Answer` whose `error` is one line; it never raises.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Mapping, Sequence

from rag import answer_type
from rag.answerability import GateWeights, Signals, probability
from rag.compose import build_citations, date_order, extractive_text
from rag.embedder import ModelError, embedder_for
from rag.evidence import Selection, listing_first, load_sentences, nearest_shown, select, whole_quotations
from rag.followup import resolve
from rag.language import NOT_ENGLISH, looks_english
from rag.library_summary import LibrarySummary, describe_library
from rag.query_args import argument_error
from rag.question_dates import EVENT_POOL, RECENCY_STEPS, RELEVANT_SHARE, TimeScope, newest_relevant, time_scope
from rag.retrieve import HybridRetriever, RankedPassage, RetrievalConfig
from rag.sentence_vectors import StoredSimilarity
from rag.settings import Settings
from rag.speakers import Intent, name_tokens, parse_question, quoted_claim
from rag.spelling import library_spelling
from rag.store import (DatabaseUnreachableError, IndexMismatchError, IndexNotFoundError, check_collection,
                       check_manifest, chroma_collection, chunk_dates, collection_place, count_articles, dating,
                       expected_manifest, last_chunk_rowid, load_articles, open_library, with_index_backend)
from rag.text import content_words, fast_fold, folded_article, porter_stems
from rag.types import ANSWERED, NOT_STATED, NOT_STATED_LEAD, Answer, Article, Filters
from rag.vector_check import check_vectors

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000  # longer questions are cut before anything else runs
# Terminal escape sequences (colours, titles) pasted with a question: OSC, CSI, then the short ones (ECMA-48).
ANSI_ESCAPE = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b[ -/]*[0-~]")
NOT_FOUND = "I could not find this in your articles."
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def clean_question(question: object) -> tuple[str, str | None]:
    """(question fit to ask, or an error line). Terminal escapes go, other control characters become spaces;
    long questions are cut; a question not in English (`rag.language`) gets the error line."""
    if not isinstance(question, str):
        return "", "Please ask a question as text."
    question = ANSI_ESCAPE.sub("", question[: MAX_QUESTION_CHARS * 4])
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in question)
    text = " ".join(text.split())[:MAX_QUESTION_CHARS]
    if not re.search(r"\w", text):
        return "", "Please type a question."
    return text, None if looks_english(text) else NOT_ENGLISH


def without_names(question: str, names: Sequence[str]) -> str:
    """`question` without the publishers it names: a publisher says where to look, not what to find, and a
    sentence that merely mentions "The Wall Street Journal" does not answer a question about its report.

        >>> without_names("Did Fortune report on Apple's card?", ["Fortune"])
        "Did   report on Apple's card?"
    """
    for name in names:
        question = re.sub(rf"\b{re.escape(name)}\b", " ", question, flags=re.IGNORECASE)
    return question


def question_names(question: str, intent: Intent | None) -> list[str]:
    """The names a question gives: the person of a "what did X say" question, and capitalised words past the
    first (one name per word, so "Marcelo Ebrard" is checked as "Marcelo" and "Ebrard").

        >>> question_names("Did Blinken meet Alicia Bárcena in Mexico City?", None)
        ['Blinken', 'Alicia', 'Bárcena', 'Mexico', 'City']
    """
    names = [intent.person] if intent is not None else []
    words = re.findall(r"[^\W\d_][\w'’\-]*", question)
    for w in words[1:]:
        if w[:1].isupper() and len(w) > 2 and content_words(w) and not (intent and w in intent.person):
            names.append(w)
    return names


def surname_keys(names: Sequence[str]) -> list[str]:
    """The folded last word of each name, without a possessive: the article may write the name alone, or with a
    curly apostrophe.

        >>> surname_keys(["Molson Hart's", "Daye’s", "Gary Glover"])
        ['hart', 'daye', 'glover']
    """
    words = (name_tokens(n) or content_words(n) for n in names)
    return [re.sub(r"['’]s$", "", fast_fold(w[-1])) for w in words if w]


def lacks_figure(question: str, first: str) -> bool:
    """True when a "how many / how much" question's first cited unit gives no figure: then it is only the closest
    passage ("How much does the drug cost?" is not answered by the sentence naming the drug without a price). On
    the tune half of multihop-new.jsonl unanswerable questions not answered 0.769 -> 0.923, key-fact recall and
    citation precision unchanged (the one answerable question it moved had the wrong figure); seeds, seeds-outside's
    tune half and the MultiHop-RAG sample of 200 unchanged.

        >>> lacks_figure("How much does the drug cost?", "The drug is expected to follow soon.")
        True
        >>> lacks_figure("How much does the drug cost?", "The drug costs $26,500 a year.")
        False
    """
    return answer_type.expected(question) == "number" and answer_type.find(first, "number", question) is None


def measure(question: str, selection: Selection, names: Sequence[str], best_dense: float,
            articles: Mapping[str, Article]) -> Signals:
    """The gate's `Signals` for a selection (see `rag.answerability`)."""
    units = selection.evidence
    first = units[0].first.passage
    kind = answer_type.expected(question)
    typed = kind is not None and any(answer_type.find(s.text, kind, question) for e in units for s in e.sentences)
    cited_articles = " ".join(folded_article(articles[e.first.article_id].text) for e in units)
    first_words = set(re.findall(r"\w+", fast_fold(units[0].text)))
    surnames = surname_keys(names)
    name_words = {w for n in names for w in content_words(n)}
    other = [w for w in content_words(question) if w not in name_words and not w.isdigit()]
    cited_words = [w for e in units for w in content_words(e.text)]
    held = [w for w in other if any(c.startswith(w[:5]) or w.startswith(c[:5]) for c in cited_words if len(c) > 2)]
    return Signals(
        coverage=selection.coverage, set_coverage=selection.set_coverage, dense=max(0.0, best_dense),
        dense_cited=max(0.0, first.dense or 0.0) if first else 0.0,
        rank_cited=1.0 / (1 + first.rank) if first else 0.0,
        typed=float(typed), untyped=float(kind is not None and not typed),
        speaker=float(selection.how == "speech"), claim=float(selection.how == "source"),
        several=float(selection.how == "cover"), nearest=float(selection.how in ("nearest", "unattributed")),
        names_missing=sum(n not in cited_articles for n in surnames) / len(surnames) if surnames else 0.0,
        names_cited=sum(n in first_words for n in surnames) / len(surnames) if surnames else 1.0,
        predicate=len(held) / len(other) if other else 1.0,
        question_words=math.log1p(len(content_words(question))),
        semantic=selection.semantic or 0.0, by_meaning=float(selection.semantic is not None))


@dataclass
class Findings:
    """What `Assistant.find_evidence` found for one question. `why_not_found` is set (possibly "") when nothing
    in the library is about the question; otherwise `selection` and `signals` are."""

    question: str
    timings: dict[str, float]
    selection: Selection | None = None
    signals: Signals | None = None
    articles: Mapping[str, Article] = field(default_factory=dict)
    why_not_found: str | None = None
    unknown_name: str | None = None  # the name no article holds, when that is why nothing was found
    named: Sequence[str] = ()  # the publishers the question names
    sentences: Mapping[str, list] = field(default_factory=dict)  # the sentences of `articles` (`load_sentences`)


class Assistant:
    """One opened index: the embedder, the Chroma collection and the library (SQLite or PostgreSQL).

        assistant = open_assistant(Settings.load(overrides={"index_dir": "/tmp/seeds-idx"}))
        assistant.query("How many asylum applications does Mexico process a year?").citations[0].quote
    """

    def __init__(self, settings: Settings, retrieval: RetrievalConfig | None = None, gate: GateWeights | None = None):
        settings = with_index_backend(settings)
        self.settings = settings
        self.library = open_library(settings)  # raises IndexNotFoundError when there is no index
        manifest = self.library.manifest()
        if manifest is None:
            raise IndexNotFoundError(f"no index at {self.library.place}: build one with `rag index PATH...` "
                                     "(e.g. `rag index seeds`)")
        self.embedder = embedder_for(settings)
        check_manifest(self.library, manifest,
                       expected_manifest(settings, self.embedder.weights_sha256, self.embedder.dimension))
        # A collection lost from where the index wrote it leaves the keyword side to answer alone.
        collection = chroma_collection(settings, create=False, lost_ok=True)
        check_collection(collection, manifest, settings)
        self.vector_gap = check_vectors(self.library, collection, collection_place(settings))
        if self.vector_gap:
            log.warning("%s", self.vector_gap.line())
        self.retriever = HybridRetriever(collection, self.library,
                                         retrieval or RetrievalConfig(candidates=settings.candidates),
                                         embed=lambda texts: self.embedder.encode(list(texts), threads=1),
                                         reopen=lambda: chroma_collection(settings, create=False, lost_ok=True))
        self.gate = gate or GateWeights()
        self._keyword_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword")
        self._writer = None
        self._summary: LibrarySummary | None = None
        self._stores_sentence_vectors: bool | None = None  # does the library have the column (read once)

    # ----------------------------------------------------------------- answering
    def query(self, question: str, history: Sequence[Mapping] | None = None, top_k: int | None = None,
              filters: Filters | None = None) -> Answer:
        """Answer `question` from the index, every sentence cited: answered, not stated directly (the closest
        sentences, labelled so), or not found (what the library covers instead)."""
        t0 = time.perf_counter()
        text, error = clean_question(question)
        error = error or argument_error(history, top_k, filters)
        if error:
            return Answer(question=text, text=error, abstained=True, error=error)
        resolved = resolve(text, history)
        dates = dating(self.library)
        scope = self.time_scope(resolved, filters, dates.newest)
        searched_filters = scope.narrow(filters)
        searched = scope.describe() or None
        if searched and searched_filters is not None and searched_filters.undated and dates.undated:
            searched += f" {dates.undated} article{'s' if dates.undated != 1 else ''} with no date searched too."
        if scope.newest and dates.newest is None:  # nothing is dated: no article can be told the newest
            searched = f'No article has a publication date, so none can be told the newest ("{scope.phrase}").'
        # The time words chose the dates searched; the rest of the question is what to find in them.
        asked = scope.rest or resolved
        found = self.find_evidence(asked, searched_filters, top_k, newest_first=scope.newest)
        respelled = self._respelled(asked) if found.unknown_name else None
        if respelled:
            asked, note = respelled
            searched = f"{searched} {note}" if searched else note
            found = self.find_evidence(asked, searched_filters, top_k, newest_first=scope.newest)
        timings = found.timings
        if found.why_not_found is not None:
            why = found.why_not_found or self._left_out(searched_filters, by_question=searched is not None)
            return replace(self._abstain(text, resolved, timings, t0, why), searched=searched)
        t = time.perf_counter()
        db = self.library.connect()
        confidence = probability(found.signals, self.gate)
        confident = (confidence >= self.gate.threshold and found.selection.how != "unattributed"
                     and not lacks_figure(asked, found.selection.evidence[0].text))
        kind = ANSWERED if confident else NOT_STATED
        evidence = (listing_first(found.selection.evidence, asked) if kind == ANSWERED
                    else nearest_shown(found.selection.evidence))
        evidence = whole_quotations(evidence, found.sentences)
        citations = build_citations(db, evidence, found.articles, answer_type.expected(asked), asked)
        answer_text = extractive_text([c.quote for c in citations])
        order = date_order(resolved, citations, found.named)
        if order:
            answer_text = f"{order} {answer_text}"
        if kind == ANSWERED:
            written = self._llm_write(resolved, citations)
            if written:
                answer_text, citations = written
        else:
            answer_text = f"{NOT_STATED_LEAD} {answer_text}"
        timings["compose"] = round((time.perf_counter() - t) * 1000, 2)
        timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
        return Answer(question=text, text=answer_text, citations=citations, timings=timings,
                      resolved_question=resolved, kind=kind, confidence=round(confidence, 4), searched=searched)

    def time_scope(self, question: str, filters: Filters | None = None, newest: date | None = None) -> TimeScope:
        """What the question says about publication dates (`rag.question_dates`): a range, the newest first.
        `newest` (the library's newest publication day) anchors a month named without a year."""
        publishers = filters.sources if filters and filters.sources else self.retriever.named_sources(question)
        scope = time_scope(question, today=date.today(), newest_article=newest, publishers=publishers)
        if scope.event:
            # The event's day: the first publication day among the articles that report it best (BM25).
            chunks = list(dict.fromkeys(self.retriever.keyword(scope.event, filters)))[:EVENT_POOL]
            days = sorted(d[:10] for d in chunk_dates(self.library, chunks).values() if d and ISO_DAY.match(d))
            scope = scope.anchored(date.fromisoformat(days[0]) if days else None)
        return scope

    def find_evidence(self, question: str, filters: Filters | None = None, top_k: int | None = None,
                      newest_first: bool = False) -> Findings:
        """Retrieve, select the best evidence for a (resolved) question and measure it: everything the gate
        decides from, and the reason when nothing in the library is about the question.

            found = assistant.find_evidence("What did Pritzker complain about?")
            found.selection.how, found.signals.coverage
        """
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        intent = parse_question(question)
        names = question_names(question, intent)
        missing = self._unknown_name(names)
        if missing:
            return Findings(question, timings, why_not_found=f"No article mentions {missing}.", unknown_name=missing)
        # BM25 needs no vector: it runs in worker threads while the question is embedded on one core
        # (SQLite and torch both release the GIL), so "retrieve" below is only what remains after the
        # embedding. MultiHop-RAG query() p50 on 2 cores: 46 ms on all cores, 37 ms so (bench/query.py).
        try:
            keyword = self.retriever.start_keyword_hits(question, filters, self._keyword_pool.submit)
        except RuntimeError:  # closed (`close`) while this question was under way: search inline
            keyword = None
        vector = self.embedder.encode([question], threads=1)[0]
        t = time.perf_counter()
        timings["embed"] = round((t - t0) * 1000, 2)
        hits = keyword() if keyword else self.retriever.keyword_hits(question, filters)
        passages, best = self.retriever.retrieve(question, vector, filters, keyword=hits)
        timings["retrieve"] = round((time.perf_counter() - t) * 1000, 2)
        t = time.perf_counter()
        if not passages:
            return Findings(question, timings, why_not_found="")
        db = self.library.connect()
        articles = load_articles(db, list(dict.fromkeys(p.article_id for p in passages)))
        passages = [p for p in passages if p.article_id in articles]
        years = YEAR.findall(question)
        if years:
            # A year the question names must be one the evidence is about: in its text or its article's date.
            passages = [p for p in passages if all(y in articles[p.article_id].text or
                                                   (articles[p.article_id].date or "").startswith(y) for y in years)]
            if not passages:
                return Findings(question, timings, why_not_found=f"No article found covers {' or '.join(years)}.")
        if newest_first:
            # "the latest on X": the answer comes from the newest article about X.
            passages, articles = self._newest_about(question, vector, filters, passages, articles)
        # Who speaks matters only to "what did X say" and "who said '...'" questions; attributing
        # every sentence of eight articles is a third of the selection time on the others.
        attributed = intent is not None or quoted_claim(question) is not None
        sentences = load_sentences(db, list(articles), {k: a.text for k, a in articles.items()}, speakers=attributed)
        reports = {aid: a.source for aid, a in articles.items() if a.source in hits.named}
        # Nothing is about the question when no sentence shares its words, or when the passages are far from it
        # in meaning and no sentence holds the share of its words that would answer. Such a question is not
        # found whatever its sentences' meaning says, so they are compared by meaning only when it is near.
        far = best < self.retriever.config.min_similarity and intent is None
        selection = select(without_names(question, hits.named), intent, passages, sentences,
                           top_k or self.settings.top_k, min_coverage=self.retriever.config.min_coverage,
                           reports=reports, similarity=None if far else self._similarity(vector, db, sentences))
        timings["select"] = round((time.perf_counter() - t) * 1000, 2)
        if not selection.evidence or (far and selection.coverage < self.retriever.config.min_coverage):
            return Findings(question, timings, why_not_found="")
        return Findings(question, timings, selection, measure(question, selection, names, best, articles), articles,
                        named=hits.named, sentences=sentences)

    def _newest_about(self, question: str, vector, filters: Filters | None, passages: list[RankedPassage],
                      articles: dict[str, Article]) -> tuple[list[RankedPassage], dict[str, Article]]:
        """The passages of the newest article about the question: the newest among the best-ranked ones
        (`newest_relevant`), then, up to `RECENCY_STEPS` times, the newest among the best-ranked of the articles
        published after it, while one of those is about the question: the best-ranked 20 of a busy story
        seldom hold its newest report."""
        about = self._about(question)
        newest = newest_relevant(passages, {aid: a.date for aid, a in articles.items()}, about)
        for _ in range(RECENCY_STEPS):
            day = ISO_DAY.match(articles[newest].date or "") if newest else None
            if day is None:
                break
            after = date.fromisoformat(day.group(0)) + timedelta(days=1)
            if filters and filters.date_to and after > filters.date_to:
                break
            later = replace(filters or Filters(), date_from=max(after, (filters and filters.date_from) or after),
                            undated=False)
            found, _ = self.retriever.retrieve(question, vector, later, keyword=self.retriever.keyword_hits(question, later))
            found_articles = load_articles(self.library.connect(), list(dict.fromkeys(p.article_id for p in found)))
            newer = newest_relevant(found, {aid: a.date for aid, a in found_articles.items()}, about)
            if newer is None:
                break
            newest, passages, articles = newer, found, found_articles
        if newest is None:
            return passages, articles
        return [p for p in passages if p.article_id == newest], articles

    def _about(self, question: str) -> Callable[[str], bool]:
        """Whether a text is about `question`: it holds `RELEVANT_SHARE` of the weight of the question's words,
        each weighted by its rarity in the library (log of chunks per chunk holding it), so "coach" alone does not
        make a text about "who will coach the Wallabies"."""
        words = set(porter_stems(content_words(question)))
        chunks = max(last_chunk_rowid(self.library.connect()), 1)
        counts = self.retriever.chunk_counts(list(words))
        weight = {w: math.log(1 + chunks / (1 + counts.get(w, 0))) for w in words}
        needed = RELEVANT_SHARE * sum(weight.values())
        return lambda text: bool(words) and sum(weight[w] for w in words & set(porter_stems(content_words(text)))) >= needed

    def _similarity(self, question_vector, db, sentences) -> StoredSimilarity:
        """Cosines of texts to the question (or to another text), for evidence selection by meaning, from the
        sentences' stored vectors where the library has them."""
        if self._stores_sentence_vectors is None:
            self._stores_sentence_vectors = db.has_column("sentences", "vector")
        return StoredSimilarity(self.embedder, db, question_vector, sentences, stored=self._stores_sentence_vectors)

    def retrieve(self, question: str, top_k: int = 10, filters: Filters | None = None) -> list[RankedPassage]:
        """The fused passage ranking alone (no answer), for retrieval metrics and debugging.

            [p.title for p in assistant.retrieve("fentanyl made in Mexico", top_k=5)]
        """
        text, error = clean_question(question)
        if error:
            return []
        passages, _ = self.retriever.retrieve(text, self.embedder.encode([text])[0], filters, limit=top_k)
        articles = load_articles(self.library.connect(), list(dict.fromkeys(p.article_id for p in passages)))
        return [RankedPassage(p.rank, p.chunk_id, p.article_id, articles[p.article_id].title,
                              articles[p.article_id].source, articles[p.article_id].date, p.text, p.start, p.end,
                              p.score) for p in passages if p.article_id in articles]

    def _respelled(self, question: str) -> tuple[str, str] | None:
        """`question` with each name no article holds written as the library writes the name one slip away
        (`rag.spelling`), and the line that says so; None when every name is known or none has a near spelling."""
        names = question_names(question, parse_question(question))
        words = {w for n in names for w in re.findall(r"[^\W\d_][\w'’\-]*", n)}
        db = self.library.connect()
        fixes = {w: library_spelling(db, w) for w in db.unindexed(sorted(words))}
        fixes = {w: f for w, f in fixes.items() if f}
        if not fixes:
            return None
        for wrong, right in fixes.items():
            question = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, question)
        said = "; ".join(f"“{right}” (the question wrote “{wrong}”, which no article holds)"
                         for wrong, right in fixes.items())
        return question, f"Searched for {said}."

    def _unknown_name(self, names: Sequence[str]) -> str | None:
        """A name the question relies on that no article contains (checked in the keyword index)."""
        surnames = {name: re.sub(r"['’]s$", "", (name_tokens(name) or content_words(name) or [""])[-1]) for name in names}
        unknown = set(self.library.connect().unindexed([s for s in surnames.values() if s]))
        return next((name for name, surname in surnames.items() if surname in unknown), None)

    def _left_out(self, filters: Filters | None, *, by_question: bool) -> str:
        """What a date range kept out of the search, and why, e.g. "The date filter (from 2023-10-01) left out
        5 of 5 articles: 4 have no date, 1 is dated outside it." Empty without a date range or when it kept all.
        `by_question`: the question's own time words chose the range (the reader's filter may narrow it).
        """
        if filters is None or not (filters.date_from or filters.date_to):
            return ""
        db = self.library.connect()
        undated_filters = replace(filters, date_from=None, date_to=None)
        considered = count_articles(db, undated_filters)
        left_out = considered - count_articles(db, filters)
        if not left_out:
            return ""
        undated = 0 if filters.undated else count_articles(db, undated_filters, undated=True)
        span = " ".join(f"{word} {d.isoformat()}" for word, d in (("from", filters.date_from), ("to", filters.date_to)) if d)
        reasons = [f"{n} {'has' if n == 1 else 'have'} no date" if i == 0 else f"{n} {'is' if n == 1 else 'are'} dated outside it"
                   for i, n in enumerate((undated, left_out - undated)) if n]
        what = "The dates the question names" if by_question else "The date filter"
        return f"{what} ({span}) left out {left_out} of {considered} article{'s' if considered != 1 else ''}: {', '.join(reasons)}."

    def _abstain(self, question: str, resolved: str, timings: dict, t0: float, why: str = "") -> Answer:
        """A "not found" answer: why, when known, and what the library covers instead."""
        timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
        text = f"{NOT_FOUND} {why + ' ' if why else ''}They cover: {self.coverage()}"
        return Answer(question=question, text=text, abstained=True, timings=timings, resolved_question=resolved)

    def _llm_write(self, question: str, citations):
        if not self.settings.llm_url or not citations:
            return None
        try:
            if self._writer is None:
                from rag.llm import LLMWriter  # optional: only imported when an endpoint is configured

                self._writer = LLMWriter(self.settings)
            return self._writer.write(question, citations)
        except Exception as exc:  # the extractive answer stands whatever the LLM does
            log.warning("LLM writer failed, using the extractive answer: %s", exc)
            return None

    # ----------------------------------------------------------------- describing the library
    def summary(self) -> LibrarySummary:
        """What the library covers (`rag.library_summary`), computed once."""
        if self._summary is None:
            self._summary = describe_library(self.library.connect())
        return self._summary

    def coverage(self) -> str:
        """One line saying what the library covers, e.g. for abstentions."""
        return self.summary().line

    def example_questions(self, n: int = 4) -> list[str]:
        """Questions the library can answer, drawn from who is quoted in it and on what."""
        summary = self.summary()
        out = [f"What did {p.person} say about {p.topic}?" for p in summary.people]
        out += [f"What happened with {t}?" for t in summary.topics]
        return list(dict.fromkeys(out))[:n]

    def close(self) -> None:
        """Let the keyword worker threads go (queries already under way finish; later ones search inline)."""
        self._keyword_pool.shutdown(wait=False)


# index folder -> (the settings asked for, the Assistant opened with them)
_assistants: dict[Path, tuple[Settings, Assistant]] = {}
_lock = threading.Lock()


def open_assistant(settings: Settings | None = None) -> Assistant:
    """The process-wide Assistant for `settings.index_dir` (opened on first use).

        assistant = open_assistant(Settings.load())
    """
    settings = settings or Settings.load()
    key = Path(settings.index_dir).resolve()
    with _lock:
        asked, assistant = _assistants.get(key, (None, None))
        if assistant is None or asked != settings:
            if assistant is not None:
                assistant.close()
            assistant = Assistant(settings)
            _assistants[key] = (settings, assistant)
        return assistant


def query(question: str, *, history: Sequence[Mapping] | None = None, top_k: int | None = None,
          filters: Filters | None = None, index: "None | str | Path | Settings | Assistant" = None) -> Answer:
    """Answer a question from the indexed articles, with cited sentences. Never raises.

        >>> answer = query("How many asylum applications does Mexico process a year?", index="/tmp/seeds-idx")
        >>> answer.citations[0].quote   # 'She appealed for help, saying that Mexico was processing 140,000 ...'
    """
    try:
        if isinstance(index, Assistant):
            assistant = index
        elif isinstance(index, Settings):
            assistant = open_assistant(index)
        elif index is not None:
            assistant = open_assistant(Settings.load(overrides={"index_dir": str(index)}))
        else:
            assistant = open_assistant(Settings.load())
        return assistant.query(question, history=history, top_k=top_k, filters=filters)
    except Exception as exc:  # one line for the user; the process keeps serving
        if isinstance(exc, (IndexNotFoundError, IndexMismatchError, DatabaseUnreachableError, ModelError)):
            log.warning("query: %s", exc)  # expected: the message says what to do
        else:
            log.exception("query failed")
        message = (str(exc).splitlines() or [type(exc).__name__])[0]
        return Answer(question=question if isinstance(question, str) else "", text=message, abstained=True,
                      error=message)
