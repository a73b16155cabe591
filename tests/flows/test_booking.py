"""Guests booking: BOOK <n> [dates] [N guests] -> dates -> guests -> name (first time) -> a pending request
with a reference and its cost; date refusals with a working example; the rules that refuse a request; a
stay that overlaps the guest's own stay elsewhere asks for YES first."""

from __future__ import annotations

import re
from datetime import date

from bot.money import Money
from tests.conftest import GUEST, GUEST2, GUEST3, HOST, Sms, book, described, list_place
from tests.support.dbview import execute
from tests.test_language import request_of

HOST2 = "+15551230019"

# The fake clock's today is 2026-11-27; examples are two weeks out, three nights.
EXAMPLE = "Dec 11-14"


def example_in(reply: str) -> str:
    """The example dates a reply offers ('Dec 11-14' or 'Dec 30-Jan 2')."""
    match = re.search(r"[A-Z][a-z]{2} \d{1,2}-(?:\d{1,2}|[A-Z][a-z]{2} \d{1,2})", reply)
    assert match, reply
    return match.group(0)


async def test_book_asks_dates_then_guests_then_name_then_files_a_request_with_its_cost(sms: Sms) -> None:
    number = await list_place(sms, price="$1200", guests="4")
    reply = await sms.text(GUEST, f"BOOK {number}")
    assert f"#{number}" in reply and EXAMPLE in reply
    assert f"How many guests will stay at #{number} (up to 4)?" in await sms.text(GUEST, "Dec 20-23")
    assert "name" in (await sms.text(GUEST, "2 guests")).lower()
    reply = await sms.text(GUEST, "Bob")
    assert reply.startswith(f"Request sent! #{number} (Sunny loft by the harbour, two bedrooms), Dec 20-23,"
                            " 2 guests, 3 nights x $1,200 = $3,600. Your reference: ")
    ref = reply.split("reference: ")[1].split(".")[0]
    assert re.fullmatch(r"[A-Z2-9]{6}", ref)
    assert ref in await sms.text(GUEST, "STATUS")

    # The host sees the same cost and the reference every later message about the request will use.
    prompt = sms.inbox(HOST)[-1]
    assert prompt.startswith(f"Bob would like to stay at #{number} (Sunny loft by the harbour, two bedrooms)"
                             " Dec 20-23, 2 guests, 3 nights x $1,200 = $3,600, ref " + ref)
    assert "Reply YES to accept, NO to decline" in prompt
    assert "Accepted: Bob" in await sms.text(HOST, "YES")
    assert sms.inbox(GUEST)[-1] == (f"Stay confirmed: #{number} Sunny loft by the harbour, two bedrooms, Dec 20-23,"
                                    f" 2 guests, 3 nights x $1,200 = $3,600, ref {ref}. To write to Ana: MSG {ref}"
                                    " and your text.")


async def test_dates_and_guests_answered_inline_go_straight_to_the_request(sms: Sms) -> None:
    number = await list_place(sms, guests="6")
    await book(sms, GUEST, number, "Dec 1-3")  # name known from now on
    reply = await sms.text(GUEST, f"BOOK {number} Dec 20-23 5 guests")
    assert "Request sent!" in reply and "5 guests, 3 nights x $120 = $360" in reply
    # Only the party size first: then the dates are asked, and the number is kept.
    assert "When would you like to stay" in await sms.text(GUEST, f"BOOK {number} 3 people")
    reply = await sms.text(GUEST, "Jan 4-6")
    assert "Request sent!" in reply and "Jan 4-6, 2027, 3 guests, 2 nights x $120 = $240" in reply


async def test_more_guests_than_the_place_sleeps_is_refused_and_asked_again(sms: Sms) -> None:
    number = await list_place(sms, guests="4")
    reply = await sms.text(GUEST, f"BOOK {number} Dec 20-23 6 guests")
    assert reply == f"#{number} sleeps up to 4 guests, not 6. How many will stay? e.g. 2"
    assert "sleeps up to 4 guests, not 5" in await sms.text(GUEST, "5")
    assert "Please send the number of guests" in await sms.text(GUEST, "a few of us")
    assert "Please send the number of guests" in await sms.text(GUEST, "0")
    reply = await sms.text(GUEST, "HELP")
    assert f"how many guests will stay at #{number} (1-4)" in reply and "MENU" in reply
    assert "name" in (await sms.text(GUEST, "four")).lower()
    assert "4 guests" in await sms.text(GUEST, "Bob")


