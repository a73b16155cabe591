"""Guests looking around: BROWSE pages with MORE (title, price, capacity per line), SEARCH filters on title
and description in any case, VIEW shows what a guest decides on and sends the photo as MMS."""

from __future__ import annotations

from datetime import date

from bot.catalog import sms_size
from bot.money import Money
from tests.conftest import GUEST, HOST, Sms, book, list_place, start_listing

PHOTO = "https://example.com/photos/loft.jpg"


async def list_places(sms: Sms, *descriptions: str) -> list[int]:
    return [await list_place(sms, description=text) for text in descriptions]


async def test_browse_with_nothing_listed_invites_hosts(sms: Sms) -> None:
    assert "No places are listed yet" in await sms.text(GUEST, "BROWSE")


async def test_browse_pages_with_more_until_the_end(sms: Sms) -> None:
    numbers = await list_places(
        sms, "Sunny loft by the harbour, two bedrooms", "Quiet cabin in the pines with a stove",
        "Beach house with a big garden", "Tiny studio in the old town centre",
    )
    first = await sms.text(GUEST, "browse")
    assert all(f"#{n} " in first for n in numbers[:3]) and f"#{numbers[3]} " not in first
    assert "MORE" in first
    second = await sms.text(GUEST, "MORE")
    assert f"#{numbers[3]} " in second and f"#{numbers[0]} " not in second
    assert "MORE" not in second  # nothing after this page
    assert "That's all" in await sms.text(GUEST, "more")
    assert "Nothing to continue" in await sms.text(GUEST, "MORE")
    # BROWSE starts again from the first page.
    assert f"#{numbers[0]} " in await sms.text(GUEST, "BROWSE")


async def test_more_without_browsing_says_how_to_start(sms: Sms) -> None:
    await list_place(sms)
    assert "Nothing to continue" in await sms.text(GUEST, "MORE")


async def test_a_full_last_page_does_not_offer_more(sms: Sms) -> None:
    await list_places(sms, "Sunny loft by the harbour, two bedrooms", "Quiet cabin in the pines with a stove",
                      "Beach house with a big garden")
    assert "MORE" not in await sms.text(GUEST, "BROWSE")


async def test_a_page_line_is_title_price_and_capacity_not_the_description(sms: Sms) -> None:
    long = "Sunny loft by the harbour with two bedrooms, a balcony over the water and a piano"
    number = await list_place(sms, description=long, title="Harbour Loft", price="1200", guests="5")
    page = await sms.text(GUEST, "BROWSE")
    assert page == (f"Places:\n#{number} Harbour Loft, $1,200/night, sleeps 5\n"
                    f"VIEW {number} for details, BOOK {number} to request.")
    assert "balcony" not in page


async def test_search_filters_by_every_word_and_pages_within_the_results(sms: Sms) -> None:
    numbers = await list_places(
        sms, "Sunny loft by the harbour", "Harbour cottage with a garden", "Cabin in the pines, no sea",
        "Flat over the harbour market hall", "Harbour view penthouse, sunny", "Harbour boat house on the quay",
    )
    harbour = [numbers[0], numbers[1], numbers[3], numbers[4], numbers[5]]
    first = await sms.text(GUEST, "SEARCH harbour")
    assert '"harbour"' in first
    assert all(f"#{n} " in first for n in harbour[:3]) and f"#{numbers[2]} " not in first
    second = await sms.text(GUEST, "MORE")
    assert all(f"#{n} " in second for n in harbour[3:]) and f"#{numbers[2]} " not in second
    both = await sms.text(GUEST, "search SUNNY harbour")
    assert f"#{numbers[0]} " in both and f"#{numbers[4]} " in both and f"#{numbers[1]} " not in both


async def test_search_with_no_match_or_no_words(sms: Sms) -> None:
    await list_place(sms)
    assert 'No places match "castle"' in await sms.text(GUEST, "SEARCH castle")
    assert "SEARCH beach" in await sms.text(GUEST, "SEARCH")


async def test_search_words_are_not_sql_patterns(sms: Sms) -> None:
    await list_place(sms, description="Sunny loft by the harbour, two bedrooms")
    assert "No places match" in await sms.text(GUEST, "SEARCH %")
    assert "No places match" in await sms.text(GUEST, "SEARCH s_nny")


