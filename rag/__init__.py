"""newsrag: offline question answering over news articles, with every answer sentence cited.

    >>> from rag import query, Filters
    >>> answer = query("What did López Obrador say about fentanyl?")   # index from Settings.load() (RAG_* env)
    >>> print(answer.to_markdown())
    >>> answer = query("How many asylum applications does Mexico process a year?",
    ...                index="/tmp/seeds-idx", top_k=2, filters=Filters(sources=("Agence France-Presse",)))

`query`, `Assistant` and `open_assistant` are imported on first use, so importing
`rag.settings` or `rag.types` stays light.
"""

from rag.settings import Settings
from rag.types import Answer, Citation, Filters, SyndicatedCopy

__all__ = ["query", "Assistant", "open_assistant", "Answer", "Citation", "Filters", "Settings", "SyndicatedCopy"]


def __getattr__(name: str):
    if name in ("query", "Assistant", "open_assistant"):
        from rag import assistant

        return getattr(assistant, name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
