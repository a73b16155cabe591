"""What every storage backend guarantees, on SQLite and on PostgreSQL (the `backend` fixture), and the
guarantees that only PostgreSQL's concurrency can break (marked: SQLite runs one unit at a time, so two
units never interleave there and those tests would prove nothing)."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.catalog import CatalogHolder
from bot.clock import FakeClock
from bot.config import ROOT, Config
from bot.context import Context
from bot.engine import Engine
from bot.errors import ListingNotFound
from bot.last_good import starting_catalog
from bot.models import Conversation
from bot.outcomes import unlist_listing
from bot.storage import Storage, migration_files, open_storage
from bot.storage import is_postgresql as postgres_url
from bot.storage.postgresql import POOL_SIZE
from bot.store import Store
from tests.support import postgres
from tests.support.dbview import query
from tests.support.polling import until

FLOW_TIMEOUT = timedelta(minutes=30)


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all yet (for the migrations' own tests)."""
    if backend == "sqlite":
        yield str(tmp_path / "fresh.db")
        return
    with postgres.fresh_schema() as url:
        yield url


@pytest.fixture
async def storage(database_url: str) -> AsyncIterator[Storage]:
    opened = await open_storage(database_url, FakeClock())
    yield opened
    await opened.close()


async def test_migrations_run_once_and_are_tracked_by_version(fresh_url: str, backend: str) -> None:
    storage = await open_storage(fresh_url, FakeClock())
    try:
        expected = len(migration_files(backend))
        assert await storage.migrate() == expected  # a second run applies nothing new
        assert await storage.ready()
        versions = await storage.run(lambda store: store.schema_version())
        assert versions == expected
    finally:
        await storage.close()


def _columns(url: str) -> dict[str, set[str]]:
    """Each table of a migrated database with its columns (either backend)."""
    if postgres_url(url):
        found = query(url, "SELECT table_name AS t, column_name AS c FROM information_schema.columns"
                           " WHERE table_schema = current_schema()")
    else:
        found = query(url, "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p"
                           " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'")
    tables: dict[str, set[str]] = {}
    for row in found:
        tables.setdefault(str(row["t"]), set()).add(str(row["c"]))
    return tables


@pytest.mark.postgresql_only
async def test_both_backends_migrate_to_the_same_tables_and_columns(database_url: str, tmp_path: Path) -> None:
    """Each migration has a twin of the same number and name, and after all of them both backends have the
    same tables with the same columns: the Store's one SQL text finds what it reads on either."""
    assert [path.name for _, path in migration_files("sqlite")] == [
        path.name for _, path in migration_files("postgresql")]
    sqlite_url = str(tmp_path / "twin.db")
    await (await open_storage(sqlite_url, FakeClock())).close()
    assert _columns(database_url) == _columns(sqlite_url)


@pytest.mark.sqlite_only
async def test_a_database_that_cannot_be_opened_leaves_no_thread_behind(tmp_path: Path) -> None:
    """A server whose start-up fails on its database (here a file that is not one) must still be able to
    exit: a connection left open keeps a thread alive that the interpreter waits for at exit."""
    broken = tmp_path / "not-a-database.db"
    broken.write_bytes(b"this is not an SQLite file" * 100)
    before = set(threading.enumerate())
    with pytest.raises(Exception, match="not a database"):
        await open_storage(str(broken), FakeClock())
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=5)  # a closed connection's thread ends just after its close is acknowledged
        assert not thread.is_alive(), thread


async def test_several_servers_starting_at_once_migrate_once(fresh_url: str, backend: str) -> None:
    """Three servers start together on an empty database: one applies the migrations, the others wait for
    it and find them applied (a second run of 001 would fail on its CREATE TABLEs)."""
    opened = await asyncio.gather(*(open_storage(fresh_url, FakeClock()) for _ in range(3)),
                                  return_exceptions=True)
    try:
        assert [await storage.ready() for storage in opened if not isinstance(storage, BaseException)] == [
            True, True, True], opened
    finally:
        for storage in opened:
            if not isinstance(storage, BaseException):
                await storage.close()


