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
import re
import threading
import time
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Mapping, Sequence

from rag.compose import build_citations, extractive_text, load_articles
from rag.embedder import ModelError, load_embedder
from rag.evidence import load_sentences, select, stems
from rag.followup import resolve
from rag.retrieve import STOPWORDS, HybridRetriever, RankedPassage, RetrievalConfig, content_words, sql_where
from rag.settings import Settings
from rag.speakers import name_tokens, parse_question, quoted_claim
from rag.store import IndexMismatchError, IndexNotFoundError, Library, chroma_collection, check_manifest, expected_manifest, read_manifest, with_index_backend
from rag.types import Answer, Filters

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000  # longer questions are cut before anything else runs
SPEAKER_SAMPLE = 50  # articles scanned for quoted people when describing the library
NOT_FOUND = "I could not find this in your articles."
FOREIGN_STOPWORDS = frozenset(
    "que qué el los las del sobre dijo por para una est les des une sur dit der die das und ist nicht ein eine mit".split()
)
# Headline words that are not topics.
GENERIC_TITLE_WORDS = frozenset(
    """seek seeks meet meets discuss talks says amid leaders top new news update report best week live game games
    deals deal review today first more year years time latest""".split()
)
ENGLISH_HINTS = STOPWORDS | {"say", "said", "about", "what", "who", "how"}


def clean_question(question: object) -> tuple[str, str | None]:
    """(question fit to ask, or an error line). Control characters become spaces; long questions are cut."""
    if not isinstance(question, str):
        return "", "Please ask a question as text."
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in question[: MAX_QUESTION_CHARS * 4])
    text = " ".join(text.split())[:MAX_QUESTION_CHARS]
    if not re.search(r"\w", text):
        return "", "Please type a question."
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isascii() or unicodedata.name(c, "").startswith("LATIN") for c in letters) < 0.6 * len(letters):
        return text, "Please ask in English: the assistant only understands English questions."
    words = re.findall(r"\w+", text.lower())
    if len(words) >= 3 and sum(w in FOREIGN_STOPWORDS for w in words) >= 2 and not any(w in ENGLISH_HINTS for w in words):
        return text, "Please ask in English: the assistant only understands English questions."
    return text, None


def without_names(question: str, names: Sequence[str]) -> str:
    """`question` without the publishers it names: a publisher says where to look, not what to find, and a
    sentence that merely mentions "The Wall Street Journal" does not answer a question about its report.

        >>> without_names("Did Fortune report on Apple's card?", ["Fortune"])
        "Did   report on Apple's card?"
    """
    for name in names:
        question = re.sub(rf"\b{re.escape(name)}\b", " ", question, flags=re.IGNORECASE)
    return question


