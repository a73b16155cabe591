"""After the yes (issue 10): STATUS and STAYS as pages, cancelling a stay with a YES first (guest or host),
UNLIST with stays to come, a host who leaves or cannot be reached, and START telling what changed."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.app import create_app
from bot.config import Config
from bot.money import Money
from bot.storage import is_postgresql, migration_files
from tests.conftest import GUEST, GUEST2, GUEST3, HOST, AiohttpClient, Sms, book, described, list_place
from tests.support.dbview import db_url, execute, message_keys, rows
from tests.test_optout import said

SUNNY = "Sunny loft by the harbour, two bedrooms"  # the title list_place gives its default place


async def confirmed(sms: Sms, guest: str, listing: int, dates: str, name: str = "Bob") -> str:
    """A request the host accepts at once; returns its reference."""
    ref = await book(sms, guest, listing, dates, name=name)
    assert "Accepted" in await sms.text(HOST, "YES")
    return ref


async def japanese(sms: Sms, *phones: str) -> None:
    for phone in phones:
        await sms.text(phone, "LANG JA")


async def described_ref(sms: Sms, ref: str) -> dict[str, Any]:
    """The variables of every message about the reservation `ref`, as the app computes them."""
    return await described(sms, rows(sms, "SELECT id FROM reservations WHERE ref = ?", (ref,))[0]["id"])


async def status_line(sms: Sms, ref: str, state: str, cancellable: bool = True) -> str:
    """The line STATUS writes in Japanese for `ref` in `state`, as the catalog says it."""
    item = {**await described_ref(sms, ref), "state": state, "cancellable": cancellable}
    return sms.render("status", "ja", reservations=[item], more=False).splitlines()[1]


# -- STATUS (findings 1 and 4) ---------------------------------------------------------------------------


async def test_status_offers_cancelling_with_the_actual_reference_never_a_placeholder(sms: Sms) -> None:
    number = await list_place(sms)
    stay = await confirmed(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    ref = await book(sms, GUEST, number, "Dec 1-3")
    waiting = await sms.text(GUEST, "STATUS")
    assert f"{ref} #{number} {SUNNY}, Dec 1-3: waiting for host. To cancel: CANCEL {ref}" in waiting
    assert "<ref>" not in waiting and "CANCEL\n" not in waiting
    assert f"To cancel: CANCEL {stay}" in await sms.text(GUEST2, "STATUS")
    # HELP, too, writes a reference of the guest's own, and never teaches a lone CANCEL (an opt-out).
    help_text = await sms.text(GUEST, "HELP")
    assert f"CANCEL {ref}" in help_text and "<ref>" not in help_text
    assert "CANCEL alone" not in help_text and "STOP" not in help_text


async def test_status_in_japanese_writes_the_reference_to_type(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number, "Dec 1-3")
    await japanese(sms, GUEST)
    reply = await sms.text(GUEST, "状況")
    line = await status_line(sms, ref, "pending")
    assert line in reply.splitlines() and f"「取消 {ref}」" in line  # the reference itself, to type


async def test_a_confirmed_stay_is_never_hidden_behind_cancelled_requests(sms: Sms) -> None:
    number = await list_place(sms)
    stay = await confirmed(sms, GUEST, number, "Dec 20-23")
    cancelled = []
    for dates in ("Dec 1-2", "Dec 3-4", "Dec 5-6", "Dec 7-8"):
        ref = await book(sms, GUEST, number, dates)
        assert "cancelled" in await sms.text(GUEST, f"CANCEL {ref}")
        cancelled.append(ref)
    lines = (await sms.text(GUEST, "STATUS")).splitlines()
    assert lines[1].startswith(f"{stay} #{number} {SUNNY}, Dec 20-23: confirmed")  # first, though the oldest
    closed = [line.split()[0] for line in lines[2:-1]]  # as many of the latest closed ones as fit
    assert closed and closed == cancelled[::-1][:len(closed)]
    assert lines[-1] == "MORE for older ones."
    older = await sms.text(GUEST, "MORE")
    assert cancelled[0] in older and stay not in older and "MORE" not in older
    assert "Nothing to continue" in await sms.text(GUEST, "MORE")


async def pages(sms: Sms, phone: str, command: str, more_line: str) -> list[str]:
    """The command's first page and every MORE after it while a page offers more (at most 6)."""
    shown = [await sms.text(phone, command)]
    while more_line in shown[-1] and len(shown) < 6:
        shown.append(await sms.text(phone, "MORE"))
    return shown


