"""The live app through `gradio_client`: cited answers, uploads, eight users at once."""

from __future__ import annotations

import html
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from index import stats

pytestmark = pytest.mark.e2e

gradio_client = pytest.importorskip("gradio_client")

LOPEZ = "What did López Obrador say about fentanyl?"
# Questions from eval/gold/seeds.jsonl
QUESTIONS = [
    LOPEZ,
    "What did Garland say about fentanyl?",
    "Which Sinaloa cartel leader did Mexico extradite to the United States?",
    "Which governor wrote a letter to the president about the border?",
    "Who held up two maps during the press conference?",
]


def _ask(client, question: str) -> tuple[str, str]:
    """The last assistant bubble's HTML and the copy-as-Markdown text."""
    chat, _question_box, markdown = client.predict(question, [], [], [], "", "", api_name="/ask")
    content = chat[-1]["content"]
    if isinstance(content, list):  # a list of {"type": "text", "text": ...} parts
        content = "".join(part.get("text", "") for part in content)
    return content, markdown


def _sources(bubble: str) -> list[tuple[str, str]]:
    """(article id, quote) for each source listed under an answer."""
    ids = re.findall(r'<li class="nr-source" id="[^"]+" data-article="([^"]+)"', bubble)
    quotes = [html.unescape(re.sub(r"</?mark[^>]*>", "", q))  # the answering words are marked inside the quote
              for q in re.findall(r'<blockquote class="nr-quote">(.*?)</blockquote>', bubble, re.S)]
    assert len(ids) == len(quotes)
    return list(zip(ids, quotes))


@pytest.fixture(scope="module")
def client(live_app):
    return gradio_client.Client(live_app.url, verbose=False)


def test_ask_gets_answer_with_linked_citations(client, live_app):
    bubble, markdown = _ask(client, LOPEZ)
    sources = _sources(bubble)
    assert sources, bubble
    by_path = {a.id: a.path for a in stats(live_app.settings).articles}
    cited_files = {by_path[article_id].rsplit("/", 1)[-1][:3] for article_id, _ in sources}
    assert cited_files & {"003", "004"}  # the NYT story or its Boston Globe reprint
    assert any("denied fentanyl is made in Mexico" in quote for _, quote in sources)
    for n in range(1, len(sources) + 1):  # each [n] links to the n-th listed source
        assert re.search(rf'href="#nr-(\w+)-{n}".*id="nr-\1-{n}"', bubble, re.S), n
        assert f"[{n}]" in markdown
    assert "**Sources**" in markdown


def test_unrelated_question_abstains_visibly(client):
    bubble, _ = _ask(client, "What is the boiling point of liquid nitrogen on Jupiter's moons?")
    assert "nr-abstained" in bubble and "Not found in your articles" in bubble
    assert bubble.count("<p>") >= 1  # says what the library covers, never an empty bubble


def test_upload_then_ask_about_it(client, live_app, tmp_path):
    article = tmp_path / "ferry.markdown"  # a suffix the loader reads, so the chat takes it too
    article.write_text(
        "Port Ellery launches a solar-powered ferry\n\n"
        "The harbour town of Port Ellery launched its first solar-powered ferry on Tuesday.\n\n"
        "Harbour master Ingrid Solvang said the ferry, named Sunbeam, carries 40 passengers "
        "and crosses the bay in eleven minutes.\n", encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "half a record', encoding="utf-8")
    result = client.predict([gradio_client.handle_file(str(article)), gradio_client.handle_file(str(broken))],
                            api_name="/add")
    report, library = result[0], result[3]
    assert "Added 1" in report, report
    assert "broken.json" in report  # the malformed file is listed with its reason
    assert not list((live_app.settings.index_dir / "uploads").rglob("broken.json"))  # and not kept
    assert "Port Ellery launches a solar-powered ferry" in library
    new_id = next(a.id for a in stats(live_app.settings).articles if a.path and a.path.endswith("ferry.markdown"))

    bubble, _ = _ask(client, "How many passengers does the Sunbeam ferry carry?")
    sources = _sources(bubble)
    assert any(article_id == new_id and "40 passengers" in quote for article_id, quote in sources), bubble


def test_eight_users_five_questions_each_get_cited_answers(client, live_app):
    """Under load every answer is cited and identical to the answer the same question gets alone."""
    alone = {q: _sources(_ask(client, q)[0]) for q in QUESTIONS}
    assert all(alone.values()), alone
    assert any("denied fentanyl is made in Mexico" in quote for _, quote in alone[LOPEZ])

    def user(k: int) -> list[tuple[str, list, float]]:
        c = gradio_client.Client(live_app.url, verbose=False)
        out = []
        for i in range(len(QUESTIONS)):
            question = QUESTIONS[(k + i) % len(QUESTIONS)]
            began = time.perf_counter()
            out.append((question, _sources(_ask(c, question)[0]), time.perf_counter() - began))
        return out

    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        results = [r for rs in pool.map(user, range(8)) for r in rs]
    wall = time.perf_counter() - began
    assert len(results) == 40
    for question, sources, _ in results:
        assert sources == alone[question], question
    latencies = sorted(t for *_, t in results)
    print(f"40 questions from 8 users in {wall:.1f} s; latency p50 {statistics.median(latencies):.2f} s, "
          f"max {latencies[-1]:.2f} s")


def test_library_tags_the_reprint_and_lists_articles_without_unknown_publishers(client, live_app):
    _banner, table, _examples, _publishers, articles, _remove, _authors = client.predict(api_name="/library")
    by_path = {a.path.rsplit("/", 1)[-1][:3]: a for a in stats(live_app.settings).articles if a.path}
    rows = re.findall(r'<td class="nr-lib-title">(.*?)</td>', table, re.S)
    tagged = {html.unescape(re.sub(r"<.*", "", r, flags=re.S)) for r in rows if "nr-copy-tag" in r}
    assert by_path["003"].title in tagged  # the Boston Globe reprint of the New York Times story
    assert by_path["004"].title not in tagged  # the original
    labels = [c[0] if isinstance(c, (list, tuple)) else c for c in articles["choices"]]
    assert labels and not any("unknown" in label for label in labels), labels
    assert f"{by_path['003'].title} (The Boston Globe)" in labels
    assert by_path["004"].title in labels  # no publisher, no date: the headline alone


def test_server_prints_its_address_and_no_public_link_advice(client, live_app):
    deadline = time.monotonic() + 10  # the line follows the server's start by a moment
    while "ready at" not in (log := live_app.log.read_text(encoding="utf-8")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"newsrag chat ready at http://127.0.0.1:{live_app.settings.port}/" in log, log
    assert "share=True" not in log and "public link" not in log, log
