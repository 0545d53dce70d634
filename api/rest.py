"""`/api/v1`: ask, list/add/remove articles, stats. The same `Librarian` as the chat does the work.

    curl -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \\
         -d '{"question": "What did López Obrador say about fentanyl?"}' http://127.0.0.1:7860/api/v1/ask
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from index import stats
from rag.store import ArticleSummary, IndexMismatchError, IndexNotFoundError
from rag.types import Answer, Filters
from ui.app import CHAT_CONCURRENCY, Librarian

from api.access import Caller, allowed

router = APIRouter(prefix="/api/v1", tags=["library"])
# Questions run on threads of their own, as many as the chat's (`CHAT_CONCURRENCY`: more at once would only queue
# in torch). Torch keeps a team of OpenMP threads per calling thread, so a question on a fresh thread of the
# server's shared pool pays for a new team: query() p50 was 61 ms on 4 rotating threads, 24 ms on 2 fixed ones.
ASKING = ThreadPoolExecutor(max_workers=CHAT_CONCURRENCY, thread_name_prefix="api-ask")
LOPEZ = "What did López Obrador say about fentanyl?"


class Message(BaseModel):
    role: str = Field(pattern="^(user|assistant)$")
    content: str = Field(max_length=20_000)


class FiltersIn(BaseModel):
    """Narrow the search; all optional, combined with AND."""

    model_config = ConfigDict(extra="forbid")
    sources: list[str] = Field(default=[], description="publishers, as /api/v1/articles lists them")
    article_ids: list[str] = []
    authors: list[str] = []
    date_from: date | None = None
    date_to: date | None = None
    undated: bool = Field(default=False, description="with a date range, also search articles that have no date")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": LOPEZ},
        {"question": "And what did he say about the US?", "top_k": 2,
         "history": [{"role": "user", "content": LOPEZ},
                     {"role": "assistant", "content": "López Obrador denied fentanyl is made in Mexico [1]."}],
         "filters": {"date_from": "2023-01-01"}}]})
    question: str = Field(min_length=1, max_length=2_000)
    history: list[Message] = Field(default=[], max_length=100, description="earlier turns, for follow-ups")
    filters: FiltersIn | None = None
    top_k: int | None = Field(default=None, ge=1, le=20, description="at most this many citations")


class Article(BaseModel):
    """One article of the listing (where the server keeps its file is not said)."""

    id: str
    title: str
    source: str | None
    date: str | None
    author: str | None
    group: str | None = Field(description="syndication group: copies of one story share it")
    chunks: int


class ArticlePage(BaseModel):
    total: int
    offset: int
    limit: int
    articles: list[Article]


class Problem(BaseModel):
    input: str = Field(description="the file name or address")
    reason: str


class AddResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"added": ["9f1c2e0a4b7d3c21"], "updated": [], "unchanged": [], "problems": [], "same_name_as": []}]})
    added: list[str] = Field(description="ids of new articles")
    updated: list[str]
    unchanged: list[str]
    problems: list[Problem] = Field(description="inputs not indexed, with why")
    same_name_as: list[str] = Field(description="ids of earlier uploads of the same file names (both are kept)")


class Removed(BaseModel):
    removed: str


class Stats(BaseModel):
    articles: int
    chunks: int
    publishers: int
    authors: int
    model: str


async def librarian(request: Request) -> Librarian:
    return request.app.state.librarian


@router.post("/ask", response_model=Answer, summary="Answer a question with cited sentences",
             description="The `Answer` that `rag.query()` returns: `text` with [n] markers into `citations`.")
async def ask(body: AskRequest, caller: Caller = Depends(allowed("ask")),
              lib: Librarian = Depends(librarian)) -> Response:
    f = body.filters or FiltersIn()
    filters = Filters(sources=tuple(f.sources), article_ids=tuple(f.article_ids), date_from=f.date_from,
                      date_to=f.date_to, undated=f.undated)
    try:
        answer = await answer_of(lib, body.question, [m.model_dump() for m in body.history], filters, f.authors,
                                 body.top_k)
    except ValueError as exc:  # an author filter that leaves no article
        raise HTTPException(422, str(exc)) from None
    # The Answer's own JSON: the documented model, without validating the object query() made once more.
    return Response(answer.to_json(), media_type="application/json")


async def answer_of(lib: Librarian, question: str, history: list[dict], filters: Filters,
                    authors: list[str] = (), top_k: int | None = None) -> Answer:
    """`Librarian.ask` on the question threads (`ASKING`), awaited."""
    return await asyncio.wrap_future(ASKING.submit(lib.ask, question, history, filters, list(authors), top_k))


@router.get("/articles", response_model=ArticlePage, summary="List the library's articles, newest first")
def list_articles(offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500),
                  caller: Caller = Depends(allowed("ask")), lib: Librarian = Depends(librarian)) -> ArticlePage:
    articles = _articles(lib)
    return ArticlePage(total=len(articles), offset=offset, limit=limit, articles=[
        Article(id=a.id, title=a.title, source=a.source, date=a.date, author=a.author, group=a.group, chunks=a.chunks)
        for a in articles[offset:offset + limit]])


@router.post("/articles", response_model=AddResponse, summary="Add articles: upload files and/or fetch URLs",
             description="multipart/form-data: `files` (.txt .md .html .json .jsonl .pdf, 20 MB each) and/or "
                         "`urls` (web pages or PDFs). Editors and admins only.")
def add_articles(files: list[UploadFile] = File(default=[]), urls: list[str] = Form(default=[]),
                 caller: Caller = Depends(allowed("add")), lib: Librarian = Depends(librarian)) -> AddResponse:
    if not files and not urls:
        raise HTTPException(422, "give `files` to upload or `urls` to fetch (multipart/form-data)")
    results = []
    with tempfile.TemporaryDirectory(prefix="newsrag-upload-") as tmp:
        paths = []
        for i, upload in enumerate(files):
            # The client's name, reduced to a plain file name: it names the stored copy, never a path.
            name = re.sub(r"[^\w.\- ]", "_", Path(upload.filename or "upload.txt").name) or "upload.txt"
            path = Path(tmp) / str(i) / name
            path.parent.mkdir()
            with open(path, "wb") as out:
                while chunk := upload.file.read(1 << 20):
                    out.write(chunk)
            paths.append(str(path))
        if paths:
            results.append(lib.add_files(paths, _no_progress, caller.name))
        if urls:
            results.append(lib.fetch_urls(urls, _no_progress, caller.name))
    return AddResponse(
        added=[i for r in results for i in r.report.added], updated=[i for r in results for i in r.report.updated],
        unchanged=[i for r in results for i in r.report.unchanged],
        problems=[Problem(input=name, reason=reason) for r in results for name, reason in r.problems],
        same_name_as=[a.id for r in results for a in r.earlier])


@router.delete("/articles/{article_id}", response_model=Removed, summary="Remove an article",
               description="Editors and admins only. 404 when there is no such article.")
def remove_article(article_id: str, caller: Caller = Depends(allowed("remove")),
                   lib: Librarian = Depends(librarian)) -> Removed:
    if not any(a.id == article_id for a in _articles(lib)) or not lib.delete(article_id, caller.name):
        raise HTTPException(404, f"no article {article_id!r} in the library")
    return Removed(removed=article_id)


@router.get("/stats", response_model=Stats, summary="How many articles, chunks, publishers and authors")
def library_stats(caller: Caller = Depends(allowed("ask")), lib: Librarian = Depends(librarian)) -> Stats:
    articles = _articles(lib)
    return Stats(articles=len(articles), chunks=sum(a.chunks for a in articles),
                 publishers=len({a.source for a in articles if a.source}),
                 authors=len({a.author for a in articles if a.author}), model=lib.settings.model)


def _articles(lib: Librarian) -> list[ArticleSummary]:
    try:
        return stats(lib.settings).articles
    except IndexNotFoundError:
        return []
    except IndexMismatchError as exc:
        raise HTTPException(409, str(exc).splitlines()[0]) from None


def _no_progress(*args, **kwargs) -> None:
    """The API answers when the ingest is done; it reports no progress on the way."""
