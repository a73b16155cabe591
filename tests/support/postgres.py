"""A PostgreSQL for the tests: TEST_DATABASE_URL, one fresh schema per test (dropped after it)."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg

from bot.storage.bulk import scratch_schema

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
SKIPPED = "PostgreSQL tests skipped: set TEST_DATABASE_URL to a reachable PostgreSQL (.ci/run does)"


@functools.cache
def unreachable() -> str | None:
    """Why the PostgreSQL cases cannot run (None: they can). Asked once per session."""
    if not TEST_DATABASE_URL:
        return "TEST_DATABASE_URL is not set"
    try:
        with psycopg.connect(TEST_DATABASE_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"cannot connect to TEST_DATABASE_URL: {exc}"
    return None


def truncate_all(url: str) -> None:
    """Empty every table but the migrations' record, and restart every id at 1: a migrated schema as
    good as new for the next test. DELETE, children before parents, is ~30x faster than TRUNCATE on
    tables this small (TRUNCATE swaps every table's files and sweeps shared buffers for each)."""
    with psycopg.connect(url) as conn:
        tables = {row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'")}
        parents: dict[str, set[str]] = {table: set() for table in tables}
        for child, parent in conn.execute(
                "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
                " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"):
            if child != parent:
                parents[child].add(parent)
        while parents:
            leaves = [t for t in parents if not any(t in others for others in parents.values())]
            assert leaves, f"foreign keys in a cycle: {parents}"
            for table in leaves:
                conn.execute(f"DELETE FROM {table}")
                del parents[table]
        conn.execute("SELECT setval(c.oid, 1, false) FROM pg_class c"
                     " WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace")


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A database URL whose tables live in a new, empty schema (no migrations yet), dropped afterwards.
    Commits do not wait for the disk (`synchronous_commit=off`): the tests kill app servers, never the
    database, so they lose nothing by it and run faster."""
    options = quote("-c synchronous_commit=off", safe="")
    with scratch_schema(f"{TEST_DATABASE_URL}{'&' if '?' in TEST_DATABASE_URL else '?'}options={options}",
                        "test") as url:
        yield url


def waiting_for_key(url: str, key: str) -> bool:
    """Some connection is waiting for the lock on `key` that a unit run with `key=` holds (bot/storage/
    postgresql.py takes pg_advisory_lock(hashtextextended(key, 0)), which pg_locks shows as its two
    halves): the moment another server's unit has begun to wait, seen rather than slept for."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted"
            " AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(%s, 0))", (key,)).fetchone() == (True,)
