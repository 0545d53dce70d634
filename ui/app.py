"""The Gradio chat: ask the indexed articles, read cited answers, manage the library.

    >>> from rag.settings import Settings, force_offline
    >>> force_offline()
    >>> from ui.app import build_app, launch
    >>> settings = Settings.load(overrides={"index_dir": ".rag/index"})
    >>> launch(build_app(settings), settings)          # http://127.0.0.1:7860

The app only calls `rag`'s and `index`'s public functions; all HTML comes from
`ui.render`, which escapes every piece of article, file or user text.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gradio as gr

from index import ingest, remove, stats
from index.web import ingest_urls, is_url
from rag import Answer, Assistant, Filters, Settings, query
from rag.store import IndexMismatchError, IndexNotFoundError, restrict_to_authors
from ui import render

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".pdf")
MAX_FILE_MB = 20
# Two cores: two questions at once keep both busy; more would only queue inside torch.
CHAT_CONCURRENCY = 2
N_EXAMPLES = 5
EMPTY_GUIDANCE = (
    "Your library is empty. Open “Add articles” below, upload .txt, .md, .html, .json, .jsonl or .pdf files "
    "or add pages by URL, then ask a question about them."
)


@dataclass(frozen=True)
class LibraryView:
    """Everything the page shows about the library at one moment."""

    banner: str  # HTML, empty when all is well
    table: str  # HTML
    publishers: list[str]
    authors: list[str]
    articles: list[tuple[str, str]]  # (label, article id)
    examples: list[str]


class Librarian:
    """Holds the one assistant (model loaded once) and serialises library changes."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.uploads = Path(settings.index_dir) / "uploads"
        self._write = threading.Lock()
        self.assistant = None
        self.open_error: str | None = None
        self._open()

    def _open(self) -> None:
        """(Re)open the index: after a library change the assistant's summary and examples are rebuilt.

        The embedding model is shared per process (`load_embedder` is cached), so this does not reload it.
        """
        try:
            self.assistant = Assistant(self.settings)
            self.open_error = None
        except IndexNotFoundError:
            self.assistant, self.open_error = None, None  # empty library: guidance, not an error
        except IndexMismatchError as exc:
            self.assistant, self.open_error = None, str(exc)

    def ask(self, question: str, history: list[dict], filters: Filters, authors: list[str] = ()) -> Answer:
        """The answer; `authors` narrows `filters` to their articles (ValueError when they wrote none of them)."""
        if self.assistant is None:
            return Answer(question=question, text="", abstained=True, error=self.open_error or EMPTY_GUIDANCE)
        filters = restrict_to_authors(self.assistant.library, filters, authors)
        return query(question, history=history, filters=filters, index=self.assistant)  # never raises

    def coverage(self) -> str:
        return self.assistant.coverage() if self.assistant else ""

    def view(self) -> LibraryView:
        try:
            st = stats(self.settings)
        except IndexNotFoundError:
            return LibraryView(render.status_html(EMPTY_GUIDANCE), render.library_html([], 0, 0, self.settings.model),
                               [], [], [], [])
        model = st.manifest.get("model", "unknown")
        if self.open_error:
            banner = render.status_html(self.open_error, "error")
        elif model != self.settings.model:
            banner = render.status_html(
                f"This index was built with the model {model}, but the app uses {self.settings.model}. "
                f"Rebuild it: rag index --rebuild --index {self.settings.index_dir} PATH...", "error")
        elif st.n_articles == 0:
            banner = render.status_html(EMPTY_GUIDANCE)
        else:
            banner = ""
        examples = self.assistant.example_questions(N_EXAMPLES) if self.assistant and st.n_articles else []
        publishers = sorted({a.source for a in st.articles if a.source})
        authors = sorted({a.author for a in st.articles if a.author})
        articles = [(f"{a.title} ({a.source or 'unknown'}{', ' + a.date if a.date else ''})", a.id)
                    for a in st.articles]
        table = render.library_html(st.articles, st.n_articles, st.n_chunks, model)
        return LibraryView(banner, table, publishers, authors, articles, examples)

    def add(self, files: list[str], progress) -> str:
        """Check, copy into the index's uploads folder, ingest; the report lists each failed file."""
        problems: list[tuple[str, str]] = []
        accepted: list[Path] = []
        self.uploads.mkdir(parents=True, exist_ok=True)
        for f in files:
            src = Path(f)
            name = src.name.lstrip(".") or "upload.txt"
            if src.suffix.lower() not in ALLOWED_SUFFIXES:
                problems.append((name, f"unsupported type; use {', '.join(ALLOWED_SUFFIXES)}"))
                continue
            size_mb = src.stat().st_size / 1e6
            if size_mb > MAX_FILE_MB:
                problems.append((name, f"too large ({size_mb:.1f} MB; the limit is {MAX_FILE_MB} MB a file)"))
                continue
            dest = self.uploads / name
            shutil.copyfile(src, dest)
            accepted.append(dest)
        if not accepted:
            return render.upload_report_html(0, 0, 0, problems)
        return self._index(lambda step: ingest(accepted, self.settings, progress=step), progress, problems,
                           lambda path: Path(path).name, "file")

    def add_urls(self, text: str, progress) -> str:
        """Fetch the web pages or PDFs whose URLs `text` lists (spaces or lines apart) and index them."""
        words = text.split()
        problems = [(w, "not an http(s) URL") for w in words if not is_url(w)]
        urls = [w for w in words if is_url(w)]
        if not urls:
            return render.upload_report_html(0, 0, 0, problems, "address")
        return self._index(lambda step: ingest_urls(urls, self.settings, progress=step), progress, problems,
                           str, "address")

    def _index(self, run, progress, problems: list[tuple[str, str]], name, noun: str) -> str:
        """Run one ingest (`run(progress_step)`) under the write lock; report it with every input not indexed."""
        def step(done: int, total: int, label: str) -> None:
            progress((done, total) if total else None, desc=f"Indexing {label}")

        with self._write:
            try:
                report = run(step)
            except Exception as exc:  # e.g. a model mismatch: say it, keep the app up
                return render.upload_report_html(0, 0, 0, problems + [(f"every {noun}", str(exc).splitlines()[0])],
                                                 noun)
            self._open()
        problems += [(name(p.path), p.reason) for p in report.problems]
        return render.upload_report_html(len(report.added), len(report.updated), len(report.unchanged), problems,
                                         noun)

    def remove(self, article_id: str) -> str:
        if not article_id:
            return render.status_html("Choose an article to remove.", "warn")
        with self._write:
            path = next((a.path for a in stats(self.settings).articles if a.id == article_id), None)
            removed = remove(article_id, self.settings)
            if removed and path and Path(path).resolve().parent == self.uploads.resolve():
                Path(path).unlink(missing_ok=True)  # so a later re-index of uploads/ does not bring it back
            self._open()
        return render.status_html("Removed." if removed else "That article was not in the library.",
                                  "info" if removed else "warn")


