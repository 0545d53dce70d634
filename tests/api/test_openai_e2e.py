"""The real `openai` client against `/v1` of a real `rag serve`: streamed and not, models, refusals."""

from __future__ import annotations

import openai
import pytest

from rag import query

pytestmark = pytest.mark.e2e

LOPEZ = "What did López Obrador say about fentanyl?"


def _client(server, who: str = "reader", key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "v1", api_key=key or server.keys[who], max_retries=0, timeout=120)


def test_a_completion_is_the_answer_with_its_sources(signed_in_server):
    reply = _client(signed_in_server).chat.completions.create(
        model="newsrag", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": LOPEZ}])
    answer = query(LOPEZ, index=signed_in_server.settings)
    content = reply.choices[0].message.content
    assert content == answer.to_markdown() and "[1]" in content and "**Sources**" in content
    assert reply.choices[0].finish_reason == "stop" and reply.model == "newsrag"
    citations = reply.model_extra["citations"]
    assert [c["quote"] for c in citations] == [c.quote for c in answer.citations]
    assert citations[0]["article_id"] == answer.citations[0].article_id


def test_a_streamed_completion_adds_up_to_the_same_message(signed_in_server):
    client = _client(signed_in_server)
    whole = client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": LOPEZ}])
    chunks = list(client.chat.completions.create(model="newsrag", stream=True,
                                                 messages=[{"role": "user", "content": LOPEZ}]))
    assert len(chunks) > 3 and chunks[0].choices[0].delta.role == "assistant"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert streamed == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"] == whole.model_extra["citations"]


def test_a_follow_up_uses_the_conversation(signed_in_server):
    client = _client(signed_in_server)
    first = client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": LOPEZ}])
    follow = client.chat.completions.create(model="newsrag", messages=[
        {"role": "user", "content": LOPEZ}, {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": "What did he say about the United States?"}]}])
    assert "López Obrador" in (follow.model_extra["newsrag"]["resolved_question"] or "")


def test_models_and_refusals(signed_in_server):
    client = _client(signed_in_server)
    assert [m.id for m in client.models.list()] == ["newsrag"]
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": LOPEZ}])
    with pytest.raises(openai.AuthenticationError, match="not valid"):
        _client(signed_in_server, key="nrk_wrong").chat.completions.create(
            model="newsrag", messages=[{"role": "user", "content": LOPEZ}])
    with pytest.raises(openai.UnprocessableEntityError, match="non-empty user message"):
        client.chat.completions.create(model="newsrag", messages=[{"role": "assistant", "content": "Hi"}])
