"""A call that may have reached Twilio with no outcome recorded (its server died between Twilio accepting the
message and the commit recording it, or the call timed out) is checked against Twilio's own log, through the
real twilio client and the fake's Messages list, before the row is sent again: one message at the phone,
the row carrying Twilio's SID, and 'skipped' only for what never went."""

from __future__ import annotations

import asyncio
import io
import itertools
from datetime import timedelta
from functools import partial

from bot.app import create_app
from bot.config import Config
from bot.keys import CONFIG, SENDER
from bot.sender import outbox_report
from bot.storage import is_postgresql
from bot.storage.postgresql import POSTGRESQL
from bot.storage.sqlite import SQLITE
from bot.store import HOLDER_DEAD_SECONDS, Store
from tests.conftest import GUEST, HOST, AiohttpClient, Sms, list_place
from tests.support.dbview import db_url, execute, rows
from tests.support.fake_twilio import SentMessage
from tests.support.polling import until


async def _another_server(aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> Sms:
    app = create_app(config, clock=sms.clock)
    return Sms(await aiohttp_client(app), sms.twilio, sms.clock, app, itertools.count(100_000))


def _servers_die(sms: Sms) -> None:
    """Every server's heartbeat stops (on the database's clock, which stamps them)."""
    dialect = POSTGRESQL if is_postgresql(db_url(sms)) else SQLITE
    stopped = rows(sms, f"SELECT {dialect.clock_ago.format(seconds=HOLDER_DEAD_SECONDS + 1)} AS at")[0]["at"]
    execute(sms, "UPDATE servers SET heartbeat_at = ?", (stopped,))


async def _dies_once_twilio_has_it(sms: Sms, phone: str) -> None:
    """The server sends, Twilio accepts the message to `phone` (SID given) and the server dies before it
    hears the answer: nothing of the send is recorded."""
    sms.twilio.hold_answer(phone)
    sending = asyncio.create_task(sms.deliver())
    await until(lambda: bool(sms.inbox(phone)), 10, "Twilio to accept the message")
    sending.cancel()
    await asyncio.gather(sending, return_exceptions=True)
    _servers_die(sms)


async def test_a_host_prompt_twilio_took_before_its_server_died_is_sent_not_stale(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    """The host reads the prompt while its server dies unrecorded, and answers NO. The server taking the row
    over finds the prompt in Twilio's log: the row is 'sent' with Twilio's SID (the host did get it), not
    'skipped (stale)', and it is not sent again."""
    number = await list_place(sms)
    await sms.post("/sms", sms.form(GUEST, f"BOOK {number} Dec 20-23 2 guests"))
    await sms.post("/sms", sms.form(GUEST, "Bob"))  # files the request: the host's prompt is queued
    await _dies_once_twilio_has_it(sms, HOST)
    [prompt] = sms.twilio.messages
    await sms.post("/sms", sms.form(HOST, "NO"))  # on another server, the host declines

    other = await _another_server(aiohttp_client, config, sms)
    await other.deliver()
    assert [m.body for m in sms.twilio.messages if m.to == HOST].count(prompt.body) == 1
    [row] = rows(sms, "SELECT status, last_error, twilio_sid FROM outbox WHERE message_key = 'host_prompt'")
    assert (row["status"], row["twilio_sid"]) == ("sent", prompt.sid)
    assert sms.twilio.lists == 1


async def test_a_call_that_timed_out_after_twilio_took_it_is_not_sent_again(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    app = create_app(config.with_(twilio_request_timeout=0.2), clock=sms.clock)
    slow = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app)
    await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body="one"))
    answer = sms.twilio.hold_answer(HOST)  # accepted, answered only after the client gave up
    await slow.deliver()
    answer.set()
    assert rows(sms, "SELECT status, attempts FROM outbox") == [{"status": "sending", "attempts": 1}]
    out = io.StringIO()
    outbox_report(sms.app[CONFIG], out)  # the operator sees it is in doubt, not merely being sent
    assert "retrying after 1 attempt(s), unanswered, Twilio's log asked" in out.getvalue()

    sms.clock.advance(minutes=15)  # past any backoff
    await slow.deliver()
    assert sms.inbox(HOST) == ["one"]
    assert rows(sms, "SELECT status, twilio_sid, attempts FROM outbox") == [
        {"status": "sent", "twilio_sid": sms.twilio.messages[0].sid, "attempts": 1}]


