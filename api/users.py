"""`/api/v1/users`: admins manage users and their API keys over HTTP, as `rag user` and `rag key` do on the machine.

    curl -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \\
         -d '{"name": "bo", "role": "reader", "password": "a long passphrase"}' http://127.0.0.1:7860/api/v1/users
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from rag.accounts import ROLES, AccountError, Accounts

from api.access import Caller, allowed

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class UserOut(BaseModel):
    name: str
    role: str
    created_at: float


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "bo", "role": "reader", "password": "a long passphrase"}]})
    name: str = Field(max_length=64)
    role: str = Field(description=" | ".join(ROLES))
    password: str = Field(max_length=1_000, description="kept only as a salted scrypt hash")


class NewKey(BaseModel):
    key: str = Field(description="shown this once: only its sha256 is kept")


class RemovedUser(BaseModel):
    removed: str


def accounts(request: Request) -> Accounts:
    return request.app.state.gate.accounts


@router.get("", response_model=list[UserOut], summary="List the users and their roles (admins)")
def list_users(caller: Caller = Depends(allowed("manage users")),
               acc: Accounts = Depends(accounts)) -> list[UserOut]:
    return [UserOut(name=u.name, role=u.role, created_at=u.created_at) for u in acc.users()]


@router.post("", response_model=UserOut, status_code=201, summary="Add a user (admins)")
def add_user(body: NewUser, caller: Caller = Depends(allowed("manage users")),
             acc: Accounts = Depends(accounts)) -> UserOut:
    try:
        user = acc.add_user(body.name, body.role, body.password, actor=caller.name)
    except AccountError as exc:
        raise HTTPException(409 if "already" in str(exc) else 422, str(exc)) from None
    return UserOut(name=user.name, role=user.role, created_at=user.created_at)


@router.delete("/{name}", response_model=RemovedUser, summary="Remove a user, their keys and conversations (admins)")
def remove_user(name: str, caller: Caller = Depends(allowed("manage users")),
                acc: Accounts = Depends(accounts)) -> RemovedUser:
    if not acc.remove_user(name, actor=caller.name):
        raise HTTPException(404, f"no user {name!r}")
    return RemovedUser(removed=name)


@router.post("/{name}/keys", response_model=NewKey, status_code=201, summary="Create an API key for a user (admins)")
def create_key(name: str, caller: Caller = Depends(allowed("manage users")),
               acc: Accounts = Depends(accounts)) -> NewKey:
    try:
        return NewKey(key=acc.create_key(name, actor=caller.name))
    except AccountError as exc:
        raise HTTPException(404, str(exc)) from None
