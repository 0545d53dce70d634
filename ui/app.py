"""The Gradio chat: ask the indexed articles, read cited answers, manage the library.

    >>> from rag.settings import Settings, force_offline
    >>> force_offline()
    >>> from ui.app import build_app, page_options
    >>> settings = Settings.load(overrides={"index_dir": ".rag/index"})
    >>> gr.mount_gradio_app(fastapi_app, build_app(settings), path="/", **page_options())

`api.server` serves it (with the HTTP API beside it): `rag serve` or `python -m ui`.

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
from typing import Callable

import gradio as gr

from index import FileProblem, IngestReport, ingest, remove, stats
from index.dedupe import reprints
from index.load import FORMATS
from index.web import ingest_urls, is_url
from rag import Answer, Assistant, Filters, Settings, query
from rag.embedder import sha256_of
from rag.store import ArticleSummary, IndexMismatchError, IndexNotFoundError, restrict_to_authors
from rag.accounts import Accounts
from ui import render
from ui.access import ChatAccess

ALLOWED_SUFFIXES = tuple(FORMATS)  # the chat takes every file the loader reads
MAX_FILE_MB = 20
# Two cores: two questions at once keep both busy; more would only queue inside torch.
CHAT_CONCURRENCY = 2
N_EXAMPLES = 5
CHAT_JS = (Path(__file__).parent / "chat.js").read_text(encoding="utf-8")  # scrolling to answers and sources
EMPTY_GUIDANCE = (
    f"Your library is empty. Open “Add articles” below, upload {', '.join(ALLOWED_SUFFIXES[:-1])} or "
    f"{ALLOWED_SUFFIXES[-1]} files or add pages by URL, then ask a question about them."
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


@dataclass(frozen=True)
class AddResult:
    """What adding files or addresses did: the ingest's report, every input not indexed with why (the
    checks' and the ingest's), and the earlier uploads of the same names as new files."""

    report: IngestReport
    problems: list[tuple[str, str]]  # (file name or address, reason)
    earlier: list[ArticleSummary]


class Librarian:
    """Holds the one assistant (model loaded once) and serialises library changes."""

    def __init__(self, settings: Settings, audit: Callable[[str, str, str], None] | None = None):
        """`audit(actor, action, article_id)` is told of every article added or removed (`Accounts.record`)."""
        self.settings = settings
        self.audit = audit
        self.uploads = Path(settings.index_dir).expanduser().absolute() / "uploads"  # as ingest records paths
        self._write = threading.Lock()
        self.assistant = None
        self.open_error: str | None = None
        self._open()

    def _open(self) -> None:
        """(Re)open the index: after a library change the assistant's summary and examples are rebuilt.

        The embedding model is shared per process (`load_embedder` is cached), so this does not reload it;
        the assistant it replaces is closed (its worker threads let go).
        """
        previous = self.assistant
        try:
            self.assistant = Assistant(self.settings)
            self.open_error = None
        except IndexNotFoundError:
            self.assistant, self.open_error = None, None  # empty library: guidance, not an error
        except IndexMismatchError as exc:
            self.assistant, self.open_error = None, str(exc)
        if previous is not None:
            previous.close()

    def ask(self, question: str, history: list[dict], filters: Filters, authors: list[str] = (),
            top_k: int | None = None) -> Answer:
        """The answer; `authors` narrows `filters` to their articles (ValueError when they wrote none of them)."""
        if self.assistant is None:
            return Answer(question=question, text="", abstained=True, error=self.open_error or EMPTY_GUIDANCE)
        filters = restrict_to_authors(self.assistant.library, filters, authors)
        return query(question, history=history, filters=filters, top_k=top_k, index=self.assistant)  # never raises

    def coverage(self) -> str:
        return self.assistant.coverage() if self.assistant else ""

    def view(self) -> LibraryView:
        try:
            st = stats(self.settings)
        except (IndexNotFoundError, IndexMismatchError) as exc:  # no index yet, or a damaged manifest
            banner = render.status_html(EMPTY_GUIDANCE) if isinstance(exc, IndexNotFoundError) else \
                render.status_html(str(exc), "error")
            return LibraryView(banner, render.library_html([], 0, 0, self.settings.model), [], [], [], [])
        model = st.manifest.get("model", "unknown")
        if self.open_error:  # the index's manifest disagrees with the settings (`check_manifest`'s message)
            banner = render.status_html(self.open_error, "error")
        elif st.n_articles == 0:
            banner = render.status_html(EMPTY_GUIDANCE)
        elif st.vectors or st.vectors_unchecked:  # the vector store lost vectors: keyword search answers alone
            banner = render.status_html(st.vectors.line() if st.vectors else st.vectors_unchecked, "warn")
        else:
            banner = ""
        examples = self.assistant.example_questions(N_EXAMPLES) if self.assistant and st.n_articles else []
        publishers = sorted({a.source for a in st.articles if a.source})
        authors = sorted({a.author for a in st.articles if a.author})
        articles = [(a.title + (f" ({', '.join(x for x in (a.source, a.date) if x)})" if a.source or a.date else ""),
                     a.id) for a in st.articles]
        table = render.library_html(st.articles, st.n_articles, st.n_chunks, model, reprints(st.articles))
        return LibraryView(banner, table, publishers, authors, articles, examples)

    def add_files(self, files: list[str], progress, actor: str = "local") -> AddResult:
        """Check, copy into the index's uploads folder, ingest. Each file is kept under its content's hash, so
        two different files of one name are two articles and the same file again is unchanged; a file that
        gives no article is not kept. The result names the earlier uploads of the same names that the new
        files could replace."""
        problems: list[tuple[str, str]] = []
        accepted: list[Path] = []
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
            dest = self.uploads / sha256_of(src)[:16] / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            accepted.append(dest)
        if not accepted:
            return AddResult(IngestReport(), problems, [])
        with self._write:
            before = self._uploaded()
            report = _ingest(lambda step: ingest(accepted, self.settings, progress=step), progress, "file")
            now = self._uploaded()
            kept = {a.path for a in now}
            for dest in accepted:
                if str(dest) not in kept:
                    self._discard_upload(dest)
            self._open()
            self._log(actor, "article add", report)
        problems += [(Path(p.path).name, p.reason) for p in report.problems]
        new_paths = {a.path for a in now if a.id in report.added}
        new_names = {Path(p).name for p in new_paths}
        earlier = [a for a in before if a.path not in new_paths and Path(a.path).name in new_names]
        return AddResult(report, problems, earlier)

    def add(self, files: list[str], progress, actor: str = "local") -> tuple[str, list[str]]:
        """`add_files` for the page: (the report as HTML, ids of the earlier uploads of the same names)."""
        done = self.add_files(files, progress, actor)
        r = done.report
        report_html = render.upload_report_html(len(r.added), len(r.updated), len(r.unchanged), done.problems,
                                                [(Path(a.path).name, a.title) for a in done.earlier])
        return report_html, [a.id for a in done.earlier]

    def fetch_urls(self, addresses: list[str], progress, actor: str = "local") -> AddResult:
        """Fetch the web pages or PDFs at `addresses` and index them; an address that is no http(s) URL is a
        problem of the result."""
        problems = [(a, "not an http(s) URL") for a in addresses if not is_url(a)]
        urls = [a for a in addresses if is_url(a)]
        if not urls:
            return AddResult(IngestReport(), problems, [])
        with self._write:
            report = _ingest(lambda step: ingest_urls(urls, self.settings, progress=step), progress, "address")
            self._open()
            self._log(actor, "article add", report)
        return AddResult(report, problems + [(p.path, p.reason) for p in report.problems], [])

    def add_urls(self, text: str, progress, actor: str = "local") -> str:
        """`fetch_urls` of the URLs `text` lists (spaces or lines apart), for the page: its report as HTML."""
        done = self.fetch_urls(text.split(), progress, actor)
        r = done.report
        return render.upload_report_html(len(r.added), len(r.updated), len(r.unchanged), done.problems,
                                         noun="address")

    def _log(self, actor: str, action: str, report: IngestReport) -> None:
        if self.audit:
            for article_id in report.added + report.updated:
                self.audit(actor, action, article_id)

    def _uploaded(self) -> list[ArticleSummary]:
        """The library's articles that came from uploads."""
        try:
            articles = stats(self.settings).articles
        except (IndexNotFoundError, IndexMismatchError):
            return []
        return [a for a in articles if a.path and self._is_upload(Path(a.path))]

    def _is_upload(self, path: Path) -> bool:
        return self.uploads.resolve() in path.resolve().parents

    def _discard_upload(self, path: Path) -> None:
        """Delete an uploaded file, and its folder when that is left empty."""
        path.unlink(missing_ok=True)
        if path.parent != self.uploads and not any(path.parent.iterdir()):
            path.parent.rmdir()

    def delete(self, article_id: str, actor: str = "local") -> bool:
        """Remove an article (and its uploaded file); False when it was not in the library."""
        with self._write:
            path = next((a.path for a in stats(self.settings).articles if a.id == article_id), None)
            removed = remove(article_id, self.settings)
            if removed and path and self._is_upload(Path(path)):
                self._discard_upload(Path(path))  # so a later re-index of uploads/ does not bring it back
            self._open()
            if removed and self.audit:
                self.audit(actor, "article remove", article_id)
        return removed

    def remove(self, article_id: str, actor: str = "local") -> str:
        """`delete` for the page: what happened, as HTML."""
        if not article_id:
            return render.status_html("Choose an article to remove.", "warn")
        removed = self.delete(article_id, actor)
        return render.status_html("Removed." if removed else "That article was not in the library.",
                                  "info" if removed else "warn")


