"""`python run.py operator add NAME | list | remove NAME`: who may sign in to the console.

The password is read from standard input when it is not a terminal (`echo ... | run.py operator add ana`),
else asked for twice without echo. Only its argon2 hash is stored.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from dataclasses import dataclass
from typing import TextIO

from bot.clock import clock_from_environment
from bot.config import Config
from bot.console import auth
from bot.console import queries as q
from bot.storage import open_storage


def _read_password(stdin: TextIO) -> str | None:
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Again: ") != first:
        return None
    return first


def console_url(config: Config) -> str:
    if config.public_url:
        return config.public_url.rstrip("/") + "/admin/"
    host = "127.0.0.1" if config.bind in ("0.0.0.0", "::", "") else config.bind
    return f"http://{host}:{config.port}/admin/"


@dataclass(frozen=True)
class Streams:
    stdin: TextIO
    out: TextIO
    err: TextIO


def operator_command(config: Config, action: str, name: str | None, *, stdin: TextIO | None = None,
                     out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`run.py operator add|remove NAME` and `operator list`: the exit status (0 done, 1 refused, 2 misused)."""
    streams = Streams(stdin or sys.stdin, out or sys.stdout, err or sys.stderr)
    if action == "list":
        return _list(config, streams)
    if not name:
        print(f"operator {action} needs a NAME", file=streams.err)
        return 2
    return (_add if action == "add" else _remove)(config, name, streams)


def _new_password(name: str, stdin: TextIO) -> tuple[str | None, str | None]:
    """The password typed twice for a new operator, or why there is none (the name's problem first)."""
    if (problem := auth.name_problem(name)) is not None:
        return None, problem
    password = _read_password(stdin)
    if password is None:
        return None, "the two passwords differ"
    return (None, problem) if (problem := auth.password_problem(password)) is not None else (password, None)


def _add(config: Config, name: str, streams: Streams) -> int:
    password, problem = _new_password(name, streams.stdin)
    if password is None:
        print(f"not added: {problem}", file=streams.err)
        return 2
    hashed = auth.passwords(config).hash(password)
    now = clock_from_environment().now()
    if not asyncio.run(_run(config, lambda store: q.add_operator(store, name, hashed, now))):
        print(f"not added: there is already an operator named {name}", file=streams.err)
        return 1
    print(f"operator {name} added; sign in at {console_url(config)}", file=streams.out)
    return 0


def _remove(config: Config, name: str, streams: Streams) -> int:
    if not asyncio.run(_run(config, lambda store: q.remove_operator(store, name))):
        print(f"no operator named {name}", file=streams.err)
        return 1
    print(f"operator {name} removed (their sessions ended)", file=streams.out)
    return 0


def _list(config: Config, streams: Streams) -> int:
    rows = asyncio.run(_run(config, q.operators))
    if not rows:
        print("no operators yet: .venv/bin/python run.py operator add NAME", file=streams.out)
    for row in rows:
        print(f"{row['name']}  added {row['created_at'][:19].replace('T', ' ')} UTC  "
              f"{row['sessions']} session(s)", file=streams.out)
    return 0


async def _run(config: Config, work: q.Work[q.T]) -> q.T:
    db = await open_storage(config.storage_url, clock_from_environment(), group_commit=False)
    try:
        return await db.run(work)
    finally:
        await db.close()
