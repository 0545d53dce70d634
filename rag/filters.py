"""`Filters` (publishers, articles, dates) translated for each store: a Chroma `where` and SQL conditions.

    >>> from datetime import date
    >>> chroma_where(Filters(sources=("AFP",), date_from=date(2023, 10, 1)))
    {'$and': [{'source': {'$in': ['AFP']}}, {'date_num': {'$gte': 20231001}}]}
"""

from __future__ import annotations

from rag.types import ChunkKey, Filters


def chroma_where(filters: Filters | None) -> dict | None:
    """Chroma metadata filter for `filters` (date_num is YYYYMMDD as an int)."""
    if filters is None or filters.is_empty():
        return None
    clauses: list[dict] = []
    if filters.sources:
        clauses.append({ChunkKey.SOURCE: {"$in": list(filters.sources)}})
    if filters.article_ids:
        clauses.append({ChunkKey.ARTICLE_ID: {"$in": list(filters.article_ids)}})
    dates: list[dict] = []
    if filters.date_from:
        dates.append({ChunkKey.DATE_NUM: {"$gte": int(filters.date_from.strftime("%Y%m%d"))}})
    if filters.date_to:
        if not filters.date_from:  # undated articles are stored as 0: a date range leaves them out, as in SQL
            dates.append({ChunkKey.DATE_NUM: {"$gt": 0}})
        dates.append({ChunkKey.DATE_NUM: {"$lte": int(filters.date_to.strftime("%Y%m%d"))}})
    if dates and filters.undated:  # the range, or no date at all
        clauses.append({"$or": [{ChunkKey.DATE_NUM: 0}, dates[0] if len(dates) == 1 else {"$and": dates}]})
    else:
        clauses += dates
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def sql_where(filters: Filters | None) -> tuple[str, list]:
    """SQL conditions on `articles a` for `filters` (ISO dates compare as strings)."""
    if filters is None or filters.is_empty():
        return "", []
    parts, params = [], []
    if filters.sources:
        parts.append(f"a.source IN ({','.join('?' * len(filters.sources))})")
        params += list(filters.sources)
    if filters.article_ids:
        parts.append(f"a.id IN ({','.join('?' * len(filters.article_ids))})")
        params += list(filters.article_ids)
    dates = []
    if filters.date_from:
        dates.append("a.date >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        dates.append("a.date <= ?")
        params.append(filters.date_to.isoformat())
    if dates and filters.undated:  # the range, or no date at all
        parts.append(f"(a.date IS NULL OR a.date = '' OR ({' AND '.join(dates)}))")
    else:
        parts += dates
    return " AND " + " AND ".join(parts), params
