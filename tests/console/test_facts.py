"""Facts an operator needs at first sight (a place's terms, a stay's party and total, a person's role, places
and stays), and Hide, which says what it will do before it does it and tells the host, as UNLIST does."""

from __future__ import annotations

import re

from tests.conftest import GUEST, GUEST2, GUEST3, HOST, Sms, book, list_place
from tests.console.support import Console, signed_in
from tests.support import dbview

PLACE = "Sunny loft by the harbour, two bedrooms"


def _fact(page: str, name: str) -> str:
    """The text of one fact (`<dd id="name">`), tags dropped and spaces joined."""
    found = re.search(rf'<dd id="{name}">(.*?)</dd>', page, re.S)
    assert found is not None, name
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


async def _reservation_id(sms: Sms, ref: str) -> int:
    return int(await sms.db.run(lambda store: store.reservation_by_ref(ref).id))


async def _user_id(sms: Sms, phone: str) -> int:
    user = await sms.db.run(lambda store: store.user_by_phone(phone))
    assert user is not None
    return int(user.id)


async def test_a_listing_page_shows_its_price_capacity_and_what_the_host_has_not_given_yet(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms, price="120", guests="4")
    page = await console.page(f"/admin/listings/{number}")
    assert _fact(page, "price") == "$120" and _fact(page, "sleeps") == "4 guests at most"
    for missing in ("address", "times", "access", "payment"):
        assert _fact(page, missing).startswith("not given yet"), missing
    assert _fact(page, "photo") == "none"
    await sms.text(HOST, f"EDIT {number} CHECKIN 15:00")
    await sms.text(HOST, f"EDIT {number} PAYMENT 1")
    await sms.text(HOST, f"EDIT {number} PHOTO https://photos.example/loft.jpg?a=1&b=2")
    page = await console.page(f"/admin/listings/{number}")
    assert _fact(page, "times") == "from 15:00 / not given yet"
    assert _fact(page, "payment") == "on arrival, in cash or by card"
    # A link that opens in a tab of its own (the console's CSP loads no image from elsewhere), and tells
    # the photo's site nothing of the console.
    assert ('<a href="https://photos.example/loft.jpg?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">'
            in page)


async def test_a_reservation_page_shows_the_party_and_the_total_the_guest_was_told(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms, price="120")
    reply = await sms.text(GUEST, f"BOOK {number} Dec 20-23 3 guests")
    if "name" in reply.lower():
        reply = await sms.text(GUEST, "Bob")
    assert "3 nights x $120 = $360" in reply, reply  # what the guest was told
    ref = reply.split("reference: ")[1].split(".")[0]
    page = await console.page(f"/admin/reservations/{await _reservation_id(sms, ref)}")
    assert _fact(page, "party") == "3"
    assert _fact(page, "total") == "$360 (3 nights x $120)"


async def test_a_person_page_names_their_role_their_places_and_their_stays(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms, host=HOST, name="Ana")
    own = await list_place(sms, host=GUEST3, name="Ida", description="Quiet cabin in the pines, stove")
    as_guest = await book(sms, GUEST, number)
    both = await book(sms, GUEST3, number, "Jan 5-7")
    await sms.text(GUEST2, "hello")
    host_page = await console.page(f"/admin/conversations/{await _user_id(sms, HOST)}")
    assert _fact(host_page, "role") == "host"
    assert f'<a href="/admin/listings/{number}">#{number} Sunny loft' in host_page
    assert as_guest in host_page.split('id="as-host"')[1] and both in host_page
    guest_page = await console.page(f"/admin/conversations/{await _user_id(sms, GUEST)}")
    assert _fact(guest_page, "role") == "guest" and 'id="their-listings"' not in guest_page
    assert as_guest in guest_page.split('id="as-guest"')[1]
    both_page = await console.page(f"/admin/conversations/{await _user_id(sms, GUEST3)}")
    assert _fact(both_page, "role") == "host and guest"
    assert f'href="/admin/listings/{own}"' in both_page and both in both_page.split('id="as-guest"')[1]
    neither = await console.page(f"/admin/conversations/{await _user_id(sms, GUEST2)}")
    assert _fact(neither, "role").startswith("neither yet")


async def _place_with_a_request_and_a_stay(sms: Sms) -> tuple[int, str, str]:
    """A place with a stay to come (Bob, confirmed) and a waiting request (Cy): its number and the two refs."""
    number = await list_place(sms)
    stay = await book(sms, GUEST, number, "Dec 20-23")
    await sms.text(HOST, "YES")
    request = await book(sms, GUEST2, number, "Dec 26-28", name="Cy")
    await sms.deliver()
    return number, stay, request


