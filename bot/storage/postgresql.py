"""The PostgreSQL backend: one database shared by every server (`DATABASE_URL=postgresql://...`).

Each unit of work runs synchronously (flows stay plain functions) on a pooled connection in a worker
thread, as one transaction, SERIALIZABLE unless the caller asks for a snapshot. SERIALIZABLE: whatever
units ran at once, on whichever servers, the outcome is that of some order one after another; a unit
that would break that fails with 40001 (or 40P01, a deadlock) and is run again from the start, on fresh
data (after a few losses, in a lane where such units run one at a time across all servers, so that none
starves). So no outbox row is claimed by two servers and a job is worked once.

A text runs at REPEATABLE READ instead (`snapshot=True`): SERIALIZABLE's predicate locks are pages of
indexes, and texts that read and insert beside each other (new phones, new conversations, new replies
on the same rightmost index pages) made nearly every text a pivot of a dangerous structure and rerun it,
with nothing in common but a page. Under a snapshot two units conflict (40001, rerun) only when both
write one row, so the engine makes every unit write back each conversation it read (`Dialect.
write_touched`): two units about one person, a guest's booking presenting the host's next request while
the host texts at another server, always write that person's row, and one runs again on fresh data.
A text's own phone is locked (`key`: a session advisory lock) before its transaction begins, so its
snapshot holds everything the phone's previous text committed, at whichever server; the record of a send
and its delivery report are keyed by the message's SID the same way, so whichever comes second finds the
other's row.

The executor translates the Store's `?` placeholders into psycopg's `%s` (escaping any literal `%`), once
per distinct statement text.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg import IsolationLevel, errors, sql
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from bot.clock import Clock
from bot.storage.base import MIGRATIONS_ROOT, Dialect, Row, apply_migrations, migration_files
from bot.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

# Connections (and worker threads) per server process (README "Running on several machines": PostgreSQL's
# max_connections must cover this times every process of every machine). A unit's own CPU (psycopg, the
# rules) needs the one GIL the event loop also needs, so threads beyond a few add no texts/s, only more
# units part-way through at once, each waiting its turn for the GIL between round trips: the slowest texts
# are slower (docs/performance.md, "Fewer round trips, fewer threads").
POOL_SIZE = 4
# A unit that loses a conflict runs again after a short random pause (growing to BACKOFF_CAP); after
# FAST_ATTEMPTS it runs in the contended lane (one unit at a time across all servers, under an advisory
# lock taken before its transaction), so that no unit starves behind a crowd of others; after MAX_ATTEMPTS
# it fails.
FAST_ATTEMPTS = 4
MAX_ATTEMPTS = 40
BACKOFF_CAP = 0.05
CONTENDED_LOCK = 0x4169727475  # "Airtu"
# Every server migrating at start-up takes this advisory lock first: one applies, the others find it done.
MIGRATION_LOCK = 0x41697274  # "Airt"
RETRIED = (errors.SerializationFailure, errors.DeadlockDetected)
BEGIN = {IsolationLevel.SERIALIZABLE: sql.SQL("BEGIN ISOLATION LEVEL SERIALIZABLE"),
         IsolationLevel.REPEATABLE_READ: sql.SQL("BEGIN ISOLATION LEVEL REPEATABLE READ")}
# A unit's key lock travels with its BEGIN, and its release with the COMMIT: one round trip each instead of
# two (a text's statements are few, so these were a third of them). The lock statement runs in a
# transaction of its own, ended by the COMMIT after it, so the unit's snapshot is taken after the lock is
# held (a lock statement inside the unit's transaction would take the snapshot while it waited). The key is
# sent as a quoted literal (several statements in one query take no parameters).
KEY_LOCK_THEN = sql.SQL("SELECT pg_advisory_lock(hashtextextended({}, 0)); COMMIT; ")
KEY_UNLOCK = sql.SQL("SELECT pg_advisory_unlock(hashtextextended({}, 0))")

POSTGRESQL = Dialect(
    name="postgresql",
    write_touched=True,
    writes_in_with=True,
    # No arrival order to walk without a column and an index per text: a BRIN index on the time (a few
    # pages, kept by appends) finds the old rows (`db/postgresql/001_initial.sql`).
    forget_replies="DELETE FROM inbound WHERE message_sid IN"
                   " (SELECT message_sid FROM inbound WHERE received_at < ? LIMIT ?)",
    # lower() under the C collation folds ASCII letters only, as SQLite's LIKE does; the Store folds the
    # pattern the same way.
    contains='lower({column} COLLATE "C") LIKE ? ESCAPE \'\\\'',
    clock_now="""to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""",
    clock_ago="""to_char(clock_timestamp() AT TIME ZONE 'UTC' - interval '{seconds} seconds',"""
              """ 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""",
)


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """The Store's SQL for psycopg: literal `%` doubled, `?` placeholders as `%s`. (No `?` may appear
    inside a string literal in Store SQL; none does.)"""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresExecutor:
    """The Store's SQL on one pooled connection, inside the unit's transaction; rows are dicts. One cursor
    serves the whole unit (a cursor per statement costs a fifth more client CPU per statement)."""

    dialect = POSTGRESQL

    def __init__(self, conn: psycopg.Connection[dict[str, Any]]) -> None:
        self._cursor = conn.cursor()

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self._cursor.execute(translate(sql), params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return list(self._cursor.execute(translate(sql), params).fetchall())

    def changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._cursor.execute(translate(sql), params).rowcount


def _run_script(conn: psycopg.Connection[dict[str, Any]], script: str) -> None:
    """One migration file's SQL, whole: the server parses it, so a `;` in a string or a function's $$ body
    ends nothing. Without parameters psycopg sends it by the simple query protocol, which takes several
    statements in one text; they run inside the migration run's transaction."""
    conn.execute(script)


