"""Who is calling the API and whether they may: Bearer API keys, roles (`rag.accounts.ROLES`), rate limits.

    @router.post("/ask")
    def ask(caller: Caller = Depends(allowed("ask"))): ...

A route's dependency `allowed(action)` answers 401 (no or unknown key), 403 (the role may not) or 429 (with
Retry-After) before the route runs, so a refused request changes nothing. The chat's sign-in goes through
`Gate.check_password`: a limited number of attempts per user name, one scrypt check at a time. While the library has no users
(or the server runs with `--no-auth`) every caller may do everything, limited per client address.
The limits use the `limits` package's moving window, in memory: one server process holds them.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from rag.accounts import ROLES, Accounts, key_digest
from rag.settings import Settings

# Shown in /docs as the "Authorize" button; auto_error off so a missing key is our one-line 401.
bearer = HTTPBearer(auto_error=False, description="An API key from `rag key create NAME`.")


@dataclass(frozen=True)
class Caller:
    """Who made a request: a user (by API key), or an unsigned caller of an open server."""

    name: str  # the user's name, or "anonymous (ADDRESS)"
    role: str
    limit_key: str  # what the per-key limit counts: a key's hash, or the client's address

    def can(self, action: str) -> bool:
        return action in ROLES.get(self.role, ())


class Gate:
    """The server's accounts and limits; one per app, at `app.state.gate`."""

    def __init__(self, settings: Settings, accounts: Accounts, *, no_auth: bool = False):
        self.accounts = accounts
        self.no_auth = no_auth
        # A sliding window of two counters: O(1) a request whatever the limit. The moving window kept every
        # request's time and cost grew with the limit (0.8 ms a request at 100000/minute, py-spy on bench.api).
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._per_key = parse(settings.api_key_rate)
        self._per_user = parse(settings.api_user_rate)
        self._per_login = parse(settings.login_rate)
        # Sign-in attempts are few, and their limit must be exact: the sliding counter weighs the last window's
        # count by how much of it is left, so 10 failures late in one minute let an attempt through a few seconds
        # into the next. The moving window keeps each attempt's time (10 a name).
        self._login_limiter = MovingWindowRateLimiter(MemoryStorage())
        self._one_check_at_a_time = threading.Lock()  # a password check holds 128 MB (scrypt): never several

    def is_open(self) -> bool:
        """True while anyone may call without a key: `--no-auth`, or no users yet (then loopback only)."""
        return self.no_auth or not self.accounts.has_users()

    def identify(self, request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller:
        if self.is_open():
            where = request.client.host if request.client else "unknown"
            return Caller(f"anonymous ({where})", "admin", f"address {where}")
        if credentials is None:
            raise HTTPException(401, "an API key is required: send `Authorization: Bearer <key>` "
                                     "(create one with `rag key create NAME`)", {"WWW-Authenticate": "Bearer"})
        user = self.accounts.user_for_key(credentials.credentials)
        if user is None:
            raise HTTPException(401, "that API key is not valid (revoked, or its user removed)",
                                {"WWW-Authenticate": "Bearer"})
        return Caller(user.name, user.role, f"key {key_digest(credentials.credentials)}")

    def check_password(self, name: str, password: str) -> bool:
        """The chat's sign-in: whether `password` is `name`'s, within `login_rate` attempts per name."""
        if not self._login_limiter.hit(self._per_login, f"login {name}"):
            return False
        with self._one_check_at_a_time:
            return self.accounts.check_password(name, password) is not None

    def spend(self, caller: Caller) -> None:
        """Count one request of `caller`; 429 with Retry-After when a limit is reached."""
        checks = [(self._per_key, caller.limit_key)]
        if not caller.name.startswith("anonymous"):
            checks.append((self._per_user, f"user {caller.name}"))
        for item, who in checks:
            if not self._limiter.hit(item, who):
                reset = self._limiter.get_window_stats(item, who).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise HTTPException(429, f"too many requests ({item}); try again in {wait} s",
                                    {"Retry-After": str(wait)})


def allowed(action: str):
    """A route dependency: the Caller when they may `action` (a name in `ROLES`), else 401/403/429."""

    # async, so it runs on the event loop: its two SQLite look-ups take less than a hop to the thread pool would
    async def dependency(request: Request,
                         credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Caller:
        gate: Gate = request.app.state.gate
        caller = gate.identify(request, credentials)
        gate.spend(caller)
        if not caller.can(action):
            raise HTTPException(403, f"the role {caller.role} may not {action}; "
                                     f"roles that may: {', '.join(r for r, a in ROLES.items() if action in a)}")
        return caller

    return dependency