async def test_hide_first_says_what_it_will_do_and_changes_nothing(sms: Sms) -> None:
    console = await signed_in(sms)
    number, stay, request = await _place_with_a_request_and_a_stay(sms)
    listing = await console.page(f"/admin/listings/{number}")
    assert f'<form method="get" action="/admin/listings/{number}/hide"' in listing
    told = len(sms.inbox(HOST)), len(sms.inbox(GUEST)), len(sms.inbox(GUEST2))
    page = await console.page(f"/admin/listings/{number}/hide")
    assert "1 waiting request will be declined" in page and "1 stay to come will be cancelled" in page
    assert request in page.split("Waiting requests to be declined")[1].split("Stays to come")[0]
    assert stay in page.split("Stays to come to be cancelled")[1]
    assert "texted that Airtng support hid" in page and HOST in page
    assert f'action="/admin/listings/{number}/hide"' in page and f'value="{console.csrf}"' in page
    await sms.deliver()
    assert (len(sms.inbox(HOST)), len(sms.inbox(GUEST)), len(sms.inbox(GUEST2))) == told  # nobody texted
    assert f"#{number}" in await sms.text(GUEST3, "BROWSE")  # still listed
    assert 'data-action="hide"' not in await console.page("/admin/audit")


async def test_hiding_declines_the_requests_cancels_the_stays_to_come_and_texts_the_host(sms: Sms) -> None:
    console = await signed_in(sms)
    number, stay, request = await _place_with_a_request_and_a_stay(sms)
    response = await console.post(f"/admin/listings/{number}/hide")
    assert response.status == 303
    notice = await console.page(response.headers["Location"])
    assert "1 waiting request(s) declined and 1 stay(s) to come cancelled" in notice
    await sms.deliver()
    assert dbview.message_keys(sms, GUEST2)[-1] == "guest_declined_unlisted"
    assert dbview.message_keys(sms, GUEST)[-1] == "guest_stay_cancelled_unlisted"  # as UNLIST after its YES
    assert dbview.message_keys(sms, HOST)[-1] == "host_listing_hidden"
    assert sms.inbox(HOST)[-1] == sms.render("host_listing_hidden", "en", number=number, title=PLACE, declined=1,
                                             cancelled=1)
    statuses = await sms.db.run(lambda store: [store.reservation_by_ref(ref).status for ref in (stay, request)])
    assert statuses == ["cancelled", "declined"]
    assert "1 stay(s) to come cancelled" in await console.page("/admin/audit")


async def test_a_stay_under_way_stands_and_the_page_says_so(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number, "Nov 28-Dec 2")
    await sms.text(HOST, "YES")
    sms.clock.advance(days=2)  # the stay has begun
    console = await signed_in(sms)
    page = await console.page(f"/admin/listings/{number}/hide")
    assert "No stays to come to cancel" in page and "1 stay under way (begun, not over) stands" in page
    assert ref in page.split("Stays under way (they stand)")[1]
    await console.post(f"/admin/listings/{number}/hide")
    assert await sms.db.run(lambda store: store.reservation_by_ref(ref).status) == "confirmed"


async def test_a_hidden_place_asks_nothing_more_and_listing_it_again_texts_the_host(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    await console.post(f"/admin/listings/{number}/hide")
    again = await console.get(f"/admin/listings/{number}/hide")
    assert again.status == 303 and again.headers["Location"] == f"/admin/listings/{number}"
    response = await console.post(f"/admin/listings/{number}/unhide")
    assert "the host is being told" in await console.page(response.headers["Location"])
    await sms.deliver()
    assert dbview.message_keys(sms, HOST)[-2:] == ["host_listing_hidden", "host_listing_shown"]
    assert sms.inbox(HOST)[-1] == sms.render("host_listing_shown", "en", number=number, title=PLACE)
    assert f"#{number}" in await sms.text(GUEST, "BROWSE")
    # Listing it again when it is listed already changes nothing and texts nobody.
    await console.post(f"/admin/listings/{number}/unhide")
    await sms.deliver()
    assert dbview.message_keys(sms, HOST)[-1] == "host_listing_shown"
    assert dbview.message_keys(sms, HOST).count("host_listing_shown") == 1


async def test_an_unknown_place_has_no_hide_page(sms: Sms) -> None:
    console: Console = await signed_in(sms)
    assert (await console.get("/admin/listings/999/hide")).status == 404
