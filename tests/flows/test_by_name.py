"""STATUS, STAYS and LISTINGS name each place by its title, not only by its number (issue 21, behaviour 11):
a guest with two trips, or a host with two places, tells them apart at a glance."""

from __future__ import annotations

from tests.conftest import GUEST, HOST, Sms, book, list_place
from tests.flows.test_stays_carried import confirmed, described_ref, japanese

LOFT, CABIN = "Harbour Loft", "Pine Cabin"


async def two_places(sms: Sms) -> tuple[int, int]:
    """Two places whose titles are not the start of their descriptions (so only a title can show them)."""
    loft = await list_place(sms, description="Sunny rooms by the water, two bedrooms", title=LOFT)
    cabin = await list_place(sms, description="Quiet wooden house in the woods with a stove", title=CABIN)
    return loft, cabin


async def test_status_names_each_place_by_its_title(sms: Sms) -> None:
    loft, cabin = await two_places(sms)
    stay = await confirmed(sms, GUEST, loft, "Dec 20-23")
    waiting = await book(sms, GUEST, cabin, "Dec 1-3")
    lines = (await sms.text(GUEST, "STATUS")).splitlines()
    assert [line.split()[0] for line in lines[1:3]] == [waiting, stay]  # soonest first
    assert f"#{cabin} {CABIN}" in lines[1] and LOFT not in lines[1]
    assert f"#{loft} {LOFT}" in lines[2] and CABIN not in lines[2]


async def test_status_in_japanese_names_each_place_by_its_title(sms: Sms) -> None:
    loft, cabin = await two_places(sms)
    stay = await confirmed(sms, GUEST, loft, "Dec 20-23")
    waiting = await book(sms, GUEST, cabin, "Dec 1-3")
    await japanese(sms, GUEST)
    items = [{**await described_ref(sms, waiting), "state": "pending", "cancellable": True},
             {**await described_ref(sms, stay), "state": "confirmed", "cancellable": True}]
    reply = await sms.text(GUEST, "状況")
    assert reply == sms.render("status", "ja", reservations=items, more=False)
    lines = reply.splitlines()
    assert CABIN in lines[1] and LOFT in lines[2]


async def test_stays_names_each_place_by_its_title_in_both_languages(sms: Sms) -> None:
    loft, cabin = await two_places(sms)
    await confirmed(sms, GUEST, loft, "Dec 20-23", name="Gina")
    await confirmed(sms, GUEST, cabin, "Dec 1-3")
    lines = (await sms.text(HOST, "STAYS")).splitlines()
    assert f"#{cabin} {CABIN}" in lines[1] and f"#{loft} {LOFT}" in lines[2]
    await japanese(sms, HOST)
    lines = (await sms.text(HOST, "宿泊予定")).splitlines()
    assert CABIN in lines[1] and LOFT in lines[2]


async def test_listings_name_each_place_by_its_title_in_both_languages(sms: Sms) -> None:
    loft, cabin = await two_places(sms)
    await book(sms, GUEST, loft, "Dec 1-3")
    reply = await sms.text(HOST, "LISTINGS")
    items = [{"number": loft, "title": LOFT, "pending": 1, "stays": 0},
             {"number": cabin, "title": CABIN, "pending": 0, "stays": 0}]
    assert reply.startswith(sms.render("listings", "en", listings=items, more=False))
    lines = reply.splitlines()
    assert lines[1].startswith(f"#{loft} {LOFT}: 1 waiting") and lines[2].startswith(f"#{cabin} {CABIN}: 0 waiting")
    await japanese(sms, HOST)
    lines = (await sms.text(HOST, "掲載中")).splitlines()
    assert lines[1].startswith(f"#{loft}（{LOFT}）") and lines[2].startswith(f"#{cabin}（{CABIN}）")