def probe(url: str) -> str | None:
    """Why the server cannot be reached or refuses us (None: it answers)."""
    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("SELECT 1").fetchone()
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


@contextmanager
def read_only_store(url: str, clock: Clock) -> Iterator[Store]:
    """A Store on a connection of its own inside a READ ONLY transaction."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        conn.read_only = True
        with conn.transaction():
            yield Store(PostgresExecutor(conn), clock)


@contextmanager
def _holding(conn: psycopg.Connection[dict[str, Any]], lock: str, unlock: str, key: object | None) -> Iterator[None]:
    """Hold a session advisory lock on `key` (nothing when None) around a transaction: taken before it
    begins, so the transaction's snapshot is taken after the previous holder committed."""
    if key is None:
        yield
        return
    conn.execute(lock, (key,))
    try:
        yield
    finally:
        conn.execute(unlock, (key,))


def _end_failed(conn: psycopg.Connection[dict[str, Any]], key: str | None) -> None:
    """After a unit failed anywhere (its work, its COMMIT, or on the way in): roll back what is open and
    release the key's lock (releasing one not held only warns), so the pooled connection holds nothing. A
    broken connection is left as it is: the pool discards it, and its session's locks end with it."""
    if conn.closed or conn.broken:
        return
    if conn.info.transaction_status != TransactionStatus.IDLE:
        conn.execute("ROLLBACK")
    if key is not None:
        conn.execute(KEY_UNLOCK.format(sql.Literal(key)))


