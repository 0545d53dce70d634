"""The arguments of `rag.query()` checked before use: a wrong type comes back as one line naming it.

    >>> argument_error(history=None, top_k="4", filters=None)
    "top_k must be a whole number of at least 1, not '4' (str)"
    >>> argument_error(history=None, top_k=None, filters=Filters(date_from="2023-09-26"))
    "filters.date_from must be a datetime.date such as date(2023, 9, 26) or None, not '2023-09-26' (str)"
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from rag.types import Filters


def argument_error(history: object, top_k: object, filters: object) -> str | None:
    """One line saying which argument is wrong and what it should be; None when all are usable."""
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        return f"top_k must be a whole number of at least 1, not {_shown(top_k)}"
    if history is not None and not (isinstance(history, (list, tuple))
                                    and all(isinstance(m, Mapping) for m in history)):
        return ('history must be a list of messages such as {"role": "user", "content": "..."}, '
                f"not {_shown(history)}")
    if filters is None:
        return None
    if not isinstance(filters, Filters):
        return f"filters must be a rag.Filters, not {_shown(filters)}"
    for name in ("sources", "article_ids"):
        value = getattr(filters, name)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return f"filters.{name} must be a tuple of strings, not {_shown(value)}"
    for name in ("date_from", "date_to"):
        value = getattr(filters, name)
        if value is not None and not isinstance(value, date):
            return f"filters.{name} must be a datetime.date such as date(2023, 9, 26) or None, not {_shown(value)}"
    if not isinstance(filters.undated, bool):
        return f"filters.undated must be True or False, not {_shown(filters.undated)}"
    return None


def _shown(value: object) -> str:
    text = repr(value)
    return f"{text[:60] + '…' if len(text) > 60 else text} ({type(value).__name__})"
