"""The dashboard and the dev phone are live (server-sent events read them every second or two): none of
their queries may read a whole table. Checked on the query plans of both backends (SQLite's EXPLAIN QUERY
PLAN; PostgreSQL's EXPLAIN with sequential scans priced out, so the plan shows whether an index can serve
at all, whatever the table's size)."""

from __future__ import annotations

import re
from datetime import date

from bot.console import queries as q
from bot.store import Store
from tests.conftest import Sms

# Tables that grow with every text, request and SMS; users grows with every new number.
GROWING = ("reservations", "inbound", "outbox", "users")
# Partial indexes hold only the few rows a count wants (db/*/011_console_counts.sql): read whole, they are
# those rows and no more.
PARTIAL = ("reservations_waiting", "reservations_confirmed", "outbox_undelivered", "outbox_open_recipient",
           "users_opted_out", "users_unreachable")


def _plan(store: Store, sql: str, params: tuple[object, ...]) -> list[str]:
    if store._sql.dialect.name == "sqlite":
        return [str(row["detail"]) for row in store._all(f"EXPLAIN QUERY PLAN {sql}", params)]
    store._run("SET LOCAL enable_seqscan = off")
    return [str(row["QUERY PLAN"]) for row in store._all(f"EXPLAIN {sql}", params)]


def _full_scans(plan: list[str], aliases: dict[str, str]) -> list[str]:
    """The lines of a plan that read a growing table whole: SQLite's SCAN (with or without an index: a
    covering index read end to end is still all of it), PostgreSQL's Seq Scan, or an index read with no
    condition (all of it), unless the index is a partial one."""
    found = []
    for number, line in enumerate(plan):
        if any(f"INDEX {name}" in line or f" {name} " in f"{line} " for name in PARTIAL):
            continue
        sqlite = re.match(r"\s*SCAN (\w+)", line)
        if sqlite and aliases.get(sqlite.group(1), sqlite.group(1)) in GROWING:
            found.append(line)
        if re.search(rf"Seq Scan on ({'|'.join(GROWING)})\b", line):
            found.append(line)
        if re.search(r"Index (Only )?Scan|Bitmap Index Scan", line) and not _has_index_cond(plan[number + 1:]):
            found.append(line)
    return found


def _has_index_cond(rest: list[str]) -> bool:
    """Whether a PostgreSQL plan node (the lines after it, up to the next node) reads its index by a key."""
    for line in rest:
        if "->" in line:
            return False
        if "Index Cond" in line:
            return True
    return False


ALIASES = {"r": "reservations", "g": "users", "h": "users", "u": "users", "l": "listings"}


async def test_no_live_query_reads_a_whole_growing_table(sms: Sms) -> None:
    now, today = sms.clock.now(), date(2026, 11, 30)
    texts, sent = q.thread_queries("+15551230001")  # the conversation page and the dev phone, live too
    queries = {**q.dashboard_counts(now, today), "attention": q.stays_needing_attention_query(today),
               "upcoming": q.upcoming_stays_query(today), "thread_texts": texts, "thread_sms": sent}

    def plans(store: Store) -> dict[str, list[str]]:
        return {name: _plan(store, sql, params) for name, (sql, params) in queries.items()}

    found = await sms.db.run(plans)
    scans = {name: _full_scans(plan, ALIASES) for name, plan in found.items()}
    assert {name: lines for name, lines in scans.items() if lines} == {}, found
