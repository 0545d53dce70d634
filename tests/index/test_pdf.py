"""PDFs: text and page offsets by pypdf, a sentence that runs onto the next page, scanned pages said to be
scanned, PDFs fetched from a URL; end to end, a citation that names its page. Fixture PDFs are written by
fpdf2 in the test, with fictional text."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from index.clean import clean_article
from index.load import FileProblem, RawDocument, load_paths
from index.pdf import page_starts, pdf_document
from index.web import Fetcher, fetch_document
from rag.settings import Settings
from rag.text import split_sentences
from tests.index.site import Page, serving

PAGES = [
    ["Statement on the north pier",
     "The Gullport Harbour Authority confirms that the north pier will close to all vehicles from 1 April "
     "while engineers survey the decking and the piles beneath it. Fishing boats may still moor along the outer "
     "wall, and the fuel berth stays open. The closure follows a report by the harbour master that described"],
    ["cracks in three of the concrete piles nearest the fish market.",
     "The survey will take six weeks and cost 180,000 crowns, paid from the harbour maintenance fund. The "
     "authority expects to publish the engineers' findings in June.",
     "Questions from skippers should go to the harbour master's office."],
    ["Issued by the press office of the Gullport Harbour Authority on 20 March 2026."],
]


def statement_pdf(pages: list[list[str]] = PAGES) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Statement on the north pier")
    pdf.set_author("Gullport Harbour Authority")
    pdf.set_creation_date(datetime(2026, 3, 20, 10, 0, tzinfo=timezone.utc))
    pdf.set_font("Helvetica", size=11)
    for paragraphs in pages:
        pdf.add_page()
        for p in paragraphs:
            pdf.multi_cell(0, 6, p)
            pdf.ln(4)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """Two pages that are pictures of text: no text layer at all."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    pdf = FPDF()
    for n in (1, 2):
        image = Image.new("RGB", (600, 800), "white")
        ImageDraw.Draw(image).text((40, 40), f"Scanned page {n} of a court filing", fill="black")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=10, y=10, w=180)
    return bytes(pdf.output())


def test_pdf_text_pages_and_metadata(tmp_path):
    path = tmp_path / "statement.pdf"
    path.write_bytes(statement_pdf())
    [doc] = list(load_paths([path]))
    assert isinstance(doc, RawDocument) and doc.format == "pdf", doc
    assert (doc.title, doc.author, doc.date) == ("Statement on the north pier", "Gullport Harbour Authority",
                                                 "2026-03-20")
    assert len(doc.pages) == 3 and doc.pages[0] == 0
    assert doc.text[doc.pages[1]:].startswith("cracks in three")
    assert doc.text[doc.pages[2]:].startswith("Issued by the press office")


def test_each_cleaned_sentence_maps_to_its_page(tmp_path):
    doc = pdf_document(str(tmp_path / "s.pdf"), statement_pdf())
    article = clean_article(doc)
    sentences = split_sentences(article.text)
    starts = page_starts(doc.text, doc.pages, article.text, sentences)
    assert [page for page, _ in starts] == [1, 2, 3]

    def page_of(phrase: str) -> int:
        at = article.text.index(phrase)
        return max(page for page, start in starts if start <= at)

    # The sentence that runs from page 1 onto page 2 is one sentence, cited on the page where it begins.
    assert "described cracks in three of the concrete piles" in article.text
    assert page_of("The closure follows a report") == 1
    assert page_of("The survey will take six weeks") == 2
    assert page_of("Issued by the press office") == 3


def test_a_scanned_pdf_says_there_is_no_text_layer(tmp_path):
    path = tmp_path / "filing.pdf"
    path.write_bytes(scanned_pdf())
    assert list(load_paths([path])) == [
        FileProblem(str(path), "PDF has no text layer, only scanned images (no OCR here)")]


def test_a_broken_pdf_is_reported(tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(statement_pdf()[:300])
    problems = list(load_paths([fake, cut]))
    assert problems[0] == FileProblem(str(fake), "not a PDF file")
    assert isinstance(problems[1], FileProblem) and problems[1].reason.startswith("unreadable PDF"), problems[1]


@pytest.mark.parametrize("content_type", ["application/pdf", "application/octet-stream"])
def test_a_pdf_url_is_fetched_with_its_pages(content_type):
    settings = Settings.load(environ={}, overrides={"fetch_delay": 0})
    with serving() as site:
        site.routes["/files/statement.pdf"] = Page(statement_pdf(), content_type=content_type)
        site.routes["/files/scan.pdf"] = Page(scanned_pdf(), content_type=content_type)
        with Fetcher(settings) as fetcher:
            doc = fetch_document(fetcher, site.url("/files/statement.pdf"))
            scan = fetch_document(fetcher, site.url("/files/scan.pdf"))
    assert isinstance(doc, RawDocument) and len(doc.pages) == 3 and doc.path == site.url("/files/statement.pdf")
    assert scan.reason == "PDF has no text layer, only scanned images (no OCR here)"


@pytest.mark.e2e
def test_a_citation_from_a_pdf_names_its_page(tmp_path):
    from index import ingest
    from rag import query
    from ui.render import answer_html

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "statement.pdf").write_bytes(statement_pdf())
    settings = Settings.load(environ={}, overrides={"index_dir": str(tmp_path / "idx")})
    report = ingest([tmp_path / "docs"], settings)
    assert len(report.added) == 1 and not report.problems, report.summary()
    answer = query("How much will the survey of the north pier cost?", index=settings)
    assert "180,000 crowns" in answer.text, answer.text
    cited = next(c for c in answer.citations if "180,000" in c.quote)
    assert cited.page == 2
    assert "p. 2" in answer.to_markdown()
    assert "p. 2" in answer_html(answer, "u1")


def test_an_encrypted_pdf_needs_its_password_and_an_owner_lock_does_not(tmp_path):
    from fpdf import FPDF

    def locked(**passwords) -> bytes:
        pdf = FPDF()
        pdf.set_encryption(owner_password="owner", **passwords)
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, "The ferry timetable changes on Monday for the winter season.")
        return bytes(pdf.output())

    assert pdf_document("/x/locked.pdf", locked(user_password="secret")) == FileProblem(
        "/x/locked.pdf", "encrypted PDF (needs a password)")
    doc = pdf_document("/x/owner.pdf", locked())
    assert isinstance(doc, RawDocument) and "ferry timetable" in doc.text
