"""HTML for the chat: answers with linked sources, abstentions, the library panel, upload results.

Everything that comes from an article, a file name or the user goes through
`html.escape` here, and nothing else in `ui/` builds HTML. The answer HTML has no
blank lines, so the Chatbot's Markdown renderer treats it as one raw HTML block
and never reinterprets article text as Markdown.

    >>> from rag.types import Answer
    >>> answer_html(Answer(question="q", text="Nothing.", abstained=True), uid="a1")[:36]
    '<div class="nr-answer nr-abstained">'
"""

from __future__ import annotations

import html
import re
from typing import Iterable

from rag.types import NOT_STATED, NOT_STATED_LEAD, Answer, Citation

MARKER = re.compile(r"\[(\d+)\]")
NOT_FOUND = "Not found in your articles"
NOT_STATED_HEAD = "Not stated directly in your articles"


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _meta(source: str | None, date: str | None) -> str:
    return " · ".join(_e(x) for x in (source, date) if x)


def _linked_text(text: str, numbers: set[int], uid: str) -> str:
    """Escape `text`, turn each known [n] into a link to source n, keep paragraphs."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    out = []
    for para in paragraphs:
        escaped = _e(para).replace("\n", "<br>")

        def link(m: re.Match) -> str:
            n = int(m.group(1))
            if n not in numbers:
                return m.group(0)
            return f'<a class="nr-marker" href="#nr-{uid}-{n}" title="Source {n}">[{n}]</a>'

        out.append(f"<p>{MARKER.sub(link, escaped)}</p>")
    return "".join(out)


def _passage_html(c: Citation) -> str:
    """The passage with the quoted sentence in <mark>; the quote alone if the passage lacks it."""
    at = c.passage.find(c.quote) if c.quote else -1
    if at < 0:
        return f"<mark>{_e(c.quote)}</mark>" + (f"<br><br>{_e(c.passage)}" if c.passage else "")
    before, after = c.passage[:at], c.passage[at + len(c.quote):]
    return f"{_e(before)}<mark>{_e(c.quote)}</mark>{_e(after)}".replace("\n", "<br>")


def _quote_html(c: Citation) -> str:
    """The quote, escaped, with the words that answer the question (its highlight) in <mark>."""
    before, marked, after = c.quote_parts()
    return _e(before) + (f'<mark class="nr-hl">{_e(marked)}</mark>' if marked else "") + _e(after)


def _source_html(c: Citation, uid: str) -> str:
    also = ""
    if c.also_in:
        copies = "; ".join(
            f"<cite>{_e(k.title)}</cite>" + (f" ({_meta(k.source, k.date)})" if k.source or k.date else "")
            for k in c.also_in
        )
        also = f'<div class="nr-also">also in {copies}</div>'
    meta = " · ".join(x for x in (_meta(c.source, c.date), f"p. {c.page}" if c.page else "") if x)
    title = f'<cite class="nr-title">{_e(c.title)}</cite>'
    if c.url and c.url.lower().startswith(("http://", "https://")):  # never a javascript: or data: link
        title = f'<a class="nr-link" href="{_e(c.url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    return (
        f'<li class="nr-source" id="nr-{uid}-{c.number}" data-article="{_e(c.article_id)}">'
        f'<span class="nr-num">[{c.number}]</span>'
        f'<div class="nr-body">'
        f'<div class="nr-head">{title}'
        + (f' <span class="nr-meta">{meta}</span>' if meta else "")
        + "</div>"
        f'<blockquote class="nr-quote">{_quote_html(c)}</blockquote>'
        f"{also}"
        f'<details class="nr-details"><summary>Show passage</summary>'
        f'<div class="nr-passage">{_passage_html(c)}</div></details>'
        f"</div></li>"
    )


def answer_html(answer: Answer, uid: str, coverage: str = "") -> str:
    """The assistant's chat bubble: the answer with [n] links and its sources list.

    Abstentions get their own look ("Not found in your articles" and what the
    library covers); errors say what went wrong. Never returns an empty bubble.
    """
    if answer.error:
        return (
            '<div class="nr-answer nr-error"><strong>Could not answer.</strong>'
            f"<p>{_e(answer.error)}</p></div>"
        )
    numbers = {c.number for c in answer.citations}
    sources = "".join(_source_html(c, uid) for c in answer.citations)
    # What the question's time words searched ("in October 2023", "the latest"), so the reader sees why.
    searched = f'<div class="nr-searched">{_e(answer.searched)}</div>' if answer.searched else ""
    if answer.kind == NOT_STATED and answer.citations:
        # The closest sentences, not an answer: said first, in a calm style of its own.
        rest = " ".join(answer.text.replace(NOT_STATED_LEAD, "").split())
        return (
            f'<div class="nr-answer nr-not-stated">{searched}<strong>{NOT_STATED_HEAD}.</strong>'
            f'{_linked_text(rest, numbers, uid)}'
            f'<div class="nr-sources-label">Closest passages</div><ol class="nr-sources">{sources}</ol></div>'
        )
    if answer.abstained or not answer.citations:
        text = answer.text.strip() or (f"Your library covers: {coverage}" if coverage else "")
        body = "".join(f"<p>{_e(p.strip())}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())
        return f'<div class="nr-answer nr-abstained">{searched}<strong>{NOT_FOUND}.</strong>{body}</div>'
    return (
        f'<div class="nr-answer">{searched}{_linked_text(answer.text, numbers, uid)}'
        f'<div class="nr-sources-label">Sources</div><ol class="nr-sources">{sources}</ol></div>'
    )


def question_html(question: str) -> str:
    """The user's chat bubble: their question as text, whatever markup it holds."""
    return f'<div class="nr-question">{_e(question).replace(chr(10), "<br>")}</div>'