async def test_a_place_listed_before_prices_books_with_no_total(sms: Sms) -> None:
    number = await list_place(sms)
    # What the listing details migration leaves for a place listed before it: no price, no stated capacity.
    execute(sms, "UPDATE listings SET price_per_night = NULL, currency = NULL, max_guests = NULL WHERE id = ?",
            (number,))
    assert "price on request" in await sms.text(GUEST, "BROWSE")
    reply = await sms.text(GUEST, f"BOOK {number} Dec 20-23")
    assert f"How many guests will stay at #{number} (up to 16)?" in reply
    await sms.text(GUEST, "2")
    reply = await sms.text(GUEST, "Bob")
    assert "Request sent!" in reply and "3 nights, price on request" in reply
    assert "3 nights, price on request" in sms.inbox(HOST)[-1]


async def test_book_with_inline_dates_and_a_known_name_files_at_once(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 1-3", name="Bob")
    await sms.text(GUEST, f" book #{number} 12/20-12/23 ")
    reply = await sms.text(GUEST, "2")
    assert "Request sent!" in reply and "name" not in reply.lower()  # the name was remembered
    assert "3 nights x $120" in reply


async def test_one_night_and_one_guest_are_singular(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number} Dec 20-21")
    assert "name" in (await sms.text(GUEST, "1")).lower()
    assert "1 guest, 1 night x $120 = $120." in await sms.text(GUEST, "Bob")
    assert "1 guest, 1 night x $120 = $120, ref" in sms.inbox(HOST)[-1]


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
    await sms.text(GUEST, "2")
    assert "Request sent!" in await sms.text(GUEST, "Bob")


async def test_year_crossing_dates(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 30 - Jan 2")
    assert "Dec 30-Jan 2" in sms.inbox(HOST)[-1] and "3 nights" in sms.inbox(HOST)[-1]


async def test_inline_dates_that_fail_are_asked_again(sms: Sms) -> None:
    number = await list_place(sms)
    assert "Check-out must be after" in await sms.text(GUEST, f"BOOK {number} Dec 23-20 2 guests")
    assert "name" in (await sms.text(GUEST, "Dec 20-23")).lower()  # the party size given inline was kept
    assert "2 guests" in await sms.text(GUEST, "Bob")


async def test_help_while_giving_dates_shows_an_example(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number}")
    reply = await sms.text(GUEST, "HELP")
    assert "check-in and check-out" in reply and EXAMPLE in reply and "MENU" in reply
    assert "How many guests" in await sms.text(GUEST, EXAMPLE)  # HELP kept the booking going
    assert "name" in (await sms.text(GUEST, "2")).lower()
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
    assert "Request sent!" in await sms.text(GUEST, f"BOOK {number} Dec 13-15 2 guests")


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
    assert "How many guests" in await sms.text(GUEST2, "Dec 26-28")
    assert "name" in (await sms.text(GUEST2, "2")).lower()
    assert "Request sent!" in await sms.text(GUEST2, "Hugo")
    # Back to back is fine: checking out on the day the next guest checks in.
    await book(sms, GUEST2, number, "Dec 23-26", name="Hugo")
    await book(sms, GUEST2, number, "Dec 16-20", name="Hugo")


async def test_the_same_request_twice_is_refused(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 20-23")
    assert "already asked" in await sms.text(GUEST, f"BOOK {number} Dec 21-22")
    assert "already asked" in await sms.text(GUEST, "Dec 22-24")  # still asking for dates
    assert "Request sent!" in await sms.text(GUEST, "Dec 24-26 2 guests")
    assert len(sms.inbox(HOST)) == 1


async def test_two_guests_may_ask_for_the_same_dates(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 20-23")
    await book(sms, GUEST2, number, "Dec 20-23", name="Hugo")
    assert (await sms.text(GUEST2, "STATUS")).count("waiting for host") == 1


async def test_a_place_unlisted_while_the_guest_is_answering_ends_the_booking(sms: Sms) -> None:
    number = await list_place(sms)
    other = await list_place(sms, description="Quiet cabin in the pines with a stove")
    assert "name" in (await sms.text(GUEST, f"BOOK {number} Dec 20-23 2 guests")).lower()
    await sms.text(HOST, f"UNLIST {number}")
    assert f"There's no place #{number}" in await sms.text(GUEST, "Bob")
    # The booking is over: the next text is a command again, not another name.
    assert f"#{other} Quiet cabin" in await sms.text(GUEST, "BROWSE")
    assert "Request sent!" in await sms.text(GUEST, f"BOOK {other} Dec 20-23 2 guests")


async def test_the_example_works_when_it_crosses_the_year(sms: Sms) -> None:
    number = await list_place(sms)
    sms.clock.advance(days=18)  # Dec 15: two weeks out is Dec 29, three nights end in January
    reply = await sms.text(GUEST, f"BOOK {number}")
    assert "Dec 29-Jan 1" in reply
    await sms.text(GUEST, example_in(reply))
    await sms.text(GUEST, "2")
    assert "3 nights x $120 = $360" in await sms.text(GUEST, "Bob")


async def test_a_command_sent_instead_of_a_name_abandons_the_booking(sms: Sms) -> None:
    number = await list_place(sms)
    assert "name" in (await sms.text(GUEST, f"BOOK {number} Dec 20-23 2 guests")).lower()
    reply = await sms.text(GUEST, "BROWSE")
    assert f"#{number}" in reply and "VIEW" in reply  # the BROWSE page, not "Request sent!"
    assert sms.inbox(HOST) == []  # nothing was filed, nobody called "BROWSE" was announced
    assert "no trips" in await sms.text(GUEST, "STATUS")


async def test_a_refusal_for_taken_nights_names_the_nearest_free_ones(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 20-24")
    await sms.text(HOST, "YES")
    await book(sms, GUEST, number, "Dec 27-29")
    await sms.text(HOST, "YES")
    reply = await sms.text(GUEST2, f"BOOK {number} Dec 21-23")
    assert reply == (f"Sorry, #{number} is already booked for some of Dec 21-23. Free nearby: Nov 27-Dec 19,"
                     " Dec 24-26. Try other dates.")
    assert "How many guests" in await sms.text(GUEST2, "Dec 24-27")  # a free range from the refusal fits


async def test_free_lists_the_free_nights_of_the_next_60_days_as_ranges(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft")
    assert "FREE 3" in await sms.text(GUEST, "FREE")
    assert "There's no place #99" in await sms.text(GUEST, "FREE 99")
    await book(sms, GUEST, number, "Dec 20-24")
    await sms.text(HOST, "YES")
    await book(sms, GUEST2, number, "Dec 1-3", name="Hugo")
    await sms.text(HOST, "YES")
    await book(sms, GUEST2, number, "Jan 10-12", name="Hugo")  # a request is not a stay: still free
    reply = await sms.text(GUEST3, f"FREE {number}")
    assert reply == (f"Free nights at #{number} (Ocean Loft) in the next 60 days: Nov 27-30, Dec 3-19,"
                     f" Dec 24-Jan 25, 2027. BOOK {number} Nov 27-30 to request.")
    assert "How many guests" in await sms.text(GUEST3, f"BOOK {number} Nov 27-30")  # the example books
    await sms.text(GUEST3, "MENU")
    await sms.text(GUEST3, "LANG JA")
    reply = await sms.text(GUEST3, f"空き{number}")
    ranges = [{"first": date(2026, 11, 27), "last": date(2026, 11, 30)},
              {"first": date(2026, 12, 3), "last": date(2026, 12, 19)},
              {"first": date(2026, 12, 24), "last": date(2027, 1, 25)}]
    assert reply == sms.render("free_nights", "ja", number=number, title="Ocean Loft", days=60, ranges=ranges,
                               more=False, example_in=date(2026, 11, 27), example_out=date(2026, 11, 30))
    assert f"「予約 {number} 11月27日〜30日」" in reply  # what to type, and it books (below)
    assert await sms.text(GUEST3, f"予約 {number} 11月27日〜30日") == sms.render("ask_guest_count", "ja",
                                                                               number=number, most=4)


async def test_free_when_every_night_is_taken(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft")
    for dates in ("Nov 27-Dec 27", "Dec 27-Jan 26"):
        await book(sms, GUEST, number, dates)
        await sms.text(HOST, "YES")
    assert await sms.text(GUEST2, f"FREE {number}") == (
        f"#{number} (Ocean Loft) has no free nights in the next 60 days. BROWSE for other places.")
    assert "No free nights in the next 60 days" in await sms.text(GUEST2, f"VIEW {number}")


# -- finding 6: a stay that overlaps the guest's own confirmed stay elsewhere --------------------------------


async def _confirmed_stay(sms: Sms, guest: str, listing: int, dates: str, host: str = HOST) -> str:
    ref = await book(sms, guest, listing, dates)
    assert "Accepted" in await sms.text(host, "YES")
    return ref


async def test_overlapping_the_guests_own_stay_elsewhere_asks_and_yes_books_anyway(sms: Sms) -> None:
    loft = await list_place(sms, title="Ocean Loft")
    cabin = await list_place(sms, host=HOST2, name="Carl", title="Pine Cabin",
                             description="Quiet cabin in the pines with a stove")
    ref = await _confirmed_stay(sms, GUEST, loft, "Dec 20-23")
    reply = await sms.text(GUEST, f"BOOK {cabin} Dec 22-26 2 guests")
    assert reply == (f"You have a confirmed stay at #{loft} (Ocean Loft) Dec 20-23 (ref {ref}). Request #{cabin}"
                     " for Dec 22-26 as well? Reply YES to send it or NO to drop it.")
    assert sms.inbox(HOST2) == []
    assert "Reply YES to send it" in await sms.text(GUEST, "HELP")
    reply = await sms.text(GUEST, "yes please")
    assert "Request sent!" in reply and f"#{cabin} (Pine Cabin), Dec 22-26" in reply
    assert "Carl" not in reply and "would like to stay" in sms.inbox(HOST2)[-1]


async def test_no_drops_the_overlapping_request_and_anything_else_is_asked_again(sms: Sms) -> None:
    loft = await list_place(sms)
    cabin = await list_place(sms, host=HOST2, name="Carl", description="Quiet cabin in the pines with a stove")
    await _confirmed_stay(sms, GUEST, loft, "Dec 20-23")
    asked_again = sms.render("help_book_confirm", "en", number=cabin, check_in=date(2026, 12, 21),
                             check_out=date(2026, 12, 22))
    for answers in (["no"], ["hmm, not sure", "no thanks"], ["sorry, no"]):
        assert "Reply YES to send it" in await sms.text(GUEST, f"BOOK {cabin} Dec 21-22 2 guests")
        for answer in answers[:-1]:
            assert await sms.text(GUEST, answer) == asked_again  # never taken as no
        assert await sms.text(GUEST, answers[-1]) == (
            f"OK, no request sent for #{cabin}, Dec 21-22. BROWSE for other places.")
    assert sms.inbox(HOST2) == []
    assert "waiting for host" not in await sms.text(GUEST, "STATUS")
    # Nights that do not overlap are filed at once; an overlap at the same place is refused as booked.
    assert "Request sent!" in await sms.text(GUEST, f"BOOK {cabin} Dec 23-25 2 guests")
    assert "already booked" in await sms.text(GUEST, f"BOOK {loft} Dec 21-22 2 guests")


async def test_the_guests_yes_is_their_own_answer_never_a_decision_on_a_request_they_host(sms: Sms) -> None:
    loft = await list_place(sms, host=HOST, name="Ana")
    cabin = await list_place(sms, host=HOST2, name="Carl", description="Quiet cabin in the pines with a stove")
    other = await list_place(sms, host=GUEST2, name="Hugo", description="Flat over the market hall, two rooms")
    await _confirmed_stay(sms, HOST, cabin, "Dec 20-23", host=HOST2)  # Ana stays at Carl's
    await book(sms, GUEST, loft, "Jan 5-8")  # Bob asks for Ana's place: Ana is shown his request
    assert "Bob would like to stay" in sms.inbox(HOST)[-1]
    assert "Reply YES to send it" in await sms.text(HOST, f"BOOK {other} Dec 21-22 2 guests")
    reply = await sms.text(HOST, "YES")
    assert "Request sent!" in reply and "Accepted" not in reply
    assert "waiting for host" in await sms.text(GUEST, "STATUS")  # Bob's request still waits for Ana
    # Other messages came in since Bob's request was put to Ana: it is asked again before a YES decides it.
    assert "Accept Bob's request" in await sms.text(HOST, "YES")
    assert "Accepted: Bob" in await sms.text(HOST, "YES")


async def test_a_japanese_guest_confirms_an_overlapping_stay_with_hai(sms: Sms) -> None:
    loft = await list_place(sms, title="Ocean Loft")
    cabin = await list_place(sms, host=HOST2, name="Carl", title="Pine Cabin",
                             description="Quiet cabin in the pines with a stove")
    ref = await _confirmed_stay(sms, GUEST, loft, "Dec 20-23")
    await sms.text(GUEST, "LANG JA")
    reply = await sms.text(GUEST, f"予約{cabin} 12/21-12/22 大人2名")
    assert reply == sms.render("book_overlaps_own_stay", "ja", number=cabin, check_in=date(2026, 12, 21),
                               check_out=date(2026, 12, 22), own_ref=ref, own_listing=loft, own_title="Ocean Loft",
                               own_check_in=date(2026, 12, 20), own_check_out=date(2026, 12, 23))
    reply = await sms.text(GUEST, "はい")
    request = request_of(sms, phone=GUEST)
    variables = await described(sms, request["id"])
    assert reply == sms.render("book_requested", "ja", number=cabin, **variables)
    assert (variables["listing"], variables["guests"], variables["nights"], variables["total"]) == \
        (cabin, 2, 1, Money(12000, "USD"))
    assert "would like to stay" in sms.inbox(HOST2)[-1]
