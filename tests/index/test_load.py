"""load_paths: every supported format, every kind of bad input, and the MultiHop-RAG corpus as shipped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eval.paths import MULTIHOP_CORPUS
from index.load import FileProblem, RawDocument, count_documents, load_paths

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
MULTIHOP = MULTIHOP_CORPUS

ARTICLE_HTML = """<!DOCTYPE html>
<html><head>
  <title>Council approves new bridge | The Riverside Courier</title>
  <meta property="og:title" content="Council approves new bridge over the Wend">
  <meta property="og:site_name" content="The Riverside Courier">
  <meta name="author" content="Maria Okafor">
  <meta property="article:published_time" content="2023-10-05T09:00:00+00:00">
  <script>var trackingPixel = "SCRIPT_SECRET_TOKEN"; window.dataLayer = [];</script>
  <style>.nav { color: red; }</style>
</head><body>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/sport">NAVIGATION_SPORT_LINK</a></li></ul></nav>
  <header><div class="logo">The Riverside Courier</div></header>
  <main><article>
    <h1>Council approves new bridge over the Wend</h1>
    <p class="byline">By Maria Okafor</p>
    <p>The city council voted 7 to 2 on Thursday to fund a new pedestrian bridge over the River Wend,
       ending a decade of debate about how to link the old town with the railway station.</p>
    <p>The bridge will cost 14 million euros and is expected to open in the spring of 2026, according to the
       council's transport committee, which published the final design last month.</p>
    <p>"This is the most important piece of infrastructure we will build this decade," said councillor
       Henrik Vos, who chaired the committee that reviewed eleven competing designs.</p>
    <p>Opponents argued that the money should go to repairing the existing road bridge, which engineers
       say needs urgent work on its foundations within the next five years.</p>
  </article></main>
  <footer><p>FOOTER_COPYRIGHT 2023 The Riverside Courier. All rights reserved.</p></footer>
  <script>console.log("SCRIPT_TAIL_TEXT")</script>