# -- migrations run whole: what a naive split at every `;` would cut --------------------------------------------

# Written to a folder of their own and applied by the real migrate path (`Storage.migrate(root)`). The same
# text on both backends where SQL allows.
NOTES = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"
# A `;`, `--` and `/*` inside string literals.
QUOTED = """-- Notes; their bodies hold what a splitter must not cut at.
INSERT INTO notes (id, body) VALUES (1, 'one; two -- three');
INSERT INTO notes (id, body) VALUES (2, 'it''s; /* not a comment */ four');
"""
# A body of two statements that runs on every insert: a trigger's BEGIN ... END on SQLite, a plpgsql
# function's $$ ... $$ on PostgreSQL.
COUNTS = {
    "sqlite": """CREATE TABLE counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO counts (name, n) VALUES ('notes', 0), ('characters', 0);
CREATE TRIGGER notes_counted AFTER INSERT ON notes BEGIN
    UPDATE counts SET n = n + 1 WHERE name = 'notes';
    UPDATE counts SET n = n + length(NEW.body) WHERE name = 'characters';
END;
""",
    "postgresql": """CREATE TABLE counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO counts (name, n) VALUES ('notes', 0), ('characters', 0);
CREATE FUNCTION notes_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE counts SET n = n + 1 WHERE name = 'notes';
    UPDATE counts SET n = n + length(NEW.body) WHERE name = 'characters';
    RETURN NEW;
END
$$;
CREATE TRIGGER notes_counted AFTER INSERT ON notes FOR EACH ROW EXECUTE FUNCTION notes_counted();
""",
}
# Tags each new note, by a second body, and adds note 3; FAILING, after it, adds note 3 again.
TAGS = {
    "sqlite": """CREATE TABLE tags (note_id INTEGER NOT NULL, tag TEXT NOT NULL);
CREATE TRIGGER notes_tagged AFTER INSERT ON notes BEGIN
    INSERT INTO tags (note_id, tag) VALUES (NEW.id, 'new; unread');
    UPDATE counts SET n = n + 100 WHERE name = 'notes';
END;
INSERT INTO notes (id, body) VALUES (3, 'tagged');
""",
    "postgresql": """CREATE TABLE tags (note_id INTEGER NOT NULL, tag TEXT NOT NULL);
CREATE FUNCTION notes_tagged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tags (note_id, tag) VALUES (NEW.id, 'new; unread');
    UPDATE counts SET n = n + 100 WHERE name = 'notes';
    RETURN NEW;
END
$$;
CREATE TRIGGER notes_tagged AFTER INSERT ON notes FOR EACH ROW EXECUTE FUNCTION notes_tagged();
INSERT INTO notes (id, body) VALUES (3, 'tagged');
""",
}
FAILING = "INSERT INTO notes (id, body) VALUES (3, 'a second note 3; no');\n"


def _write_migrations(root: Path, backend: str, *texts: str) -> Path:
    """`root` holding `texts` as the backend's migrations 001, 002, ... (kept: a later call adds to them)."""
    folder = root / backend
    folder.mkdir(parents=True, exist_ok=True)
    for number, text in enumerate(texts, start=1):
        (folder / f"{number:03d}_test.sql").write_text(text, encoding="utf-8")
    return root


async def _migrated(url: str, root: Path) -> int:
    storage = await open_storage(url, FakeClock(), migrate=False)
    try:
        return await storage.migrate(root)
    finally:
        await storage.close()


def _counts(url: str) -> dict[str, int]:
    return {str(row["name"]): int(row["n"]) for row in query(url, "SELECT name, n FROM counts")}


async def test_a_semicolon_or_comment_marks_inside_a_string_stay_in_the_string(
        fresh_url: str, backend: str, tmp_path: Path) -> None:
    assert await _migrated(fresh_url, _write_migrations(tmp_path, backend, NOTES, QUOTED)) == 2
    assert [row["body"] for row in query(fresh_url, "SELECT body FROM notes ORDER BY id")] == [
        "one; two -- three", "it's; /* not a comment */ four"]