async def test_search_matches_title_or_description_in_any_case_in_both_languages(sms: Sms) -> None:
    loft = await list_place(sms, title="Harbour Loft", description="Bright rooms over the water, two bedrooms")
    cafe = await list_place(sms, title="ÉTÉ Café Studio", description="Above a bakery in the old town centre")
    ryokan = await list_place(sms, title="京都の町家", description="駅から歩いて五分、静かな路地の一軒家です")
    wide = await list_place(sms, title="Ｓｕｎｎｙ Flat", description="Full-width letters typed on a phone here")
    for query, found in [("harbour", loft), ("HARBOUR LOFT", loft), ("WATER", loft), ("été", cafe),
                         ("CAFÉ", cafe), ("bakery", cafe), ("町家", ryokan), ("一軒家", ryokan),
                         ("sunny", wide), ("ＳＵＮＮＹ", wide)]:
        page = await sms.text(GUEST, f"SEARCH {query}")
        assert f"#{found} " in page, (query, page)
        assert sum(f"#{n} " in page for n in (loft, cafe, ryokan, wide)) == 1, (query, page)
    await sms.text(GUEST, "LANG JA")
    item = {"number": ryokan, "title": "京都の町家", "price": Money(12000, "USD"), "sleeps": 4}
    assert await sms.text(GUEST, "検索 町家") == sms.render("browse_page", "ja", query="町家", more=False,
                                                          listings=[item])
    item = {"number": cafe, "title": "ÉTÉ Café Studio", "price": Money(12000, "USD"), "sleeps": 4}
    assert await sms.text(GUEST, "検索 ÉTÉ") == sms.render("browse_page", "ja", query="ÉTÉ", more=False,
                                                          listings=[item])


async def test_view_shows_title_price_capacity_host_and_the_next_free_nights(sms: Sms) -> None:
    number = await list_place(sms, name="Ana Lima", title="Harbour Loft", price="140", guests="3")
    await book(sms, GUEST, number, "Dec 20-24", guests=2)
    await sms.text(HOST, "YES")
    assert await sms.text(GUEST, f"VIEW {number}") == (
        f"#{number} Harbour Loft: $140/night, sleeps 3. Sunny loft by the harbour, two bedrooms Host: Ana."
        f" Free: Nov 27-Dec 19, Dec 24-Jan 25, 2027. BOOK {number} to request a stay.")
    await sms.text(GUEST, "LANG JA")
    free = [{"first": date(2026, 11, 27), "last": date(2026, 12, 19)},
            {"first": date(2026, 12, 24), "last": date(2027, 1, 25)}]
    assert await sms.text(GUEST, f"詳細 {number}") == sms.render(
        "listing_view", "ja", number=number, title="Harbour Loft", price=Money(14000, "USD"), sleeps=3,
        description="Sunny loft by the harbour, two bedrooms", host="Ana", own=False, free=free, days=60)


async def test_view_sends_the_photo_as_mms_media(sms: Sms) -> None:
    await start_listing(sms, HOST)
    await sms.text(HOST, "Sunny loft by the harbour, two bedrooms")
    listed = await sms.text(HOST, "", media=(PHOTO,))
    number = int(listed.split("listed as #")[1].split()[0].rstrip("."))
    [(body, media)] = await sms.text_full(GUEST, f"VIEW {number}")
    assert media == PHOTO
    assert "Sunny loft by the harbour, two bedrooms" in body and "Ana" in body and f"BOOK {number}" in body


async def test_view_without_a_photo_sends_text_only(sms: Sms) -> None:
    number = await list_place(sms)
    [(body, media)] = await sms.text_full(GUEST, f"view #{number}")
    assert media is None and f"#{number}" in body


async def test_view_of_the_hosts_own_place_does_not_offer_booking(sms: Sms) -> None:
    number = await list_place(sms)
    reply = await sms.text(HOST, f"VIEW {number}")
    assert f"Your place: EDIT {number} to change it." in reply and "BOOK" not in reply


async def test_view_of_a_missing_or_unlisted_place(sms: Sms) -> None:
    number = await list_place(sms)
    assert "There's no place #99" in await sms.text(GUEST, "VIEW 99")
    assert "VIEW 3" in await sms.text(GUEST, "VIEW")
    await sms.text(HOST, f"UNLIST {number}")
    assert f"There's no place #{number}" in await sms.text(GUEST, f"VIEW {number}")
    assert "No places are listed" in await sms.text(GUEST, "BROWSE")


async def test_a_page_shows_only_the_listings_that_fit_two_sms_and_more_goes_on_from_there(sms: Sms) -> None:
    # Japanese descriptions make the page UCS-2 (70 characters an SMS): three would take four segments.
    descriptions = [f"{town}の駅から歩いて五分の静かな一軒家です。庭があり、家族連れに人気があります。" for town in
                    ("京都", "奈良", "金沢")]
    numbers = await list_places(sms, *descriptions)
    seen: list[int] = []
    reply = await sms.text(GUEST, "BROWSE")
    while "MORE for more" in reply:
        assert sms_size(reply).segments <= 2, reply
        seen += [n for n in numbers if f"#{n} " in reply]
        reply = await sms.text(GUEST, "MORE")
    seen += [n for n in numbers if f"#{n} " in reply]
    assert seen == numbers  # every listing once, in order, none lost between pages
    assert len(descriptions) > 1 and sms_size(reply).segments <= 2
