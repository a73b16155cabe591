"""The facts an operator looks for, and Hide's question before it acts, in Chromium at 1280x800 and on a
390 px phone: a place's price, capacity and terms (or "not given yet") with its photo as a link, a stay's
party and total, a person's role, places and stays, and what hiding will do, row by row."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.conftest import Shots, page_fits, sign_in, url
from tests.conftest import GUEST, GUEST2, HOST, Sms, book, list_place
from tests.support import dbview


async def test_a_listing_shows_its_terms_and_its_photo_opens_in_a_new_tab(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    number = await list_place(site, host=HOST, price="120", guests="4")
    await site.text(HOST, f"EDIT {number} CHECKIN 15:00")
    await site.text(HOST, f"EDIT {number} PHOTO https://photos.example/loft.jpg")
    await page.goto(url(site, f"/admin/listings/{number}"))
    await sign_in(page)
    await expect(page.locator("#price")).to_have_text("$120")
    await expect(page.locator("#sleeps")).to_have_text("4 guests at most")
    await expect(page.locator("#times")).to_have_text("from 15:00 / not given yet")
    await expect(page.locator("#payment")).to_contain_text("not given yet")
    photo = page.get_by_role("link", name="open the photo")
    await expect(photo).to_have_attribute("href", "https://photos.example/loft.jpg")
    await expect(photo).to_have_attribute("target", "_blank")
    await expect(photo).to_have_attribute("rel", "noopener noreferrer")
    await shots.take(page, f"listing-facts-{size}")


async def test_a_reservation_shows_its_party_and_total(sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    number = await list_place(site, host=HOST, price="120")
    ref = await book(site, GUEST, number, "Dec 20-23", guests=3)
    reservation_id = await site.db.run(lambda store: store.reservation_by_ref(ref).id)
    await page.goto(url(site, f"/admin/reservations/{reservation_id}"))
    await sign_in(page)
    await expect(page.locator("#party")).to_have_text("3")
    await expect(page.locator("#total")).to_have_text("$360 (3 nights x $120)")
    await shots.take(page, f"reservation-facts-{size}")


async def test_a_person_page_shows_their_role_places_and_stays(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    number = await list_place(site, host=HOST, name="Ana")
    ref = await book(site, GUEST, number)
    host = await site.db.run(lambda store: store.user_by_phone(HOST))
    assert host is not None
    await page.goto(url(site, f"/admin/conversations/{host.id}"))
    await sign_in(page)
    await expect(page.locator("#role")).to_have_text("host")
    await expect(page.locator("#their-listings").get_by_role("link")).to_contain_text(f"#{number} Sunny loft")
    await expect(page.locator("#as-host")).to_contain_text(ref)
    await shots.take(page, f"person-host-{size}")
    await page_fits(page, size)
    await page.locator("#as-host").get_by_role("link", name=ref).click()
    await page.locator("main").get_by_role("link", name="Bob").click()
    await expect(page.locator("#role")).to_have_text("guest")
    await expect(page.locator("#as-guest")).to_contain_text(ref)
    await shots.take(page, f"person-guest-{size}")


async def test_hide_says_what_it_will_do_then_hides_and_tells_the_host(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    number = await list_place(site, host=HOST)
    stay = await book(site, GUEST, number, "Dec 20-23")
    await site.text(HOST, "YES")
    request = await book(site, GUEST2, number, "Dec 26-28", name="Cy")
    await page.goto(url(site, f"/admin/listings/{number}"))
    await sign_in(page)
    await page.get_by_role("button", name="Hide this listing").click()
    await expect(page.get_by_role("heading", name=f"Hide listing #{number}")).to_be_visible()
    await expect(page.locator("#hide-requests")).to_contain_text("1 waiting request will be declined")
    await expect(page.locator("#hide-stays")).to_contain_text("1 stay to come will be cancelled")
    await expect(page.locator("main")).to_contain_text(request)
    await expect(page.locator("main")).to_contain_text(stay)
    await shots.take(page, f"hide-confirm-{size}")
    await page_fits(page, size)
    assert f"#{number}" in await site.text(GUEST, "BROWSE")  # asking changed nothing
    await page.get_by_role("button", name=f"Hide #{number}").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Hidden. 1 waiting request(s) declined and 1 stay(s) to come cancelled")
    await expect(page.get_by_role("button", name="List it again")).to_be_visible()
    await shots.take(page, f"hidden-{size}")
    assert dbview.message_keys(site, HOST)[-1] == "host_listing_hidden"
    await page.get_by_role("button", name="List it again").click()
    await expect(page.get_by_role("status")).to_contain_text("the host is being told")
    assert dbview.message_keys(site, HOST)[-1] == "host_listing_shown"
