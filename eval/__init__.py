"""The evaluation suite: gold question sets, metrics, a runner and the `rag eval` command.

    >>> from eval.loaders import load_gold
    >>> from eval.runner import run_gold
    >>> report = run_gold(load_gold("eval/gold/seeds.jsonl"), settings)   # doctest: +SKIP
"""
