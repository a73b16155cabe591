"""Tooling beside the product: loading a large data set into a migrated database fast, and a scratch
PostgreSQL schema to load it into. The benchmark's world (`bench/seed.py`) uses both, so that nothing outside
this package imports a database driver; a server never calls them.

`bulk_load` appends rows whose ids are given: the tables' secondary indexes are dropped, the rows go in
(SQLite: `executemany` in one transaction; PostgreSQL: COPY), and the indexes are rebuilt from their exact
definitions in the same transaction (building an index by sorting is far faster than a million random
b-tree inserts). On PostgreSQL the identity sequences are then moved past the loaded ids and the tables
analysed, so that the server's own inserts and query plans are as they would be on a grown database.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from bot.storage import is_postgresql, sqlite_path


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: Iterable[Sequence[object]]


def bulk_load(url: str, tables: Sequence[Table]) -> None:
    """Append `tables`' rows to the migrated database at `url` (no server may be using it)."""
    if is_postgresql(url):
        _load_postgresql(url, tables)
    else:
        _load_sqlite(sqlite_path(url), tables)


def server_version(url: str) -> str:
    """The database engine and its version, for a report ("SQLite 3.45.1", "PostgreSQL 15.6")."""
    if not is_postgresql(url):
        return f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


@contextmanager
def scratch_schema(url: str, prefix: str) -> Iterator[str]:
    """A URL of the PostgreSQL at `url` whose tables live in a new, empty schema `<prefix>_<random>` (first
    on the search path), dropped with everything in it afterwards: nothing else in that database is read
    or touched."""
    import psycopg

    schema = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(url, schema)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def with_search_path(url: str, schema: str) -> str:
    """`url` with `schema` first on the search path (any other `options` the URL has are kept)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = " ".join(value for key, value in query if key == "options")
    query = [(key, value) for key, value in query if key != "options"]
    query.append(("options", f"-c search_path={schema} {given}".strip()))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def _load_sqlite(path: str, tables: Sequence[Table]) -> None:
    names = tuple(table.name for table in tables)
    marks = ", ".join("?" for _ in names)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        # Loading only: a server opens the file with the shipped (durable) settings.
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-400000")
        conn.execute("BEGIN")
        found = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})",
            names).fetchall()
        for name, _ in found:
            conn.execute(f'DROP INDEX "{name}"')
        for table in tables:
            conn.executemany(f"INSERT INTO {table.name} ({', '.join(table.columns)})"
                             f" VALUES ({', '.join('?' for _ in table.columns)})", table.rows)
        for _, sql in found:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _load_postgresql(url: str, tables: Sequence[Table]) -> None:
    import psycopg

    names = [table.name for table in tables]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")  # this session only: one commit at the end
        with conn.transaction():
            # Secondary indexes only: those behind a primary key or UNIQUE constraint stay (the rows are
            # appended in their order).
            found = conn.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()"
                " AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                " WHERE c.conindid = format('%%I.%%I', i.schemaname, i.indexname)::regclass)",
                (names,)).fetchall()
            for name, _ in found:
                conn.execute(f'DROP INDEX "{name}"')
            for table in tables:
                with conn.cursor().copy(f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN") as copy:
                    for row in table.rows:
                        copy.write_row(row)
            for _, sql in found:
                conn.execute(sql)
            for name in (table.name for table in tables if "id" in table.columns):
                conn.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {name}))",
                             (name,))
        conn.execute(f"ANALYZE {', '.join(names)}")
