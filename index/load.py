"""Read news files and folders into raw documents, reporting every unreadable input instead of raising.

Supported: `.txt`, `.md`, `.html`/`.htm` (main text and metadata extracted with trafilatura),
`.json` (one record or a list of records), `.jsonl` (one record per line) and `.pdf` (text layer by pypdf,
see `index.pdf`). A record carries `body` or `text`, plus optional `title`, `url`, `source`, `author`,
`published_at` or `date`.

    >>> for item in load_paths(["seeds/"]):
    ...     print(item.source_key if isinstance(item, RawDocument) else item.reason)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
           ".json": "json", ".jsonl": "jsonl", ".pdf": "pdf"}


# A line of a story: six words or more ending like a sentence. A page without one (a home page, a
# section front: "Home | News | Sports Subscribe now") has nothing to cite.
_STORY_LINE = re.compile(r"(\S+\s+){5,}\S*[.!?…][\"'”’)]*\s*$")


@dataclass(frozen=True)
class RawDocument:
    """One article as read from disk, before cleaning."""

    source_key: str  # absolute path, or f"{path}#{url or record index}" for a JSON record
    path: str
    text: str
    format: str  # "txt" | "md" | "html" | "json" | "jsonl" | "pdf"
    title: str | None = None
    source: str | None = None
    author: str | None = None
    date: str | None = None  # raw date string as found
    url: str | None = None
    pages: tuple[int, ...] = ()  # a PDF's page start offsets in `text` (page 1 starts at 0)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class FileProblem:
    """An input that yielded no document, one bad record of a JSON file, or an article that could not be stored,
    with a one-line reason."""

    path: str
    reason: str

    def __str__(self) -> str:
        """One line whatever the file is called: a newline in a name shows as \\n, never as a new line."""
        return _CONTROL.sub(lambda m: repr(m[0])[1:-1], f"{self.path}: {self.reason}")


def load_paths(paths: Iterable[str | Path]) -> Iterator[RawDocument | FileProblem]:
    """Yield a RawDocument or FileProblem for every file under `paths`; never raises for bad input.

    Folders are walked recursively in sorted order; hidden files and folders inside them are skipped.

    >>> docs = [d for d in load_paths(["seeds"]) if isinstance(d, RawDocument)]
    """
    for path, problem in _walk(paths):
        if problem:
            yield FileProblem(path, problem)
        else:
            yield from _load_file(path)


def count_documents(paths: Iterable[str | Path]) -> int:
    """How many items (documents or problems) `load_paths` will yield: a progress total. A JSON list counts
    its records and a JSONL file its non-empty lines (reading them once more); any other file counts one.

    >>> count_documents(["seeds"])
    5
    """
    return sum(_documents_in(path) if not problem else 1 for path, problem in _walk(paths))


def _documents_in(path: str) -> int:
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt not in ("json", "jsonl"):
        return 1
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
        if fmt == "jsonl":
            return max(1, sum(1 for line in text.splitlines() if line.strip()))
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return 1  # one problem
    return len(data) if isinstance(data, list) else 1


def _walk(paths: Iterable[str | Path]) -> Iterator[tuple[str, str | None]]:
    """(absolute path, problem or None) for each file named or found under a named folder."""
    for given in paths:
        p = Path(given).expanduser().absolute()
        if p.is_dir():
            errors: list[OSError] = []
            for root, dirs, files in os.walk(p, onerror=errors.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield os.path.join(root, name), None
            for err in errors:
                yield str(err.filename or p), _os_reason(err)
        elif p.exists():
            yield str(p), None
        else:
            yield str(p), "no such file or directory"


def _os_reason(err: OSError) -> str:
    if isinstance(err, PermissionError):
        return "permission denied"
    return f"cannot read ({err.strerror or type(err).__name__})"


def _load_file(path: str) -> Iterator[RawDocument | FileProblem]:
    suffix = Path(path).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        yield FileProblem(path, f"unsupported extension {suffix or '(none)'}")
        return
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        yield FileProblem(path, _os_reason(err))
        return
    if not data:
        yield FileProblem(path, "empty file")
        return
    if fmt == "pdf":
        from index.pdf import pdf_document  # index.pdf builds on this module's types

        yield pdf_document(path, data)
        return
    if b"\x00" in data:
        yield FileProblem(path, "binary file")
        return
    try:
        text = data.decode("utf-8-sig")  # a BOM is fine
    except UnicodeDecodeError as err:
        yield FileProblem(path, f"not valid UTF-8 (byte {err.start})")
        return
    if not text.strip():
        yield FileProblem(path, "empty file (whitespace only)")
        return
    if fmt in ("txt", "md"):
        yield RawDocument(source_key=path, path=path, text=text, format=fmt)
    elif fmt == "html":
        yield html_document(path, text)
    elif fmt == "json":
        yield from _from_json(path, text)
    else:
        yield from _from_jsonl(path, text)


def html_document(path: str, html: str, *, url: str | None = None) -> RawDocument | FileProblem:
    """The article in an HTML page (`path`: its file, or the address it was fetched from): main text and
    metadata by trafilatura. For a fetched page `url` is that address; the document's `url` is the page's
    canonical URL when it names one (link rel=canonical, og:url), else `url`.
    """
    try:
        from trafilatura import bare_extraction
    except ImportError as err:  # e.g. lxml_html_clean missing
        return FileProblem(path, f"HTML extraction unavailable ({err})".splitlines()[0])
    doc = bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=True)
    body = getattr(doc, "text", None) if doc is not None else None
    if not body or not body.strip():
        return FileProblem(path, "no article text found in HTML")
    if not any(_STORY_LINE.search(line) for line in body.splitlines()):
        return FileProblem(path, "no story text in the page (only links, menus or short labels)")
    # trafilatura puts one paragraph per line; a blank line between them keeps paragraphs apart downstream.
    body = "\n\n".join(line.strip() for line in body.splitlines() if line.strip())
    return RawDocument(source_key=path, path=path, text=body, format="html", title=_str(doc.title),
                       source=_str(doc.sitename), author=_str(doc.author), date=_str(doc.date),
                       url=_str(doc.url) or url)


def _from_json(path: str, text: str) -> Iterator[RawDocument | FileProblem]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        yield FileProblem(path, f"malformed JSON ({_json_error(err)})")
        return
    records = data if isinstance(data, list) else [data]
    seen: set[str] = set()
    for i, record in enumerate(records):
        yield _from_record(path, "json", i, f"record {i}", record, seen)


def _from_jsonl(path: str, text: str) -> Iterator[RawDocument | FileProblem]:
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield FileProblem(path, f"line {n}: malformed JSON ({_json_error(err)})")
            continue
        yield _from_record(path, "jsonl", n - 1, f"line {n}", record, seen)


def _from_record(path: str, fmt: str, index: int, where: str, record: object,
                 seen_urls: set[str]) -> RawDocument | FileProblem:
    if not isinstance(record, dict):
        return FileProblem(path, f"{where}: not a JSON object")
    body = record.get("body") or record.get("text")
    if not isinstance(body, str) or not body.strip():
        return FileProblem(path, f"{where}: no body/text")
    url = _str(record.get("url"))
    # The URL is the more stable identity (records may be reordered); the index is the fallback.
    key = url if url and url not in seen_urls else str(index)
    if url:
        seen_urls.add(url)
    return RawDocument(
        source_key=f"{path}#{key}", path=path, text=body, format=fmt, title=_str(record.get("title")),
        source=_str(record.get("source")), author=_str(record.get("author")),
        date=_str(record.get("published_at") or record.get("date")), url=url,
    )


def _json_error(err: json.JSONDecodeError) -> str:
    """'Unterminated string starting at line 1, column 11': json's messages may end in "at" themselves."""
    return f"{err.msg.removesuffix(' at')} at line {err.lineno}, column {err.colno}"


def _str(value: object) -> str | None:
    """A non-empty stripped string, or None; a number is written out, an object or list is not text (None)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    s = str(value).strip()
    return s or None
