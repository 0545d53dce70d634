"""PDF articles: the text layer by pypdf, page by page, and which page each part of the cleaned text is on.

A PDF's pages are joined with a line break (so cleaning can rejoin a sentence that runs onto the next page,
as it rejoins any wrapped line) and their start offsets kept in `RawDocument.pages`. Cleaning rejoins
wrapped lines and drops boilerplate, so offsets move; `page_starts` finds, for each sentence of the
cleaned text, where it begins in the raw text (comparing without whitespace, which is all cleaning changes
inside a kept sentence) and so on which page. A PDF with no text layer (scanned pages) is reported as such:
there is no OCR here.

    >>> from index.pdf import pdf_document
    >>> doc = pdf_document("/x/statement.pdf", open("statement.pdf", "rb").read())
    >>> doc.pages                     # (0, 1833, 3900): page 2 starts at character 1833 of doc.text
"""

from __future__ import annotations

import io
from bisect import bisect_right
from collections.abc import Sequence

from index.load import FileProblem, RawDocument

# Characters compared when locating a cleaned sentence in the raw text: enough to be unique in a document.
_PROBE_CHARS = 48
# Characters that cleaning deletes outright (besides whitespace).
_INVISIBLE = "\ufeff\u200b"
_DELETE_INVISIBLE = str.maketrans("", "", _INVISIBLE)


def looks_like_pdf(data: bytes) -> bool:
    """True when `data` starts like a PDF file (servers sometimes send PDFs as application/octet-stream)."""
    return data[:1024].lstrip().startswith(b"%PDF-")


def pdf_document(path: str, data: bytes) -> RawDocument | FileProblem:
    """The text of a PDF with its page offsets, title, author and creation date; a FileProblem otherwise."""
    from pypdf import PdfReader

    if not looks_like_pdf(data):
        return FileProblem(path, "not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return FileProblem(path, "encrypted PDF (needs a password)")
        texts = [(page.extract_text() or "").strip() for page in reader.pages]
    except Exception as exc:  # pypdf raises many kinds on damaged files; one bad PDF must not stop a run
        return FileProblem(path, f"unreadable PDF ({type(exc).__name__}: {exc})".splitlines()[0])
    if not any(texts):
        if any(_has_images(page) for page in reader.pages):
            return FileProblem(path, "PDF has no text layer, only scanned images (no OCR here)")
        return FileProblem(path, "PDF has no text")
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    meta = reader.metadata
    created = getattr(meta, "creation_date", None) if meta else None
    return RawDocument(
        source_key=path, path=path, text="\n".join(texts), format="pdf",
        title=_text(meta.title) if meta else None, author=_text(meta.author) if meta else None,
        date=created.date().isoformat() if created else None, pages=tuple(starts),
    )


def page_starts(raw_text: str, raw_pages: Sequence[int], text: str,
                sentences: Sequence) -> list[tuple[int, int]]:
    """(page number, offset in `text`) where each page's part of the cleaned `text` begins.

    `raw_pages` are the page start offsets in `raw_text`; `sentences` are spans of `text` (`.start`, `.end`).
    A sentence that cannot be found keeps the page of the one before it.

    >>> from rag.text import split_sentences
    >>> clean = "One sentence here. Two on the next page."
    >>> page_starts("One sentence\\nhere.\\nTwo on the\\nnext page.", [0, 19], clean, split_sentences(clean))
    [(1, 0), (2, 19)]
    """
    kept = [i for i, ch in enumerate(raw_text) if not ch.isspace() and ch not in _INVISIBLE]
    squeezed = "".join(raw_text[i] for i in kept)
    out: list[tuple[int, int]] = []
    cursor, page = 0, 1
    for s in sentences:
        probe = "".join(text[s.start:s.end].translate(_DELETE_INVISIBLE).split())[:_PROBE_CHARS]
        at = squeezed.find(probe, cursor) if probe else -1
        if at >= 0:
            page = bisect_right(raw_pages, kept[at])
            cursor = at + 1
        if not out or page != out[-1][0]:
            out.append((page, s.start))
    return out


def _has_images(page) -> bool:
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources else None
    if not xobjects:
        return False
    return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None
