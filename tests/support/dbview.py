"""Read the app's SQLite file from the side, as an operator would: what is committed is what counts."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.keys import CONFIG
from tests.conftest import Sms


def db_path(sms: Sms) -> str:
    config = sms.app[CONFIG]
    return str(config.resolve_path(config.database))


def rows(sms: Sms, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    with sqlite3.connect(db_path(sms)) as conn:
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
    with sqlite3.connect(db_path(sms)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}")), key=repr) for t in tables}