def partial_html(text: str) -> str:
    """A streaming preview of the answer text (markers not yet linked)."""
    return f'<div class="nr-answer nr-streaming">{_linked_text(text, set(), "")}</div>'


def status_html(message: str, kind: str = "info") -> str:
    """A one-line banner: `kind` is info, warn or error."""
    return f'<div class="nr-banner nr-{_e(kind)}">{_e(message)}</div>'


def library_html(articles: Iterable, n_articles: int, n_chunks: int, model: str, copies: set[str] = frozenset()) -> str:
    """The library table: headline, publisher, date, chunks, with totals and the model; the articles whose ids
    are in `copies` (syndicated reprints, `index.dedupe.reprints`) are tagged "copy"."""
    rows = "".join(
        "<tr>"
        f'<td class="nr-lib-title">{_e(a.title)}'
        + ('<span class="nr-copy-tag" title="a syndicated copy of another article">copy</span>'
           if a.id in copies else "")
        + (f'<div class="nr-lib-meta">{_meta(a.source, a.date)}</div>' if a.source or a.date else "")
        + f'</td><td class="nr-num-col">{a.chunks}</td></tr>'
        for a in articles
    )
    totals = f"{n_articles} article{'s' if n_articles != 1 else ''} · {n_chunks} chunks · model {_e(model)}"
    if not rows:
        return f'<div class="nr-library"><p class="nr-totals">{totals}</p></div>'
    return (
        f'<div class="nr-library"><p class="nr-totals">{totals}</p>'
        '<div class="nr-table-wrap"><table><thead><tr><th>Headline · publisher · date</th>'
        f'<th class="nr-num-col">Chunks</th></tr></thead><tbody>{rows}</tbody></table></div></div>'
    )


_PLURALS = {"file": "files", "address": "addresses"}


def upload_report_html(added: int, updated: int, unchanged: int, problems: Iterable[tuple[str, str]],
                       same_names: Iterable[tuple[str, str]] = (), noun: str = "file") -> str:
    """What an upload (or an add by URL, `noun="address"`) did, with one line per input that failed and why,
    and one per new file whose name an earlier upload (`same_names`: file name, that article's title) already had."""
    problems, same_names = list(problems), list(same_names)
    head = f"Added {added}, updated {updated}, unchanged {unchanged}."
    clash = "".join(
        f'<p class="nr-same-name"><code>{_e(name)}</code> is a different file from the earlier '
        f"<code>{_e(name)}</code> (<cite>{_e(title)}</cite>): both are kept.</p>" for name, title in same_names)
    if not problems:
        return f'<div class="nr-upload nr-ok">{head}{clash}</div>'
    items = "".join(f"<li><code>{_e(name)}</code>: {_e(reason)}</li>" for name, reason in problems)
    return (
        f'<div class="nr-upload nr-warn">{head} {len(problems)} {noun if len(problems) == 1 else _PLURALS[noun]} '
        f"not indexed:<ul>{items}</ul>{clash}</div>"
    )