def _ingest(run: Callable[..., IngestReport], progress, noun: str) -> IngestReport:
    """Run one ingest (`run(progress_step)`) with its progress on the page. An error that stops it (e.g. a
    model mismatch) becomes the report's one failure, named "every file" or "every address": the app stays up."""
    def step(done: int, total: int, label: str) -> None:
        progress((done, total) if total else None, desc=f"Indexing {label}")

    try:
        return run(step)
    except Exception as exc:
        return IngestReport(failed=[FileProblem(f"every {noun}", str(exc).splitlines()[0])])


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


def build_app(settings: Settings, librarian: Librarian | None = None, accounts: Accounts | None = None) -> gr.Blocks:
    """The whole page; mount it with `page_options()` so the CSS and limits apply. With `accounts` (the server
    passes them when users exist) it is for signed-in users: editing controls only for roles that may edit,
    and a sidebar of the user's saved conversations."""
    lib = librarian or Librarian(settings)
    access = ChatAccess(accounts)

    with gr.Blocks(title="newsrag · ask your articles", analytics_enabled=False) as app:
        plain_history = gr.State([])  # messages with the answer text only, for follow-up questions
        conversation_id = gr.State(None)  # of the conversation shown, once saved (signed-in users only)
        with gr.Sidebar(label="Conversations", open=True, visible=access.signed_in, elem_id="nr-sidebar"):
            whoami = gr.Markdown(elem_id="nr-whoami")
            gr.Button("Sign out", link="/logout", size="sm", elem_id="nr-signout")
            new_btn = gr.Button("New conversation", size="sm", elem_id="nr-new")
            conversations = gr.Radio(label="Your conversations", choices=[], elem_id="nr-conversations")
            delete_btn = gr.Button("Delete this conversation", variant="stop", size="sm", elem_id="nr-delete-conv")
        # The HTTP API is FastAPI's beside the chat (api.server), documented at /docs; Gradio's own "Use via API"
        # footer would describe its internal event endpoints instead, so the footer is off and this links there.
        gr.Markdown("## Ask your news articles\nAnswers quote the articles; every [n] points to its source below. "
                    "[HTTP API](docs)", elem_id="nr-intro")
        banner = gr.HTML()
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                # autoscroll off: Gradio's would show the bottom of an answer's sources; ui/chat.js shows its start.
                chatbot = gr.Chatbot(
                    label="Chat", height=620, elem_id="nr-chat", latex_delimiters=[], allow_tags=False,
                    autoscroll=False, sanitize_html=True, buttons=["copy"], feedback_options=None,
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
                    f_undated = gr.Checkbox(label="Also articles with no date", value=False, elem_id="nr-undated")
                with gr.Accordion("Library", open=True):
                    library = gr.HTML(elem_id="nr-library")
                    # Shown to roles that may edit once the page knows who is signed in (`who`, below).
                    with gr.Row(visible=not access.signed_in, elem_id="nr-remove-row") as remove_row:
                        to_remove = gr.Dropdown(label="Remove an article", choices=[], scale=3)
                        remove_btn = gr.Button("Remove", variant="stop", scale=1, min_width=80)
                    remove_status = gr.HTML()
                with gr.Accordion("Add articles", open=True, visible=not access.signed_in,
                                  elem_id="nr-add-box") as add_box:
                    files = gr.File(label=f"Files ({' '.join(ALLOWED_SUFFIXES)}; {MAX_FILE_MB} MB each)",
                                    file_count="multiple", file_types=list(ALLOWED_SUFFIXES), elem_id="nr-files")
                    add_btn = gr.Button("Add to library", variant="primary", elem_id="nr-add")
                    add_report = gr.HTML(elem_id="nr-add-report")
                    replace_btn = gr.Button(visible=False, elem_id="nr-replace")
                    replace_ids = gr.State([])  # earlier uploads of the same names as the last added files
                    with gr.Row():
                        url_box = gr.Textbox(label="Add by URL (web pages or PDFs; one or more)", scale=4,
                                             min_width=200, max_lines=4, placeholder="https://…",
                                             elem_id="nr-url")
                        url_btn = gr.Button("Fetch", variant="primary", scale=1, min_width=70, elem_id="nr-url-add")
                    url_report = gr.HTML(elem_id="nr-url-report")

        def ask(q, history, plain, sources, article_ids, d_from, d_to, authors=None, undated=False):
            q = (q or "").strip()
            if not q:
                yield history, plain, gr.update(), gr.update()
                return
            history = history + [{"role": "user", "content": render.question_html(q)},
                                 {"role": "assistant", "content": "Searching…"}]
            yield history, plain, "", gr.update()
            try:
                filters = Filters(sources=tuple(sources or ()), article_ids=tuple(article_ids or ()),
                                  date_from=_parse_date(d_from, "From"), date_to=_parse_date(d_to, "To"),
                                  undated=bool(undated))
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

        ask_inputs = [question, chatbot, plain_history, f_sources, f_articles, f_from, f_to, f_authors, f_undated]
        ask_outputs = [chatbot, plain_history, question, markdown]
        asked = [
            question.submit(ask, ask_inputs, ask_outputs, api_name="ask", concurrency_limit=CHAT_CONCURRENCY,
                            concurrency_id="chat"),
            ask_btn.click(ask, ask_inputs, ask_outputs, api_visibility="private",
                          concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat"),
            examples.click(lambda sample: sample[0], examples, question, api_visibility="private").then(
                ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_id="chat")]
        cleared = [clear_btn.click(lambda: ([], [], "", ""), None, [chatbot, plain_history, question, markdown],
                                   api_name="clear"),
                   chatbot.clear(lambda: ([], ""), None, [plain_history, markdown], api_visibility="private")]

        view_outputs = [banner, library, examples, f_sources, f_articles, to_remove, f_authors]

        def show():
            v = lib.view()
            # No "Try" heading over an empty list (an empty library, or one too small to suggest questions).
            return (v.banner, v.table, gr.Dataset(samples=[[q] for q in v.examples], visible=bool(v.examples)),
                    gr.CheckboxGroup(choices=v.publishers), gr.Dropdown(choices=v.articles),
                    gr.Dropdown(choices=v.articles, value=None), gr.CheckboxGroup(choices=v.authors))

        def refused(action: str) -> str:
            return render.status_html(f"Your role may not {action} articles.", "error")

        def add(paths, request: gr.Request, progress=gr.Progress()):
            if not access.may(request, "add"):
                return (refused("add"), None) + show() + (gr.Button(visible=False), [])
            if not paths:
                return (render.status_html("Choose one or more files first.", "warn"), None) + show() + (
                    gr.Button(visible=False), [])
            report, earlier = lib.add(list(paths), progress, access.actor(request))
            label = ("Replace the earlier file of that name" if len(earlier) == 1
                     else f"Replace the {len(earlier)} earlier files of those names")
            return (report, None) + show() + (gr.Button(value=label, visible=bool(earlier)), earlier)

        def replace(article_ids, request: gr.Request):
            if not access.may(request, "remove"):
                return (refused("remove"),) + show() + (gr.Button(visible=False), [])
            for article_id in article_ids:
                lib.remove(article_id, access.actor(request))
            n = len(article_ids)
            done = render.status_html(f"Replaced: the earlier {'file' if n == 1 else f'{n} files'} removed.")
            return (done,) + show() + (gr.Button(visible=False), [])

        def add_by_url(text, request: gr.Request, progress=gr.Progress()):
            if not access.may(request, "add"):
                return (refused("add"), "") + show()
            report = lib.add_urls(text, progress, access.actor(request)) if (text or "").strip() else \
                render.status_html("Paste one or more web addresses first.", "warn")
            return (report, "") + show()

        def drop(article_id, request: gr.Request):
            if not access.may(request, "remove"):
                return (refused("remove"),) + show()
            return (lib.remove(article_id, access.actor(request)),) + show()

        app.load(show, None, view_outputs, api_name="library")
        add_btn.click(add, files, [add_report, files] + view_outputs + [replace_btn, replace_ids], api_name="add",
                      concurrency_limit=1, concurrency_id="write")
        replace_btn.click(replace, replace_ids, [add_report] + view_outputs + [replace_btn, replace_ids],
                          api_name="replace", concurrency_limit=1, concurrency_id="write")
        url_btn.click(add_by_url, url_box, [url_report, url_box] + view_outputs, api_name="add_url",
                      concurrency_limit=1, concurrency_id="write")
        url_box.submit(add_by_url, url_box, [url_report, url_box] + view_outputs, api_visibility="private",
                       concurrency_limit=1, concurrency_id="write")
        remove_btn.click(drop, to_remove, [remove_status] + view_outputs, api_name="remove", concurrency_limit=1,
                         concurrency_id="write")
        if access.signed_in:
            _wire_conversations(access, app, asked, cleared, dict(
                chatbot=chatbot, plain_history=plain_history, conversation_id=conversation_id, markdown=markdown,
                whoami=whoami, remove_row=remove_row, add_box=add_box, conversations=conversations,
                new_btn=new_btn, delete_btn=delete_btn))
    app.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    return app


def _wire_conversations(access: ChatAccess, app: gr.Blocks, asked: list, cleared: list, c: dict) -> None:
    """For signed-in users: who they are and the controls their role allows, shown on load; each answered
    question saves the conversation; the sidebar reopens, starts and deletes the user's own conversations.
    `c`: the components of the page it wires, by name."""
    chat_outputs = [c["chatbot"], c["plain_history"], c["conversation_id"], c["markdown"]]

    def listed(request: gr.Request, value=None):
        return gr.Radio(choices=access.conversations(request), value=value)

    def who(request: gr.Request):
        user = access.user(request)
        shown = f"Signed in as **{user.name}** ({user.role})" if user else "Not signed in"
        return (shown, gr.Row(visible=access.may(request, "remove")), gr.Accordion(visible=access.may(request, "add")),
                listed(request))

    def save(chat, plain, conversation_id, request: gr.Request):
        conversation_id = access.save(request, conversation_id, chat, plain)
        return conversation_id, listed(request, conversation_id)

    def reopen(conversation_id, request: gr.Request):
        saved = access.open(request, conversation_id)
        if saved is None:
            return [], [], None, "", listed(request)
        return saved[0], saved[1], conversation_id, "", gr.update()

    def delete(conversation_id, request: gr.Request):
        access.delete(request, conversation_id)
        return [], [], None, "", listed(request)

    app.load(who, None, [c["whoami"], c["remove_row"], c["add_box"], c["conversations"]], api_visibility="private")
    for event in asked:
        event.then(save, [c["chatbot"], c["plain_history"], c["conversation_id"]],
                   [c["conversation_id"], c["conversations"]], api_visibility="private")
    for event in cleared:
        event.then(lambda: None, None, c["conversation_id"], api_visibility="private")

    def new(request: gr.Request):
        return [], [], None, "", listed(request)

    c["new_btn"].click(new, None, chat_outputs + [c["conversations"]], api_visibility="private")
    c["conversations"].input(reopen, c["conversations"], chat_outputs + [c["conversations"]], api_visibility="private")
    c["delete_btn"].click(delete, c["conversation_id"], chat_outputs + [c["conversations"]], api_visibility="private")


def page_options() -> dict:
    """What `gr.mount_gradio_app` needs for this page: its CSS and script, the theme, the upload cap."""
    # System fonts: nothing to fetch, and no half-loaded web font in some browsers.
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    return {"css": render.CSS, "theme": theme, "js": CHAT_JS, "max_file_size": f"{MAX_FILE_MB}mb",
            "footer_links": [], "show_error": True}
