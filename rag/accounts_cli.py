"""`rag user` and `rag key`: who may sign in to the chat and call the API (see `rag.accounts`).

    rag user add ada --role editor             # asks for the password twice
    printf '%s\\n' "$PW" | rag user add bo --role reader --password-stdin
    rag user list
    rag user remove bo
    rag key create ada                         # prints the key once: keep it
"""

from __future__ import annotations

import argparse
import getpass
import sys

from rag.accounts import ROLES, AccountError, Accounts
from rag.cli import common_options
from rag.settings import Settings


def define_user(user: argparse.ArgumentParser) -> None:
    """add, remove or list the users of the chat and the API"""
    common = common_options()
    users = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    p = users.add_parser("add", parents=[common], help="add a user (asks for the password)")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=list(ROLES),
                   help="reader: ask; editor: also add and remove articles; admin: also manage users")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.set_defaults(handler=run_user_add)
    p = users.add_parser("remove", parents=[common], help="remove a user, their API keys and conversations")
    p.add_argument("name")
    p.set_defaults(handler=run_user_remove)
    p = users.add_parser("list", parents=[common], help="list the users and their roles")
    p.set_defaults(handler=run_user_list)


def define_key(key: argparse.ArgumentParser) -> None:
    """API keys (Bearer tokens) for the HTTP API"""
    common = common_options()
    keys = key.add_subparsers(dest="key_command", required=True, metavar="ACTION")
    p = keys.add_parser("create", parents=[common], help="create an API key for a user; printed once")
    p.add_argument("name")
    p.set_defaults(handler=run_key_create)


def local_actor() -> str:
    """Who the audit log names for a command run on this machine."""
    return f"{getpass.getuser()} (command line)"


def run_user_add(args, settings: Settings) -> int:
    password = _read_password(args.password_stdin)
    user = Accounts.for_settings(settings).add_user(args.name, args.role, password, actor=local_actor())
    print(f"added {user.name} ({user.role}); an API key for them: rag key create {user.name}")
    return 0


def run_user_remove(args, settings: Settings) -> int:
    if Accounts.for_settings(settings).remove_user(args.name, actor=local_actor()):
        print(f"removed {args.name}, their API keys and conversations")
        return 0
    print(f"error: no user {args.name!r}", file=sys.stderr)
    return 1


def run_user_list(args, settings: Settings) -> int:
    users = Accounts.for_settings(settings).users()
    for u in users:
        print(f"{u.name}\t{u.role}")
    if not users:
        print("no users: the chat and the API are open to anyone who can reach them (loopback only); "
              "add one with: rag user add NAME --role admin", file=sys.stderr)
    return 0


def run_key_create(args, settings: Settings) -> int:
    key = Accounts.for_settings(settings).create_key(args.name, actor=local_actor())
    print(key)
    print(f"the API key of {args.name}, shown this once (only its hash is kept): "
          "send it as `Authorization: Bearer <key>`", file=sys.stderr)
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AccountError("no terminal to ask for the password on; pipe it in with --password-stdin")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        raise AccountError("the two passwords differ; nothing was changed")
    return password
