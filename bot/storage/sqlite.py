"""The SQLite backend (the embedded default): the connection, forward-only migrations (`db/sqlite/`), and
units of work with group commit.

A unit of work is a plain function of a `Store`. Units run on the event loop, a batch at a time, inside a
transaction that is begun and committed on aiosqlite's database thread: the waits (another process's
writer, the fsync) block nobody, and the statements themselves, microseconds each on cached pages, do not
pay for a hop between threads or for winning the GIL back after every statement (see docs/performance.md).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.clock import Clock
from bot.storage.base import MIGRATIONS_ROOT, Dialect, Row, apply_migrations, migration_files
from bot.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH = 64
PAGE_CACHE_KIB = 32 * 1024
# The checkpointer's pace, and the WAL size (in pages) at which a COMMIT copies what is left itself.
CHECKPOINT_SECONDS = 0.1
AUTO_CHECKPOINT_PAGES = 4000  # ~16 MiB of WAL


_PRAGMAS = (
    # First: several servers opening a new file at once wait for each other's switch to WAL.
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    # FULL: every acknowledged webhook is on disk before the 200 goes out.
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    # Each unit of work runs in a SAVEPOINT, so SQLite keeps the pages it changes in a statement
    # journal to roll back to: in memory rather than spilled to a temporary file (~10% of a text's
    # CPU, see docs/performance.md). Durability is the WAL's business and does not change.
    "PRAGMA temp_store=MEMORY",
    # 32 MiB of page cache instead of SQLite's 2: with 1,000,000 reservations the indexes a text
    # walks no longer fit in 2 MiB, and every page missed is a read on the event loop. Measured in
    # docs/performance.md: p99 at scale within 1.35x of the small world again, for ~30 MB more RSS.
    f"PRAGMA cache_size=-{PAGE_CACHE_KIB}",
    # SQLite's own checkpoint runs inside the COMMIT that takes the WAL past this, and every webhook
    # of the batch waits for it; the `Checkpointer` leaves it little to do (see there).
    f"PRAGMA wal_autocheckpoint={AUTO_CHECKPOINT_PAGES}",
)


class _WriterLock:
    """An exclusive lock on `<database>.lock`, held by the process whose transaction is open.

    SQLite already lets one writer in at a time, but a process that finds the database busy polls it,
    sleeping 1, 2, 5, 10... ms between tries: with several worker processes that turns into long tail
    latencies. Waiting on flock instead, the kernel wakes the next writer the moment the lock is free.
    Taken and released on the database thread only."""

    def __init__(self, path: Path | None) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if path is not None else None

    def acquire(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass(eq=False)
class _Unit:
    """One unit of work waiting in the queue, or run in a batch."""

    work: Callable[[Store], Any]
    done: asyncio.Future[Any]
    abandoned: bool = False  # its caller was cancelled before it ran: skip it
    result: Any = None
    error: BaseException | None = None


SQLITE = Dialect(
    name="sqlite",
    write_touched=False,  # one writer at a time already
    writes_in_with=False,
    # Rows are walked in insertion (rowid) order, which is arrival order, and only the first `limit` are
    # looked at: the purge reads a bounded window whatever the table's size, with no index on the time
    # (one more index would cost every text a write). A row stamped late (a clock step back) only delays
    # the rows behind it until it too is old enough.
    forget_replies="DELETE FROM inbound WHERE rowid IN ("
                   " SELECT rowid FROM (SELECT rowid, received_at FROM inbound ORDER BY rowid LIMIT ?2)"
                   " WHERE received_at < ?1)",
    # SQLite's LIKE folds ASCII letters only: the PostgreSQL dialect matches that.
    contains="{column} LIKE ? ESCAPE '\\'",
    clock_now="strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    clock_ago="strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-{seconds} seconds')",
)


class SqliteExecutor:
    """The Store's SQL on the one SQLite connection (rows are `sqlite3.Row`: read by column name)."""

    dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # Each cursor is closed at once (a SELECT read with fetchone is left mid-statement otherwise), with
    # try/finally rather than contextlib.closing: every statement of every unit passes here, and closing's
    # __enter__ and __exit__ are two Python calls each time.

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        cursor = self._conn.execute(sql, params)
        try:
            row: sqlite3.Row | None = cursor.fetchone()
            return row
        finally:
            cursor.close()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._conn.execute(sql, params)
        try:
            rows: list[Row] = cursor.fetchall()
            return rows
        finally:
            cursor.close()

    def changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = self._conn.execute(sql, params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """One migration file's SQL, a statement at a time: sqlite3 executes one per call, and executescript
    would commit the run's transaction first (Python 3.11 does so whatever the isolation level)."""
    for statement in statements(script):
        conn.execute(statement)


def statements(script: str) -> Iterator[str]:
    """The statements of a SQL file, each ending at the first `;` where SQLite's own tokenizer finds it
    complete: a `;` inside a string, a comment or a trigger's BEGIN ... END does not end one. Text after
    the last (a statement without its `;`, or only comments) comes last: SQLite runs it or says what is
    wrong with it (a file cut short fails rather than half applies)."""
    start = 0
    for end, char in enumerate(script, start=1):
        if char == ";" and sqlite3.complete_statement(script[start:end]):
            yield script[start:end]
            start = end
    if script[start:].strip():
        yield script[start:]


def probe(path: str) -> str | None:
    """Why the file cannot be opened as a database (None: it can); its folder is made when missing."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
    except (OSError, sqlite3.Error) as error:
        return str(error)
    return None


@contextmanager
def read_only_store(path: str, clock: Clock) -> Iterator[Store | None]:
    """A Store on the file opened read-only, or None if there is no file."""
    if not Path(path).exists():
        yield None
        return
    with closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        yield Store(SqliteExecutor(conn), clock)


class SqliteStorage:
    """One SQLite connection, owned by aiosqlite's worker thread, and a queue of units of work for it.

    SQLite has one writer at a time, so this process runs its units in arrival order instead of fighting
    over SQLITE_BUSY; other processes sharing the file queue on an exclusive file lock (`_WriterLock`)
    before BEGIN IMMEDIATE.

    Group commit: every unit that is waiting when the previous batch's COMMIT returns runs in one SQLite
    transaction (each in its own SAVEPOINT, so a failing unit rolls back alone) with one COMMIT, so the
    fsync and the hops between threads are paid once per batch. The hand-off that commits one batch also
    begins the next when units are waiting. No unit's caller hears back before the COMMIT that makes it
    durable, so nothing is acknowledged that is not on disk; if that COMMIT fails, every unit in the batch
    raises and a retry finds none of them applied.
    """

    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection, clock: Clock, *, group_commit: bool = True,
                 max_batch: int = MAX_BATCH, lock_path: Path | None = None, path: str = ":memory:") -> None:
        self.url = path
        self._conn = conn
        self._writer = _WriterLock(lock_path)
        self._clock = clock
        self._max_batch = max_batch if group_commit else 1
        self._queue: deque[_Unit] = deque()
        self._first: deque[_Unit] = deque()  # units that go ahead of the queue (`run(..., first=True)`)
        self._drainer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: str | Path, clock: Clock, *, group_commit: bool = True,
                   migrate: bool = True) -> SqliteStorage:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        lock_path = None if str(path) == ":memory:" else Path(f"{path}.lock")
        try:
            db = cls(conn, clock, group_commit=group_commit, lock_path=lock_path, path=str(path))
        except BaseException:
            await conn.close()
            raise
        try:
            await db._on_thread(db._configure)
            if migrate:
                await db.migrate()
        except BaseException:
            # A connection left open keeps its thread alive, and the process could not exit.
            await db.close()
            raise
        return db

    def _configure(self, conn: sqlite3.Connection) -> None:
        """The connection's settings, under the writer lock: servers opening a new file at once would race
        to switch it to WAL, and SQLite answers one of them "database is locked" at once instead of waiting
        (it does not call the busy handler where waiting could deadlock)."""
        self._writer.acquire()
        try:
            for pragma in _PRAGMAS:
                conn.execute(pragma)
        finally:
            self._writer.release()

    async def _on_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` with the raw connection on aiosqlite's worker thread: migrations, BEGIN and COMMIT.

        `Connection._execute` is the primitive every public aiosqlite method is built on (pinned version;
        tests/test_db.py fails if it changes). The units themselves use the connection on the event loop,
        only while a transaction this queue began is open and no hand-off is in flight, so the two threads
        never use it at once (the connection is opened with check_same_thread=False for that)."""
        raw: sqlite3.Connection = self._conn._conn
        result: T = await self._conn._execute(fn, raw)  # type: ignore[no-untyped-call]
        return result

    async def migrate(self, root: Path = MIGRATIONS_ROOT) -> int:
        """Apply every migration newer than the recorded version; returns the version now in force."""
        await self._idle()
        return await self._on_thread(partial(self._migrate_sync, root))

    def _migrate_sync(self, root: Path, conn: sqlite3.Connection) -> int:
        """The run under the writer lock (other processes wait on it) and in one IMMEDIATE transaction."""
        self._writer.acquire()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = apply_migrations(SqliteExecutor(conn), partial(_run_script, conn), root, self._clock)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return current
        finally:
            self._writer.release()

    async def run(self, work: Callable[[Store], T], *, first: bool = False, key: str | None = None,
                  snapshot: bool = False) -> T:
        """Run one unit of work: all of it or none of it, durable when this returns.

        A caller cancelled before its unit started means the unit never runs; once started it runs to the
        end and commits with its batch, whatever happens to the caller. `first`: a small unit that goes
        ahead of those queued (in the next batch), for work others wait on (e.g. recording an SMS as sent
        so the next can go); units marked so run in the order they came. `key` and `snapshot` change
        nothing here: units run one at a time, each on all that came before."""
        loop = asyncio.get_running_loop()
        unit = _Unit(work, loop.create_future())
        (self._first if first else self._queue).append(unit)
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain(), name="database-writer")
        try:
            result: T = await unit.done
        except asyncio.CancelledError:
            # Cancelling the caller cancelled `done` with it: the drainer skips the unit if it has not run
            # yet, and settling its batch leaves an already-cancelled `done` alone.
            unit.abandoned = True
            raise
        return result

    async def _drain(self) -> None:
        """Run the queued units a batch at a time until none are left. Each batch's transaction is begun
        and committed on the database thread (where waiting for another process's writer, and the fsync,
        block nobody) and its units run here on the event loop in between."""
        conn: sqlite3.Connection = self._conn._conn
        began = False  # the last commit hand-off also began this batch's transaction
        while self._first or self._queue:
            batch = self._next_batch()
            if not began:
                if all(unit.abandoned for unit in batch):
                    continue
                try:
                    await self._hop(self._begin)
                except BaseException as exc:  # locked past the busy timeout, or the connection is gone
                    for unit in batch:
                        _settle(unit, error=exc)
                    if isinstance(exc, asyncio.CancelledError):
                        raise
                    continue
            done, leftover = self._run_units(conn, batch)
            try:
                error, began = await self._hop(partial(self._commit,
                                                       begin_next=bool(self._first or self._queue or leftover)))
            except BaseException as exc:  # the connection is gone: nothing in this batch is durable
                began, error = False, exc
            for unit in done:
                unit.error = error
            for unit in batch:
                if unit not in leftover:
                    _settle(unit, result=unit.result, error=unit.error)
            self._first.extendleft(reversed(leftover))  # they have waited their turn already
            if isinstance(error, asyncio.CancelledError):
                raise error

    def _next_batch(self) -> list[_Unit]:
        """Up to `max_batch` units: those asked to go first, then the queue in arrival order."""
        batch: list[_Unit] = []
        for source in (self._first, self._queue):
            while source and len(batch) < self._max_batch:
                batch.append(source.popleft())
        return batch

    async def _hop(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn` on the database thread, seen through to its end even if the drainer is cancelled."""
        return await _finish(asyncio.ensure_future(self._on_thread(fn)))

    def _begin(self, conn: sqlite3.Connection) -> None:
        """On the database thread: wait for the other processes' writers, then open the write transaction."""
        self._writer.acquire()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._writer.release()
            raise

    def _commit(self, conn: sqlite3.Connection, *, begin_next: bool) -> tuple[BaseException | None, bool]:
        """On the database thread: COMMIT (the fsync) and let other processes' writers in; then, if more
        units are waiting, begin their transaction in the same hand-off. Returns the COMMIT's error (None:
        the batch is durable) and whether the next transaction is open."""
        error: BaseException | None = None
        try:
            if conn.in_transaction:  # SQLite may have rolled it back itself: then nothing is left to commit
                conn.execute("COMMIT")
        except BaseException as exc:
            error = exc
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        finally:
            self._writer.release()
        if not begin_next:
            return error, False
        try:
            self._begin(conn)
        except Exception:  # the next batch begins again on its own and reports what stops it
            return error, False
        return error, True

    def _run_units(self, conn: sqlite3.Connection, batch: list[_Unit]) -> tuple[list[_Unit], list[_Unit]]:
        """On the event loop, inside the open transaction: each unit in its savepoint. Plain CPU work on
        pages SQLite has cached, with the write lock already held, so nothing here waits on a lock. Returns
        the units that succeeded (their COMMIT is still to come) and those not run because SQLite rolled
        the transaction back under an earlier one (for the next batch)."""
        done: list[_Unit] = []
        for index, unit in enumerate(batch):
            if unit.abandoned:
                continue
            if not self._run_unit(conn, unit):
                # SQLite rolled everything back itself (e.g. disk full): what ran is lost.
                lost = RuntimeError("the transaction was rolled back by SQLite")
                for earlier in done:
                    earlier.error = lost
                return [], batch[index + 1:]
            if unit.error is None:
                done.append(unit)
        return done, []

    def _run_unit(self, conn: sqlite3.Connection, unit: _Unit) -> bool:
        """Run one unit in its savepoint; False if the whole transaction was lost under it."""
        try:
            conn.execute("SAVEPOINT unit")
        except BaseException as exc:
            unit.error = exc
            return conn.in_transaction
        try:
            unit.result = unit.work(Store(SqliteExecutor(conn), self._clock))
            conn.execute("RELEASE unit")
        except BaseException as exc:
            unit.error = exc
            if not conn.in_transaction:
                return False
            conn.execute("ROLLBACK TO unit")
            conn.execute("RELEASE unit")
        return True

    async def _idle(self) -> None:
        """Wait until every queued unit is done."""
        while self._drainer is not None and not self._drainer.done():
            await asyncio.shield(self._drainer)

    async def ready(self) -> bool:
        """The file answers and holds every migration this code ships."""
        try:
            return await self.run(lambda store: store.schema_version()) == len(migration_files("sqlite"))
        except sqlite3.Error:
            return False

    def background(self) -> list[Coroutine[Any, Any, None]]:
        """The WAL checkpointer (nothing to do for an in-memory database)."""
        return [] if self.url == ":memory:" else [Checkpointer(self.url).run_forever()]

    async def close(self) -> None:
        await self._idle()
        await self._conn.close()
        self._writer.close()


class Checkpointer:
    """Copies the write-ahead log back into the database file as it grows, on a connection and thread of
    its own, so that commits find little left to copy.

    SQLite copies the WAL back inside the COMMIT that takes it past `AUTO_CHECKPOINT_PAGES`, and every
    webhook of that batch waits for the copy and an fsync of the database file. With 1,000,000
    reservations, whose index pages are scattered, those commits were most of the p99 (docs/performance.md).
    A PASSIVE checkpoint here, every `interval`, never waits for the writer or blocks it, and its copy and
    fsync run on another core. It cannot bound the WAL alone: the WAL starts over only after a checkpoint
    that copied all of it with no commit landing meanwhile, which a busy server never allows. The COMMIT's
    own checkpoint still does that, with only the last `interval` of pages left to copy.
    Nothing is at stake if the process dies: what was committed is in the WAL, and it is copied later."""

    def __init__(self, path: str | Path, *, interval: float = CHECKPOINT_SECONDS) -> None:
        self._path = str(path)
        self._interval = interval
        self._conn: aiosqlite.Connection | None = None

    async def checkpoint(self) -> tuple[int, int]:
        """One pass; returns the WAL's pages and how many of them are now in the database file."""
        if self._conn is None:
            self._conn = await aiosqlite.connect(self._path, isolation_level=None)
        async with self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[1]), int(row[2])

    async def run_forever(self) -> None:
        try:
            while True:
                try:
                    await self.checkpoint()
                except sqlite3.Error as exc:  # the file is briefly unavailable: the next pass catches up
                    log.warning("WAL checkpoint skipped: %s", exc)
                await asyncio.sleep(self._interval)
        finally:
            await self.close()

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def _settle(unit: _Unit, *, result: Any = None, error: BaseException | None = None) -> None:
    if unit.done.done():
        return
    if error is not None:
        unit.done.set_exception(error)
    else:
        unit.done.set_result(result)


async def _finish(task: asyncio.Future[T]) -> T:
    """The task's result, waiting for it even through further cancellations of the caller."""
    while True:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                raise
