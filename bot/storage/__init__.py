"""Storage behind one seam: `open_storage(url, clock)` returns the backend the URL names.

A path (or `sqlite:///path`) is the embedded SQLite file, the default; `postgresql://...` is a PostgreSQL
shared by several servers. Only this package imports a database driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.storage.base import Dialect, Executor, Row, Storage, migration_files

if TYPE_CHECKING:
    from bot.store import Store

__all__ = ["Dialect", "Executor", "Row", "Storage", "describe", "is_postgresql", "migration_files",
           "open_storage", "probe", "read_only_store", "sqlite_path"]


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> str:
    """The file a SQLite URL names (`sqlite:///abs/path`, `sqlite:relative`, or a plain path)."""
    for prefix in ("sqlite://", "sqlite:"):
        if url.startswith(prefix):
            return url[len(prefix):]
    return url


def describe(url: str) -> str:
    """The database as an operator may read it in a log: a SQLite path, or PostgreSQL's host and database
    without the user or password."""
    if not is_postgresql(url):
        return sqlite_path(url)
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    # The port it connects to, PostgreSQL's default when the URL names none: what an operator checks first.
    return f"postgresql://{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


def probe(url: str) -> str | None:
    """Why the database cannot be opened, in one line, or None when it can: asked before start-up goes on,
    with a plain connection (nothing threaded or pooled that could hide the error)."""
    if is_postgresql(url):
        from bot.storage.postgresql import probe as postgresql_probe

        problem = postgresql_probe(url)
    else:
        from bot.storage.sqlite import probe as sqlite_probe

        problem = sqlite_probe(sqlite_path(url))
    return None if problem is None else f"cannot open the database {describe(url)}: {problem}"


@contextmanager
def read_only_store(url: str, clock: Clock) -> Iterator[Store | None]:
    """A Store on a read-only connection, for operators' reports: it never migrates or changes anything
    (None: there is no SQLite file at that path)."""
    if is_postgresql(url):
        from bot.storage.postgresql import read_only_store as postgresql_store

        with postgresql_store(url, clock) as store:
            yield store
    else:
        from bot.storage.sqlite import read_only_store as sqlite_store

        with sqlite_store(sqlite_path(url), clock) as found:
            yield found


async def open_storage(url: str, clock: Clock, *, group_commit: bool = True, migrate: bool = True) -> Storage:
    """Connect to the database `url` names and, unless told not to, bring its schema up to date (several
    servers starting at once migrate once: SQLite under its file lock, PostgreSQL under an advisory lock)."""
    storage: Storage
    if is_postgresql(url):
        from bot.storage.postgresql import PostgresStorage

        storage = await PostgresStorage.open(url, clock)
    else:
        from bot.storage.sqlite import SqliteStorage

        storage = await SqliteStorage.open(sqlite_path(url), clock, group_commit=group_commit, migrate=False)
    if migrate:
        try:
            await storage.migrate()
        except BaseException:
            await storage.close()
            raise
    return storage