async def test_the_log_is_read_page_by_page(aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    """120 later messages to the same phone (another system on the account, say): the one sought is on the
    third page of Twilio's list, newest first, 50 a page; the sender follows `next_page_uri` to it."""
    await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body="one"))
    await _dies_once_twilio_has_it(sms, HOST)
    sought = sms.twilio.messages[0].sid
    for n in range(120):
        sms.clock.advance(seconds=1)
        sms.twilio.messages.append(SentMessage(HOST, "+15550000000", f"other {n}", [], None, f"SMx{n:032x}",
                                               created=sms.clock.now()))
    other = await _another_server(aiohttp_client, config, sms)
    await other.deliver()
    assert sms.twilio.lists == 3
    assert rows(sms, "SELECT status, twilio_sid FROM outbox") == [{"status": "sent", "twilio_sid": sought}]
    assert sms.inbox(HOST).count("one") == 1


async def test_an_identical_message_another_row_sent_is_not_taken_for_this_one(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    """Two rows with the same words to one phone: the first was sent and recorded; the second's server
    counted its try and died before calling. Twilio's log has one such message, but its SID is the first
    row's, so the second is sent: two messages, two SIDs."""
    await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body="same"))
    await sms.deliver()
    await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body="same"))

    def claim_count_and_die(store: Store) -> None:
        store.heartbeat("dead")
        [row] = store.claim_due(timedelta(seconds=60), 10, holder="dead")
        store.count_attempts([row.id])

    await sms.db.run(claim_count_and_die)
    _servers_die(sms)
    other = await _another_server(aiohttp_client, config, sms)
    await other.deliver()
    assert sms.inbox(HOST) == ["same", "same"]
    sids = [r["twilio_sid"] for r in rows(sms, "SELECT twilio_sid FROM outbox ORDER BY id")]
    assert sids == [m.sid for m in sms.twilio.messages] and len(set(sids)) == 2


async def test_a_report_no_row_knows_is_given_to_the_one_row_it_fits(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    """Twilio took the message, its server died unrecorded, and the delivery report came before any
    take-over: a minute on, the report is looked up in Twilio's log (recipient, words, time) and the one row
    it fits is recorded as sent with that SID and the report's status; nothing more goes to the phone."""
    await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body="one"))
    await _dies_once_twilio_has_it(sms, HOST)
    [message] = sms.twilio.messages
    report = {"MessageSid": message.sid, "MessageStatus": "delivered", "To": HOST}
    assert (await sms.post("/sms/status", report)).status == 204
    sms.clock.advance(seconds=90)

    other = await _another_server(aiohttp_client, config, sms)
    assert await other.app[SENDER].claim_reports() == 1
    assert rows(sms, "SELECT status, twilio_sid, delivery_status FROM outbox") == [
        {"status": "sent", "twilio_sid": message.sid, "delivery_status": "delivered"}]
    assert rows(sms, "SELECT * FROM early_deliveries") == []
    await other.deliver()
    assert sms.inbox(HOST) == ["one"]


async def test_a_report_that_fits_two_rows_is_kept_for_the_operator(
        aiohttp_client: AiohttpClient, config: Config, sms: Sms) -> None:
    for _ in range(2):
        await sms.db.run(partial(Store.enqueue, user_id=None, to_phone=HOST, body="same"))

    def claim_count_and_die(store: Store) -> None:
        store.heartbeat("dead")
        store.count_attempts([row.id for row in store.claim_due(timedelta(seconds=60), 10, holder="dead")])

    await sms.db.run(claim_count_and_die)
    sms.twilio.messages.append(SentMessage(HOST, "", "same", [], None, "SM" + "a" * 32, created=sms.clock.now()))
    report = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "To": HOST}
    assert (await sms.post("/sms/status", report)).status == 204
    sms.clock.advance(seconds=90)

    other = await _another_server(aiohttp_client, config, sms)
    assert await other.app[SENDER].claim_reports() == 0
    assert [r["twilio_sid"] for r in rows(sms, "SELECT twilio_sid FROM early_deliveries")] == ["SM" + "a" * 32]
    out = io.StringIO()
    outbox_report(other.app[CONFIG], out)
    assert "Delivery reports no message claims" in out.getvalue() and "SM" + "a" * 32 in out.getvalue()
