"""Guests booking: BOOK <n> [dates] -> dates -> name (first time) -> a pending request with a reference;
date refusals with a working example; the rules that refuse a request."""

from __future__ import annotations

import re

from tests.conftest import GUEST, GUEST2, HOST, Sms, book, list_place

# The fake clock's today is 2026-11-27; examples are two weeks out, three nights.
EXAMPLE = "Dec 11-14"


def example_in(reply: str) -> str:
    """The example dates a reply offers ('Dec 11-14' or 'Dec 30-Jan 2')."""
    match = re.search(r"[A-Z][a-z]{2} \d{1,2}-(?:\d{1,2}|[A-Z][a-z]{2} \d{1,2})", reply)
    assert match, reply
    return match.group(0)


async def test_book_asks_dates_then_name_then_files_a_request_with_a_reference(sms: Sms) -> None:
    number = await list_place(sms)
    reply = await sms.text(GUEST, f"BOOK {number}")
    assert f"#{number}" in reply and EXAMPLE in reply
    assert "name" in (await sms.text(GUEST, "Dec 20-23")).lower()
    reply = await sms.text(GUEST, "Bob")
    assert "Request sent!" in reply and "Dec 20-23" in reply and "(3 nights)" in reply
    ref = reply.split("reference: ")[1].split(".")[0]
    assert re.fullmatch(r"[A-Z2-9]{6}", ref)
    assert ref in await sms.text(GUEST, "STATUS")

    prompt = sms.inbox(HOST)[-1]
    assert "Bob would like to stay at" in prompt and f"#{number} (Sunny loft" in prompt
    assert "Dec 20-23" in prompt and "3 nights" in prompt and "YES" in prompt and "NO" in prompt


