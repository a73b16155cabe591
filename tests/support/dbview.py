"""Read the app's database from the side, as an operator would: what is committed is what counts.
Works on either backend: SQL here uses `?` placeholders, as the Store's does."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
from psycopg.rows import dict_row

from bot.keys import CONFIG
from bot.storage import is_postgresql
from tests.conftest import Sms


def db_path(sms: Sms) -> str:
    """The SQLite file (tests that only mean something on SQLite)."""
    config = sms.app[CONFIG]
    return str(config.resolve_path(config.database))


def db_url(sms: Sms) -> str:
    return str(sms.app[CONFIG].storage_url)


def execute(sms: Sms, sql: str, params: tuple[Any, ...] = (), *, unchecked: bool = False) -> None:
    """Change the database from the side (bad data, an old bug), committed at once. `unchecked`: foreign
    keys are not checked (SQLite's side connection never checks them; PostgreSQL's is told not to)."""
    url = db_url(sms)
    if is_postgresql(url):
        with psycopg.connect(url, autocommit=True) as conn:
            if unchecked:
                conn.execute("SET session_replication_role = replica")
            conn.execute(sql.replace("?", "%s"), params)
    else:
        with sqlite3.connect(url) as conn:
            conn.execute(sql, params)


def rows(sms: Sms, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    return query(db_url(sms), sql, params)


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of the database at `url` (a SQLite path or a PostgreSQL URL)."""
    if is_postgresql(url):
        with psycopg.connect(url, row_factory=dict_row) as conn:
            return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
    with sqlite3.connect(url) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


def outbox(sms: Sms, to: str | None = None) -> list[dict[str, Any]]:
    if to is None:
        return rows(sms, "SELECT * FROM outbox ORDER BY id")
    return rows(sms, "SELECT * FROM outbox WHERE to_phone = ? ORDER BY id", (to,))


def user(sms: Sms, phone: str) -> dict[str, Any]:
    found = rows(sms, "SELECT * FROM users WHERE phone = ?", (phone,))
    assert found, f"no user {phone}"
    return found[0]


def snapshot(sms: Sms) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: to prove that something changed nothing."""
    url = db_url(sms)
    if is_postgresql(url):
        with psycopg.connect(url) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
            return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")), key=repr)
                    for t in tables}
    with sqlite3.connect(url) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")), key=repr) for t in tables}


def message_keys(sms: Sms, to: str) -> list[str | None]:
    """The catalog key of every message queued for `to`, oldest first: whether a message was sent at all,
    whatever its wording says."""
    return [row["message_key"] for row in outbox(sms, to)]
