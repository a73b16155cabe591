"""`python run.py operator add NAME | list | remove NAME`: who may sign in to the console.

The password is read from standard input when it is not a terminal (`echo ... | run.py operator add ana`),
else asked for twice without echo. Only its argon2 hash is stored.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
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


def operator_command(config: Config, action: str, name: str | None, *, stdin: TextIO | None = None,
                     out: TextIO | None = None, err: TextIO | None = None) -> int:
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    if action in ("add", "remove") and not name:
        print(f"operator {action} needs a NAME", file=err)
        return 2
    if action == "add":
        assert name is not None
        problem = auth.name_problem(name)
        password = None if problem else _read_password(stdin)
        if problem is None and password is None:
            problem = "the two passwords differ"
        if problem is None and password is not None:
            problem = auth.password_problem(password)
        if problem is not None or password is None:
            print(f"not added: {problem}", file=err)
            return 2
        hashed = auth.passwords(config).hash(password)
        now = clock_from_environment().now()
        added = asyncio.run(_run(config, lambda store: q.add_operator(store, name, hashed, now)))
        if not added:
            print(f"not added: there is already an operator named {name}", file=err)
            return 1
        print(f"operator {name} added; sign in at {console_url(config)}", file=out)
        return 0
    if action == "remove":
        assert name is not None
        if not asyncio.run(_run(config, lambda store: q.remove_operator(store, name))):
            print(f"no operator named {name}", file=err)
            return 1
        print(f"operator {name} removed (their sessions ended)", file=out)
        return 0
    rows = asyncio.run(_run(config, q.operators))
    if not rows:
        print("no operators yet: .venv/bin/python run.py operator add NAME", file=out)
    for row in rows:
        print(f"{row['name']}  added {row['created_at'][:19].replace('T', ' ')} UTC  "
              f"{row['sessions']} session(s)", file=out)
    return 0


async def _run(config: Config, work: q.Work[q.T]) -> q.T:
    db = await open_storage(config.storage_url, clock_from_environment(), group_commit=False)
    try:
        return await db.run(work)
    finally:
        await db.close()
