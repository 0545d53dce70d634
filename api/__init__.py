"""The newsrag server: the chat and a documented HTTP API on one port.

    rag serve --index .rag/index                    # http://127.0.0.1:7860/ (chat), /docs (API), /v1 (OpenAI)

    >>> from rag.settings import Settings, force_offline
    >>> force_offline()
    >>> from api.server import build_server, serve
    >>> serve(Settings.load(overrides={"index_dir": ".rag/index"}))

Modules: `api.server` assembles the FastAPI app and mounts the Gradio chat on it; `api.rest` is `/api/v1`;
`api.openai_compat` is `/v1` (OpenAI chat completions); `api.users` is `/api/v1/users` (admins); `api.access` says who calls and whether they may;
`api.body_limit` caps request bodies; `api.errors` gives every refusal one JSON shape; `api.docs` serves
`/docs` without a CDN.
"""
