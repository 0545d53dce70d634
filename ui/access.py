"""Who is using the chat, what their role lets them do, and their saved conversations.

    >>> access = ChatAccess(accounts)            # the server passes Accounts when users exist, else None
    >>> access.may(request, "remove")            # request: the gr.Request of an event
    >>> access.save(request, None, chat, plain)  # -> the conversation's id

Without accounts (no users, or `--no-auth`) nobody signs in and everyone may do everything, as before
sign-in existed. With them Gradio's sign-in has set `request.username`; every check reads the role from
`Accounts` at the moment of the event, so a removed user can do nothing more, even on an open page.
"""

from __future__ import annotations

import gradio as gr

from rag.accounts import Accounts, User
from rag.store import DatabaseReadOnlyError

TITLE_CHARS = 80


class ChatAccess:
    def __init__(self, accounts: Accounts | None):
        self.accounts = accounts

    @property
    def signed_in(self) -> bool:
        """Whether this chat asks for sign-in (and so has roles and saved conversations)."""
        return self.accounts is not None

    def user(self, request: gr.Request | None) -> User | None:
        name = getattr(request, "username", None)
        return self.accounts.user(name) if self.accounts and name else None

    def may(self, request: gr.Request | None, action: str) -> bool:
        if self.accounts is None:
            return True
        user = self.user(request)
        return user is not None and user.can(action)

    def actor(self, request: gr.Request | None) -> str:
        """Who the audit log names: the user, or the address of an unsigned visitor."""
        if user := self.user(request):
            return user.name
        client = getattr(request, "client", None)
        return f"anonymous ({getattr(client, 'host', None) or 'unknown'})"

    def conversations(self, request: gr.Request | None) -> list[tuple[str, str]]:
        """(title, id) of the user's conversations, newest first."""
        user = self.user(request)
        return [(c.title, c.id) for c in self.accounts.conversations(user.name)] if user else []

    def save(self, request: gr.Request | None, conversation_id: str | None, chat: list, plain: list) -> str | None:
        """Store the conversation shown (`chat`: the bubbles; `plain`: the texts for follow-ups); its id."""
        user = self.user(request)
        if user is None or not plain:
            return conversation_id
        title = next((m["content"] for m in plain if m["role"] == "user"), "Conversation")
        title = title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1] + "…"
        try:
            return self.accounts.save_conversation(user.name, conversation_id, title, {"chat": chat, "plain": plain})
        except DatabaseReadOnlyError:  # a chat host on a read replica answers; its conversations are not kept
            return conversation_id

    def open(self, request: gr.Request | None, conversation_id: str) -> tuple[list, list] | None:
        """(chat, plain) of one of the user's conversations; None when it is not theirs or gone."""
        user = self.user(request)
        saved = self.accounts.conversation(user.name, conversation_id) if user and conversation_id else None
        return (saved["chat"], saved["plain"]) if saved else None

    def delete(self, request: gr.Request | None, conversation_id: str | None) -> bool:
        user = self.user(request)
        try:
            return bool(user and conversation_id and self.accounts.delete_conversation(user.name, conversation_id))
        except DatabaseReadOnlyError:
            return False
