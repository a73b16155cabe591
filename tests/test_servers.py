"""Several servers on one database (on SQLite: worker processes sharing the file; on PostgreSQL: servers on
several machines), each a whole app: Twilio's retry lands on another server, one phone's texts are spread
across servers, every server's scheduler and sender run at once. Nothing is applied or sent twice."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import timedelta
from functools import partial

from bot.app import create_app
from bot.config import Config
from bot.keys import SCHEDULER
from bot.storage import is_postgresql
from bot.storage.postgresql import POSTGRESQL
from bot.storage.sqlite import SQLITE
from bot.store import HOLDER_DEAD_SECONDS, Store
from tests.conftest import GUEST, HOST, AiohttpClient, Sms, book, list_place
from tests.support.dbview import db_url, execute, rows
from tests.support.polling import until


async def _another_server(aiohttp_client: AiohttpClient, config: Config, sms: Sms, number: int) -> Sms:
    """Another server on the same database, Twilio fake and clock (MessageSids of its own)."""
    app = create_app(config, clock=sms.clock)
    return Sms(await aiohttp_client(app), sms.twilio, sms.clock, app, itertools.count(number * 100_000))


async def test_a_retry_that_lands_on_another_server_is_applied_once(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    other = await _another_server(aiohttp_client, config, sms, 1)
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number} Dec 20-23 2 guests")
    form = sms.form(GUEST, "Bob")  # the name: files the request and prompts the host
    replies = await asyncio.gather(*(server.answer(form) for server in (sms, other, sms, other)))
    await asyncio.gather(sms.deliver(), other.deliver())
    assert len(set(replies)) == 1 and "reference" in replies[0]
    assert rows(sms, "SELECT COUNT(*) AS n FROM reservations") == [{"n": 1}]
    assert len(sms.inbox(HOST)) == 1  # the host is asked once


async def test_one_phones_texts_spread_across_servers_are_applied_one_at_a_time(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    """Nine BOOKs at once from one guest, spread over two servers: the pending-request cap (3) holds, which
    it could not if two were applied side by side."""
    other = await _another_server(aiohttp_client, config, sms, 1)
    hosts = [f"+1555777{i:04d}" for i in range(9)]
    numbers = [await list_place(sms, host=h, name=f"H{i}", description=f"House {i} with garden, quiet street")
               for i, h in enumerate(hosts)]
    await sms.text(GUEST, f"BOOK {numbers[0]} Dec 1-2 2 guests")
    await sms.text(GUEST, "Bob")
    servers = itertools.cycle((sms, other))
    replies = await asyncio.gather(*(next(servers).answer(sms.form(GUEST, f"BOOK {n} Dec 20-23 2 guests"))
                                     for n in numbers[1:]))
    assert sum("reference" in reply for reply in replies) == 2
    assert rows(sms, "SELECT COUNT(*) AS n FROM reservations WHERE status = 'pending'") == [{"n": 3}]


async def test_every_servers_scheduler_at_once_works_each_job_once(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    others = [await _another_server(aiohttp_client, config, sms, n) for n in (1, 2)]
    number = await list_place(sms)
    refs = [await book(sms, guest, number, f"Dec {2 * i + 1}-{2 * i + 2}", name=f"G{i}")
            for i, guest in enumerate((GUEST, "+15551239001", "+15551239002"))]
    prompts = len(sms.inbox(HOST))

    async def every_scheduler_then_sender() -> None:
        await asyncio.gather(*(server.app[SCHEDULER].run_due() for server in (sms, *others)))
        await asyncio.gather(*(server.deliver() for server in (sms, *others)))

    sms.clock.advance(hours=21)  # the reminder is due (it is sent while its request still waits)
    await every_scheduler_then_sender()
    reminders = [m for m in sms.inbox(HOST)[prompts:] if "Reminder" in m]
    assert len(reminders) == 1
    sms.clock.advance(hours=4)  # every expiry is due
    await every_scheduler_then_sender()
    expired = Counter(m.to for m in sms.twilio.messages if "expired" in m.body)
    assert expired == Counter({GUEST: 1, "+15551239001": 1, "+15551239002": 1, HOST: 1})
    assert rows(sms, "SELECT COUNT(*) AS n FROM reservations WHERE status = 'expired'") == [{"n": len(refs)}]


async def test_every_servers_sender_at_once_sends_each_message_once_and_in_order(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    others = [await _another_server(aiohttp_client, config, sms, n) for n in (1, 2)]
    number = await list_place(sms)
    guests = [f"+155512391{i:02d}" for i in range(6)]
    for i, guest in enumerate(guests):
        await sms.post("/sms", sms.form(guest, f"BOOK {number} Dec {i + 1}-{i + 2} 2 guests"))
        await sms.post("/sms", sms.form(guest, f"G{i}"))
    for _ in range(3):  # the host declines one request after another: each tells a guest, prompts the next
        await sms.post("/sms", sms.form(HOST, "NO"))
    await asyncio.gather(*(server.deliver() for server in (sms, *others)))
    written = rows(sms, "SELECT to_phone, body, status, last_error, message_key FROM outbox ORDER BY id")
    # Host prompts for requests the host declined before the prompt's turn came are skipped as stale.
    queued = [row for row in written if row["status"] == "sent"]
    assert all((r["status"], r["last_error"], r["message_key"]) == ("skipped", "stale", "host_prompt")
               for r in written if r["status"] != "sent")
    sent = [(m.to, m.body) for m in sms.twilio.messages]
    assert sorted(sent) == sorted((row["to_phone"], row["body"]) for row in queued)  # each once
    for phone in {row["to_phone"] for row in queued}:  # and each person's in the order written
        assert [b for to, b in sent if to == phone] == [r["body"] for r in queued if r["to_phone"] == phone]


async def test_a_dead_servers_leased_messages_go_out_within_seconds_not_after_the_lease(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    """A server claims two messages and dies before sending them. While its heartbeat is fresh the rows are
    its own; once the heartbeat is older than `HOLDER_DEAD_SECONDS`, another server sends them at once and in
    order, though their 60 s lease has not run out (the clock has not moved)."""
    for body in ("one", "two"):
        await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body=body))

    def claim_and_die(store: Store) -> int:
        store.heartbeat("dead-server")
        return len(store.claim_due(timedelta(seconds=60), 10, holder="dead-server"))

    assert await sms.db.run(claim_and_die) == 2
    other = await _another_server(aiohttp_client, config, sms, 1)
    assert await other.deliver() == 0  # its holder is alive: hands off
    execute(sms, "UPDATE servers SET heartbeat_at = ? WHERE boot_id = 'dead-server'", (_stopped_heartbeat(sms),))
    assert await other.deliver() == 2
    assert sms.inbox(HOST) == ["one", "two"]
    assert [r["status"] for r in rows(sms, "SELECT status FROM outbox ORDER BY id")] == ["sent", "sent"]


def _stopped_heartbeat(sms: Sms) -> str:
    """A heartbeat that stopped just long enough ago, on the clock heartbeats are stamped with: the
    database's (PostgreSQL's may be another machine's, so not this process's)."""
    dialect = POSTGRESQL if is_postgresql(db_url(sms)) else SQLITE
    return str(rows(sms, f"SELECT {dialect.clock_ago.format(seconds=HOLDER_DEAD_SECONDS + 1)} AS at")[0]["at"])


async def test_servers_that_die_between_claiming_and_calling_twilio_use_up_no_attempts(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    """Three servers in turn claim a message and die before calling Twilio (a crash loop, say). None of that
    was an attempt: the server that finally sends it still has every try of outbox.max_attempts, so
    Twilio's one failure is retried instead of the message being parked as failed, never sent."""
    await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body="one"))
    for n in range(3):
        def claim_and_die(store: Store, holder: str = f"dead-{n}") -> int:
            store.heartbeat(holder)
            return len(store.claim_due(timedelta(seconds=60), 10, holder=holder))

        assert await sms.db.run(claim_and_die) == 1
        execute(sms, "UPDATE servers SET heartbeat_at = ? WHERE boot_id = ?", (_stopped_heartbeat(sms), f"dead-{n}"))
    assert [r["attempts"] for r in rows(sms, "SELECT attempts FROM outbox")] == [0]

    other = await _another_server(aiohttp_client, config.with_(outbox_max_attempts=2), sms, 1)
    sms.twilio.fail_next(500)
    assert await other.deliver() == 1
    assert rows(sms, "SELECT status, attempts FROM outbox") == [{"status": "pending", "attempts": 1}]
    sms.clock.advance(minutes=20)
    assert await other.deliver() == 1
    assert sms.inbox(HOST) == ["one"]
    assert rows(sms, "SELECT status, attempts FROM outbox") == [{"status": "sent", "attempts": 2}]