async def test_a_trigger_or_function_body_of_several_statements_applies_whole(
        fresh_url: str, backend: str, tmp_path: Path) -> None:
    assert await _migrated(fresh_url, _write_migrations(tmp_path, backend, NOTES, COUNTS[backend])) == 2
    query(fresh_url, "INSERT INTO notes (id, body) VALUES (10, 'hello; world') RETURNING id")
    assert _counts(fresh_url) == {"notes": 1, "characters": len("hello; world")}  # both statements ran


async def test_a_failing_migration_leaves_nothing_of_it_applied_or_recorded(
        fresh_url: str, backend: str, tmp_path: Path) -> None:
    """Its statements before the failure (a table, a body that would fire on its own insert) are undone with
    it; once mended, it applies whole."""
    root = _write_migrations(tmp_path, backend, NOTES, COUNTS[backend])
    assert await _migrated(fresh_url, root) == 2
    _write_migrations(root, backend, NOTES, COUNTS[backend], TAGS[backend] + FAILING)
    with pytest.raises(Exception, match=r"(?i)unique"):
        await _migrated(fresh_url, root)
    assert [row["version"] for row in query(fresh_url, "SELECT version FROM schema_migrations ORDER BY version")] == [
        1, 2]
    assert "tags" not in _columns(fresh_url)
    assert query(fresh_url, "SELECT id FROM notes") == []
    assert _counts(fresh_url) == {"notes": 0, "characters": 0}

    _write_migrations(root, backend, NOTES, COUNTS[backend], TAGS[backend])
    assert await _migrated(fresh_url, root) == 3
    assert [tuple(row.values()) for row in query(fresh_url, "SELECT note_id, tag FROM tags")] == [(3, "new; unread")]
    assert _counts(fresh_url) == {"notes": 101, "characters": len("tagged")}


async def test_concurrent_units_are_all_durable_when_they_return(storage: Storage, database_url: str) -> None:
    other = await open_storage(database_url, FakeClock())  # another server's connection

    async def add_user(n: int) -> None:
        await storage.run(lambda store: store.get_or_create_user(f"+1555000{n:04d}", "en"))
        # Returned: another connection must see it now, before anything else happens.
        assert await other.run(lambda store: store.user_by_phone(f"+1555000{n:04d}")) is not None

    try:
        await asyncio.gather(*(add_user(n) for n in range(30)))
    finally:
        await other.close()


async def test_a_failing_unit_rolls_back_alone(storage: Storage) -> None:
    async def good(n: int) -> None:
        await storage.run(lambda store: store.get_or_create_user(f"+1555111{n:04d}", "en"))

    def half_way(store: Store) -> None:
        store.get_or_create_user("+15552220000", "en")
        raise ValueError("rule broken half-way")

    results = await asyncio.gather(good(1), storage.run(half_way), good(2), return_exceptions=True)
    assert isinstance(results[1], ValueError)
    found = await storage.run(lambda store: [store.user_by_phone(p) is not None
                                             for p in ("+15551110001", "+15552220000", "+15551110002")])
    assert found == [True, False, True]


async def test_ids_come_back_from_inserts_and_search_folds_every_script_alike(storage: Storage) -> None:
    """`RETURNING id` on both backends, and the same listings found for the same words: the words and each
    listing's search copy are folded in every script (NFKC + casefold), so case and full-width letters do
    not matter on either backend."""
    def seed(store: Store) -> list[int]:
        host, _ = store.get_or_create_user("+15553330001", "en")
        return [store.create_listing(host.id, text, None, title=title, price=None, max_guests=None).id
                for title, text in (("Loft", "Sunny LOFT by the harbour"), ("Café", "Café ÉTÉ by the sea"),
                                    ("海", "海の見える部屋です"))]

    ids = await storage.run(seed)
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]

    def found(*words: str) -> Callable[[Store], list[int]]:
        return lambda store: [listing.id for listing in store.browse(0, words, 10)]

    assert await storage.run(found("sunny", "loft")) == [ids[0]]
    assert await storage.run(found("ＬＯＦＴ")) == [ids[0]]  # full-width letters read as ASCII
    assert await storage.run(found("CAFÉ")) == [ids[1]]
    assert await storage.run(found("cafÉ", "été")) == [ids[1]]
    assert await storage.run(found("café", "winter")) == []  # every word must be there
    assert await storage.run(found("海の")) == [ids[2]]
    assert await storage.run(found("100%")) == []  # LIKE's wildcards are searched as text


