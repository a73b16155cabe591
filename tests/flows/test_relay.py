"""Guest and host texting each other through Airtng (MSG / メッセージ), neither number ever shown."""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import Any

import pytest

from bot.config import Config
from bot.threads import thread_report
from tests.conftest import GUEST, GUEST2, HOST, Sms, book, described, list_place
from tests.support.dbview import execute, outbox, rows

HOST2 = "+15551230005"
PHOTO = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
# What every test number shares: no body, reply or log line may carry any part of it.
NUMBER_DIGITS = "5551230"


async def confirmed_stay(sms: Sms, guest: str = GUEST, listing: int | None = None, dates: str = "Dec 20-23",
                         name: str = "Bob", host: str = HOST) -> str:
    """A listing of `host` (Ana) booked by `guest` and accepted; returns the reference."""
    number = listing if listing is not None else await list_place(sms, host)
    ref = await book(sms, guest, number, dates, name)
    assert "Accepted" in await sms.text(host, "YES")
    return ref


def first_sent(sms: Sms, name: str, ref: str, *, is_guest: bool = False, language: str = "en") -> list[Any]:
    """The one answer to the first message of a thread: sent, and the sender hears back only on trouble."""
    return [(sms.render("relay_sent_first", language, name=name, is_guest=is_guest, ref=ref), None)]


def thread(sms: Sms) -> list[dict[str, object]]:
    """The relayed messages an operator reads, with each one's delivery status from the outbox."""
    return rows(sms, "SELECT r.direction, r.body, r.media_url, o.status, o.to_phone, rs.ref"
                     " FROM relay_messages r JOIN outbox o ON o.id = r.outbox_id"
                     " JOIN reservations rs ON rs.id = r.reservation_id ORDER BY r.id")


def assert_no_number_anywhere(sms: Sms, *replies: str) -> None:
    """No phone number in anything a person received: every outbound body and the replies given."""
    bodies = [m.body for m in sms.twilio.messages] + list(replies)
    assert bodies
    assert [b for b in bodies if NUMBER_DIGITS in b] == []


