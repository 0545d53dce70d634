"""`/v1/chat/completions` and `/v1/models`: newsrag as a model any OpenAI client can use (Open WebUI, `openai`).

    from openai import OpenAI
    client = OpenAI(base_url="http://127.0.0.1:7860/v1", api_key=KEY)
    reply = client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": QUESTION}])
    reply.choices[0].message.content          # the answer with [n] markers, then a Markdown list of sources
    reply.citations                           # the structured citations (an extra field), as in /api/v1/ask

The last user message is the question and the earlier user and assistant messages its history; system
messages are ignored (the answer is extracted from the articles, not generated). With `stream: true` the
message comes as server-sent events, a few words at a time, and the last chunk carries the citations.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from typing import Iterator

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.types import Answer, Filters

from api.access import Caller, allowed
from api.rest import LOPEZ, answer_of, librarian
from ui.app import Librarian

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])
MODEL = "newsrag"
STARTED = int(time.time())
WORDS_PER_CHUNK = 4  # what one streamed event carries: the answer is ready at once, so this only paces the display


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field(pattern="^(system|developer|user|assistant|tool)$")
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class ChatRequest(BaseModel):
    # Sampling options (temperature, max_tokens, ...) are accepted and ignored: answers are extracted.
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": MODEL, "messages": [{"role": "user", "content": LOPEZ}]},
        {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": LOPEZ}]}]})
    model: str
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    top_k: int | None = Field(default=None, ge=1, le=20, description="newsrag: at most this many citations")


@router.get("/models", summary="The one model: newsrag")
def models(caller: Caller = Depends(allowed("ask"))) -> dict:
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": STARTED, "owned_by": "newsrag"}]}


@router.post("/chat/completions", summary="Answer the last user message, OpenAI style (streamed or not)",
             description="The message is the answer with [n] markers and a Markdown source list; the extra "
                         "field `citations` holds the structured citations (as in /api/v1/ask).")
async def chat_completions(body: ChatRequest, caller: Caller = Depends(allowed("ask")),
                           lib: Librarian = Depends(librarian)):
    if body.model != MODEL:
        raise HTTPException(404, f"the model {body.model!r} does not exist; use {MODEL!r}")
    turns = [(m.role, m.text()) for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise HTTPException(422, "messages: the last user or assistant message must be a non-empty user message")
    history = [{"role": role, "content": text} for role, text in turns[:-1]]
    answer = await answer_of(lib, turns[-1][1].strip(), history, Filters(), top_k=body.top_k)
    content = answer.error or answer.to_markdown()
    citations = [asdict(c) for c in answer.citations]
    reply_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        return StreamingResponse(_events(reply_id, created, content, citations), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})
    return JSONResponse({"id": reply_id, "object": "chat.completion", "created": created, "model": MODEL,
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                      "finish_reason": "stop"}],
                         "citations": citations, "newsrag": _about(answer)})


def _events(reply_id: str, created: int, content: str, citations: list[dict]) -> Iterator[str]:
    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        event = {"id": reply_id, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(event, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    words = content.split(" ")
    for i in range(0, len(words), WORDS_PER_CHUNK):
        yield chunk({"content": " ".join(words[i:i + WORDS_PER_CHUNK]) + (" " if i + WORDS_PER_CHUNK < len(words)
                                                                            else "")})
    yield chunk({}, "stop", citations=citations)
    yield "data: [DONE]\n\n"


def _about(answer: Answer) -> dict:
    """What an OpenAI reply has no field for: the answer's kind and confidence."""
    return {"kind": answer.kind, "confidence": answer.confidence, "resolved_question": answer.resolved_question}