async def test_a_reference_drawn_twice_files_the_second_request_under_a_new_one(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """References are random; one drawn again (the odds are small, the harm a stay two guests share) is
    refused by the table's UNIQUE and drawn anew, on both backends. The draws are scripted here."""
    draws = iter("AAAAAA" "AAAAAA" "BBBBBB")
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(draws))

    def two_requests(store: Store) -> list[str]:
        host, _ = store.get_or_create_user("+15553330011", "en")
        guest, _ = store.get_or_create_user("+15553330012", "en")
        listing = store.create_listing(host.id, "A quiet room by the river", None, title="River room", price=None,
                                       max_guests=None)
        day = date(2030, 5, 1)
        return [store.create_reservation(listing, guest.id, day + timedelta(days=n), day + timedelta(days=n + 1)).ref
                for n in (0, 3)]

    assert await storage.run(two_requests) == ["AAAAAA", "BBBBBB"]
    assert next(draws, None) is None  # the second request drew twice


def _mark_sent(store: Store, row_id: int) -> None:
    store.mark_sent(row_id, f"SM{row_id}", "queued")


# -- PostgreSQL: several servers at once ---------------------------------------------------------------


def _host_with_conversation(store: Store) -> int:
    host, _ = store.get_or_create_user("+15554440001", "en")
    store.save_conversation(Conversation(host.id), FLOW_TIMEOUT, slide=False)
    return host.id


@pytest.mark.postgresql_only
async def test_one_text_per_phone_at_a_time_across_servers(database_url: str) -> None:
    """Two servers get texts from one phone at once: the second waits for the first to commit, and then
    sees what it did (a text runs at a snapshot, taken after the phone's previous text committed)."""
    first, second = [await open_storage(database_url, FakeClock()) for _ in range(2)]
    events: list[str] = []
    holding, go_on = threading.Event(), threading.Event()

    def text(name: str, hold: bool) -> Callable[[Store], None]:
        def unit(store: Store) -> None:
            events.append(f"{name} starts, after one: {store.inbound_reply('SM-one')}")
            if hold:  # the work of a text, until the other server's text is waiting for the phone
                holding.set()
                go_on.wait(10)
            store.record_inbound(f"SM-{name}", "+15554440002", f"reply to {name}")
            events.append(f"{name} ends")
        return unit

    try:
        one = asyncio.create_task(first.run(text("one", True), key="+15554440002", snapshot=True))
        await asyncio.to_thread(holding.wait, 5)
        two = asyncio.create_task(second.run(text("two", False), key="+15554440002", snapshot=True))
        try:
            await until(lambda: postgres.waiting_for_key(database_url, "+15554440002"), 5,
                        "the second server's text to wait for the phone")
        finally:
            go_on.set()
        await asyncio.gather(one, two)
    finally:
        await first.close()
        await second.close()
    assert events == ["one starts, after one: None", "one ends", "two starts, after one: reply to one", "two ends"]