def each_once(refs: list[str], shown: list[str]) -> bool:
    return all(sum(ref in page for page in shown) == 1 for ref in refs)


async def test_status_pages_fit_two_segments_and_more_goes_on_with_open_stays(sms: Sms) -> None:
    places = [await list_place(sms, description=f"Place number {n} with a long enough description")
              for n in range(8)]
    refs = [await confirmed(sms, GUEST, place, "Dec 20-23") for place in places]
    shown = await pages(sms, GUEST, "STATUS", "MORE for older ones.")
    assert len(shown) > 1 and all(len(page) <= 2 * 153 for page in shown)
    assert each_once(refs, shown)


# -- cancelling a confirmed stay ---------------------------------------------------------------------------


async def test_a_guest_cancelling_a_stay_is_asked_first_and_only_yes_or_no_answers(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23")
    ask = await sms.text(GUEST, f"CANCEL {ref}")
    assert ask.startswith(f"Cancel your stay at #{number}, Dec 20-23 (ref {ref})?") and "Anything else" not in ask
    assert await sms.text(GUEST, "no") == f"OK, nothing changed: {ref} at #{number}, Dec 20-23, still stands."
    assert "confirmed" in await sms.text(GUEST, "STATUS")
    await sms.text(GUEST, f"CANCEL {ref}")
    # Neither yes nor no is asked again, never taken for either.
    assert await sms.text(GUEST, "BROWSE") == sms.render("help_cancel_confirm", "en", **await described(sms, 1))
    assert "still stands" in await sms.text(GUEST, "no")
    assert "confirmed" in await sms.text(GUEST, "STATUS")
    await sms.text(GUEST, f"CANCEL {ref}")
    assert "is cancelled. I've told your host" in await sms.text(GUEST, "yes")
    assert f"Bob cancelled {ref}" in sms.inbox(HOST)[-1]
    assert rows(sms, "SELECT status, reason FROM reservations") == [{"status": "cancelled", "reason": "guest"}]


async def test_a_host_cancels_a_stay_at_their_place_and_the_guest_is_told(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23", name="Gina")
    await book(sms, GUEST2, number, "Dec 1-3", name="Hugo")  # in front of the host now
    ask = await sms.text(HOST, f"cancel {ref.lower()}")
    assert ask.startswith(f"Cancel Gina's stay at #{number}, Dec 20-23 (ref {ref})? Gina will be told")
    # This YES answers the question just asked, never Hugo's request.
    assert "is cancelled. I've told Gina" in await sms.text(HOST, "YES")
    assert f"your host cancelled your stay at #{number}, Dec 20-23 (ref {ref})" in sms.inbox(GUEST)[-1]
    assert "waiting for host" in await sms.text(GUEST2, "STATUS")
    # Other messages reached the host since the request was put to them: asked again before a YES decides.
    assert "Accepted" not in await sms.text(HOST, "YES")
    assert "Accepted: Hugo" in await sms.text(HOST, "YES")


async def test_a_host_cannot_cancel_another_hosts_stay_nor_a_waiting_request(sms: Sms) -> None:
    number = await list_place(sms)
    other = await list_place(sms, host=GUEST3, name="Ivo", description="Quiet cabin in the pines, wood stove")
    ref = await book(sms, GUEST, other, "Dec 20-23")
    assert f"can't find a request {ref}" in await sms.text(HOST, f"CANCEL {ref}")
    waiting = await book(sms, GUEST2, number, "Dec 1-3", name="Hugo")
    assert "reply NO when I ask you about it" in await sms.text(HOST, f"CANCEL {waiting}")
    assert "waiting for host" in await sms.text(GUEST2, "STATUS")


async def test_a_stay_that_has_begun_says_whom_to_contact(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23", name="Gina")
    sms.clock.advance(days=23)  # Dec 20
    assert "Please talk to Gina or contact Airtng support" in await sms.text(HOST, f"CANCEL {ref}")
    assert "Please talk to Ana" in await sms.text(GUEST, f"CANCEL {ref}")


async def test_cancelling_a_stay_in_japanese(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23")
    await japanese(sms, GUEST, HOST)
    stay = await described_ref(sms, ref)
    assert await sms.text(GUEST, f"取消 {ref}") == sms.render("cancel_confirm", "ja", as_guest=True, told=True, **stay)
    assert await sms.text(GUEST, "はい") == sms.render("stay_cancelled", "ja", as_guest=True, told=True, **stay)
    assert sms.inbox(HOST)[-1] == sms.render("host_guest_cancelled", "ja", **stay)
    assert stay["listing"] == number


# -- UNLIST with stays to come (finding 3) ----------------------------------------------------------------


async def test_unlist_with_stays_to_come_asks_and_tells_those_guests(sms: Sms) -> None:
    number = await list_place(sms)
    gina = await confirmed(sms, GUEST, number, "Dec 20-23", name="Gina")
    hugo = await confirmed(sms, GUEST2, number, "Dec 1-3", name="Hugo")
    ask = await sms.text(HOST, f"UNLIST {number}")
    assert ask.startswith(f"#{number} has 2 stays to come (first Dec 1-3)") and f"Reply YES to unlist #{number}" in ask
    assert await sms.text(HOST, "nope") == f"OK, #{number} stays listed and its stays stand."
    assert f"#{number} " in await sms.text(GUEST3, "BROWSE")
    await sms.text(HOST, f"UNLIST {number}")
    reply = await sms.text(HOST, "YES")
    assert f"#{number} is no longer listed" in reply and "2 stays were cancelled; I've told those guests" in reply
    for guest, ref in ((GUEST, gina), (GUEST2, hugo)):
        told = sms.inbox(guest)[-1]
        assert f"#{number} is no longer listed, so your stay" in told and ref in told
    assert "cancelled" in await sms.text(GUEST, "STATUS")


async def test_unlist_in_japanese_asks_first(sms: Sms) -> None:
    number = await list_place(sms)
    stay = await described_ref(sms, await confirmed(sms, GUEST, number, "Dec 20-23"))
    await japanese(sms, HOST, GUEST)
    assert await sms.text(HOST, f"掲載終了 {number}") == sms.render(
        "unlist_confirm", "ja", number=number, stays=1, first=stay["check_in"], first_out=stay["check_out"])
    assert await sms.text(HOST, "はい") == sms.render("unlisted", "ja", number=number, declined=0, cancelled=1,
                                                     untold=0)
    assert sms.inbox(GUEST)[-1] == sms.render("guest_stay_cancelled_unlisted", "ja", **stay)


# -- a host who leaves or cannot be reached (finding 3) --------------------------------------------------


async def test_a_host_who_opts_out_leaves_the_stay_standing_guest_told_operator_marked(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23")
    past = await confirmed(sms, GUEST2, number, "Nov 28-29", name="Hugo")
    sms.clock.advance(days=3)  # Nov 30: Hugo's stay is over
    await sms.text(HOST, "STOP")
    told = sms.inbox(GUEST)[-1]
    assert "can no longer be reached by text through Airtng" in told and ref in told and "still stands" in told
    assert message_keys(sms, GUEST)[-1] == "guest_host_unreachable"
    assert "guest_host_unreachable" not in message_keys(sms, GUEST2)  # Hugo's stay is over
    marked = rows(sms, "SELECT ref, status, attention FROM reservations ORDER BY id")
    assert marked == [{"ref": ref, "status": "confirmed", "attention": "host_opted_out"},
                      {"ref": past, "status": "confirmed", "attention": None}]
    view = await sms.text(GUEST, f"VIEW {number}")  # not "There's no place"
    assert "Sunny loft" in view and f"Your stay Dec 20-23 (ref {ref}) still stands" in view
    assert "There's no place" in await sms.text(GUEST3, f"VIEW {number}")


async def test_a_host_who_becomes_unreachable_leaves_the_stay_standing_guest_told(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23")
    sms.twilio.fail_next(400, 21211, to=HOST)
    await book(sms, GUEST2, number, "Dec 1-3", name="Hugo")  # the prompt to the host fails for good
    told = sms.inbox(GUEST)[-1]
    assert "can no longer be reached by text" in told and ref in told
    assert rows(sms, "SELECT attention FROM reservations WHERE ref = ?", (ref,)) == [
        {"attention": "host_unreachable"}]
    sms.twilio.fail_next(400, 21211, to=HOST)
    await sms.text(HOST, "hello")  # texting in clears the mark; failing again does not tell the guest twice
    await book(sms, GUEST3, number, "Dec 5-7", name="Iris")
    assert sum("reached" in m for m in sms.inbox(GUEST)) == 1


async def test_a_status_callback_saying_the_host_is_a_landline_tells_the_guest(sms: Sms) -> None:
    number = await list_place(sms)
    await confirmed(sms, GUEST2, number, "Dec 1-3", name="Hugo")
    await confirmed(sms, GUEST, number, "Dec 20-23")
    sid = [m.sid for m in sms.twilio.messages if m.to == HOST][-1]  # Bob's request, sent to the host by REST
    form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": "failed", "SmsStatus": "failed", "ErrorCode": "30006",
            "AccountSid": "AC" + "a" * 32, "To": HOST, "From": "+15550000000", "ApiVersion": "2010-04-01"}
    assert (await sms.post("/sms/status", form)).status == 204
    await sms.deliver()
    for guest in (GUEST, GUEST2):
        assert "can no longer be reached by text" in sms.inbox(guest)[-1]
    assert {r["attention"] for r in rows(sms, "SELECT attention FROM reservations")} == {"host_unreachable"}


async def test_a_japanese_guest_hears_in_japanese_that_the_host_left(sms: Sms) -> None:
    number = await list_place(sms)
    stay = await described_ref(sms, await confirmed(sms, GUEST, number, "Dec 20-23"))
    await japanese(sms, GUEST)
    await sms.text(HOST, "STOP")
    assert sms.inbox(GUEST)[-1] == sms.render("guest_host_unreachable", "ja", **stay)


# -- back from an opt-out (finding 1) ----------------------------------------------------------------------


async def test_start_tells_a_guest_which_requests_were_withdrawn_in_one_message(sms: Sms) -> None:
    number = await list_place(sms)
    first = await book(sms, GUEST, number, "Dec 1-3")
    second = await book(sms, GUEST, number, "Dec 5-7")
    await sms.text(GUEST, "STOP")
    back = await sms.text_full(GUEST, "START")
    assert len(back) == 1
    assert back[0][0].startswith(f"Welcome back to Airtng! While you were away: 2 requests closed ({first}, {second})")
    # Nothing changed the next time: the plain welcome back.
    sms.clock.advance(minutes=5)
    await sms.text(GUEST, "STOP")
    assert await sms.text(GUEST, "START") == said(sms, "opted_in")


async def test_start_tells_a_host_of_a_stay_cancelled_while_away_in_japanese(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23")
    await japanese(sms, HOST)
    await sms.text(HOST, "STOP")
    await sms.text(GUEST, f"CANCEL {ref}")
    await sms.text(GUEST, "YES")
    back = await sms.text(HOST, "START")
    assert back == sms.render("opted_in_changes", "ja", listings=[{"number": number, "title": SUNNY}], requests=[],
                              stays=[ref], more=False)


# -- STAYS and LISTINGS --------------------------------------------------------------------------------


async def test_stays_lists_a_hosts_guests_to_come_soonest_first(sms: Sms) -> None:
    assert "No guests are coming" in await sms.text(HOST, "STAYS")
    number = await list_place(sms)
    late = await confirmed(sms, GUEST, number, "Dec 20-23", name="Gina")
    soon = await confirmed(sms, GUEST2, number, "Dec 1-3", name="Hugo")
    await book(sms, GUEST3, number, "Dec 9-11", name="Iris")  # waiting: not a stay
    reply = await sms.text(HOST, "STAYS")
    assert reply.index(soon) < reply.index(late) and "Iris" not in reply
    assert (f"Hugo, #{number} {SUNNY}, Dec 1-3 (2 nights), ref {soon}, 2 guests,"
            " $240") in reply
    listings = await sms.text(HOST, "LISTINGS")
    assert f"#{number} Sunny loft by the harbour, two bedrooms: 1 waiting, 2 stays to come" in listings
    await japanese(sms, HOST)
    gina = {**await described_ref(sms, late), "staying": False}
    assert (gina["guest"], gina["nights"], gina["guests"], gina["total"]) == ("Gina", 3, 2, Money(36000, "USD"))
    line = sms.render("stays", "ja", stays=[gina], more=False).splitlines()[1]
    assert line in (await sms.text(HOST, "宿泊予定")).splitlines()


async def test_stays_and_listings_page_with_more(sms: Sms) -> None:
    places = [await list_place(sms, description=f"Place number {n} with a long enough description")
              for n in range(8)]
    refs = [await confirmed(sms, GUEST, place, "Dec 20-23") for place in places]
    shown = await pages(sms, HOST, "STAYS", "MORE for more.")
    assert len(shown) > 1 and all(len(page) <= 2 * 153 for page in shown)
    assert each_once(refs, shown)
    shown = await pages(sms, HOST, "LISTINGS", "MORE for more.")
    assert len(shown) > 1 and all(len(page) <= 2 * 153 for page in shown)
    assert all(sum(f"#{place} Place" in page for page in shown) == 1 for place in places), shown


# -- reminders the day before ---------------------------------------------------------------------------


async def test_guest_and_host_are_reminded_the_day_before_at_ten_across_a_restart(
        aiohttp_client: AiohttpClient, sms: Sms, config: Config) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23", name="Gina")
    await japanese(sms, HOST)
    sms.clock.advance(days=21, hours=21, minutes=59)  # Dec 19, 09:59 UTC (booking.timezone is UTC)
    await sms.run_scheduler()
    assert "stay_reminder_guest" not in message_keys(sms, GUEST)

    app = create_app(config, clock=sms.clock)  # a restart: the reminder is a row, not a timer
    restarted = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app)
    sms.clock.advance(minutes=1)
    await restarted.run_scheduler()
    assert restarted.inbox(GUEST)[-1] == (f"Reminder: your stay at #{number} (Sunny loft by the harbour, two bedrooms)"
                                          f" starts tomorrow, Dec 20-23, 3 nights (ref {ref}).")
    host = restarted.inbox(HOST)[-1]
    assert host == restarted.render("stay_reminder_host", "ja", **await described_ref(restarted, ref))
    await restarted.run_scheduler()
    await sms.run_scheduler()
    assert message_keys(sms, GUEST).count("stay_reminder_guest") == 1
    assert message_keys(sms, HOST).count("stay_reminder_host") == 1


async def test_two_workers_send_one_reminder(aiohttp_client: AiohttpClient, sms: Sms, config: Config) -> None:
    number = await list_place(sms)
    await confirmed(sms, GUEST, number, "Dec 20-23")
    app = create_app(config, clock=sms.clock)
    other = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app)
    sms.clock.advance(days=22)  # Dec 19, 12:00
    await asyncio.gather(sms.run_scheduler(), other.run_scheduler())
    await sms.deliver()
    assert message_keys(sms, GUEST).count("stay_reminder_guest") == 1
    assert message_keys(sms, HOST).count("stay_reminder_host") == 1


async def test_no_reminder_for_a_stay_confirmed_after_its_moment_nor_a_cancelled_one(sms: Sms) -> None:
    number = await list_place(sms)
    await confirmed(sms, GUEST, number, "Nov 28-30")  # confirmed Nov 27 12:00, after Nov 27 10:00
    ref = await confirmed(sms, GUEST2, number, "Dec 20-23", name="Hugo")
    await sms.text(GUEST2, f"CANCEL {ref}")
    await sms.text(GUEST2, "YES")
    sms.clock.advance(days=30)
    await sms.run_scheduler()
    assert not {"stay_reminder_guest", "stay_reminder_host"} & {
        key for phone in (GUEST, GUEST2, HOST) for key in message_keys(sms, phone)}


async def test_stays_confirmed_before_reminders_existed_are_reminded_once_after_the_upgrade(
        aiohttp_client: AiohttpClient, sms: Sms, config: Config) -> None:
    """A database whose confirmed stays predate the reminders (no reminder job) is upgraded: each stay still
    ahead gets its one reminder at the usual moment; one that already has its job gets no second; one
    whose moment has passed gets none."""
    number = await list_place(sms)
    before = await confirmed(sms, GUEST, number, "Dec 20-23")  # as if confirmed before migration 009
    await confirmed(sms, GUEST2, number, "Dec 24-26", name="Hugo")  # confirmed with reminders: has its job
    await confirmed(sms, GUEST3, number, "Nov 28-30", name="Iris")  # its moment (Nov 27 10:00) has passed
    execute(sms, "DELETE FROM jobs WHERE kind = 'stay_reminder' AND reservation_id ="
                 " (SELECT id FROM reservations WHERE ref = ?)", (before,))
    backend = "postgresql" if is_postgresql(db_url(sms)) else "sqlite"
    upgrade = next(n for n, path in migration_files(backend)
                   if path.name.endswith("_stay_reminders_for_earlier_stays.sql"))
    execute(sms, "DELETE FROM schema_migrations WHERE version >= ?", (upgrade,))
    # The migrations after it are undone as well, so that the upgrade applies them again (013's columns).
    execute(sms, "DROP TABLE question_messages")
    execute(sms, "DROP TABLE questions")
    for column in ("address", "check_in_time", "check_out_time", "access", "payment", "payment_note"):
        execute(sms, f"ALTER TABLE listings DROP COLUMN {column}")
    execute(sms, "DROP INDEX audit_log_target")  # 015's
    execute(sms, "ALTER TABLE audit_log DROP COLUMN previous")

    app = create_app(config, clock=sms.clock)  # the upgraded server starts: it migrates
    upgraded = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app)
    await upgraded.run_scheduler()
    assert not any("stay_reminder_guest" in message_keys(sms, phone) for phone in (GUEST, GUEST2, GUEST3))  # none early
    sms.clock.advance(days=22, hours=-2)  # Dec 19, 10:00 UTC
    await upgraded.run_scheduler()
    assert upgraded.inbox(GUEST)[-1] == upgraded.render("stay_reminder_guest", "en",
                                                        **await described_ref(upgraded, before))
    sms.clock.advance(days=4)  # Dec 23, 10:00
    await upgraded.run_scheduler()
    await sms.run_scheduler()
    assert [message_keys(sms, phone).count("stay_reminder_guest") for phone in (GUEST, GUEST2, GUEST3)] == [1, 1, 0]
    assert message_keys(sms, HOST).count("stay_reminder_host") == 2


async def test_the_reminder_hour_is_local_to_the_booking_timezone(
        aiohttp_client: AiohttpClient, sms: Sms, config: Config) -> None:
    app = create_app(config.with_(timezone="Asia/Tokyo"), clock=sms.clock)
    tokyo = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app)
    number = await list_place(tokyo)
    await book(tokyo, GUEST, number, "Dec 20-23")
    await tokyo.text(HOST, "YES")
    tokyo.clock.advance(days=21, hours=12, minutes=59)  # Dec 19 00:59 UTC = 09:59 in Tokyo
    await tokyo.run_scheduler()
    assert "stay_reminder_guest" not in message_keys(tokyo, GUEST)
    tokyo.clock.advance(minutes=1)
    await tokyo.run_scheduler()
    assert message_keys(tokyo, GUEST)[-1] == "stay_reminder_guest"


async def test_start_after_many_closed_requests_stays_one_short_message(sms: Sms) -> None:
    number = await list_place(sms, title="Loft")  # named in the welcome back: listed again
    refs = [await book(sms, f"+1555123010{n}", number, f"Dec {1 + 2 * n}-{2 + 2 * n}", name=f"Guest{n}")
            for n in range(5)]
    await sms.text(HOST, "STOP")
    back = await sms.text(HOST, "START")
    assert f"5 requests closed ({', '.join(refs[:4])}, ...)" in back and refs[4] not in back
    assert len(back) <= 160


async def test_in_japanese_a_confirmed_stay_comes_first_and_older_ones_follow_with_more(sms: Sms) -> None:
    number = await list_place(sms)
    stay = await confirmed(sms, GUEST, number, "Dec 20-23")
    for dates in ("Dec 1-2", "Dec 3-4", "Dec 5-6", "Dec 7-8"):
        await sms.text(GUEST, f"CANCEL {await book(sms, GUEST, number, dates)}")
    await japanese(sms, GUEST)
    lines = (await sms.text(GUEST, "状況")).splitlines()
    assert lines[1] == await status_line(sms, stay, "confirmed")
    item = {**await described_ref(sms, stay), "state": "confirmed", "cancellable": True}
    more = sms.render("status", "ja", reservations=[item], more=True).splitlines()[-1]
    assert lines[-1] == more and len(lines) >= 3  # the stay, at least the latest closed one, MORE
    older = (await sms.text(GUEST, "次")).splitlines()
    cancelled = [row["ref"] for row in rows(sms, "SELECT ref FROM reservations WHERE status = 'cancelled'")]
    assert any([await status_line(sms, ref, "cancelled", cancellable=False) in older for ref in cancelled])
