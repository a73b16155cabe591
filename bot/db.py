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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
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


@dataclass(eq=False)
class _Unit:
    """One unit of work waiting for, or done by, the database thread."""

    work: Callable[[Store], Any]
    done: asyncio.Future[Any]
    abandoned: bool = False  # its caller was cancelled before it ran: skip it
    result: Any = None
    error: BaseException | None = None


class Database:
    """One SQLite connection on aiosqlite's worker thread, and a queue of units of work for it.

    SQLite has one writer at a time, so this process hands its units to the one thread in arrival order
    instead of fighting over SQLITE_BUSY; other processes sharing the file queue on an exclusive file lock
    (`_WriterLock`) before BEGIN IMMEDIATE.

    Group commit: every unit that is waiting when the thread becomes free goes over in one hand-off and
    runs in one SQLite transaction (each in its own SAVEPOINT, so a failing unit rolls back alone) with one
    COMMIT, so both the fsync and the hop between threads are paid once per batch. No unit's caller hears
    back before the COMMIT that makes it durable, so nothing is acknowledged that is not on disk; if that
    COMMIT fails, every unit in the batch raises and a retry finds none of them applied.
    """

    def __init__(self, conn: aiosqlite.Connection, clock: Clock, *, group_commit: bool = True,
                 max_batch: int = MAX_BATCH, lock_path: Path | None = None) -> None:
        self._conn = conn
        self._writer = _WriterLock(lock_path)
        self._clock = clock
        self._max_batch = max_batch if group_commit else 1
        self._queue: deque[_Unit] = deque()
        self._drainer: asyncio.Task[None] | None = None

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
        tests/test_db.py fails if it changes). Handing it whole units of work keeps aiosqlite as the owner
        of the connection and its thread while paying for one hand-off instead of one per statement."""
        raw: sqlite3.Connection = self._conn._conn
        result: T = await self._conn._execute(fn, raw)  # type: ignore[no-untyped-call]
        return result

    async def migrate(self) -> int:
        """Apply every migration newer than the recorded version; returns the version now in force."""
        await self._idle()
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
        """Run one unit of work: all of it or none of it, durable when this returns.

        A caller cancelled before its unit started means the unit never runs; once started it runs to the
        end and commits with its batch, whatever happens to the caller."""
        loop = asyncio.get_running_loop()
        unit = _Unit(work, loop.create_future())
        self._queue.append(unit)
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain(), name="database-writer")
        try:
            result: T = await asyncio.shield(unit.done)
        except asyncio.CancelledError:
            unit.abandoned = True
            unit.done.add_done_callback(_retrieve)
            raise
        return result

    async def _drain(self) -> None:
        """Hand the queued units to the database thread, a batch at a time, until none are left."""
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(len(self._queue), self._max_batch))]
            hand_off = asyncio.ensure_future(self._on_thread(partial(self._run_batch, batch=batch)))
            try:
                leftover = await _finish(hand_off)
            except BaseException as exc:  # the connection is gone: nothing in this batch ran
                for unit in batch:
                    _settle(unit, error=exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for unit in batch:
                if unit not in leftover:
                    _settle(unit, result=unit.result, error=unit.error)
            self._queue.extendleft(reversed(leftover))

    def _run_batch(self, conn: sqlite3.Connection, *, batch: list[_Unit]) -> list[_Unit]:
        """On the database thread: one transaction for the batch. Returns the units it could not run
        (SQLite rolled the transaction back under them) for the next batch."""
        live = [unit for unit in batch if not unit.abandoned]
        if not live:
            return []
        self._writer.acquire()
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except BaseException as exc:  # e.g. locked past the busy timeout by a writer that ignores our lock
                for unit in live:
                    unit.error = exc
                return []
            done: list[_Unit] = []
            for index, unit in enumerate(live):
                if unit.abandoned:
                    continue
                if not self._run_unit(conn, unit):
                    # SQLite rolled everything back itself (e.g. disk full): what ran is lost.
                    lost = RuntimeError("the transaction was rolled back by SQLite")
                    for earlier in done:
                        earlier.error = lost
                    return live[index + 1:]
                if unit.error is None:
                    done.append(unit)
            try:
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                for unit in done:
                    unit.error = exc
            return []
        finally:
            self._writer.release()

    def _run_unit(self, conn: sqlite3.Connection, unit: _Unit) -> bool:
        """Run one unit in its savepoint; False if the whole transaction was lost under it."""
        try:
            conn.execute("SAVEPOINT unit")
        except BaseException as exc:
            unit.error = exc
            return conn.in_transaction
        try:
            unit.result = unit.work(Store(conn, self._clock))
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

    async def close(self) -> None:
        await self._idle()
        await self._conn.close()
        self._writer.close()


def _settle(unit: _Unit, *, result: Any = None, error: BaseException | None = None) -> None:
    if unit.done.done():
        return
    if error is not None:
        unit.done.set_exception(error)
    else:
        unit.done.set_result(result)


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark an abandoned unit's outcome as seen: nobody is left to await it."""
    if not future.cancelled():
        future.exception()


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