@pytest.mark.postgresql_only
@pytest.mark.parametrize("key", ["+15554440004", "SM'; SELECT pg_sleep(60); --\\"])
async def test_a_failed_text_leaves_its_phone_free_for_the_next_at_any_server(database_url: str, key: str) -> None:
    """A text's unit fails (a broken rule, an SQL error that aborts its transaction): nothing it did is
    kept, and the phone's next text, at another server, runs at once rather than waiting on a lock the
    failed one kept. Keys are quoted, whatever they hold."""
    first, second = [await open_storage(database_url, FakeClock()) for _ in range(2)]

    def broken_rule(store: Store) -> None:
        store.get_or_create_user("+15554440005", "en")
        raise ValueError("rule broken half-way")

    def broken_sql(store: Store) -> None:
        store.get_or_create_user("+15554440005", "en")
        store.inbound_reply("SM-x")
        store.record_inbound("SM-x", "+15554440005", "a")
        try:
            store.record_inbound("SM-x", "+15554440005", "b")  # the same MessageSid twice: a unique violation
        except Exception:  # the driver's own error; the transaction is aborted now
            raise ValueError("the unit gives up on an aborted transaction") from None

    try:
        for failing in (broken_rule, broken_sql):
            for _ in range(4 * POOL_SIZE):  # more than the pool's connections: none is left holding the lock
                with pytest.raises(ValueError):
                    await first.run(failing, key=key, snapshot=True)
            found = await asyncio.wait_for(
                second.run(lambda store: store.user_by_phone("+15554440005"), key=key, snapshot=True), 5)
            assert found is None
    finally:
        await first.close()
        await second.close()


@pytest.mark.postgresql_only
async def test_no_lost_update_when_two_servers_change_one_conversation(database_url: str) -> None:
    """A guest's booking at one server presents a request to the host while the host's own text at another
    server starts a flow: both read the host's conversation before either writes it. The unit that loses
    the conflict runs again on fresh data, so the host has both the flow and the request."""
    first, second = [await open_storage(database_url, FakeClock()) for _ in range(2)]
    both_read = threading.Barrier(2, timeout=5)
    runs: list[str] = []

    def change(name: str, apply: Callable[[Conversation], None]) -> Callable[[Store], None]:
        def unit(store: Store) -> None:
            conv = store.conversation(host_id)
            if name not in runs:  # the first run waits for the other to have read too; a rerun does not
                both_read.wait()
            runs.append(name)
            apply(conv)
            store.save_conversation(conv, FLOW_TIMEOUT, slide=False)
        return unit

    def present(conv: Conversation) -> None:
        conv.presented_id = request_id

    def start_flow(conv: Conversation) -> None:
        conv.flow, conv.step = "hosting", "describe"

    def seed(store: Store) -> tuple[int, int]:
        host = _host_with_conversation(store)
        guest, _ = store.get_or_create_user("+15554440003", "en")
        listing = store.create_listing(host, "Sunny loft by the harbour", None, title="Loft", price=None,
                                       max_guests=None)
        day = FakeClock().now().date()
        return host, store.create_reservation(listing, guest.id, day, day + timedelta(days=2)).id

    try:
        host_id, request_id = await first.run(seed)
        await asyncio.gather(first.run(change("booking", present)), second.run(change("host", start_flow)))
        conv = await first.run(lambda store: store.conversation(host_id))
    finally:
        await first.close()
        await second.close()
    assert (conv.flow, conv.step, conv.presented_id) == ("hosting", "describe", request_id)
    assert len(runs) == 3  # one of the two ran again


