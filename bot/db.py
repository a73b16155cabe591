"""SQLite connection, forward-only migrations, and the one-writer transaction."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.clock import Clock, to_db
from bot.store import Store

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "db"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


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


@dataclass
class _Batch:
    """Units sharing one open transaction; `durable` resolves when its COMMIT returns."""

    durable: asyncio.Future[None]
    units: int = 0


class Database:
    """One aiosqlite connection. SQLite has one writer at a time, so transactions in this process take
    turns through `_write_lock` (FIFO) instead of fighting over SQLITE_BUSY; other processes sharing the
    file are held off by BEGIN IMMEDIATE and the busy timeout."""

    def __init__(self, conn: aiosqlite.Connection, clock: Clock, *, group_commit: bool = True,
                 max_batch: int = 64) -> None:
        self._conn = conn
        self._clock = clock
        self._write_lock = asyncio.Lock()
        self._group_commit = group_commit
        self._max_batch = max_batch
        self._queued = 0  # units waiting for the write lock: they will join the open batch
        self._batch: _Batch | None = None

    @classmethod
    async def open(cls, path: str | Path, clock: Clock, *, group_commit: bool = True) -> Database:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            # FULL: every acknowledged webhook is on disk before the 200 goes out.
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
        ):
            await conn.execute(pragma)
        db = cls(conn, clock, group_commit=group_commit)
        await db.migrate()
        return db

    async def migrate(self) -> int:
        """Apply every migration newer than the recorded version; returns the version now in force."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                await self._conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
                async with self._conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") as cur:
                    row = await cur.fetchone()
                current = int(row[0]) if row else 0
                for number, path in migration_files():
                    if number <= current:
                        continue
                    log.info("applying migration %s", path.name)
                    for statement in _split_sql(path.read_text(encoding="utf-8")):
                        await self._conn.execute(statement)
                    await self._conn.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                        (number, to_db(self._clock.now())),
                    )
                    current = number
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
        return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        """One unit of work: all of it or none of it, durable when the block exits.

        With group commit, units that queue up behind each other share one SQLite transaction (each in
        its own SAVEPOINT, so a failing unit rolls back alone) and one COMMIT: the fsync is paid once per
        batch instead of once per webhook. No unit returns before the COMMIT that makes it durable, so
        nothing is acknowledged to Twilio that is not on disk; if that COMMIT fails, every unit in the
        batch raises and Twilio's retry finds none of them applied.
        """
        if not self._group_commit:
            async with self._write_lock:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield Store(self._conn, self._clock)
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._conn.execute("COMMIT")
            return
        self._queued += 1
        try:
            await self._write_lock.acquire()
        finally:
            self._queued -= 1
        try:
            if self._batch is None:
                await self._conn.execute("BEGIN IMMEDIATE")
                self._batch = _Batch(asyncio.get_running_loop().create_future())
            batch = self._batch
            await self._conn.execute("SAVEPOINT unit")
            try:
                yield Store(self._conn, self._clock)
            except BaseException:
                await self._undo_unit()
                raise
            await self._conn.execute("RELEASE unit")
            batch.units += 1
        finally:
            try:
                await self._end_batch_if_due()
            finally:
                self._write_lock.release()
        # Wait (outside the lock, so the next units can join the batch) until our changes are on disk.
        await asyncio.shield(batch.durable)

    async def _undo_unit(self) -> None:
        if self._conn.in_transaction:
            await self._conn.execute("ROLLBACK TO unit")
            await self._conn.execute("RELEASE unit")
        elif self._batch is not None:
            # SQLite rolled the whole transaction back itself (e.g. disk full): the batch is lost.
            self._fail_batch(RuntimeError("the transaction was rolled back by SQLite"))

    async def _end_batch_if_due(self) -> None:
        """Commit when nobody is waiting to join the batch, or when it is large enough."""
        batch = self._batch
        if batch is None or (self._queued and batch.units < self._max_batch):
            return
        self._batch = None
        try:
            await self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            if not batch.durable.done():
                batch.durable.set_exception(exc)
            raise
        if not batch.durable.done():
            batch.durable.set_result(None)

    def _fail_batch(self, exc: BaseException) -> None:
        batch, self._batch = self._batch, None
        if batch is not None and not batch.durable.done():
            batch.durable.set_exception(exc)

    async def close(self) -> None:
        await self._conn.close()


def _split_sql(script: str) -> list[str]:
    """Statements of a migration file (no triggers with inner semicolons in our migrations)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [part.strip() for part in without_comments.split(";") if part.strip()]