def _parse_date(value: str, label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{label} “{value}” is not a date; use YYYY-MM-DD") from None


def _stream_steps(text: str, steps: int = 6) -> list[str]:
    """Prefixes of `text` cut at word boundaries, for a streamed reveal."""
    words = text.split(" ")
    cuts = sorted({max(1, len(words) * i // steps) for i in range(1, steps)})
    return [" ".join(words[:c]) for c in cuts]


def build_app(settings: Settings) -> gr.Blocks:
    """The whole page; launch it with `launch(app, settings)` so the CSS and limits apply."""
    lib = Librarian(settings)

    with gr.Blocks(title="newsrag · ask your articles", analytics_enabled=False) as app:
        plain_history = gr.State([])  # messages with the answer text only, for follow-up questions
        gr.Markdown("## Ask your news articles\nAnswers quote the articles; every [n] points to its source below.")
        banner = gr.HTML()
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(
                    label="Chat", height=620, elem_id="nr-chat", latex_delimiters=[], allow_tags=False,
                    sanitize_html=True, buttons=["copy"], feedback_options=None,
                    placeholder="Ask about the people, places and events in your articles.",
                )
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Ask a question…", scale=6,
                                          min_width=170, elem_id="nr-question", max_lines=4, submit_btn=False)
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=60, elem_id="nr-ask")
                    clear_btn = gr.Button("Clear", scale=1, min_width=60, elem_id="nr-clear")
                examples = gr.Dataset(label="Try", components=[gr.Textbox(visible=False)], samples=[],
                                      elem_id="nr-examples")
                with gr.Accordion("Copy the last answer as Markdown", open=False):
                    markdown = gr.Textbox(show_label=False, lines=6, max_lines=20, buttons=["copy"],
                                          interactive=False, elem_id="nr-markdown")
            with gr.Column(scale=2, min_width=300):
                with gr.Accordion("Filters", open=False):
                    f_sources = gr.CheckboxGroup(label="Publishers", choices=[])
                    f_authors = gr.CheckboxGroup(label="Authors", choices=[], elem_id="nr-authors")
                    f_articles = gr.Dropdown(label="Articles", choices=[], multiselect=True)
                    with gr.Row():
                        f_from = gr.Textbox(label="From (YYYY-MM-DD)", max_lines=1)
                        f_to = gr.Textbox(label="To (YYYY-MM-DD)", max_lines=1)
                with gr.Accordion("Library", open=True):
                    library = gr.HTML(elem_id="nr-library")
                    with gr.Row():
                        to_remove = gr.Dropdown(label="Remove an article", choices=[], scale=3)
                        remove_btn = gr.Button("Remove", variant="stop", scale=1, min_width=80)
                    remove_status = gr.HTML()
                with gr.Accordion("Add articles", open=True):
                    files = gr.File(label=f"Files (.txt .md .html .json .jsonl .pdf; {MAX_FILE_MB} MB each)",
                                    file_count="multiple", file_types=list(ALLOWED_SUFFIXES), elem_id="nr-files")
                    add_btn = gr.Button("Add to library", variant="primary", elem_id="nr-add")
                    add_report = gr.HTML(elem_id="nr-add-report")
                    with gr.Row():
                        url_box = gr.Textbox(label="Add by URL (web pages or PDFs; one or more)", scale=4,
                                             min_width=200, max_lines=4, placeholder="https://…",
                                             elem_id="nr-url")
                        url_btn = gr.Button("Fetch", variant="primary", scale=1, min_width=70, elem_id="nr-url-add")
                    url_report = gr.HTML(elem_id="nr-url-report")

        def ask(q, history, plain, sources, article_ids, d_from, d_to, authors=None):
            q = (q or "").strip()
            if not q:
                yield history, plain, gr.update(), gr.update()
                return
            history = history + [{"role": "user", "content": q}, {"role": "assistant", "content": "Searching…"}]
            yield history, plain, "", gr.update()
            try:
                filters = Filters(sources=tuple(sources or ()), article_ids=tuple(article_ids or ()),
                                  date_from=_parse_date(d_from, "From"), date_to=_parse_date(d_to, "To"))
                answer = lib.ask(q, plain, filters, list(authors or ()))
            except ValueError as exc:
                answer = Answer(question=q, text="", abstained=True, error=str(exc))
            if not answer.abstained and not answer.error:
                for prefix in _stream_steps(answer.text):
                    history[-1] = {"role": "assistant", "content": render.partial_html(prefix)}
                    yield history, plain, "", gr.update()
            coverage = lib.coverage() if answer.abstained and not answer.error else ""
            history[-1] = {"role": "assistant",
                           "content": render.answer_html(answer, uuid.uuid4().hex[:8], coverage)}
            plain = plain + [{"role": "user", "content": q}, {"role": "assistant", "content": answer.text}]
            yield history, plain, "", answer.to_markdown()

        ask_inputs = [question, chatbot, plain_history, f_sources, f_articles, f_from, f_to, f_authors]
        ask_outputs = [chatbot, plain_history, question, markdown]
        question.submit(ask, ask_inputs, ask_outputs, api_name="ask", concurrency_limit=CHAT_CONCURRENCY,
                        concurrency_id="chat")
        ask_btn.click(ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=CHAT_CONCURRENCY,
                      concurrency_id="chat")
        examples.click(lambda sample: sample[0], examples, question, api_visibility="private").then(
            ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_id="chat")
        clear_btn.click(lambda: ([], [], "", ""), None, [chatbot, plain_history, question, markdown],
                        api_name="clear")
        chatbot.clear(lambda: ([], ""), None, [plain_history, markdown], api_visibility="private")

        view_outputs = [banner, library, examples, f_sources, f_articles, to_remove, f_authors]

        def show():
            v = lib.view()
            # No "Try" heading over an empty list (an empty library, or one too small to suggest questions).
            return (v.banner, v.table, gr.Dataset(samples=[[q] for q in v.examples], visible=bool(v.examples)),
                    gr.CheckboxGroup(choices=v.publishers), gr.Dropdown(choices=v.articles),
                    gr.Dropdown(choices=v.articles, value=None), gr.CheckboxGroup(choices=v.authors))

        def add(paths, progress=gr.Progress()):
            report = lib.add(list(paths or []), progress) if paths else render.status_html(
                "Choose one or more files first.", "warn")
            return (report, None) + show()

        def add_by_url(text, progress=gr.Progress()):
            report = lib.add_urls(text, progress) if (text or "").strip() else render.status_html(
                "Paste one or more web addresses first.", "warn")
            return (report, "") + show()

        def drop(article_id):
            return (lib.remove(article_id),) + show()

        app.load(show, None, view_outputs, api_name="library")
        add_btn.click(add, files, [add_report, files] + view_outputs, api_name="add", concurrency_limit=1,
                      concurrency_id="write")
        url_btn.click(add_by_url, url_box, [url_report, url_box] + view_outputs, api_name="add_url",
                      concurrency_limit=1, concurrency_id="write")
        url_box.submit(add_by_url, url_box, [url_report, url_box] + view_outputs, api_visibility="private",
                       concurrency_limit=1, concurrency_id="write")
        remove_btn.click(drop, to_remove, [remove_status] + view_outputs, api_name="remove", concurrency_limit=1,
                         concurrency_id="write")
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return app


def launch(app: gr.Blocks, settings: Settings, **kwargs) -> None:
    """Serve `app` on settings.host:port with the page's CSS, offline, uploads capped per file."""
    # System fonts: nothing to fetch, and no half-loaded web font in some browsers.
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    app.launch(server_name=settings.host, server_port=settings.port, css=render.CSS, theme=theme,
               max_file_size=f"{MAX_FILE_MB}mb", footer_links=["api"], show_error=True, **kwargs)
