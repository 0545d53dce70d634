"""Where the gold evidence sentence ranks among all the sentences `select` could cite, under several scorers.

    .venv/bin/python -m bench.sentence_meaning [--pool passages|articles] [--index .rag/eval/index-multihop]

Over the *tune* half of eval/gold/multihop-new.jsonl (answerable first questions only; the report half is never
read), the question is retrieved as `query()` retrieves it, and every sentence of the pool (the 8 passages'
sentences, as `rag.evidence._candidates` gives them, or with `--pool articles` every sentence of their articles) is
scored. Printed per scorer: how often a gold sentence comes first, within the first 3, and the mean reciprocal
rank. Scorers: `words` (rarity-weighted coverage of the question's stems + answer-type bonus + passage rank, as
`select` scores), `cos` (MiniLM cosine to the question), `title` (cosine of "title. sentence"), `it` (cosine to
the question with the names it gives replaced by "it"), and sums of these. Slow: it embeds every pool sentence
(passages: about 1-3 min on 2 cores; articles: about 20 min). Figures: eval/RESULTS.md, "Answers said in other
words".
"""

from __future__ import annotations

import argparse
import re

import numpy as np

from rag.settings import Settings, force_offline

force_offline()

from bench._util import MULTIHOP_INDEX, ROOT


def scorers(assistant, question: str, pool, titles: dict[str, str]) -> dict[str, np.ndarray]:
    from rag import answer_type
    from rag.assistant import question_names
    from rag.evidence import MAX_TYPED_ANSWERS, RANK_WEIGHT, TYPE_BONUS, _coverage, _idf, _rank_bonus
    from rag.speakers import parse_question
    from rag.text import stems

    embed = lambda texts: assistant.embedder.encode(list(texts), threads=1)
    idf, terms, kind = _idf(pool), stems(question), answer_type.expected(question)
    it = question
    for name in sorted(question_names(question, parse_question(question)), key=len, reverse=True):
        it = re.sub(rf"\b{re.escape(name)}\b", "it", it)
    it = re.sub(r"\bit( it)+\b", "it", it)
    q, q_it = embed([question])[0], embed([it])[0]
    vectors = embed(s.text for s in pool)
    cos, cos_it = vectors @ q, vectors @ q_it
    title = embed(f"{titles[s.article_id]}. {s.text}" for s in pool) @ q
    words = np.array([_coverage(terms, s.stems, idf) + RANK_WEIGHT * _rank_bonus(s) + (
        TYPE_BONUS * min(MAX_TYPED_ANSWERS, answer_type.count(s.text, kind, question, False)) if kind else 0.0)
        for s in pool])
    return {"words": words, "cos": cos, "title": title, "it": cos_it, "words+cos": words + cos,
            "words+0.5cos": words + 0.5 * cos, "words+2cos": words + 2 * cos, "words+title": words + title,
            "words+it": words + cos_it, "words+0.5it": words + 0.5 * cos_it}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=str, default=str(MULTIHOP_INDEX), help="MultiHop-RAG index folder")
    parser.add_argument("--pool", choices=("passages", "articles"), default="passages")
    args = parser.parse_args(argv)

    from eval.loaders import load_gold
    from eval.metrics import supports
    from rag import open_assistant
    from rag.assistant import without_names
    from rag.evidence import _candidates, load_sentences
    from rag.store import load_articles
    from rag.text import stems

    assistant = open_assistant(Settings.load(overrides={"index_dir": args.index}))
    items = [g for g in load_gold(ROOT / "eval/gold/multihop-new.jsonl")
             if g.half == "tune" and g.answerable and not g.history]
    firsts: dict[str, list[int]] = {}
    sizes, found = [], 0
    for item in items:
        vector = assistant.embedder.encode([item.question], threads=1)[0]
        hits = assistant.retriever.keyword_hits(item.question, None)
        passages, _ = assistant.retriever.retrieve(item.question, vector, None, keyword=hits)
        db = assistant.library.connect()
        articles = load_articles(db, list(dict.fromkeys(p.article_id for p in passages)))
        sentences = load_sentences(db, list(articles), {k: a.text for k, a in articles.items()}, speakers=False)
        pool = _candidates(passages, sentences)
        if args.pool == "articles":  # the rest of each article, tied to its best ranked passage
            best = {}
            for p in passages:
                best.setdefault(p.article_id, p)
            for aid, sents in sentences.items():
                for s in sents:
                    if s.passage is None and aid in best:
                        s.passage, s.stems = best[aid], stems(s.text)
                        pool.append(s)
        gold = np.array([any(supports(s.text, e.text) for e in item.evidence) for s in pool])
        if not pool or not gold.any():
            continue
        found += 1
        sizes.append(len(pool))
        question = without_names(item.question, hits.named)
        for name, score in scorers(assistant, question, pool, {k: a.title for k, a in articles.items()}).items():
            firsts.setdefault(name, []).append(int(np.flatnonzero(gold[np.argsort(-score, kind="stable")])[0]))
    print(f"multihop-new tune half, pool of {args.pool}: {len(items)} answerable first questions, a gold sentence "
          f"in the pool for {found}, {np.mean(sizes):.0f} sentences a pool on average")
    print("| scorer | gold first | gold in first 3 | MRR |\n|---|---|---|---|")
    for name, ranks in firsts.items():
        r = np.array(ranks)
        print(f"| {name} | {(r == 0).sum()} | {(r < 3).sum()} | {np.mean(1 / (1 + r)):.3f} |")


if __name__ == "__main__":
    main()
