"""Web ingest benchmark: the same HTML pages indexed from disk and fetched over HTTP, in one run.

    .venv/bin/python -m bench.web_ingest [--limit 100]

The first N MultiHop-RAG articles are written as news pages (headline, meta tags, JSON-LD, one <p> a paragraph)
into a temporary folder, which is never kept. Then, with the model, Punkt and the Chroma store loaded first:
  disk  index.ingest() of the folder into a new index
  web   index.web.ingest_urls() of the same pages served by http.server on 127.0.0.1 into another new index,
        with fetch_delay 0 (the per-host pause is politeness towards a real site, not the cost of fetching)
and, without embedding, the two ways in alone: load_paths() of the folder, and fetch_document() of every URL.
Prints the times and the overhead; the target is web within 10% of disk. On shared cores the two
whole ingests vary by more than the fetching costs, so the fetch-alone difference over the disk ingest time is
printed too.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench._util import MULTIHOP_DIR


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def write_pages(corpus: Path, limit: int, folder: Path) -> list[str]:
    """One HTML page per article; returns the file names."""
    names = []
    for i, record in enumerate(json.loads(corpus.read_text(encoding="utf-8"))[:limit]):
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": record["title"],
              "datePublished": record.get("published_at"), "author": {"@type": "Person", "name": record.get("author")},
              "publisher": {"@type": "Organization", "name": record.get("source")}}
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in record["body"].split("\n") if p.strip())
        page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{html.escape(record['title'])}</title>"
                f"<meta property=\"og:site_name\" content=\"{html.escape(record.get('source') or '')}\">"
                f"<script type=\"application/ld+json\">{json.dumps(ld)}</script></head><body>"
                f"<nav><a href=\"/\">Home</a></nav><article><h1>{html.escape(record['title'])}</h1>{paragraphs}"
                f"</article><footer>Copyright</footer></body></html>")
        name = f"{i:04d}.html"
        (folder / name).write_text(page, encoding="utf-8")
        names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=MULTIHOP_DIR / "corpus.json")
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()

    from rag.settings import force_offline

    force_offline()
    from index import ingest
    from index.load import RawDocument, load_paths
    from index.web import Fetcher, fetch_document, ingest_urls
    from rag.embedder import load_embedder
    from rag.settings import Settings
    from rag.text import split_sentences

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pages = work / "pages"
        pages.mkdir()
        names = write_pages(args.corpus, args.limit, pages)
        base = Settings.load(environ={}, overrides={"fetch_delay": 0})
        load_embedder(base.model, base.backend)
        split_sentences("Punkt loads once. Then it splits.")
        import llama_index.vector_stores.chroma  # noqa: F401

        began = time.perf_counter()
        disk = ingest([pages], base.replace(index_dir=work / "disk"))
        disk_s = time.perf_counter() - began

        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(pages)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        urls = [f"http://127.0.0.1:{server.server_address[1]}/{n}" for n in names]
        began = time.perf_counter()
        web = ingest_urls(urls, base.replace(index_dir=work / "web"))
        web_s = time.perf_counter() - began

        began = time.perf_counter()
        loaded = list(load_paths([pages]))
        load_s = time.perf_counter() - began
        began = time.perf_counter()
        with Fetcher(base) as fetcher:
            fetched = [fetch_document(fetcher, u) for u in urls]
        fetch_s = time.perf_counter() - began
        server.shutdown()

    print(f"pages: {len(names)}; disk: {len(disk.added)} articles, {disk.chunks} chunks in {disk_s:.1f} s; "
          f"web: {len(web.added)} articles, {web.chunks} chunks in {web_s:.1f} s; "
          f"overhead {100 * (web_s / disk_s - 1):+.1f}% (target < +10%)")
    print(f"without embedding: load_paths {load_s:.2f} s ({len(loaded)} documents), fetch_document "
          f"{fetch_s:.2f} s ({sum(isinstance(d, RawDocument) for d in fetched)} documents): fetching adds "
          f"{fetch_s - load_s:.2f} s, {100 * (fetch_s - load_s) / disk_s:+.1f}% of the disk ingest")
    for problem in web.problems:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
