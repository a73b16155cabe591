"""The SQLite backend only (its file, WAL, writer lock and group commit mean nothing on PostgreSQL):
migrations, and group commit that never acknowledges what is not durable. What every backend must do is
in tests/test_storage.py, run on both."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.storage import migration_files
from bot.storage.sqlite import AUTO_CHECKPOINT_PAGES, Checkpointer, statements
from bot.storage.sqlite import SqliteStorage as Database
from bot.store import Store


async def test_migrations_run_once_and_are_tracked_by_version(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = await Database.open(path, FakeClock())
    assert await db.migrate() == len(migration_files("sqlite"))  # a second run applies nothing new
    await db.close()
    with sqlite3.connect(path) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert versions == list(range(1, len(migration_files("sqlite")) + 1))
    assert mode == "wal"


def test_a_sql_file_splits_only_where_sqlite_finds_a_statement_complete() -> None:
    """A `;` in a string, a comment or a trigger's body ends nothing; what follows the last `;` comes last
    (SQLite runs a statement left without one, and a comment is nothing to it)."""
    trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = n + 1;\n  DELETE FROM c;\nEND;"
    script = f"SELECT 'x;y'; -- a comment; a semicolon\n{trigger}\n/* ; */ SELECT 2; SELECT 3"
    assert list(statements(script)) == [
        "SELECT 'x;y';", " -- a comment; a semicolon\n" + trigger, "\n/* ; */ SELECT 2;", " SELECT 3"]
    assert list(statements("SELECT 1;\n-- the end\n")) == ["SELECT 1;", "\n-- the end\n"]
    assert list(statements("SELECT 1;\n\n")) == ["SELECT 1;"]


@pytest.mark.parametrize("group_commit", [True, False])
async def test_concurrent_units_are_all_durable_when_they_return(tmp_path: Path, group_commit: bool) -> None:
    path = tmp_path / "b.db"
    db = await Database.open(path, FakeClock(), group_commit=group_commit)

    async def add_user(n: int) -> None:
        await db.run(lambda store: store.get_or_create_user(f"+1555000{n:04d}", "en"))
        # Returned: another connection must see it now, before anything else happens.
        with sqlite3.connect(path) as other:
            assert other.execute("SELECT 1 FROM users WHERE phone = ?", (f"+1555000{n:04d}",)).fetchone()

    await asyncio.gather(*(add_user(n) for n in range(50)))
    await db.close()


async def test_a_failing_unit_rolls_back_alone_inside_a_shared_batch(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    db = await Database.open(path, FakeClock())

    async def good(n: int) -> None:
        await db.run(lambda store: store.get_or_create_user(f"+1555111{n:04d}", "en"))

    def half_way(store: Store) -> None:
        store.get_or_create_user("+15552220000", "en")
        raise ValueError("rule broken half-way")

    results = await asyncio.gather(good(1), db.run(half_way), good(2), return_exceptions=True)
    assert isinstance(results[1], ValueError)
    await db.close()
    with sqlite3.connect(path) as conn:
        phones = {row[0] for row in conn.execute("SELECT phone FROM users")}
    assert phones == {"+15551110001", "+15551110002"}


async def test_two_databases_on_one_file_take_turns_like_worker_processes(tmp_path: Path) -> None:
    """WORKERS=N: separate connections (here two in one process) write to one file without losing any
    unit or failing with 'database is locked'."""
    path = tmp_path / "d.db"
    first = await Database.open(path, FakeClock())
    second = await Database.open(path, FakeClock())

    async def add_user(db: Database, n: int) -> None:
        await db.run(lambda store: store.get_or_create_user(f"+1555333{n:04d}", "en"))

    await asyncio.gather(*(add_user(first if n % 2 else second, n) for n in range(200)))
    await first.close()
    await second.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 200


async def test_a_caller_cancelled_while_its_unit_runs_leaves_the_next_units_transactional(tmp_path: Path) -> None:
    """A webhook whose client hung up is cancelled while its unit runs (the cancellation is asked for from
    inside the unit, so it lands while the unit's COMMIT is on the database thread): the unit finishes and
    is accounted for, so the units after it still run in a transaction of their own, under the writer
    lock, and commit."""
    path = tmp_path / "e.db"
    db = await Database.open(path, FakeClock())
    callers: list[asyncio.Task[None]] = []

    def hung_up(store: Store) -> None:
        store.get_or_create_user("+15554440001", "en")
        callers[0].cancel()

    callers.append(asyncio.create_task(db.run(hung_up)))
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(callers[0], 10)

    def add(n: int) -> Callable[[Store], None]:
        def unit(store: Store) -> None:
            store.get_or_create_user(f"+155544400{n:02d}", "en")
            if n == 3:
                raise ValueError("rolled back alone")
        return unit

    results = await asyncio.wait_for(asyncio.gather(*(db.run(add(n)) for n in (2, 3, 4)), return_exceptions=True), 10)
    assert results[0] is None and isinstance(results[1], ValueError) and results[2] is None
    # Another writer on the file (another worker) is not shut out by a lock left behind.
    other = await Database.open(path, FakeClock())
    await asyncio.wait_for(other.run(lambda store: store.get_or_create_user("+15554440005", "en")), 10)
    await other.close()
    await db.close()
    with sqlite3.connect(path) as conn:
        phones = {row[0] for row in conn.execute("SELECT phone FROM users")}
    assert phones == {"+15554440001", "+15554440002", "+15554440004", "+15554440005"}



async def test_a_unit_asked_to_go_first_runs_ahead_of_those_queued(tmp_path: Path) -> None:
    """The sender records a message as sent ahead of the webhooks queued meanwhile, so under a burst of
    texts notifications do not wait behind them (each send waits on that record before the next)."""
    db = await Database.open(tmp_path / "f.db", FakeClock())
    order: list[str] = []

    def unit(name: str) -> Callable[[Store], None]:
        def work(store: Store) -> None:
            store.get_or_create_user(f"+1555444{len(order):04d}", "en")
            order.append(name)
        return work

    queued = [db.run(unit(f"text {n}")) for n in (1, 2, 3)] + [db.run(unit("sent"), first=True),
                                                                db.run(unit("sent too"), first=True)]
    await asyncio.wait_for(asyncio.gather(*queued), 10)
    await db.close()
    assert order == ["sent", "sent too", "text 1", "text 2", "text 3"]


async def test_waiting_for_another_workers_write_lock_never_freezes_the_event_loop(tmp_path: Path) -> None:
    """Units run on the event loop, but the wait for another process's writer happens on the database
    thread: while another worker holds the write lock, the loop keeps serving (here: timers fire on time),
    and the unit runs and commits as soon as the lock is free."""
    path = tmp_path / "g.db"
    db = await Database.open(path, FakeClock())
    other_worker = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT)  # its own open file, as in another process
    try:
        fcntl.flock(other_worker, fcntl.LOCK_EX)  # another worker's transaction is open
        pending = asyncio.create_task(db.run(lambda store: store.get_or_create_user("+15554449999", "en")))
        loop = asyncio.get_running_loop()
        for _ in range(5):  # the loop stays responsive: each short sleep comes back on time
            started = loop.time()
            await asyncio.sleep(0.01)
            assert loop.time() - started < 0.5
        assert not pending.done()  # the unit waits its turn
        fcntl.flock(other_worker, fcntl.LOCK_UN)
    finally:
        os.close(other_worker)
    user, created = await asyncio.wait_for(pending, 10)
    assert created and user.phone == "+15554449999"
    await db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT 1 FROM users WHERE phone = '+15554449999'").fetchone()


async def _record_replies(db: Database, first: int, count: int, size: int = 4000) -> None:
    """`count` texts' replies of `size` characters: about a page of WAL each."""
    def reply(n: int) -> Callable[[Store], None]:
        return lambda store: store.record_inbound(f"SM{n:032d}", "+15551230001", "x" * size)

    await asyncio.gather(*(db.run(reply(n)) for n in range(first, first + count)))


async def test_a_checkpointer_pass_copies_the_whole_wal_so_the_next_commit_starts_it_over(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = await Database.open(path, FakeClock())
    checkpointer = Checkpointer(path)
    try:
        await _record_replies(db, 0, 1500)
        pages, copied = await checkpointer.checkpoint()
        assert pages > 1000 and copied == pages  # commits copied none of it (< AUTO_CHECKPOINT_PAGES); one pass all
        await _record_replies(db, 1500, 1)
        pages, copied = await checkpointer.checkpoint()
        assert pages < 20
    finally:
        await checkpointer.close()
        await db.close()


async def test_under_steady_writes_beside_a_checkpointer_the_wal_stays_bounded_and_nothing_is_lost(
        tmp_path: Path) -> None:
    """A checkpointer alone never finds a moment with the whole WAL copied while commits keep landing: the
    COMMIT's own checkpoint must still start the WAL over, or the file grows with every text."""
    path = tmp_path / "a.db"
    db = await Database.open(path, FakeClock())
    checkpointer = Checkpointer(path, interval=0.001)
    checkpoints = asyncio.create_task(checkpointer.run_forever())
    try:
        for first in range(0, 3 * AUTO_CHECKPOINT_PAGES, 250):
            await _record_replies(db, first, 250)
    finally:
        checkpoints.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await checkpoints
    wal_pages = await asyncio.to_thread(os.path.getsize, f"{path}-wal") // 4096
    await db.close()
    assert wal_pages < 1.5 * AUTO_CHECKPOINT_PAGES
    with sqlite3.connect(path) as side:
        assert side.execute("SELECT COUNT(*) FROM inbound").fetchone()[0] == 3 * AUTO_CHECKPOINT_PAGES