</body></html>
"""


def _one(path: Path) -> RawDocument | FileProblem:
    items = list(load_paths([path]))
    assert len(items) == 1, items
    return items[0]


def _problem(path: Path) -> str:
    item = _one(path)
    assert isinstance(item, FileProblem), item
    assert item.path == str(path.absolute())
    assert "\n" not in item.reason
    return item.reason


def test_seed_folder_loads_sorted_txt_documents():
    items = list(load_paths([SEEDS]))
    assert len(items) == 5 == count_documents([SEEDS])
    assert all(isinstance(d, RawDocument) and d.format == "txt" for d in items)
    assert [Path(d.path).name for d in items] == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert items[0].source_key == items[0].path and Path(items[0].path).is_absolute()
    assert items[0].text.startswith("US, Mexico diplomats meet")


def test_folder_walk_is_recursive_sorted_and_skips_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "2.txt").write_text("Second story.")
    (tmp_path / "a.md").write_text("# First\n\nFirst story.")
    (tmp_path / ".hidden.txt").write_text("secret")
    (tmp_path / ".git" / "x.txt").write_text("object")
    items = list(load_paths([tmp_path]))
    assert [Path(i.path).relative_to(tmp_path).as_posix() for i in items] == ["a.md", "b/2.txt"]
    assert count_documents([tmp_path]) == 2


def test_empty_file(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    assert _problem(tmp_path / "e.txt") == "empty file"


def test_whitespace_only_file(tmp_path):
    (tmp_path / "w.txt").write_text("  \n\t\n \n")
    assert "empty" in _problem(tmp_path / "w.txt")


def test_binary_file(tmp_path):
    (tmp_path / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert _problem(tmp_path / "b.txt") == "binary file"


def test_invalid_utf8(tmp_path):
    (tmp_path / "l1.txt").write_bytes("Caf\u00e9 story in Latin-1.".encode("latin-1"))
    assert _problem(tmp_path / "l1.txt").startswith("not valid UTF-8")


def test_utf8_bom_is_fine(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffHeadline\n\nA story sentence.".encode("utf-8"))
    doc = _one(tmp_path / "bom.txt")
    assert isinstance(doc, RawDocument) and doc.text.startswith("Headline")


def test_unsupported_extension(tmp_path):
    (tmp_path / "report.docx").write_bytes(b"PK\x03\x04 ...")
    assert _problem(tmp_path / "report.docx") == "unsupported extension .docx"


def test_missing_path(tmp_path):
    assert "no such file" in _problem(tmp_path / "nope.txt")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files without permission bits")
def test_unreadable_file(tmp_path):
    f = tmp_path / "locked.txt"
    f.write_text("story")
    f.chmod(0)
    try:
        assert _problem(f) == "permission denied"
    finally:
        f.chmod(0o644)


def test_read_error_is_reported_not_raised(tmp_path, monkeypatch):
    # Root ignores permission bits, so the refusal is injected where the file is read.
    f = tmp_path / "locked.txt"
    f.write_text("story")
    real = Path.read_bytes

    def refuse(self):
        if self == Path(f):
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert _problem(f) == "permission denied"


def test_broken_symlink_is_reported(tmp_path):
    (tmp_path / "link.txt").symlink_to(tmp_path / "gone.txt")
    assert "no such file" in _problem(tmp_path / "link.txt")


def test_folder_named_like_a_file_is_walked(tmp_path):
    weird = tmp_path / "dir.txt"
    weird.mkdir()
    (weird / "inner.txt").write_text("Inner story.")
    items = list(load_paths([tmp_path / "dir.txt"]))
    assert [Path(i.path).name for i in items] == ["inner.txt"]


def test_jsonl_malformed_line_and_record_without_text(tmp_path):
    f = tmp_path / "feed.jsonl"
    f.write_text("\n".join([
        json.dumps({"title": "One", "body": "First body.", "url": "https://x.test/1",
                    "published_at": "2023-09-26T17:30:00+00:00", "source": "X", "author": "A B"}),
        "{not json",
        json.dumps({"title": "No text here"}),
        "",
        json.dumps({"title": "Four", "text": "Fourth body.", "date": "2023-10-01"}),
    ]))
    items = list(load_paths([f]))
    assert [type(i).__name__ for i in items] == ["RawDocument", "FileProblem", "FileProblem", "RawDocument"]
    first, bad, empty, last = items
    assert bad.reason.startswith("line 2: malformed JSON (")
    assert empty.reason == "line 3: no body/text"
    assert (first.title, first.source, first.author, first.date, first.url) == (
        "One", "X", "A B", "2023-09-26T17:30:00+00:00", "https://x.test/1")
    assert first.source_key == f"{f}#https://x.test/1" and first.format == "jsonl"
    assert last.text == "Fourth body." and last.date == "2023-10-01" and last.source_key == f"{f}#4"


def test_json_single_record_and_list(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"title": "Solo", "body": "Solo body."}))
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"body": "A."}, {"title": "no body"}, "not a record", {"text": "C."}]))
    solo = _one(one)
    assert isinstance(solo, RawDocument) and solo.title == "Solo" and solo.source_key == f"{one}#0"
    items = list(load_paths([many]))
    assert [getattr(i, "text", None) or i.reason for i in items] == [
        "A.", "record 1: no body/text", "record 2: not a JSON object", "C."]


def test_malformed_json_file(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text('[{"body": "x"},')
    assert _problem(f).startswith("malformed JSON (")


def test_json_error_names_the_place_once(tmp_path):
    f = tmp_path / "half.json"
    f.write_text('{"title": "half a record')
    assert _problem(f) == "malformed JSON (Unterminated string starting at line 1, column 11)"
    lines = tmp_path / "half.jsonl"
    lines.write_text('{"body": "ok"}\n{"title": "half\n')
    (_, bad) = load_paths([lines])
    assert bad.reason == "line 2: malformed JSON (Unterminated string starting at line 1, column 11)"


def test_json_metadata_that_is_not_text_is_ignored(tmp_path):
    f = tmp_path / "odd.json"
    f.write_text(json.dumps({"body": "A story.", "source": {"nested": 1}, "author": ["A", "B"], "title": True,
                             "date": 2023}))
    doc = _one(f)
    assert (doc.source, doc.author, doc.title, doc.date) == (None, None, None, "2023")


def test_html_extracts_story_without_nav_script_or_footer(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(ARTICLE_HTML)
    doc = _one(f)
    assert isinstance(doc, RawDocument) and doc.format == "html"
    assert "The city council voted 7 to 2 on Thursday" in doc.text
    assert "needs urgent work on its foundations within the next five years." in doc.text
    for junk in ("SCRIPT_SECRET_TOKEN", "SCRIPT_TAIL_TEXT", "NAVIGATION_SPORT_LINK", "FOOTER_COPYRIGHT", ".nav {"):
        assert junk not in doc.text
    assert "\n\n" in doc.text  # paragraphs kept apart
    assert doc.title == "Council approves new bridge over the Wend"
    assert doc.author == "Maria Okafor"
    assert doc.source == "The Riverside Courier"
    assert doc.date.startswith("2023-10-05")


def test_html_without_article_text(tmp_path):
    f = tmp_path / "blank.htm"
    f.write_text("<html><head><script>var a = 1;</script><style>p {}</style></head><body> </body></html>")
    assert _problem(f) == "no article text found in HTML"


def test_html_page_of_links_only_is_skipped(tmp_path):
    f = tmp_path / "home.html"
    f.write_text("""<!DOCTYPE html><html><head><title>Home</title><meta property="og:site_name" content="Daily Example">
      </head><body><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sports">Sports</a></nav>
      <main><p>| News | Sports</p><p><a href="/subscribe">Subscribe now</a></p></main>
      <footer>&copy; 2023 Daily Example. All rights reserved.</footer></body></html>""")
    assert _problem(f) == "no story text in the page (only links, menus or short labels)"


@pytest.mark.skipif(not MULTIHOP.exists(), reason="MultiHop-RAG corpus not present")
def test_multihop_corpus_loads_as_is():
    items = list(load_paths([MULTIHOP]))
    assert len(items) == 609
    assert all(isinstance(d, RawDocument) and d.format == "json" for d in items)
    assert len({d.source_key for d in items}) == 609
    assert all(d.title and d.text and d.source and d.url and d.date for d in items)
    assert sum(1 for d in items if d.author) > 300
    assert items[0].date == "2023-11-27T08:45:59+00:00"


def test_count_documents_counts_records_of_json_lists_and_jsonl_lines(tmp_path):
    (tmp_path / "list.json").write_text(json.dumps([{"body": "One."}, {"body": "Two."}, {"body": "Three."}]))
    (tmp_path / "lines.jsonl").write_text('{"body": "One."}\n\n{"body": "Two."}\n')
    (tmp_path / "broken.json").write_text('{"body": "half')
    (tmp_path / "story.txt").write_text("A story.")
    items = list(load_paths([tmp_path]))
    assert count_documents([tmp_path]) == len(items) == 3 + 2 + 1 + 1
