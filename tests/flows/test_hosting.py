"""Hosts: HOST (name once, title, price per night, most guests, description, photo or SKIP, "listed as
#n"), EDIT, LISTINGS, UNLIST, and a host half-way through listing who receives a request."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from bot.flows.details import GUESTS_MAX
from bot.money import Money
from tests.conftest import (
    GUEST,
    GUEST2,
    HOST,
    AiohttpClient,
    Sms,
    book,
    described,
    list_place,
    skip_arrival_and_payment,
    start_listing,
)
from tests.support.dbview import rows
from tests.support.fake_twilio import FakeTwilio

DESCRIPTION = "Sunny loft by the harbour, two bedrooms"


async def test_the_whole_listing_flow_asks_the_name_first_time_only(sms: Sms) -> None:
    assert "name" in (await sms.text(HOST, "HOST")).lower()
    assert await sms.text(HOST, "Ana Lima") == (
        "What's your place called? Send a short title (3-40 characters), e.g. Ocean Loft")
    assert await sms.text(HOST, "Ocean Loft") == "Price per night in USD? Send a whole amount, e.g. $120"
    assert await sms.text(HOST, "$1,200 a night") == "How many guests can it sleep at most (1-16)? e.g. 4"
    assert "Describe your place" in await sms.text(HOST, "sleeps 6")
    assert "photo" in await sms.text(HOST, DESCRIPTION)
    reply = await sms.text(HOST, "skip")
    assert "listed as #1" in reply and "(no photo)" in reply
    # Second time: straight to the title.
    assert "called?" in await sms.text(HOST, "host")
    await sms.text(HOST, "Pine Cabin")
    await sms.text(HOST, "95")
    await sms.text(HOST, "2")
    await sms.text(HOST, "Quiet cabin in the pines with a wood stove")
    assert "listed as #2" in await sms.text(HOST, "https://example.com/cabin.jpg")
    view = await sms.text(GUEST, "VIEW 1")
    assert view.startswith(f"#1 Ocean Loft: $1,200/night, sleeps 6. {DESCRIPTION} Host: Ana."
                           " Free: Nov 27-Jan 25, 2027.")
    assert "BOOK 1 to request a stay." in view
    assert "#2 Pine Cabin, $95/night, sleeps 2" in await sms.text(GUEST, "BROWSE")


@pytest.mark.parametrize("price", ["120", "$120", "120/night", "$120 per night", "120 dollars", "USD 120",
                                   "１２０", "120.00"])
async def test_the_price_is_read_as_hosts_write_it(sms: Sms, price: str) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")
    await sms.text(HOST, "Ocean Loft")
    assert "How many guests" in await sms.text(HOST, price)
    assert rows(sms, "SELECT flow FROM conversations") == [{"flow": "hosting"}]


async def test_a_service_that_charges_yen_reads_and_writes_yen(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    app = create_app(config.with_(currency="JPY"), clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    await sms.text(HOST, "LANG JA")
    await sms.text(HOST, "掲載")
    await sms.text(HOST, "山田")
    yen = {"currency": "JPY", "example": Money(15000, "JPY")}
    assert await sms.text(HOST, "海辺のロフト") == sms.render("ask_price", "ja", **yen)
    assert sms.render("ask_price", "ja", **yen).endswith("15,000円")  # yen written the Japanese way
    assert await sms.text(HOST, "$120") == sms.render("price_currency", "ja", **yen)
    assert await sms.text(HOST, "1泊15,000円") == sms.render("ask_capacity", "ja", most=GUESTS_MAX)
    await sms.text(HOST, "4名")
    await sms.text(HOST, "海まで歩いて二分の明るいロフトです。寝室が二つあります。")
    listed = await sms.text(HOST, "スキップ")
    number = int(rows(sms, "SELECT id FROM listings ORDER BY id DESC LIMIT 1")[0]["id"])
    assert listed == sms.render("listed", "ja", number=number, has_photo=False)
    assert await sms.text(HOST, "スキップ") == sms.render("ask_payment", "ja", number=number, current="",
                                                       editing=False)
    assert await sms.text(HOST, "スキップ") == sms.render("host_setup_done", "ja", number=number)
    assert f"#{number} 海辺のロフト, ¥15,000/night, sleeps 4" in await sms.text(GUEST, "BROWSE")
    await sms.text(GUEST, f"BOOK {number} Dec 20-23 2 guests")
    assert "2 guests, 3 nights x ¥15,000 = ¥45,000." in await sms.text(GUEST, "Bob")
    request = rows(sms, "SELECT id FROM reservations ORDER BY id DESC LIMIT 1")[0]
    variables = await described(sms, request["id"])
    assert sms.inbox(HOST)[-1] == sms.render("host_prompt", "ja", **variables)  # the host reads Japanese
    assert "45,000円" in sms.inbox(HOST)[-1]  # the total, in yen written the Japanese way
    assert rows(sms, "SELECT price_per_night, currency FROM reservations") == [
        {"price_per_night": 15000, "currency": "JPY"}]  # whole yen: JPY has no minor unit


async def test_each_listing_answer_is_checked_with_an_example_of_a_good_one(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")
    assert await sms.text(HOST, "Ab") == "Please send a title of 3-40 characters, e.g. Ocean Loft"
    assert "e.g. Ocean Loft" in await sms.text(HOST, "x" * 41)
    assert "e.g. Ocean Loft" in await sms.text(HOST, "12345")
    assert "Price per night" in await sms.text(HOST, "Ocean Loft")
    for bad in ("cheap", "0", "120.50", "about 100 or so", "-5"):
        assert await sms.text(HOST, bad) == "Please send the price per night as a whole amount in USD, e.g. $120", bad
    for other in ("¥15000", "15,000円", "15000 yen", "€90"):
        assert await sms.text(HOST, other) == (
            "Prices here are in USD. Please send the price per night in USD, e.g. $120"), other
    assert "How many guests" in await sms.text(HOST, "120")
    for bad in ("0", "17", "lots", "2 or 3"):
        assert await sms.text(HOST, bad) == "Please send a number of guests from 1 to 16, e.g. 4", bad
    assert "most guests it sleeps (1-16), e.g. 4" in await sms.text(HOST, "?")
    assert "Describe your place" in await sms.text(HOST, "16")
    assert rows(sms, "SELECT COUNT(*) AS n FROM listings") == [{"n": 0}]


async def test_name_must_look_like_a_name(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    assert "just your name" in await sms.text(HOST, "12345")
    assert "just your name" in await sms.text(HOST, "x" * 41)
    assert "called?" in await sms.text(HOST, "Ana")


async def test_description_length_is_checked(sms: Sms) -> None:
    await start_listing(sms, HOST)
    assert "only 5 characters" in await sms.text(HOST, "Cosy.")
    assert "501 characters" in await sms.text(HOST, "a" * 501)
    assert "photo" in await sms.text(HOST, DESCRIPTION)


async def test_photo_as_mms_link_or_skip_and_nothing_else(sms: Sms) -> None:
    await start_listing(sms, HOST)
    await sms.text(HOST, DESCRIPTION)
    assert "http" in await sms.text(HOST, "a nice picture")
    assert "http" in await sms.text(HOST, "ftp://example.com/a.jpg")
    assert "http" in await sms.text(HOST, "https://nodot")
    reply = await sms.text(HOST, "here", media=("https://api.twilio.com/Media/ME1",))
    assert "listed as #1" in reply and "no photo" not in reply
    [(_, media)] = await sms.text_full(GUEST, "VIEW 1")
    assert media == "https://api.twilio.com/Media/ME1"


async def test_help_while_listing_is_about_the_step(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    assert "name" in (await sms.text(HOST, "HELP")).lower()
    await sms.text(HOST, "Ana")
    reply = await sms.text(HOST, "help")
    assert "listing a place" in reply and "title (3-40 characters), e.g. Ocean Loft" in reply
    await sms.text(HOST, "Ocean Loft")
    assert "price per night in USD, e.g. $120" in await sms.text(HOST, "help")
    await sms.text(HOST, "120")
    assert "most guests it sleeps (1-16), e.g. 4" in await sms.text(HOST, "help")
    await sms.text(HOST, "4")
    reply = await sms.text(HOST, "help")
    assert "listing a place" in reply and "description" in reply and "MENU" in reply and "20" in reply
    await sms.text(HOST, DESCRIPTION)
    reply = await sms.text(HOST, "HELP")
    assert "listing a place" in reply and "SKIP" in reply
    assert "listed as #1" in await sms.text(HOST, "SKIP")  # HELP did not leave the flow


async def test_menu_abandons_the_listing(sms: Sms) -> None:
    await start_listing(sms, HOST)
    assert "back to the start" in await sms.text(HOST, "Menu")
    assert "Did you mean" not in await sms.text(HOST, DESCRIPTION)  # no longer taken as a description
    assert "no places listed" in await sms.text(HOST, "LISTINGS")
    # The name was kept.
    assert "called?" in await sms.text(HOST, "HOST")


async def test_a_command_abandons_the_price_or_guests_question_but_a_title_may_start_with_one(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")
    assert "Price per night" in await sms.text(HOST, "Browse Inn")  # a title, not BROWSE
    assert "No places are listed yet" in await sms.text(HOST, "BROWSE")  # a command: listing abandoned
    assert "Sorry, I didn't get that" in await sms.text(HOST, "120")


async def test_commands_are_text_while_writing_a_description(sms: Sms) -> None:
    await start_listing(sms, HOST)
    description = "Browse no further: a sunny loft by the harbour"
    await sms.text(HOST, description)
    await sms.text(HOST, "SKIP")
    assert description in await sms.text(GUEST, "VIEW 1")


async def test_listings_show_pending_counts(sms: Sms) -> None:
    assert "no places listed" in await sms.text(HOST, "LISTINGS")
    first = await list_place(sms)
    second = await list_place(sms, description="Quiet cabin in the pines with a stove")
    await book(sms, GUEST, first, "Dec 1-3")
    await book(sms, GUEST2, first, "Dec 5-7", name="Hugo")
    reply = await sms.text(HOST, "LISTINGS")
    assert f"#{first} Sunny loft" in reply and ": 2 waiting, 0 stays to come" in reply
    assert f"#{second} Quiet cabin" in reply and ": 0 waiting, 0 stays to come" in reply


async def test_unlist_declines_pending_requests_and_tells_those_guests(sms: Sms) -> None:
    first = await list_place(sms)
    second = await list_place(sms, description="Quiet cabin in the pines with a stove")
    await book(sms, GUEST, first, "Dec 1-3")
    await book(sms, GUEST2, first, "Dec 5-7", name="Hugo")
    await book(sms, GUEST2, second, "Dec 10-12", name="Hugo")
    assert len(sms.inbox(HOST)) == 1  # only the first request was presented

    reply = await sms.text(HOST, f"UNLIST {first}")
    assert f"#{first} is no longer listed" in reply and "2 waiting requests were declined" in reply
    assert "no longer listed" in sms.inbox(GUEST)[-1]
    assert "no longer listed" in sms.inbox(GUEST2)[-1]
    # The request for the other place is presented next, in the same answer.
    assert "Hugo" in reply and f"#{second}" in reply and "YES" in reply
    assert "declined" in await sms.text(GUEST, "STATUS")
    assert f"#{first} " not in await sms.text(GUEST, "BROWSE")
    listings = await sms.text(HOST, "LISTINGS")
    assert f"#{first} " not in listings and f"#{second} " in listings
    assert f"There's no place #{first}" in await sms.text(GUEST, f"BOOK {first} Dec 20-23")


async def test_unlist_only_your_own_places(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    assert "isn't one of your places" in await sms.text(GUEST, f"UNLIST {number}")
    assert "UNLIST 3" in await sms.text(HOST, "UNLIST")
    assert "There's no place #42" in await sms.text(HOST, "UNLIST 42")
    assert "waiting for host" in await sms.text(GUEST, "STATUS")
    assert f"#{number} " in await sms.text(GUEST, "BROWSE")


async def test_a_host_mid_listing_is_asked_only_when_the_listing_is_finished(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "HOST")
    await book(sms, GUEST, number)
    assert sms.inbox(HOST) == []  # not while they are typing

    # Their texts are not eaten as decisions, and no decision word is eaten as a description; a YES is told
    # the request comes once the listing is done (finding 10), a lone OK is small talk with the step's help.
    finish_first = f"Finish listing first (or text MENU); then I'll ask you about Bob's request for #{number}."
    assert await sms.text(HOST, "yes") == finish_first
    for answer in ("Pine Cabin", "95", "2", "Quiet cabin in the pines with a stove"):
        await sms.text(HOST, answer)
    for decision in ("OK", "ええ", "お断りします", "👍"):  # at the photo step too: not the photo's answer
        assert await sms.text(HOST, decision) == finish_first
    assert "waiting for host" in await sms.text(GUEST, "STATUS")

    assert "listed as #" in await sms.text(HOST, "SKIP")
    assert await sms.text(HOST, "YES") == finish_first  # the questions after listing are part of it
    await sms.text(HOST, "SKIP")  # the address, and with it the arrival details
    reply = await sms.text(HOST, "SKIP")  # how guests pay: the listing is done
    assert reply.index("All set") < reply.index("Bob would like to stay")  # prompt follows, same answer
    assert sms.inbox(HOST) == []
    assert "Accepted" in await sms.text(HOST, "YES")
    assert "confirmed" in sms.inbox(GUEST)[-1]


async def test_a_host_who_abandons_the_listing_is_asked_at_once(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "HOST")
    await book(sms, GUEST, number)
    reply = await sms.text(HOST, "MENU")
    assert "back to the start" in reply and "Bob would like to stay" in reply


async def test_a_host_who_walks_away_mid_listing_is_asked_when_the_flow_times_out(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "HOST")
    await book(sms, GUEST, number)
    sms.clock.advance(minutes=31)
    await sms.run_scheduler()
    assert "Bob would like to stay" in sms.inbox(HOST)[-1]
    assert "Accepted" in await sms.text(HOST, "YES")



async def test_a_guest_who_gave_their_name_is_not_asked_again_to_host(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, name="Bob")
    assert "called?" in await sms.text(GUEST, "HOST")
    await sms.text(GUEST, "MENU")
    await start_listing(sms, GUEST)
    await sms.text(GUEST, "Quiet cabin in the pines with a stove")
    await sms.text(GUEST, "SKIP")
    assert "Host: Bob." in await sms.text(GUEST2, "VIEW 2")


async def test_no_at_the_photo_step_means_no_photo_and_never_declines_the_request_shown(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    assert "Reply YES" in sms.inbox(HOST)[-1]  # the host is looking at Bob's request
    await start_listing(sms, HOST)
    await sms.text(HOST, "Quiet cabin in the pines with a wood stove")
    reply = await sms.text(HOST, "No")
    assert "listed as #2" in reply and "(no photo)" in reply
    assert "Declined" not in reply and sms.inbox(GUEST) == []  # Bob was not turned away
    await skip_arrival_and_payment(sms)
    # Other messages reached the host since the request was put to them: asked again before a YES decides.
    assert "Accepted" not in await sms.text(HOST, "YES")
    assert "Accepted" in await sms.text(HOST, "YES")  # the request is still the host's to decide
    assert "confirmed" in sms.inbox(GUEST)[-1]