class PostgresStorage:
    dialect = POSTGRESQL

    def __init__(self, url: str, pool: ConnectionPool[psycopg.Connection[dict[str, Any]]], clock: Clock) -> None:
        self.url = url
        self._pool = pool
        self._clock = clock
        self._threads = ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="postgresql")
        self._random = random.Random()

    @classmethod
    async def open(cls, url: str, clock: Clock, *, size: int = POOL_SIZE) -> PostgresStorage:
        def configure(conn: psycopg.Connection[Any]) -> None:
            # Each unit opens its transaction with a BEGIN of its own (`_attempt`), SERIALIZABLE unless it
            # asks for a snapshot.
            conn.autocommit = True
            # A sequential scan locks the whole table against concurrent writers for serialisability, so on
            # small tables (a new service) nearly every pair of units would conflict and one rerun; every
            # query the Store makes has an index, and index scans lock only the pages they read (the
            # PostgreSQL manual's advice, "Serializable Isolation Level").
            conn.execute("SET enable_seqscan = off")

        pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            url, min_size=1, max_size=size, open=False, configure=configure,
            kwargs={"row_factory": dict_row}, name="airtng")
        await asyncio.to_thread(pool.open, wait=True, timeout=10)
        return cls(url, pool, clock)

    async def run(self, work: Callable[[Store], T], *, first: bool = False, key: str | None = None,
                  snapshot: bool = False) -> T:
        """Run the unit on a pooled connection in a worker thread (`first` means nothing here: units do not
        queue behind one another). A caller cancelled before its unit started means it never runs; once
        started it runs to its end."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._run_sync, work, key, snapshot)

    def _run_sync(self, work: Callable[[Store], T], key: str | None, snapshot: bool) -> T:
        isolation = IsolationLevel.REPEATABLE_READ if snapshot else IsolationLevel.SERIALIZABLE
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with self._pool.connection() as conn:
                    if attempt <= FAST_ATTEMPTS:
                        return self._attempt(conn, work, isolation, key)
                    with _holding(conn, "SELECT pg_advisory_lock(%s)", "SELECT pg_advisory_unlock(%s)",
                                  CONTENDED_LOCK):
                        # One contended unit at a time across every server; taken before the unit's key
                        # (a unit holding a key never waits for this lock, so the two cannot deadlock).
                        return self._attempt(conn, work, isolation, key)
            except RETRIED as exc:
                if attempt == MAX_ATTEMPTS:
                    raise
                log.debug("unit of work lost a conflict (%s); running it again", exc.sqlstate)
                # A random pause: two units that collided do not collide again in step.
                time.sleep(self._random.uniform(0, min(BACKOFF_CAP, 0.001 * 2 ** attempt)))
        raise AssertionError("unreachable")

    def _attempt(self, conn: psycopg.Connection[dict[str, Any]], work: Callable[[Store], T],
                 isolation: IsolationLevel, key: str | None) -> T:
        """One transaction of `work`, under the lock on `key` (if any) from before it begins until after it
        ends. The connection is in autocommit mode, so these BEGIN and COMMIT are the only ones."""
        begin: sql.SQL | sql.Composed = BEGIN[isolation]
        end: sql.SQL | sql.Composed = sql.SQL("COMMIT")
        if key is not None:
            begin = KEY_LOCK_THEN.format(sql.Literal(key)) + begin
            end = end + sql.SQL("; ") + KEY_UNLOCK.format(sql.Literal(key))
        try:
            conn.execute(begin)
            result = work(Store(PostgresExecutor(conn), self._clock))
            conn.execute(end)
        except BaseException:
            _end_failed(conn, key)
            raise
        return result

    async def migrate(self, root: Path = MIGRATIONS_ROOT) -> int:
        return await asyncio.to_thread(self._migrate_sync, root)

    def _migrate_sync(self, root: Path) -> int:
        """The run under the migration lock (other servers wait on it) and in one transaction."""
        with self._pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                with conn.transaction():
                    return apply_migrations(PostgresExecutor(conn), functools.partial(_run_script, conn), root,
                                            self._clock)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))

    async def ready(self) -> bool:
        try:
            version = await self.run(lambda store: store.schema_version())
        except psycopg.Error:
            return False
        return version == len(migration_files("postgresql"))

    def background(self) -> list[Coroutine[Any, Any, None]]:
        return []

    async def close(self) -> None:
        await asyncio.to_thread(self._pool.close)
        self._threads.shutdown(wait=False)