async def test_book_with_inline_dates_and_a_known_name_files_at_once(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 1-3", name="Bob")
    reply = await sms.text(GUEST, f" book #{number} 12/20-12/23 ")
    assert "Request sent!" in reply and "name" not in reply.lower()  # the name was remembered
    assert "(3 nights)" in reply


async def test_one_night_is_singular(sms: Sms) -> None:
    number = await list_place(sms)
    reply = await sms.text(GUEST, f"BOOK {number} Dec 20-21")
    assert "(1 night)" in await sms.text(GUEST, "Bob") and "name" in reply.lower()
    assert "1 night." in sms.inbox(HOST)[-1]


async def test_date_refusals_show_an_example_that_works(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number}")
    for dates, why in [
        ("2026-11-01 to 2026-11-03", "has passed"),
        ("Dec 23-20", "Check-out must be after check-in"),
        ("Dec 1 - Jan 15", "45 nights; stays are up to 30"),
        ("sometime soon", "couldn't read"),
    ]:
        reply = await sms.text(GUEST, dates)
        assert why in reply and EXAMPLE in reply, reply
    assert "2026-12-20" not in reply  # no example that will itself be in the past one day
    await sms.text(GUEST, example_in(reply))
    assert "Request sent!" in await sms.text(GUEST, "Bob")


async def test_year_crossing_dates(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 30 - Jan 2")
    assert "Dec 30-Jan 2" in sms.inbox(HOST)[-1] and "3 nights" in sms.inbox(HOST)[-1]


async def test_inline_dates_that_fail_are_asked_again(sms: Sms) -> None:
    number = await list_place(sms)
    assert "Check-out must be after" in await sms.text(GUEST, f"BOOK {number} Dec 23-20")
    await sms.text(GUEST, "Dec 20-23")
    assert "Request sent!" in await sms.text(GUEST, "Bob")


async def test_help_while_giving_dates_shows_an_example(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number}")
    reply = await sms.text(GUEST, "HELP")
    assert "check-in and check-out" in reply and EXAMPLE in reply and "MENU" in reply
    assert "name" in (await sms.text(GUEST, EXAMPLE)).lower()  # HELP kept the booking going
    assert "name" in (await sms.text(GUEST, "help")).lower()


async def test_a_command_abandons_the_dates_question(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number}")
    assert f"#{number} Sunny" in await sms.text(GUEST, "BROWSE")
    assert "Did you mean" not in await sms.text(GUEST, "Dec 20-23")
    assert "no trips" in await sms.text(GUEST, "STATUS")


async def test_menu_abandons_a_booking(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number} Dec 20-23")
    assert "back to the start" in await sms.text(GUEST, "MENU")
    await sms.text(GUEST, "Bob")
    assert "no trips" in await sms.text(GUEST, "STATUS")
    assert sms.inbox(HOST) == []


async def test_book_needs_a_listed_place(sms: Sms) -> None:
    await list_place(sms)
    assert "BOOK 3" in await sms.text(GUEST, "BOOK")
    assert "BOOK 3" in await sms.text(GUEST, "BOOK the loft")
    assert "There's no place #7" in await sms.text(GUEST, "BOOK 7 Dec 20-23")


async def test_guests_cannot_book_their_own_place(sms: Sms) -> None:
    number = await list_place(sms)
    assert "your own place" in await sms.text(HOST, f"BOOK {number} Dec 20-23")
    assert "no trips" in await sms.text(HOST, "STATUS")
    assert sms.inbox(HOST) == []


async def test_a_guest_holds_at_most_the_configured_pending_requests(sms: Sms) -> None:
    number = await list_place(sms)
    refs = [await book(sms, GUEST, number, dates) for dates in ("Dec 1-3", "Dec 5-7", "Dec 9-11")]
    reply = await sms.text(GUEST, f"BOOK {number} Dec 13-15")
    assert "already have 3 requests waiting" in reply
    assert reply.count("Request sent") == 0
    await sms.text(GUEST, f"CANCEL {refs[1]}")
    assert "Request sent!" in await sms.text(GUEST, f"BOOK {number} Dec 13-15")


async def test_book_is_refused_when_it_overlaps_a_confirmed_stay(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 20-23")
    await sms.text(HOST, "YES")
    for dates in ("Dec 22-24", "Dec 18-21", "Dec 19-25", "Dec 21-22"):
        reply = await sms.text(GUEST2, f"BOOK {number} {dates}")  # refused before the name is asked
        assert "already booked" in reply and "name" not in reply.lower(), (dates, reply)
    assert "no trips" in await sms.text(GUEST2, "STATUS")
    # Asked for other dates, the next text is read as dates.
    await sms.text(GUEST2, f"BOOK {number}")
    assert "already booked" in await sms.text(GUEST2, "Dec 21-22")
    assert "name" in (await sms.text(GUEST2, "Dec 26-28")).lower()
    assert "Request sent!" in await sms.text(GUEST2, "Hugo")
    # Back to back is fine: checking out on the day the next guest checks in.
    await book(sms, GUEST2, number, "Dec 23-26", name="Hugo")
    await book(sms, GUEST2, number, "Dec 16-20", name="Hugo")


async def test_the_same_request_twice_is_refused(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 20-23")
    assert "already asked" in await sms.text(GUEST, f"BOOK {number} Dec 21-22")
    assert "already asked" in await sms.text(GUEST, "Dec 22-24")  # still asking for dates
    assert "Request sent!" in await sms.text(GUEST, "Dec 24-26")
    assert len(sms.inbox(HOST)) == 1


async def test_two_guests_may_ask_for_the_same_dates(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 20-23")
    await book(sms, GUEST2, number, "Dec 20-23", name="Hugo")
    assert (await sms.text(GUEST2, "STATUS")).count("waiting for host") == 1


async def test_a_place_unlisted_while_the_guest_is_answering_ends_the_booking(sms: Sms) -> None:
    number = await list_place(sms)
    other = await list_place(sms, description="Quiet cabin in the pines with a stove")
    assert "name" in (await sms.text(GUEST, f"BOOK {number} Dec 20-23")).lower()
    await sms.text(HOST, f"UNLIST {number}")
    assert f"There's no place #{number}" in await sms.text(GUEST, "Bob")
    # The booking is over: the next text is a command again, not another name.
    assert f"#{other} Quiet cabin" in await sms.text(GUEST, "BROWSE")
    assert "Request sent!" in await sms.text(GUEST, f"BOOK {other} Dec 20-23")


async def test_the_example_works_when_it_crosses_the_year(sms: Sms) -> None:
    number = await list_place(sms)
    sms.clock.advance(days=18)  # Dec 15: two weeks out is Dec 29, three nights end in January
    reply = await sms.text(GUEST, f"BOOK {number}")
    assert "Dec 29-Jan 1" in reply
    await sms.text(GUEST, example_in(reply))
    assert "(3 nights)" in await sms.text(GUEST, "Bob")


async def test_a_command_sent_instead_of_a_name_abandons_the_booking(sms: Sms) -> None:
    number = await list_place(sms)
    assert "name" in (await sms.text(GUEST, f"BOOK {number} Dec 20-23")).lower()
    reply = await sms.text(GUEST, "BROWSE")
    assert f"#{number}" in reply and "VIEW" in reply  # the BROWSE page, not "Request sent!"
    assert sms.inbox(HOST) == []  # nothing was filed, nobody called "BROWSE" was announced
    assert "no trips" in await sms.text(GUEST, "STATUS")
