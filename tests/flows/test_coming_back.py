"""Coming back restores what leaving took where it can (issue 21, behaviour 5): a host who opted out and
texts START is listed again and told which places are live, and the guests of their stays to come hear the
host can be texted again; the operator's mark from the host leaving is lifted unless the stay needs more."""

from __future__ import annotations

import pytest

from tests.conftest import GUEST, GUEST2, GUEST3, HOST, Sms, book, list_place
from tests.flows.test_stays_carried import confirmed, described_ref, japanese
from tests.flows.test_told import attention
from tests.test_optout import said

LOFT, CABIN = "Harbour Loft", "Pine Cabin"
START = {"en": "START", "ja": "再開"}


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_a_host_back_from_stop_is_listed_again_told_which_places_and_their_guests_told(
        sms: Sms, language: str) -> None:
    loft = await list_place(sms, description="Sunny rooms by the water, two bedrooms", title=LOFT)
    cabin = await list_place(sms, description="Quiet wooden house in the woods with a stove", title=CABIN)
    ref = await confirmed(sms, GUEST, loft, "Dec 20-23")
    if language == "ja":
        await japanese(sms, HOST, GUEST)
    await sms.text(HOST, "STOP")
    assert await sms.text(GUEST3, f"VIEW {loft}") == said(sms, "listing_not_found", number=loft)
    assert attention(sms, ref) == "host_opted_out"

    back = await sms.text(HOST, START[language])  # one message: the welcome back names the places
    live = [{"number": loft, "title": LOFT}, {"number": cabin, "title": CABIN}]
    assert back == sms.render("opted_in_changes", language, listings=live, requests=[], stays=[], more=False)
    assert back != sms.render("opted_in", language)
    assert sms.inbox(GUEST)[-1] == sms.render("guest_host_back", language, **await described_ref(sms, ref))
    assert attention(sms, ref) is None

    # Guests find, view and book the places again, and the host is asked.
    browse = await sms.text(GUEST3, "BROWSE")
    assert f"#{loft} " in browse and f"#{cabin} " in browse
    assert LOFT in await sms.text(GUEST3, f"VIEW {loft}")
    waiting = await book(sms, GUEST3, cabin, "Dec 1-3", name="Iris")
    assert waiting in sms.inbox(HOST)[-1]
    # The mark was lifted: leaving again tells the guest again.
    await sms.text(HOST, "STOP")
    assert sms.inbox(GUEST)[-1] == sms.render("guest_host_unreachable", language, **await described_ref(sms, ref))


async def test_a_stay_whose_guest_cannot_be_texted_either_stays_marked_when_the_host_comes_back(sms: Sms) -> None:
    number = await list_place(sms, title=LOFT)
    gone = await confirmed(sms, GUEST, number, "Dec 20-23", name="Gina")
    here = await confirmed(sms, GUEST2, number, "Dec 1-3", name="Hugo")
    await sms.text(HOST, "STOP")
    await sms.text(GUEST, "STOP")
    told = len(sms.inbox(GUEST))
    back = await sms.text(HOST, "START")
    assert back == sms.render("opted_in_changes", "en", listings=[{"number": number, "title": LOFT}], requests=[],
                              stays=[], more=False)
    assert len(sms.inbox(GUEST)) == told  # nothing for a number that opted out
    assert attention(sms, gone) == "guest_opted_out" and attention(sms, here) is None
    assert sms.inbox(GUEST2)[-1] == sms.render("guest_host_back", "en", **await described_ref(sms, here))


async def test_a_guest_coming_back_hears_only_the_welcome_back(sms: Sms) -> None:
    number = await list_place(sms)
    await confirmed(sms, GUEST, number, "Dec 20-23")
    await sms.text(GUEST, "STOP")
    assert await sms.text_full(GUEST, "START") == [(said(sms, "opted_in"), None)]
