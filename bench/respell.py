"""How well `rag.spelling` repairs a misspelt name, and how often it would wrongly "repair" an unknown one.

    .venv/bin/python -m bench.respell [--multihop ../shared/data/multihop-rag]

Every capitalised name a gold question gives (`question_names`) that the library holds and that is
`MIN_LENGTH` letters or more is misspelt three ways (a middle letter changed, a middle letter dropped, two middle
letters swapped) and `library_spelling` asked for it: right (the name as written in the articles, folded), wrong
(another word), or left as written. Beside it, the unknown names of the questions: those a question gives that no
article holds (MultiHop-RAG's null queries and the gold sets' unanswerable items name many); a "repair" of one of
them would turn a right "not found" into an answer about someone else. Printed for each `MIN_LENGTH` in
`LENGTHS`, on the seeds index (seeds.jsonl, seeds-outside.jsonl) and the MultiHop-RAG index (multihop-new.jsonl,
MultiHop-RAG dev).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.loaders import load_gold, load_multihop
from eval.paths import GOLD_DIR, MULTIHOP_DIR, eval_index_dir
from rag import spelling
from rag.assistant import question_names
from rag.settings import Settings
from rag.speakers import parse_question
from rag.store import open_library
from rag.text import fold

LENGTHS = (5, 6, 7)


def slips(word: str) -> list[str]:
    """Three one-slip misspellings of `word`, each in its middle (first and last letters kept)."""
    i = len(word) // 2
    changed = word[:i] + ("a" if word[i].lower() != "a" else "e") + word[i + 1:]
    return [changed, word[:i] + word[i + 1:], word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]]


def names_of(questions: list[str]) -> list[str]:
    out: dict[str, None] = {}
    for q in questions:
        for n in question_names(q, parse_question(q)):
            for w in n.split():
                w = w.strip("'’").removesuffix("'s").removesuffix("’s")
                if w.isalpha() and len(w) >= min(LENGTHS):
                    out.setdefault(w, None)
    return list(out)


def measure(db, questions: list[str]) -> dict[float, dict[str, int]]:
    names = names_of(questions)
    unknown = set(db.unindexed(names))
    known = [n for n in names if n not in unknown]
    results = {}
    for cutoff in LENGTHS:
        spelling.MIN_LENGTH = cutoff
        row = {"known names": len(known), "slips": 0, "right": 0, "wrong": 0, "left": 0,
               "unknown names": len(unknown), "unknown repaired": 0}
        for name in known:
            for slip in slips(name):
                if not db.unindexed([slip]):
                    continue  # the slip is itself a word of the articles: nothing to repair
                row["slips"] += 1
                found = spelling.library_spelling(db, slip)
                row["left" if found is None else "right" if fold(found) == fold(name) else "wrong"] += 1
        row["unknown repaired"] = sum(spelling.library_spelling(db, n) is not None for n in unknown)
        results[cutoff] = row
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--multihop", type=Path, default=MULTIHOP_DIR, help="MultiHop-RAG folder")
    args = p.parse_args(argv)
    settings = Settings()
    sets = [("seeds", [GOLD_DIR / "seeds.jsonl", GOLD_DIR / "seeds-outside.jsonl"], False),
            ("multihop", [GOLD_DIR / "multihop-new.jsonl"], True)]
    chosen = spelling.MIN_LENGTH
    print("| index | questions | shortest name repaired | known names | slips | right | wrong | left as written | unknown names | "
          "unknown repaired |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for index, golds, with_dev in sets:
        db = open_library(settings.replace(index_dir=eval_index_dir(index, settings))).connect()
        questions = [i.question for g in golds for i in load_gold(g)]
        label = " + ".join(g.stem for g in golds)
        if with_dev:
            questions += [i.question for i in load_multihop(args.multihop).items]
            label += " + MultiHop-RAG dev"
        for cutoff, row in measure(db, questions).items():
            print(f"| {index} | {label} | {cutoff}{' (kept)' if cutoff == chosen else ''} | "
                  + " | ".join(str(v) for v in row.values()) + " |")
    spelling.MIN_LENGTH = chosen
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