async def test_guest_and_host_write_to_each_other_and_nobody_sees_a_number(
        sms: Sms, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    accepted = await sms.text(HOST, "YES")
    assert f"To write to Bob, text MSG {ref} followed by your message." in accepted
    assert f"To write to Ana: MSG {ref} and your text." in sms.inbox(GUEST)[-1]

    assert await sms.text_full(GUEST, "MSG What time is check-in?\nWe land at noon.") == first_sent(sms, "Ana", ref)
    assert sms.inbox(HOST)[-1] == (f"Bob (guest, {ref}, Dec 20-23): What time is check-in?\nWe land at noon.\n"
                                   "To reply, text MSG followed by your message.")
    assert await sms.text_full(HOST, "msg From 3pm, the key is under the mat.") == first_sent(
        sms, "Bob", ref, is_guest=True)
    assert sms.inbox(GUEST)[-1] == (f"Ana (host, {ref}, Dec 20-23): From 3pm, the key is under the mat.\n"
                                    "To reply, text MSG followed by your message.")

    assert thread(sms) == [
        {"direction": "guest_to_host", "body": "What time is check-in?\nWe land at noon.", "media_url": None,
         "status": "sent", "to_phone": HOST, "ref": ref},
        {"direction": "host_to_guest", "body": "From 3pm, the key is under the mat.", "media_url": None,
         "status": "sent", "to_phone": GUEST, "ref": ref},
    ]
    assert_no_number_anywhere(sms, accepted)
    assert [r.getMessage() for r in caplog.records if NUMBER_DIGITS in r.getMessage()] == []


async def test_a_person_without_a_name_is_shown_by_their_role_never_their_number(sms: Sms) -> None:
    ref = await confirmed_stay(sms)
    execute(sms, "UPDATE users SET name = NULL WHERE phone = ?", (GUEST,))  # as if the name had never been given
    await sms.text(GUEST, "MSG Hello!")
    assert sms.inbox(HOST)[-1].startswith(f"Guest ({ref}, Dec 20-23): Hello!")
    assert_no_number_anywhere(sms)


async def test_with_several_open_stays_a_bare_msg_lists_them_and_a_reference_chooses(sms: Sms) -> None:
    number = await list_place(sms)
    first = await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    second = await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    await sms.text(HOST, "YES")
    await sms.text(HOST, "YES")
    sent = len(sms.twilio.messages)

    listed = await sms.text(HOST, "MSG Parking is behind the house")
    assert f"{first} Gina, Sunny loft by the har..., Dec 1-3" in listed
    assert f"{second} Hugo, Sunny loft by the har..., Dec 5-7" in listed
    assert f"e.g. MSG {first} followed by your message." in listed
    assert len(sms.twilio.messages) == sent  # nothing was sent

    assert await sms.text_full(HOST, f"MSG #{second.lower()} Parking is behind the house") == first_sent(
        sms, "Hugo", second, is_guest=True)
    assert sms.inbox(GUEST2)[-1].startswith(f"Ana (host, {second}, Dec 5-7): Parking is behind the house")
    assert [(m["ref"], m["to_phone"]) for m in thread(sms)] == [(second, GUEST2)]  # to Hugo only, none to Gina

    # The host has two open stays, so Gina is shown how to answer this one by its reference.
    await sms.text(GUEST, "MSG Thanks!")
    assert sms.inbox(HOST)[-1].endswith(f"To reply, text MSG {first} followed by your message.")
    assert [(m["ref"], m["to_phone"]) for m in thread(sms)] == [(second, GUEST2), (first, HOST)]


async def test_a_reference_that_is_not_the_texters_is_just_part_of_the_message(sms: Sms) -> None:
    ref = await confirmed_stay(sms)
    other = await confirmed_stay(sms, GUEST2, dates="Jan 5-7", name="Hugo", host=HOST2)
    await sms.text(GUEST, f"MSG {other} is my friend's booking")
    assert sms.inbox(HOST)[-1].startswith(f"Bob (guest, {ref}, Dec 20-23): {other} is my friend's booking")
    assert [m["to_phone"] for m in thread(sms)] == [HOST]  # relayed to Bob's own host only


async def test_the_relay_closes_three_days_after_check_out(sms: Sms) -> None:
    ref = await confirmed_stay(sms)
    sms.clock.advance(days=29, hours=11)  # Dec 26, 23:00: the third day after check-out
    assert await sms.text_full(GUEST, "MSG Left my charger") == first_sent(sms, "Ana", ref)
    assert "Left my charger" in sms.inbox(HOST)[-1]

    sms.clock.advance(hours=1)  # Dec 27
    sent = len(sms.twilio.messages)
    closed = f"Messages for {ref} (Dec 20-23) closed after Dec 26, 3 days after check-out."
    assert await sms.text(GUEST, "MSG Did you find it?") == closed
    assert await sms.text(HOST, f"MSG {ref} Found it") == closed
    assert len(sms.twilio.messages) == sent


async def test_cancelling_the_stay_closes_its_relay_at_once(sms: Sms) -> None:
    ref = await confirmed_stay(sms)
    await sms.text(GUEST, "MSG Looking forward to it")
    assert "Reply YES to cancel" in await sms.text(GUEST, f"CANCEL {ref}")
    assert "cancelled" in await sms.text(GUEST, "YES")
    sent = len(sms.twilio.messages)
    closed = f"{ref} (Dec 20-23) was cancelled, so messages for it are closed."
    assert await sms.text(HOST, "MSG Sorry to hear that") == closed
    assert await sms.text(GUEST, f"MSG {ref} Sorry!") == closed
    assert len(sms.twilio.messages) == sent
    assert len(thread(sms)) == 1


async def test_no_open_stay_and_a_request_not_yet_confirmed_are_explained(sms: Sms) -> None:
    assert "No stay is open for messages" in await sms.text(GUEST, "MSG hello")
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    # The request waiting is what the guest has in mind, never an unrelated old booking.
    assert await sms.text(GUEST, "MSG hello") == sms.render(
        "relay_opens_when_accepted", "en", ref=ref, listing=number, place="Sunny loft by the harbour, two bedrooms",
        check_in=date(2026, 12, 20), check_out=date(2026, 12, 23))
    assert await sms.text(GUEST, f"MSG {ref} hello") == (
        f"{ref} isn't a confirmed stay: messages open once the host accepts it.")
    assert sms.inbox(HOST)[-1].startswith("Bob would like")  # only the request itself


async def test_an_empty_or_too_long_message_is_refused_with_the_limit(sms: Sms) -> None:
    ref = await confirmed_stay(sms)
    sent = len(sms.twilio.messages)
    assert await sms.text(GUEST, "MSG") == f"Nothing to send. Put your message after MSG, e.g. MSG {ref} See you soon!"
    assert "Nothing to send" in await sms.text(GUEST, f"MSG {ref}")
    header = len(f"Bob (guest, {ref}, Dec 20-23): \nTo reply, text MSG followed by your message.")
    too_long = "x" * (1600 - header + 1)
    assert await sms.text(GUEST, f"MSG {too_long}") == (
        f"Your message is {len(too_long)} characters; it can be up to {1600 - header}. "
        "Please shorten it and send it again.")
    assert len(sms.twilio.messages) == sent
    assert await sms.text_full(GUEST, f"MSG {too_long[1:]}") == first_sent(sms, "Ana", ref)
    assert len(sms.inbox(HOST)[-1]) == 1600


async def test_a_recipient_who_opted_out_or_cannot_be_reached_gets_nothing_and_the_sender_is_told(
        sms: Sms) -> None:
    ref = await confirmed_stay(sms)
    await sms.text(GUEST, "STOP")
    assert await sms.text(HOST, "MSG Are you still coming?") == (
        f"Bob has stopped getting texts from Airtng, so your message for {ref} wasn't sent.")
    assert outbox(sms, GUEST)[-1]["body"].startswith("Stay confirmed")  # nothing queued after the confirmation
    assert thread(sms) == []

    await sms.text(GUEST, "START")
    sms.twilio.fail_next(400, 21211, to=GUEST)  # the number turns out not to take SMS
    await sms.text(HOST, "MSG Welcome back")
    assert "can't get our texts right now" in await sms.text(HOST, "MSG Hello?")
    assert [m["status"] for m in thread(sms)] == ["failed"]  # the operator sees what became of it
    assert_no_number_anywhere(sms)


async def test_a_picture_is_relayed_as_mms_and_several_pictures_each_go_along(sms: Sms) -> None:
    ref = await confirmed_stay(sms)
    assert await sms.text_full(GUEST, "MSG The tap leaks", media=(PHOTO,)) == first_sent(sms, "Ana", ref)
    relayed = sms.twilio.messages[-1]
    assert relayed.to == HOST and relayed.media == [PHOTO] and "The tap leaks" in relayed.body

    await sms.text(GUEST, "MSG", media=(PHOTO,))  # a picture alone
    assert sms.twilio.messages[-1].body.startswith(f"Bob (guest, {ref}, Dec 20-23): (photo)")
    assert sms.twilio.messages[-1].media == [PHOTO]

    photos = (PHOTO, PHOTO + "2", PHOTO + "3")
    await sms.text(GUEST, "MSG Three views", media=photos)
    last = sms.twilio.messages[-3:]
    assert [m.media for m in last] == [[PHOTO], [PHOTO + "2"], [PHOTO + "3"]]
    assert "Three views" in last[0].body
    assert [m.body for m in last[1:]] == [f"Bob (guest, {ref}): photo 2 of 3", f"Bob (guest, {ref}): photo 3 of 3"]
    assert [m["media_url"] for m in thread(sms)][-3:] == list(photos)


async def test_a_retried_message_sid_is_relayed_once(sms: Sms) -> None:
    await confirmed_stay(sms)
    form = sms.form(GUEST, "MSG Is there a crib?")
    first = await sms.answer(form)
    assert await sms.answer(form) == first  # Twilio's retry gets the same (empty) answer
    await sms.deliver()
    assert sum("Is there a crib?" in m for m in sms.inbox(HOST)) == 1
    assert len(thread(sms)) == 1


async def test_the_rate_limit_per_stay_tells_each_sender_once_and_lifts_after_the_hour(sms: Sms) -> None:
    ref = await confirmed_stay(sms)
    for index in range(20):
        assert await sms.text_full(GUEST, f"MSG question {index}") == ([] if index else first_sent(sms, "Ana", ref))
        sms.clock.advance(seconds=30)
    for index in range(10):
        expected = [] if index else first_sent(sms, "Bob", ref, is_guest=True)
        assert await sms.text_full(HOST, f"MSG answer {index}") == expected
    # 30 in the hour, both ways together: the stay is paused.
    told = await sms.text(GUEST, "MSG one more")
    assert told == f"{ref} has reached 30 messages this hour. Messages sent in the next 50 min won't be delivered."
    assert await sms.text_full(GUEST, "MSG and another") == []  # told once
    assert "has reached 30 messages" in await sms.text(HOST, "MSG ok")  # the host is told too, once
    assert await sms.text_full(HOST, "MSG ok?") == []
    assert len(thread(sms)) == 30
    assert [m["to_phone"] for m in thread(sms)].count(HOST) == 20  # the questions, not "one more" or "another"

    sms.clock.advance(minutes=51)  # the first questions have left the hour
    assert await sms.text_full(GUEST, "MSG back again") == []
    assert "back again" in sms.inbox(HOST)[-1]

    sms.clock.advance(days=1)
    await sms.run_scheduler()
    assert rows(sms, "SELECT * FROM relay_notices") == []


async def test_each_reads_in_their_own_language(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "LANG JA")
    ref = await book(sms, GUEST, number)
    accepted = await sms.text(HOST, "はい")
    request = rows(sms, "SELECT id FROM reservations WHERE ref = ?", (ref,))[0]
    stay = await described(sms, request["id"])
    assert accepted == sms.render("host_accepted", "ja", told=True, declined=0, **stay)
    assert f"To write to Ana: MSG {ref}" in sms.inbox(GUEST)[-1]

    await sms.text(GUEST, "MSG What time is check-in?")
    assert sms.inbox(HOST)[-1] == sms.render("relay_message", "ja", sender="Bob", from_guest=True, ref=ref,
                                             check_in=stay["check_in"], check_out=stay["check_out"],
                                             text="What time is check-in?", with_ref=False, first=True)
    assert await sms.text_full(HOST, "メッセージ\u300015時からです。") == first_sent(  # a full-width space
        sms, "Bob", ref, is_guest=True, language="ja")
    assert sms.inbox(GUEST)[-1].startswith(f"Ana (host, {ref}, Dec 20-23): 15時からです。")
    assert await sms.text(HOST, "メッセージ") == sms.render("relay_empty", "ja", ref=ref)
    assert_no_number_anywhere(sms, accepted)


async def test_relayed_messages_are_purged_after_the_retention_counted_from_check_out(
        sms: Sms, config: Config) -> None:
    await confirmed_stay(sms)
    await sms.text(GUEST, "MSG Thanks for a lovely stay")
    sms.clock.advance(days=26 + config.relay_retention_days)  # Dec 23 + 180 days: still kept
    await sms.run_scheduler()
    assert len(thread(sms)) == 1
    sms.clock.advance(days=1)
    await sms.run_scheduler()
    assert thread(sms) == []
    assert outbox(sms, HOST)  # the outbox keeps its own history


async def test_an_operator_reads_a_stays_thread_with_what_became_of_each_message(sms: Sms, config: Config) -> None:
    ref = await confirmed_stay(sms)
    await sms.text(GUEST, "MSG The heating is off", media=(PHOTO,))
    await sms.text(HOST, "MSG Sorry, fixing it now")
    sid = sms.twilio.messages[-2].sid  # the guest's message, as Twilio knows it
    callback = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": "delivered", "SmsStatus": "delivered",
                "AccountSid": "AC" + "a" * 32, "To": HOST, "From": "+15550000000", "ApiVersion": "2010-04-01"}
    assert (await sms.post("/sms/status", callback)).status == 204

    out = io.StringIO()
    assert thread_report(config, ref.lower(), out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Stay {ref}: #1, 2026-12-20 to 2026-12-23, confirmed; 2 message(s)"
    assert lines[1].endswith(f"guest -> host [delivered]: The heating is off [picture {PHOTO}]")
    assert lines[2].endswith("host -> guest [queued]: Sorry, fixing it now")
    assert NUMBER_DIGITS not in out.getvalue()
    assert thread_report(config, "ZZZZZZ", io.StringIO()) == 1