async def test_a_server_that_dies_mid_batch_leaves_each_message_sent_once(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    """A server claims three messages to one person and dies while Twilio holds its answer to the first
    (accepted, SID given, nothing recorded). Another server takes them over: Twilio's log has the first, so
    it is recorded with that SID and not sent again; the two never called are sent, each once, in order.
    (Before the log was asked, the first reached the phone twice.)"""
    for body in ("one", "two", "three"):
        await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body=body))
    sms.twilio.hold_answer(HOST)  # the first is accepted, its answer held
    dying = asyncio.create_task(sms.deliver())
    await until(lambda: bool(sms.inbox(HOST)), 10, "the call to reach Twilio")
    dying.cancel()  # the server dies, the call answered to no one
    await asyncio.gather(dying, return_exceptions=True)
    execute(sms, "UPDATE servers SET heartbeat_at = ?", (_stopped_heartbeat(sms),))
    assert [r["status"] for r in rows(sms, "SELECT status FROM outbox ORDER BY id")] == ["sending"] * 3

    other = await _another_server(aiohttp_client, config, sms, 1)
    assert await other.deliver() == 3
    assert sms.inbox(HOST) == ["one", "two", "three"]
    assert sms.twilio.lists == 1  # one look in the log, for the one row in doubt
    written = rows(sms, "SELECT status, attempts, twilio_sid FROM outbox ORDER BY id")
    assert [(r["status"], r["attempts"]) for r in written] == [("sent", 1), ("sent", 1), ("sent", 1)]
    assert [r["twilio_sid"] for r in written] == [m.sid for m in sms.twilio.messages]
