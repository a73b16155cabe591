"""SQLite connection, forward-only migrations, and the one-writer transaction."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


class Database:
    """One aiosqlite connection. SQLite has one writer at a time, so transactions in this process take
    turns through `_write_lock` (FIFO) instead of fighting over SQLITE_BUSY; other processes sharing the
    file are held off by BEGIN IMMEDIATE and the busy timeout."""

    def __init__(self, conn: aiosqlite.Connection, clock: Clock) -> None:
        self._conn = conn
        self._clock = clock
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path, clock: Clock) -> Database:
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
        db = cls(conn, clock)
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
        """One write transaction: committed when the block ends, rolled back if it raises."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Store(self._conn, self._clock)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def close(self) -> None:
        await self._conn.close()


def _split_sql(script: str) -> list[str]:
    """Statements of a migration file (no triggers with inner semicolons in our migrations)."""
    without_comments = "\n".join(line.split("--", 1)[0] for line in script.splitlines())
    return [part.strip() for part in without_comments.split(";") if part.strip()]