@pytest.mark.postgresql_only
async def test_texts_at_a_snapshot_still_conflict_when_one_decided_on_the_others_person(config: Config) -> None:
    """Write skew, which SERIALIZABLE prevents and a snapshot alone does not: a guest's booking at one server
    files a request for a host who has another in front of them, so it leaves the host's conversation as it
    is, while the host's YES at another server clears that request and looks for the next (not yet there
    for it). Both texts run at a snapshot, as texts do; each writes back the host's conversation it read,
    so one of them runs again and the new request is presented rather than left waiting unseen."""
    catalog = CatalogHolder(starting_catalog(config)[0])
    servers = [await open_storage(config.storage_url, FakeClock()) for _ in range(2)]
    engines = [Engine(db, catalog, config, FakeClock()) for db in servers]
    both_read = threading.Barrier(2, timeout=5)
    runs: list[str] = []

    def seed(ctx: Context) -> tuple[int, int]:
        host = _host_with_conversation(ctx.store)
        guest, _ = ctx.store.get_or_create_user("+15554440003", "en")
        listing = ctx.store.create_listing(host, "Sunny loft by the harbour", None, title="Loft", price=None,
                                           max_guests=None)
        day = FakeClock().now().date() + timedelta(days=7)
        shown = ctx.store.create_reservation(listing, guest.id, day, day + timedelta(days=2))
        ctx.conversation(host).presented_id = shown.id
        return host, listing.id

    def once(name: str) -> None:
        if name not in runs:  # the first run waits for the other to have read too; a rerun does not
            both_read.wait()
        runs.append(name)

    def booking(ctx: Context) -> int:
        ctx.conversation(host_id)  # as the booking flow loads the host's, to present the request
        once("booking")
        guest, _ = ctx.store.get_or_create_user("+15554440004", "en")
        day = FakeClock().now().date() + timedelta(days=20)
        return ctx.store.create_reservation(ctx.store.listing(listing_id), guest.id, day, day + timedelta(days=2)).id

    def yes(ctx: Context) -> None:
        conv = ctx.conversation(host_id)
        once("host")
        assert conv.presented_id is not None
        ctx.store.set_status(conv.presented_id, "confirmed")
        conv.presented_id = None  # the engine then presents the host's next request, if any

    try:
        host_id, listing_id = await engines[0].run(seed)
        filed, _ = await asyncio.gather(engines[0].run(booking, key="+15554440004", snapshot=True),
                                        engines[1].run(yes, key="+15554440001", snapshot=True))
        presented = await engines[0].run(lambda ctx: ctx.store.conversation(host_id).presented_id)
    finally:
        for db in servers:
            await db.close()
    assert presented == filed
    assert len(runs) == 3  # one of the two ran again


@pytest.mark.postgresql_only
async def test_a_place_hidden_while_a_guest_books_it_at_another_server_leaves_no_request_waiting(
        config: Config) -> None:
    """An operator hides a place (the console's unit) while a guest's booking of it runs at another server
    (a text, at a snapshot): each finds the other's work not there yet. Both write back the host's
    conversation, so one runs again: the request is declined with the place, or never filed."""
    catalog = CatalogHolder(starting_catalog(config)[0])
    servers = [await open_storage(config.storage_url, FakeClock()) for _ in range(2)]
    engines = [Engine(db, catalog, config, FakeClock()) for db in servers]
    both_read = threading.Barrier(2, timeout=5)
    runs: list[str] = []  # every attempt, a rerun that finds the place gone included

    def seed(ctx: Context) -> int:
        host = _host_with_conversation(ctx.store)
        return ctx.store.create_listing(host, "Sunny loft by the harbour", None, title="Loft", price=None,
                                        max_guests=None).id

    def once(name: str) -> None:
        if runs.count(name) == 1:  # the first attempt waits for the other to have read too
            both_read.wait()

    def booking(ctx: Context) -> None:
        runs.append("booking")
        guest, _ = ctx.store.get_or_create_user("+15554440004", "en")
        try:
            listing = ctx.store.listing(listing_id)
        except ListingNotFound:
            return
        ctx.conversation(listing.host_id)  # as the booking flow loads the host's, to present the request
        once("booking")
        day = FakeClock().now().date() + timedelta(days=20)
        ctx.store.create_reservation(listing, guest.id, day, day + timedelta(days=2))

    def hide(ctx: Context) -> None:
        runs.append("hide")
        ctx.store.pending_for_listing(listing_id)
        once("hide")
        unlist_listing(ctx, listing_id)

    try:
        listing_id = await engines[0].run(seed)
        await asyncio.gather(engines[0].run(booking, key="+15554440004", snapshot=True), engines[1].run(hide))
    finally:
        for db in servers:
            await db.close()
    waiting = query(config.storage_url, "SELECT id FROM reservations WHERE status = 'pending'")
    assert waiting == []
    assert len(runs) == 3  # one of the two ran again


