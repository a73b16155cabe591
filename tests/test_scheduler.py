"""Time, persisted: request expiry, one reminder, forgotten flows. Driven by the injected clock."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.config import Config
from bot.storage import is_postgresql
from tests.conftest import GUEST, GUEST2, HOST, AiohttpClient, Sms, book, list_place
from tests.support.dbview import db_url, execute, rows, snapshot


async def test_an_undecided_request_expires_after_24_hours_guest_told_host_moved_on(sms: Sms) -> None:
    number = await list_place(sms)
    ref1 = await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    sms.clock.advance(hours=1)
    ref2 = await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")

    sms.clock.advance(hours=22, minutes=59)  # 23:59 after the first request
    await sms.run_scheduler()
    assert all("expired" not in m for m in sms.inbox(GUEST))

    sms.clock.advance(minutes=1)
    await sms.run_scheduler()
    assert "expired" in sms.inbox(GUEST)[-1] and ref1 in sms.inbox(GUEST)[-1]
    host_inbox = sms.inbox(HOST)
    assert "Gina" in host_inbox[-2] and "expired" in host_inbox[-2]
    assert "Hugo" in host_inbox[-1] and "YES" in host_inbox[-1]  # moved on to the next request
    assert "There's no request" not in await sms.text(HOST, "YES")  # YES now answers Hugo's
    assert {r["ref"]: r["status"] for r in rows(sms, "SELECT ref, status FROM reservations")} == {
        ref1: "expired", ref2: "confirmed"}

    await sms.run_scheduler()  # run again: nothing is done twice
    assert sum("expired" in m for m in sms.inbox(GUEST)) == 1


async def test_a_request_not_yet_shown_still_expires_and_only_the_guest_hears(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "HOST")  # the host is busy listing another place, so the request is not shown
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "Still writing about my second place, honestly")  # keeps the flow fresh
    sms.clock.advance(hours=24)
    await sms.run_scheduler()
    assert ref in sms.inbox(GUEST)[-1] and "expired" in sms.inbox(GUEST)[-1]
    assert all(ref not in m for m in sms.inbox(HOST))


async def test_the_host_gets_exactly_one_reminder_before_expiry(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, name="Gina")
    sms.clock.advance(hours=19, minutes=59)
    await sms.run_scheduler()
    assert len(sms.inbox(HOST)) == 1

    sms.clock.advance(minutes=1)  # reminder_hours: 20
    await sms.run_scheduler()
    assert len(sms.inbox(HOST)) == 2 and "Reminder" in sms.inbox(HOST)[-1] and "Gina" in sms.inbox(HOST)[-1]
    sms.clock.advance(hours=1)
    await sms.run_scheduler()
    assert len(sms.inbox(HOST)) == 2


async def test_no_reminder_once_the_host_has_decided(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    await sms.text(HOST, "NO")
    sms.clock.advance(hours=30)
    await sms.run_scheduler()
    assert len(sms.inbox(HOST)) == 1
    assert all("expired" not in m for m in sms.inbox(GUEST))


async def test_due_work_survives_a_restart(aiohttp_client: AiohttpClient, sms: Sms, config: Config) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.client.close()  # the process goes away; only the database remains

    sms.clock.advance(hours=25)
    app = create_app(config, clock=sms.clock)
    restarted = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app)
    await restarted.run_scheduler()
    assert ref in restarted.inbox(GUEST)[-1] and "expired" in restarted.inbox(GUEST)[-1]


async def test_a_stale_flow_is_forgotten_and_never_eats_a_later_text(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number}")  # asks for dates
    sms.clock.advance(minutes=31)
    await sms.run_scheduler()
    reply = await sms.text(GUEST, "Dec 20-23")
    assert "name" not in reply.lower() and "sorry" in reply.lower()  # not taken as the dates of a booking
    assert rows(sms, "SELECT COUNT(*) AS n FROM reservations") == [{"n": 0}]


async def test_a_stale_step_never_eats_a_text_even_before_the_scheduler_runs(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")  # now asked for a description
    sms.clock.advance(minutes=31)
    reply = await sms.text(HOST, "BROWSE places near the sea please")
    assert "photo" not in reply.lower()
    assert rows(sms, "SELECT COUNT(*) AS n FROM listings") == [{"n": 0}]


async def test_a_flow_within_the_timeout_carries_on(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number}")
    sms.clock.advance(minutes=29)
    await sms.run_scheduler()
    assert "How many guests" in await sms.text(GUEST, "Dec 20-23")  # the dates were taken: now the guests


async def test_a_host_whose_flow_was_forgotten_gets_their_pending_prompt(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "HOST")  # starts listing a second place ...
    await book(sms, GUEST, number, name="Gina")
    assert sms.inbox(HOST) == []  # ... so the request waits rather than interrupting

    sms.clock.advance(minutes=31)
    await sms.run_scheduler()
    assert len(sms.inbox(HOST)) == 1 and "Gina" in sms.inbox(HOST)[0]
    assert "Gina" in await sms.text(HOST, "YES")


async def test_a_broken_job_is_set_aside_and_does_not_block_the_others(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    # A job pointing at nothing (bad data, an old bug, a restore of old data with the checks off).
    execute(sms, "INSERT INTO jobs (kind, reservation_id, due_at)"
                 " VALUES ('expire', 999, '2000-01-01T00:00:00.000000Z')", unchecked=True)
    sms.clock.advance(hours=24)
    await sms.run_scheduler()
    assert ref in sms.inbox(GUEST)[-1] and "expired" in sms.inbox(GUEST)[-1]
    assert rows(sms, "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL") == [{"n": 0}]


async def test_a_job_of_a_kind_no_code_knows_is_set_aside_loudly(sms: Sms, caplog: pytest.LogCaptureFixture) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    # A kind no JobKind names (an old or newer version's job): it fails alone, and the others still run.
    execute(sms, "INSERT INTO jobs (kind, reservation_id, due_at) SELECT 'remind_later', id,"
                 " '2000-01-01T00:00:00.000000Z' FROM reservations WHERE ref = ?", (ref,))
    sms.clock.advance(hours=24)
    await sms.run_scheduler()
    assert "unknown job kind 'remind_later'" in caplog.text
    assert ref in sms.inbox(GUEST)[-1] and "expired" in sms.inbox(GUEST)[-1]
    assert rows(sms, "SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL") == [{"n": 0}]


async def test_requests_that_ran_out_of_time_in_the_queue_are_never_shown_to_the_host(sms: Sms) -> None:
    number = await list_place(sms)
    ref1 = await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    ref2 = await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")  # queued behind Gina's, same hour
    sms.clock.advance(hours=25)  # the host never answered: both are out of time
    await sms.run_scheduler()
    host_inbox = sms.inbox(HOST)
    # Gina's prompt, its reminder, its expiry: and no prompt for Hugo's request, which expired unseen.
    assert "Gina" in host_inbox[-1] and "expired" in host_inbox[-1]
    assert not any("Hugo" in m for m in host_inbox)
    assert ref1 in sms.inbox(GUEST)[-1] and "expired" in sms.inbox(GUEST)[-1]
    assert ref2 in sms.inbox(GUEST2)[-1] and "expired" in sms.inbox(GUEST2)[-1]
    assert "There's no request" in await sms.text(HOST, "YES")


async def test_a_guest_booking_does_not_keep_a_walked_away_hosts_flow_alive(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "HOST")  # starts listing a second place, then walks away
    sms.clock.advance(minutes=20)
    await book(sms, GUEST, number, name="Gina")  # touches the host's conversation
    assert sms.inbox(HOST) == []  # not asked mid-flow
    sms.clock.advance(minutes=11)  # 31 minutes after the host's last text
    await sms.run_scheduler()
    assert "Gina" in sms.inbox(HOST)[-1] and "YES" in sms.inbox(HOST)[-1]


async def test_the_reminder_waits_while_the_host_is_in_a_flow(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, name="Gina")
    assert "Gina" in sms.inbox(HOST)[-1]
    sms.clock.advance(hours=19, minutes=55)
    await sms.text(HOST, "HOST")  # starts listing another place just before the reminder is due
    sms.clock.advance(minutes=5)
    await sms.run_scheduler()
    assert len(sms.inbox(HOST)) == 1  # no "reply YES or NO" in the middle of the listing
    await sms.text(HOST, "MENU")
    sms.clock.advance(minutes=15)
    await sms.run_scheduler()
    assert len(sms.inbox(HOST)) == 2 and "Reminder" in sms.inbox(HOST)[-1]


async def test_recorded_replies_are_forgotten_after_the_retention_and_newer_retries_still_answered_once(
        sms: Sms) -> None:
    old = sms.form(GUEST, "BROWSE")
    await sms.answer(old)
    sms.clock.advance(days=29)
    recent = sms.form(GUEST2, "BROWSE")
    recent_reply = await sms.answer(recent)
    sms.clock.advance(days=1, minutes=1)  # the first text is now past storage.inbound_retention_days (30)

    await sms.run_scheduler()
    kept = [r["message_sid"] for r in rows(sms, "SELECT message_sid FROM inbound")]
    assert kept == [recent["MessageSid"]]
    before = snapshot(sms)
    assert await sms.answer(recent) == recent_reply  # a retry within the window: same answer, no change
    assert snapshot(sms) == before


async def test_the_purge_works_through_any_backlog_and_stops_at_the_first_recent_text(sms: Sms) -> None:
    """A service that ran for months before the purge existed: every old reply goes in one scheduler pass
    (a batch per unit of work), every recent one stays."""
    recent = sms.form(GUEST, "HELP")
    await sms.answer(recent)
    old = [(f"SMold{n:030d}", GUEST2, f"2020-01-01T00:00:{n % 60:02d}.000000Z") for n in range(1234)]
    execute(sms, "INSERT INTO inbound (message_sid, phone, reply, received_at) VALUES "
                 + ", ".join(["(?, ?, '{}', ?)"] * len(old)), tuple(value for row in old for value in row))
    if not is_postgresql(db_url(sms)):
        # SQLite walks rowids: older rows written before the recent text's rowid would be, move it behind.
        execute(sms, "UPDATE inbound SET rowid = (SELECT MAX(rowid) + 1 FROM inbound) WHERE message_sid = ?",
                (recent["MessageSid"],))
    assert rows(sms, "SELECT COUNT(*) AS n FROM inbound") == [{"n": 1235}]

    await sms.run_scheduler()
    assert [r["message_sid"] for r in rows(sms, "SELECT message_sid FROM inbound")] == [recent["MessageSid"]]


async def test_a_retention_of_zero_keeps_every_reply(aiohttp_client: AiohttpClient, sms: Sms,
                                                     config: Config) -> None:
    await sms.client.close()
    app = create_app(config.with_(inbound_retention_days=0), clock=sms.clock)
    forever = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app)
    form = forever.form(GUEST, "BROWSE")
    reply = await forever.answer(form)
    forever.clock.advance(days=4000)
    await forever.run_scheduler()
    assert [r["message_sid"] for r in rows(forever, "SELECT message_sid FROM inbound")] == [form["MessageSid"]]
    before = snapshot(forever)
    assert await forever.answer(form) == reply
    assert snapshot(forever) == before
