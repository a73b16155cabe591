"""Hosts changing one detail of their own place: EDIT <n> PRICE/TITLE/GUESTS/PHOTO, EDIT <n> alone asks
which; requests already filed keep the price they were filed at."""

from __future__ import annotations

from bot.money import Money
from tests.conftest import GUEST, GUEST2, HOST, Sms, book, list_place

PHOTO = "https://api.twilio.com/Media/ME42"


async def test_edit_price_in_one_text_and_filed_requests_keep_their_price(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft", price="120")
    await book(sms, GUEST, number, "Dec 20-23")  # filed at $120 a night, shown to the host
    reply = await sms.text(HOST, f"EDIT {number} PRICE $140")
    assert reply.startswith(f"Done: #{number} Ocean Loft, $140/night, sleeps 4, no photo. Requests already sent"
                            f" keep their price. VIEW {number} to see it.")
    assert f"#{number} Ocean Loft, $140/night" in await sms.text(GUEST2, "BROWSE")
    # Bob's request was filed at $120: the host accepts it at $120, and Bob is told $120.
    # Other messages reached the host since the request was put to them: asked again before a YES decides.
    assert "Accepted" not in await sms.text(HOST, "YES")
    assert "Accepted: Bob" in await sms.text(HOST, "YES")
    assert "3 nights x $120 = $360" in sms.inbox(GUEST)[-1]
    # A request filed now costs the new price.
    await sms.text(GUEST2, f"BOOK {number} Jan 5-7 2 guests")
    assert "2 nights x $140 = $280" in await sms.text(GUEST2, "Hugo")


async def test_edit_alone_asks_which_field_then_the_value(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft")
    assert await sms.text(HOST, f"EDIT {number}") == (
        f"What should change on #{number}? Send e.g. PRICE 120, TITLE Sea View Loft, GUESTS 4, DESCRIPTION, PHOTO,"
        " ARRIVAL (address, times, way in) or PAYMENT")
    assert "What should change" in await sms.text(HOST, "the colour")  # not a field: asked again
    assert "What should change" in await sms.text(HOST, "HELP")
    assert "called?" in await sms.text(HOST, "title")
    assert "You're changing" in await sms.text(HOST, "HELP") and "title, e.g. Ocean Loft" in await sms.text(
        HOST, "help")
    assert "3-40 characters" in await sms.text(HOST, "x" * 50)
    assert f"Done: #{number} Sea View Loft, $120/night" in await sms.text(HOST, "Sea View Loft")
    # The search copy follows the new title.
    assert f"#{number} Sea View Loft" in await sms.text(GUEST, "SEARCH sea VIEW")


async def test_edit_guests_checks_the_answer_and_booking_follows_the_new_capacity(sms: Sms) -> None:
    number = await list_place(sms, guests="4")
    assert "from 1 to 16, e.g. 4" in await sms.text(HOST, f"EDIT {number} GUESTS 40")
    assert "sleeps 2" in await sms.text(HOST, "2")
    assert "sleeps up to 2 guests, not 3" in await sms.text(GUEST, f"BOOK {number} Dec 20-23 3 guests")


async def test_edit_photo_takes_a_picture_or_skip(sms: Sms) -> None:
    number = await list_place(sms)
    assert f"Send the new photo for #{number}" in await sms.text(HOST, f"EDIT {number} PHOTO")
    assert "http" in await sms.text(HOST, "a lovely one")
    assert "Done:" in await sms.text(HOST, "here", media=(PHOTO,))
    [(_, media)] = await sms.text_full(GUEST, f"VIEW {number}")
    assert media == PHOTO
    reply = await sms.text(HOST, f"EDIT {number} PHOTO SKIP")
    assert "Done:" in reply and "no photo" in reply
    [(_, media)] = await sms.text_full(GUEST, f"VIEW {number}")
    assert media is None


async def test_a_lone_no_at_the_photo_step_never_declines_the_request_shown(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    await sms.text(HOST, f"EDIT {number} PHOTO")
    assert "no photo" in await sms.text(HOST, "No")
    assert sms.inbox(GUEST) == []  # Bob was not turned away
    # Other messages reached the host since the request was put to them: asked again before a YES decides.
    assert "Accepted" not in await sms.text(HOST, "YES")
    assert "Accepted: Bob" in await sms.text(HOST, "YES")


async def test_only_the_hosts_own_listed_place_can_be_edited(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft")
    assert "EDIT 3" in await sms.text(HOST, "EDIT")
    assert "There's no place #42" in await sms.text(HOST, "EDIT 42 PRICE 100")
    assert await sms.text(GUEST, f"EDIT {number} PRICE 1") == (
        f"#{number} isn't one of your places, so you can't change it. LISTINGS shows yours.")
    assert f"#{number} Ocean Loft, $120/night" in await sms.text(GUEST, "BROWSE")


async def test_a_place_unlisted_while_its_host_is_editing_ends_the_edit(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, f"EDIT {number} PRICE")
    await sms.text(HOST, f"UNLIST {number}")  # a command: the edit is abandoned
    assert "Sorry, I didn't get that" in await sms.text(HOST, "150")


async def test_edit_in_japanese(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft")
    await sms.text(HOST, "LANG JA")
    assert await sms.text(HOST, f"編集{number}") == sms.render("edit_which", "ja", number=number, amount=120)
    assert await sms.text(HOST, "料金 150") == sms.render(
        "edited", "ja", number=number, field="price", title="Ocean Loft", price=Money(15000, "USD"), sleeps=4,
        has_photo=False)
    assert await sms.text(HOST, f"編集 {number} 人数 ５人") == sms.render(
        "edited", "ja", number=number, field="guests", title="Ocean Loft", price=Money(15000, "USD"), sleeps=5,
        has_photo=False)