@pytest.mark.postgresql_only
async def test_a_delivery_report_racing_its_send_at_another_server_is_applied(database_url: str) -> None:
    """Twilio's report on a message reaches one server while the sender at another is still recording the
    send: neither finds the other's row if both run at once. Keyed by the SID, the second waits for the
    first and finds its row, so the report is applied to the message."""
    first, second = [await open_storage(database_url, FakeClock()) for _ in range(2)]
    reporting, go_on = threading.Event(), threading.Event()

    def report(store: Store) -> None:
        store.update_delivery("SM-race", "delivered", None)  # no row has this SID yet: kept for the send
        reporting.set()
        go_on.wait(10)  # the rest of the callback's unit, until the sender recording the send waits for it

    try:
        row_id = await first.run(lambda store: store.enqueue(None, "+15554440005", "Your stay is confirmed"))
        reported = asyncio.create_task(first.run(report, key="SM-race"))
        await asyncio.to_thread(reporting.wait, 5)
        sent = asyncio.create_task(second.run(lambda store: store.mark_sent(row_id, "SM-race", "queued"),
                                              key="SM-race", snapshot=True))
        try:
            await until(lambda: postgres.waiting_for_key(database_url, "SM-race"), 5,
                        "the send to wait for the report")
        finally:
            go_on.set()
        await asyncio.gather(reported, sent)
        delivery = query(database_url, "SELECT delivery_status FROM outbox WHERE id = ?", (row_id,))
    finally:
        await first.close()
        await second.close()
    assert [row["delivery_status"] for row in delivery] == ["delivered"]


def _claim_together(store: Store, barrier: threading.Barrier, waited: list[bool]) -> list[tuple[str, int]]:
    """Claim the due outbox at the same moment as the other server (a rerun claims at once)."""
    if not waited:
        waited.append(True)
        barrier.wait()
    return [(row.to_phone, row.id) for row in store.claim_due(timedelta(minutes=1), 3)]


@pytest.mark.postgresql_only
async def test_two_servers_claiming_at_once_never_claim_a_row_twice_and_keep_each_queue_in_order(
        database_url: str) -> None:
    """Both servers' senders claim the outbox at the same moment, round after round: every row is claimed
    once, and a row is only claimed after every earlier row to the same phone was settled."""
    servers = [await open_storage(database_url, FakeClock()) for _ in range(2)]
    phones = [f"+1555555{n:04d}" for n in range(4)]

    def enqueue(store: Store) -> None:
        for n in range(24):
            store.enqueue(None, phones[n % len(phones)], f"message {n}")

    claims: list[tuple[str, int]] = []
    try:
        await servers[0].run(enqueue)
        for _ in range(24):
            barrier = threading.Barrier(2, timeout=5)
            claimed = await asyncio.gather(*(server.run(partial(_claim_together, barrier=barrier, waited=[]))
                                             for server in servers))
            for server, rows in zip(servers, claimed, strict=True):
                claims.extend(rows)
                for _, row_id in rows:
                    await server.run(partial(_mark_sent, row_id=row_id))
            summary = await servers[0].run(lambda store: store.outbox_summary())
            if summary == {"sent": 24}:
                break
    finally:
        for server in servers:
            await server.close()
    assert summary == {"sent": 24}
    claimed_ids = [row_id for _, row_id in claims]
    assert len(claimed_ids) == len(set(claimed_ids)) == 24
    for phone in phones:  # in claim order, each phone's rows come in id order
        ids = [row_id for to, row_id in claims if to == phone]
        assert ids == sorted(ids)


async def test_run_py_migrate_brings_a_new_database_up_to_date(fresh_url: str, backend: str) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_url} if backend == "postgresql" else {
        **os.environ, "DATABASE": fresh_url, "DATABASE_URL": ""}
    process = await asyncio.create_subprocess_exec(sys.executable, "run.py", "migrate", cwd=ROOT, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert f"schema at version {len(migration_files(backend))}" in output.decode()
    storage = await open_storage(fresh_url, FakeClock(), migrate=False)
    try:
        assert await storage.ready()
    finally:
        await storage.close()