class Assistant:
    """One opened index: the embedder, the Chroma collection and the SQLite library.

        assistant = open_assistant(Settings.load(overrides={"index_dir": "/tmp/seeds-idx"}))
        assistant.query("How many asylum applications does Mexico process a year?").citations[0].quote
    """

    def __init__(self, settings: Settings, retrieval: RetrievalConfig | None = None):
        settings = with_index_backend(settings)
        self.settings = settings
        index_dir = Path(settings.index_dir)
        self.library = Library(index_dir)  # raises IndexNotFoundError when there is no index
        manifest = read_manifest(index_dir)
        if manifest is None:
            raise IndexNotFoundError(f"no index at {index_dir}: build one with `rag index PATH...` (e.g. `rag index seeds`)")
        self.embedder = load_embedder(settings.model, settings.backend)
        check_manifest(index_dir, manifest, expected_manifest(settings, self.embedder.weights_sha256, self.embedder.dimension))
        self.retriever = HybridRetriever(chroma_collection(settings, create=False), self.library,
                                         retrieval or RetrievalConfig(candidates=settings.candidates))
        self._keyword_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword")
        self._writer = None
        self._summary: tuple[list[str], list[tuple[str, str]], str] | None = None

    # ----------------------------------------------------------------- answering
    def query(self, question: str, history: Sequence[Mapping] | None = None, top_k: int | None = None,
              filters: Filters | None = None) -> Answer:
        """Answer `question` from the index, every sentence cited; abstain when the index does not answer."""
        t0 = time.perf_counter()
        text, error = clean_question(question)
        if error:
            return Answer(question=text, text=error, abstained=True, error=error)
        resolved = resolve(text, history)
        timings: dict[str, float] = {}

        def lap(name: str, since: float) -> float:
            now = time.perf_counter()
            timings[name] = round((now - since) * 1000, 2)
            return now

        intent = parse_question(resolved)
        missing = self._unknown_names(resolved, intent)
        if missing:
            return self._abstain(text, resolved, timings, t0, f"No article mentions {missing}.")
        # BM25 needs no vector: it runs in a worker thread while the question is embedded on one core
        # (SQLite and torch both release the GIL), so "retrieve" below is only what remains after the
        # embedding. MultiHop-RAG query() p50 on 2 cores: 46 ms on all cores, 37 ms so (bench/query.py).
        keyword = self._keyword_pool.submit(self.retriever.keyword_hits, resolved, filters)
        vector = self.embedder.encode([resolved], threads=1)[0]
        t = lap("embed", t0)
        hits = keyword.result()
        passages, best = self.retriever.retrieve(resolved, vector, filters, keyword=hits)
        t = lap("retrieve", t)
        if not passages or (best < self.retriever.config.min_similarity and intent is None):
            return self._abstain(text, resolved, timings, t0, self._left_out(filters))
        db = self.library.connect()
        article_ids = list(dict.fromkeys(p.article_id for p in passages))
        articles = load_articles(db, article_ids)
        # Who speaks matters only to "what did X say" and "who said '...'" questions; attributing
        # every sentence of eight articles is a third of the selection time on the others.
        attributed = intent is not None or quoted_claim(resolved) is not None
        sentences = load_sentences(db, list(articles), {k: a.text for k, a in articles.items()}, speakers=attributed)
        evidence = select(without_names(resolved, hits.named), intent, [p for p in passages if p.article_id in articles],
                          sentences, top_k or self.settings.top_k, min_coverage=self.retriever.config.min_coverage)
        t = lap("select", t)
        if not evidence:
            return self._abstain(text, resolved, timings, t0, self._left_out(filters))
        citations = build_citations(db, evidence, articles)
        answer_text = extractive_text([c.quote for c in citations])
        written = self._llm_write(resolved, citations)
        if written:
            answer_text, citations = written
        lap("compose", t)
        timings["total"] = round((time.perf_counter() - t0) * 1000, 2)
        return Answer(question=text, text=answer_text, citations=citations, timings=timings,
                      resolved_question=resolved)

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

    def _unknown_names(self, question: str, intent) -> str | None:
        """A name the question relies on that no article contains (checked in the keyword index)."""
        names = []
        if intent is not None:
            names.append(intent.person)
        words = re.findall(r"[^\W\d_][\w'’\-]*", question)
        for i, w in enumerate(words[1:], 1):
            if w[:1].isupper() and len(w) > 2 and content_words(w) and not (intent and w in intent.person):
                names.append(w)
        db = self.library.connect()
        for name in names:
            surname = (name_tokens(name) or content_words(name) or [""])[-1]
            surname = re.sub(r"['’]s$", "", surname)
            if surname and not db.execute("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1",
                                          (f'"{surname}"',)).fetchone():
                return name
        return None

    def _left_out(self, filters: Filters | None) -> str:
        """What a date range kept out of the search, and why, e.g. "The date filter (from 2023-10-01) left out
        5 of 5 articles: 4 have no date, 1 is dated outside it." Empty without a date range or when it kept all.
        """
        if filters is None or not (filters.date_from or filters.date_to):
            return ""
        db = self.library.connect()

        def count(f: Filters, extra: str = "") -> int:
            where, params = sql_where(f)
            return db.execute(f"SELECT COUNT(*) FROM articles a WHERE 1 = 1{where}{extra}", params).fetchone()[0]

        undated_filters = replace(filters, date_from=None, date_to=None)
        considered = count(undated_filters)
        left_out = considered - count(filters)
        if not left_out:
            return ""
        undated = count(undated_filters, " AND (a.date IS NULL OR a.date = '')")
        span = " ".join(f"{word} {d.isoformat()}" for word, d in (("from", filters.date_from), ("to", filters.date_to)) if d)
        reasons = [f"{n} {'has' if n == 1 else 'have'} no date" if i == 0 else f"{n} {'is' if n == 1 else 'are'} dated outside it"
                   for i, n in enumerate((undated, left_out - undated)) if n]
        return f"The date filter ({span}) left out {left_out} of {considered} article{'s' if considered != 1 else ''}: {', '.join(reasons)}."

    def _abstain(self, question: str, resolved: str, timings: dict, t0: float, why: str = "") -> Answer:
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
    def _describe(self) -> tuple[list[str], list[tuple[str, str]], str]:
        """(top topics as objects of "about", (person, their topic) pairs, one-line summary), computed once."""
        if self._summary is not None:
            return self._summary
        db = self.library.connect()
        rows = db.execute("SELECT id, title, source, date, text FROM articles ORDER BY date DESC LIMIT 400").fetchall()
        n = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        # Topics: title words written in lower case in the text (common nouns, not places or names), one per
        # stem ("drug" and "drugs" are one topic), in the form the text uses most.
        title_words = Counter(w for r in rows for w in set(content_words(r["title"])) if len(w) > 3 and not w.isdigit())
        texts = [r["text"] for r in rows[:SPEAKER_SAMPLE]]
        lowered = Counter(w for t in texts for w in re.findall(r"\b[a-z]{4,}\b", t))
        by_stem: dict[str, Counter] = {}
        for w, titles in title_words.items():
            if w in lowered and w not in GENERIC_TITLE_WORDS:
                by_stem.setdefault(_stem(w), Counter())[w] += titles
        ranked = sorted(by_stem.values(), key=lambda forms: (-sum(forms.values()), min(forms)))  # ties: a-z
        topics = [max(forms, key=lambda w: (lowered[w], forms[w])) for forms in ranked][:12]
        # Who is quoted: the latest articles are a fair sample and keep this under a second or two.
        sample = rows[:SPEAKER_SAMPLE]
        sentences = load_sentences(db, [r["id"] for r in sample], {r["id"]: r["text"] for r in sample})
        people: Counter = Counter()
        forms: dict[str, Counter] = {}
        said_words: dict[str, Counter] = {}
        for sents in sentences.values():
            for s in sents:
                for sp in s.speakers:
                    tokens = name_tokens(sp.name)
                    if not tokens:
                        continue
                    key = tokens[-1]
                    people[key] += 1
                    words = [w for w in sp.name.split() if not re.fullmatch(r"[A-Z]\.", w)
                             and w.lower().rstrip(".") not in {"mr", "mrs", "ms", "dr", "gov", "president", "secretary", "state"}]
                    forms.setdefault(key, Counter())[" ".join(words[-2:])] += 1
                    said_words.setdefault(key, Counter()).update({_stem(w) for w in content_words(s.text)})
        pairs = []
        for key, _ in people.most_common(8):
            form = max(forms[key].items(), key=lambda kv: (len(kv[0].split()) >= 2, sum(not c.isascii() for c in kv[0]), kv[1]))[0]
            counts = {w: said_words[key][_stem(w)] for w in topics}
            topic = max(topics, key=counts.get, default=None)
            if topic and counts[topic] >= 2:  # the person really spoke about it
                pairs.append((form, _as_object(topic, lowered, texts)))
        sources = [s for s, _ in Counter(r["source"] for r in rows if r["source"]).most_common(3)]
        dates = sorted(r["date"] for r in rows if r["date"])
        line = f"{n} article{'s' if n != 1 else ''}"
        if sources:
            line += " from " + ", ".join(sources) + (" and others" if len(sources) >= 3 else "")
        if dates:
            line += f", {dates[0]} to {dates[-1]}"
        if topics:
            line += "; topics include " + ", ".join(topics[:5])
        if pairs:
            line += "; people quoted include " + ", ".join(p for p, _ in pairs[:5])
        self._summary = ([_as_object(t, lowered, texts) for t in topics], pairs, line + ".")
        return self._summary

    def coverage(self) -> str:
        """One line saying what the library covers, e.g. for abstentions."""
        return self._describe()[2]

    def example_questions(self, n: int = 4) -> list[str]:
        """Questions the library can answer, drawn from who is quoted in it and on what."""
        topics, pairs, _ = self._describe()
        out = [f"What did {person} say about {topic}?" for person, topic in pairs]
        out += [f"What happened with {t}?" for t in topics]
        return list(dict.fromkeys(out))[:n]


def _stem(word: str) -> str:
    return next(iter(stems(word)), word)


def _as_object(topic: str, counts: Counter, texts: Sequence[str]) -> str:
    """`topic` as it reads after "say about": the plural when the articles use one ("floods"), "the flood"
    when they mostly write it after an article or demonstrative, else as is ("migration", "fentanyl").

        >>> _as_object("flood", Counter({"flood": 3}), ["The flood hit. The flood receded. A flood wall."])
        'the flood'
    """
    for plural in (topic + "s", topic + "es", topic[:-1] + "ies" if topic.endswith("y") else ""):
        if plural != topic and counts[plural]:
            return plural
    determined = sum(len(re.findall(rf"\b(?:the|a|an|this|that)\s+{re.escape(topic)}\b", t, re.IGNORECASE))
                     for t in texts)
    return f"the {topic}" if determined * 2 > counts[topic] else topic


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
        if isinstance(exc, (IndexNotFoundError, IndexMismatchError, ModelError)):
            log.warning("query: %s", exc)  # expected: the message says what to do
        else:
            log.exception("query failed")
        message = (str(exc).splitlines() or [type(exc).__name__])[0]
        return Answer(question=question if isinstance(question, str) else "", text=message, abstained=True,
                      error=message)