CSS = """
/* The "Chat" label and the chat's buttons get a strip of their own above the messages instead of floating
   over them; the scroll-down button moves into that strip (ui/chat.js scrolls each new answer into view). */
#nr-chat > .wrapper > label.float { position: static; margin: var(--block-label-margin); flex: none; }
#nr-chat > .wrapper > [role=log] { flex: 1 1 0; min-height: 0; height: auto; padding-top: var(--spacing-md); }
#nr-chat .scroll-down-button-container { top: 1px; bottom: auto; left: auto; right: 36px; transform: none; }
#nr-chat .scroll-down-button-container button { width: 24px; height: 24px; padding: 2px; box-shadow: none; }
#nr-chat .message-row.bot-row { max-width: calc(100% - 24px); }
@media (max-width: 640px) {
  #nr-chat .message-row { margin-left: 6px; margin-right: 6px; max-width: calc(100% - 12px); }
}
.nr-answer p { margin: 0 0 .5em 0; }
.nr-marker { font-weight: 600; text-decoration: none; color: var(--color-accent, #2563eb);
  background: var(--color-accent-soft, #eef2ff); border-radius: 4px; padding: 0 2px; }
.nr-sources-label { margin-top: .75em; font-size: .8em; font-weight: 700; text-transform: uppercase;
  letter-spacing: .05em; opacity: .75; }
ol.nr-sources { list-style: none; padding: 0; margin: .3em 0 0 0; }
li.nr-source { display: flex; gap: .5em; padding: .5em 0; border-top: 1px solid var(--border-color-primary, #ddd);
  margin: 0; }
li.nr-source.nr-picked { background: var(--color-accent-soft, #eef2ff); }
.nr-num { font-weight: 700; color: var(--color-accent, #2563eb); flex: none; min-width: 2em; }
.nr-body { min-width: 0; flex: 1; overflow-wrap: anywhere; }
.nr-answer cite { font-family: inherit; font-size: 1em; font-style: normal; }
.nr-title { font-weight: 600; font-size: .95em; }
.nr-link { color: inherit; text-decoration: underline dotted; }
.nr-head { font-size: 1em; line-height: 1.35; }
.nr-meta { font-size: .85em; opacity: .8; white-space: nowrap; }
blockquote.nr-quote { margin: .3em 0; padding: 0 0 0 .6em; border-left: 3px solid #f2c94c; font-style: italic; }
.nr-also { font-size: .85em; opacity: .85; }
.nr-also cite { font-style: normal; }
details.nr-details summary { cursor: pointer; font-size: .85em; color: var(--color-accent, #2563eb); }
.nr-passage { margin-top: .3em; padding: .5em; border-radius: 6px; font-size: .9em; line-height: 1.5;
  background: var(--background-fill-secondary, #f7f7f7); }
.nr-passage mark, .nr-answer mark { background: #ffe066; color: #111; padding: 0 1px; border-radius: 2px; }
.nr-abstained { border-left: 4px solid #9ca3af; padding-left: .6em; }
.nr-not-stated { border-left: 4px solid #93c5fd; padding-left: .6em; }
.nr-searched { font-size: .85em; color: #4b5563; margin-bottom: .35em; }
.nr-not-stated > strong { display: block; margin-bottom: .2em; color: #1e40af; }
mark.nr-hl { background: #fde68a; color: inherit; font-style: normal; font-weight: 600; padding: 0 1px; }
.nr-abstained strong { display: block; margin-bottom: .3em; }
.nr-error { border-left: 4px solid #dc2626; padding-left: .6em; }
.nr-streaming { opacity: .85; }
.nr-banner { padding: .6em .8em; border-radius: 6px; margin: 0; }
.nr-banner.nr-info { background: var(--color-accent-soft, #eef2ff); }
.nr-banner.nr-warn { background: #fff4d6; color: #5c4400; }
.nr-banner.nr-error { background: #fde2e2; color: #7f1d1d; }
.nr-totals { margin: 0 0 .4em 0; font-weight: 600; }
.nr-table-wrap { overflow-x: auto; }
.nr-library table { width: 100%; border-collapse: collapse; font-size: .85em; border: none; margin: 0; }
.nr-library th, .nr-library td { text-align: left; padding: .3em .35em; vertical-align: top; border: none;
  border-bottom: 1px solid var(--border-color-primary, #ddd); }
.nr-lib-meta { font-size: .9em; opacity: .75; }
.nr-library tr { border: none !important; }
.nr-library th { font-weight: 700; opacity: .8; }
.nr-num-col { text-align: right !important; }
.nr-copy-tag { white-space: nowrap; margin-left: .4em; font-size: .75em; padding: 0 .3em; border-radius: 3px;
  background: var(--background-fill-secondary, #eee); }
.nr-upload ul { margin: .3em 0 0 1.2em; }
.nr-upload.nr-warn { color: #7a4d00; }
"""
