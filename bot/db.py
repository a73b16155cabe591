"""SQLite: the connection, forward-only migrations, and units of work with group commit.

A unit of work is a plain function of a `Store`, run whole on the database thread: one hand-off from the
event loop per inbound text, instead of one per SQL statement (each hand-off costs ~30-50 us, the SQL
itself 1-10 us; see docs/performance.md).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.clock import Clock, to_db
from bot.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "db"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
MAX_BATCH = 64


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """Numbered migrations in order; a gap or a duplicate number is a programming error."""
    found = sorted(
        (int(m.group(1)), path)
        for path in directory.glob("*.sql")
        if (m := _MIGRATION_NAME.match(path.name))
    )
    numbers = [number for number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations in {directory} must be numbered 001, 002, ... without gaps: {numbers}")
    return found


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


@dataclass
class _Batch:
    """Units sharing one open transaction; `durable` resolves when its COMMIT returns."""

    durable: asyncio.Future[None]
    units: int = 0


@dataclass
class _Outcome:
    """What a unit did on the database thread; it never raises there, so the batch stays accountable."""

    result: Any = None
    error: BaseException | None = None
    committed: bool = False
    commit_error: BaseException | None = None
    batch_lost: bool = False


class Database:
    """One SQLite connection on aiosqlite's worker thread.

    SQLite has one writer at a time, so units in this process take turns through `_write_lock` (FIFO)
    instead of fighting over SQLITE_BUSY; other processes sharing the file are held off by BEGIN IMMEDIATE
    and the busy timeout.

    Group commit: units that queue up behind each other share one SQLite transaction (each in its own
    SAVEPOINT, so a failing unit rolls back alone) and one COMMIT, so the fsync is paid once per batch. No
    unit returns before the COMMIT that makes it durable, so nothing is acknowledged that is not on disk;
    if that COMMIT fails, every unit in the batch raises and a retry finds none of them applied.
    """

    def __init__(self, conn: aiosqlite.Connection, clock: Clock, *, group_commit: bool = True,
                 max_batch: int = MAX_BATCH, lock_path: Path | None = None) -> None:
        self._conn = conn
        self._writer = _WriterLock(lock_path)
        self._clock = clock
        self._write_lock = asyncio.Lock()
        self._max_batch = max_batch if group_commit else 1
        self._queued = 0  # units waiting for the write lock: they will join the open batch
        self._batch: _Batch | None = None
        self._rescue: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, path: str | Path, clock: Clock, *, group_commit: bool = True) -> Database:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            # FULL: every acknowledged webhook is on disk before the 200 goes out.
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
        ):
            await conn.execute(pragma)
        lock_path = None if str(path) == ":memory:" else Path(f"{path}.lock")
        db = cls(conn, clock, group_commit=group_commit, lock_path=lock_path)
        await db.migrate()
        return db

    async def _on_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` with the raw connection on aiosqlite's worker thread, where all its calls run.

        `Connection._execute` is the primitive every public aiosqlite method is built on (pinned version;
        tests/test_db.py fails if it changes). Handing it a whole unit of work keeps aiosqlite as the owner
        of the connection and its thread while paying for one hand-off instead of one per statement."""
        raw: sqlite3.Connection = self._conn._conn
        result: T = await self._conn._execute(fn, raw)  # type: ignore[no-untyped-call]
        return result

    async def migrate(self) -> int:
        """Apply every migration newer than the recorded version; returns the version now in force."""
        async with self._write_lock:
            await self._commit_open_batch_locked()
            return await self._on_thread(self._migrate_sync)

    def _migrate_sync(self, conn: sqlite3.Connection) -> int:
        self._writer.acquire()
        try:
            return self._migrate_locked(conn)
        finally:
            self._writer.release()

    def _migrate_locked(self, conn: sqlite3.Connection) -> int:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            current = int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])
            for number, path in migration_files():
                if number <= current:
                    continue
                log.info("applying migration %s", path.name)
                for statement in _split_sql(path.read_text(encoding="utf-8")):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    (number, to_db(self._clock.now())),
                )
                current = number
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return current

    async def run(self, work: Callable[[Store], T]) -> T:
        """Run one unit of work: all of it or none of it, durable when this returns."""
        self._queued += 1
        try:
            await self._write_lock.acquire()
        except BaseException:
            self._queued -= 1
            self._commit_if_abandoned()
            raise
        self._queued -= 1
        try:
            if self._batch is None:
                self._batch = _Batch(asyncio.get_running_loop().create_future())
                begin = True
            else:
                begin = False
            batch = self._batch
            # Decided before the hand-off: commit unless someone is already waiting to join this batch.
            commit = not self._queued or batch.units + 1 >= self._max_batch
            # Once handed to the database thread a unit runs to the end whatever happens to us, and what it
            # did (opened, committed or lost the batch, took or released the writer lock) must be settled
            # before the next unit starts: a caller cancelled meanwhile waits for it, then gives up.
            hand_off = asyncio.ensure_future(
                self._on_thread(lambda conn: self._unit_sync(conn, work, begin, commit)))
            try:
                outcome = await asyncio.shield(hand_off)
            except asyncio.CancelledError:
                self._settle(batch, await _finish(hand_off))
                raise
            self._settle(batch, outcome)
        finally:
            self._write_lock.release()
        if outcome.error is not None:
            raise outcome.error
        # Wait (outside the lock, so the next units can join the batch) until our changes are on disk.
        await asyncio.shield(batch.durable)
        return outcome.result  # type: ignore[no-any-return]

    def _unit_sync(self, conn: sqlite3.Connection, work: Callable[[Store], Any], begin: bool,
                   commit: bool) -> _Outcome:
        if begin:
            self._writer.acquire()
        outcome = self._unit_locked(conn, work, begin, commit)
        if outcome.committed or outcome.commit_error is not None or outcome.batch_lost:
            self._writer.release()
        return outcome

    def _unit_locked(self, conn: sqlite3.Connection, work: Callable[[Store], Any], begin: bool,
                     commit: bool) -> _Outcome:
        outcome = _Outcome()
        try:
            if begin:
                conn.execute("BEGIN IMMEDIATE")
            conn.execute("SAVEPOINT unit")
        except BaseException as exc:  # e.g. the database is locked by another process past the busy timeout
            outcome.error = exc
            outcome.batch_lost = not conn.in_transaction
            return outcome
        try:
            outcome.result = work(Store(conn, self._clock))
            conn.execute("RELEASE unit")
        except BaseException as exc:
            outcome.error = exc
            if conn.in_transaction:
                conn.execute("ROLLBACK TO unit")
                conn.execute("RELEASE unit")
            else:
                outcome.batch_lost = True  # SQLite rolled everything back itself (e.g. disk full)
                return outcome
        if commit:
            try:
                conn.execute("COMMIT")
                outcome.committed = True
            except BaseException as exc:
                outcome.commit_error = exc
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
        return outcome

    def _settle(self, batch: _Batch, outcome: _Outcome) -> None:
        """Account for one unit on the loop: count it, and end the batch if it was committed or lost."""
        if outcome.error is None:
            batch.units += 1
        if outcome.batch_lost:
            self._end_batch(batch, RuntimeError("the transaction was rolled back by SQLite"))
        elif outcome.commit_error is not None:
            self._end_batch(batch, outcome.commit_error)
        elif outcome.committed:
            self._end_batch(batch, None)

    def _end_batch(self, batch: _Batch, error: BaseException | None) -> None:
        if self._batch is batch:
            self._batch = None
        if not batch.durable.done():
            if error is None:
                batch.durable.set_result(None)
            else:
                batch.durable.set_exception(error)
                batch.durable.exception()  # retrieved: units that already failed do not await it

    def _commit_if_abandoned(self) -> None:
        """A waiter that would have committed the open batch was cancelled: commit it in its place."""
        if self._batch is not None and not self._queued:
            task = asyncio.get_running_loop().create_task(self._commit_open_batch())
            self._rescue.add(task)
            task.add_done_callback(self._rescue.discard)

    async def _commit_open_batch(self) -> None:
        async with self._write_lock:
            await self._commit_open_batch_locked()

    async def _commit_open_batch_locked(self) -> None:
        batch = self._batch
        if batch is None:
            return

        def commit(conn: sqlite3.Connection) -> BaseException | None:
            try:
                conn.execute("COMMIT")
                return None
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                return exc
            finally:
                self._writer.release()

        self._end_batch(batch, await self._on_thread(commit))

    async def close(self) -> None:
        async with self._write_lock:
            await self._commit_open_batch_locked()
        await self._conn.close()
        self._writer.close()


async def _finish(task: asyncio.Future[T]) -> T:
    """The task's result, waiting for it even through further cancellations of the caller."""
    while True:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                raise


def _split_sql(script: str) -> list[str]:
    """Statements of a migration file (no triggers with inner semicolons in our migrations)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [part.strip() for part in without_comments.split(";") if part.strip()]
