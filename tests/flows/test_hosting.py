"""Hosts: HOST (name once, description, photo or SKIP, "listed as #n"), LISTINGS, UNLIST, and a host
half-way through listing who receives a request."""

from __future__ import annotations

from tests.conftest import GUEST, GUEST2, HOST, Sms, book, list_place

DESCRIPTION = "Sunny loft by the harbour, two bedrooms"


async def test_the_whole_listing_flow_asks_the_name_first_time_only(sms: Sms) -> None:
    assert "name" in (await sms.text(HOST, "HOST")).lower()
    assert "Describe your place" in await sms.text(HOST, "Ana")
    assert "photo" in await sms.text(HOST, DESCRIPTION)
    reply = await sms.text(HOST, "skip")
    assert "listed as #1" in reply and "(no photo)" in reply
    # Second time: straight to the description.
    assert "Describe your place" in await sms.text(HOST, "host")
    await sms.text(HOST, "Quiet cabin in the pines with a wood stove")
    assert "listed as #2" in await sms.text(HOST, "https://example.com/cabin.jpg")
    assert "(host: Ana)" in await sms.text(GUEST, "VIEW 2")


async def test_name_must_look_like_a_name(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    assert "just your name" in await sms.text(HOST, "12345")
    assert "just your name" in await sms.text(HOST, "x" * 41)
    assert "Describe your place" in await sms.text(HOST, "Ana")


async def test_description_length_is_checked(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")
    assert "only 5 characters" in await sms.text(HOST, "Cosy.")
    assert "501 characters" in await sms.text(HOST, "a" * 501)
    assert "photo" in await sms.text(HOST, DESCRIPTION)


async def test_photo_as_mms_link_or_skip_and_nothing_else(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")
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
    assert "listing a place" in reply and "description" in reply and "MENU" in reply and "20" in reply
    await sms.text(HOST, DESCRIPTION)
    reply = await sms.text(HOST, "HELP")
    assert "listing a place" in reply and "SKIP" in reply
    assert "listed as #1" in await sms.text(HOST, "SKIP")  # HELP did not leave the flow


async def test_menu_abandons_the_listing(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")
    assert "back to the start" in await sms.text(HOST, "Menu")
    assert "Did you mean" not in await sms.text(HOST, DESCRIPTION)  # no longer taken as a description
    assert "no places listed" in await sms.text(HOST, "LISTINGS")
    # The name was kept.
    assert "Describe your place" in await sms.text(HOST, "HOST")


async def test_commands_are_text_while_writing_a_description(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")
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
    assert await sms.text(HOST, "yes") == \
        "Finish listing first (or text MENU); then I'll ask you about Bob's request."
    await sms.text(HOST, "Quiet cabin in the pines with a stove")
    reply = await sms.text(HOST, "OK")
    assert "no request waiting" not in reply and reply.startswith("OK. ") and "SKIP" in reply
    assert "waiting for host" in await sms.text(GUEST, "STATUS")

    reply = await sms.text(HOST, "SKIP")
    assert reply.index("listed as #") < reply.index("Bob would like to stay")  # prompt follows, same answer
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
    assert "Describe your place" in await sms.text(GUEST, "HOST")
    await sms.text(GUEST, "Quiet cabin in the pines with a stove")
    await sms.text(GUEST, "SKIP")
    assert "(host: Bob)" in await sms.text(GUEST2, "VIEW 2")


async def test_no_at_the_photo_step_means_no_photo_and_never_declines_the_request_shown(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    assert "Reply YES" in sms.inbox(HOST)[-1]  # the host is looking at Bob's request
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Quiet cabin in the pines with a wood stove")
    reply = await sms.text(HOST, "No")
    assert "listed as #2" in reply and "(no photo)" in reply
    assert "Declined" not in reply and sms.inbox(GUEST) == []  # Bob was not turned away
    assert "Accepted" in await sms.text(HOST, "YES")  # the request is still the host's to decide
    assert "confirmed" in sms.inbox(GUEST)[-1]
