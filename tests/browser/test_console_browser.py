"""The console in a real browser: sign in, book a stay through the dev phone by typing and clicking, retry a
failed message, edit a template, and a forged POST refused. Screenshots of every page go to tmp_path."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import Shots, url
from tests.conftest import GUEST, HOST, Sms, book, list_place
from tests.console.support import PASSWORD

DEV_HOST = "+15550100"
DEV_GUEST = "+15550101"


async def sign_in(page: Page, site: Sms) -> None:
    await page.goto(url(site, "/admin/"))
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.get_by_label("Name").fill("ana")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()


async def text_as(page: Page, site: Sms, number: str, body: str, expect_text: str) -> None:
    """Type a text on the dev phone and wait for `expect_text` to show in the thread."""
    site.clock.advance(seconds=2)  # the thread is ordered by time; one instant per text, as in life
    number_box = page.locator("#number")
    if await number_box.input_value() != number:
        await number_box.fill(number)
        await number_box.dispatch_event("change")
    await page.locator("#phone-text").fill(body)
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#phone-thread")).to_contain_text(expect_text)


async def test_sign_in_and_out(page: Page, site: Sms, shots: Shots) -> None:
    await page.goto(url(site, "/admin/login"))
    await shots.take(page, "login")
    await page.get_by_label("Name").fill("ana")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("do not match")
    await sign_in(page, site)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.goto(url(site, "/admin/listings"))
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_book_a_stay_end_to_end_through_the_dev_phone(page: Page, site: Sms, shots: Shots) -> None:
    await sign_in(page, site)
    await shots.take(page, "dashboard-empty")
    dashboard = await page.context.new_page()
    await dashboard.goto(url(site, "/admin/"))
    waiting = dashboard.locator('[data-stat="requests_waiting"]')
    upcoming = dashboard.locator('[data-stat="upcoming_stays"]')
    await expect(waiting).to_have_text("0")

    # The new tab took the front; a tab behind it gets few animation frames, and each click waits for two
    # to see the button hold still.
    await page.bring_to_front()
    await page.get_by_role("link", name="Dev phone").click()
    await text_as(page, site, DEV_HOST, "HOST", "What's your name?")
    await text_as(page, site, DEV_HOST, "Ana", "What's your place called?")
    await text_as(page, site, DEV_HOST, "Harbour Loft", "Price per night")
    await text_as(page, site, DEV_HOST, "120", "How many guests")
    await text_as(page, site, DEV_HOST, "4", "Describe your place")
    await text_as(page, site, DEV_HOST, "Sunny loft by the harbour, two bedrooms <b>bold</b>", "photo")
    await text_as(page, site, DEV_HOST, "SKIP", "listed as #1")
    await text_as(page, site, DEV_HOST, "SKIP", "How do guests pay")  # no address for now
    await text_as(page, site, DEV_HOST, "SKIP", "All set")
    await shots.take(page, "dev-phone-host")

    await text_as(page, site, DEV_GUEST, "BOOK 1 Dec 20-23 2 guests", "What's your name?")
    await text_as(page, site, DEV_GUEST, "Bob", "reference")
    await expect(waiting).to_have_text("1")  # the dashboard follows by itself
    await site.deliver()  # the outbox sender's work: the request goes to the host

    await text_as(page, site, DEV_HOST, "LISTINGS", "Bob would like to stay")  # the REST SMS shows too
    # LISTINGS was answered after the request's prompt: a YES now gets the request's question first.
    await text_as(page, site, DEV_HOST, "YES", "Accept Bob's request for #1")
    await text_as(page, site, DEV_HOST, "YES", "Accepted: Bob at #1")
    await site.deliver()
    await page.locator("#number").fill(DEV_GUEST)
    await page.locator("#number").dispatch_event("change")
    await expect(page.locator("#phone-thread")).to_contain_text("Stay confirmed")
    await shots.take(page, "dev-phone-guest")

    await expect(waiting).to_have_text("0")
    await expect(upcoming).to_have_text("1")
    await expect(dashboard.locator("#dashboard-lists")).to_contain_text("Bob")  # the next stays, live too
    await shots.take(dashboard, "dashboard-after-booking")

    await page.get_by_role("link", name="Reservations").click()
    await page.get_by_label("Status").select_option("confirmed")
    await page.get_by_role("button", name="Filter").click()
    await shots.take(page, "reservations")
    await page.locator("table.grid a.mono").first.click()
    timeline = page.locator("#timeline")
    for what in ("filed", "presented", "confirmed", "SMS to host", "SMS to guest"):
        await expect(timeline).to_contain_text(what)
    await shots.take(page, "reservation-timeline")

    await page.get_by_role("link", name="Listings").click()
    await shots.take(page, "listings")
    await page.get_by_role("link", name="#1", exact=True).click()
    await expect(page.locator(".prose")).to_contain_text("<b>bold</b>")  # what a texter wrote, as text
    await shots.take(page, "listing")
    await page.get_by_role("link", name="Conversations").click()
    await shots.take(page, "conversations")
    await page.get_by_role("link", name=DEV_GUEST).click()
    await expect(page.locator("#thread")).to_contain_text("BOOK 1 Dec 20-23")
    await shots.take(page, "conversation")
    await page.get_by_role("link", name="Audit log").click()
    await expect(page.locator('table.grid [data-action="login"]').first).to_have_text("Signed in")
    await shots.take(page, "audit")


async def test_retry_a_failed_message(page: Page, site: Sms, shots: Shots) -> None:
    number = await list_place(site, host=HOST)
    site.twilio.fail_next(400, 21617, to=HOST)  # refused for good: parked as failed
    await book(site, GUEST, number)
    assert site.inbox(HOST) == []
    await sign_in(page, site)
    await expect(page.locator('[data-stat="outbox_failed"]')).to_have_text("1")
    await page.get_by_role("link", name=re.compile("failed")).click()
    await expect(page.locator("table.grid")).to_contain_text("body_too_long")
    await shots.take(page, "outbox-failed")
    await page.get_by_role("button", name="Retry now").click()
    await expect(page.get_by_role("status")).to_contain_text("queued to go out now")
    await site.deliver()
    assert len(site.inbox(HOST)) == 1 and "would like to stay" in site.inbox(HOST)[0]
    await page.locator('nav.tabs a[data-view="sent"]').click()
    await expect(page.locator("table.grid")).to_contain_text("would like to stay")
    await shots.take(page, "outbox-sent")


async def test_edit_a_template_and_the_next_reply_uses_it(page: Page, site: Sms, shots: Shots) -> None:
    await sign_in(page, site)
    await page.get_by_role("link", name="Messages").click()
    await expect(page.locator("#key-help")).to_be_visible()
    await shots.take(page, "messages")
    await page.locator("#key-help a.rendered").first.click()
    editor = page.locator("textarea[name=text]")
    await editor.fill("Hi {{ name }}")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "`name` is not a variable of this message; it can use: host, more, msg_ref, ref")
    await shots.take(page, "edit-refused")
    new = "Airtng help: BROWSE to look around, HOST to list a place, STATUS for your trips."
    await editor.fill(new)
    await page.get_by_role("button", name="Check and preview").click()
    await expect(page.locator("#preview")).to_have_text(new)
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_contain_text("Saved to en.yaml")
    await shots.take(page, "edit-saved")
    await page.get_by_role("link", name="Dev phone").click()
    await text_as(page, site, DEV_GUEST, "HELP", new)


async def test_a_forged_post_is_refused(page: Page, site: Sms) -> None:
    number = await list_place(site, host=HOST)
    await sign_in(page, site)
    console = url(site, f"/admin/listings/{number}/hide")
    # A form planted on a page of the same site (another port of 127.0.0.1 is the same site, so the cookie
    # goes along): without the session's token it is refused.
    await page.set_content(f'<form method="post" action="{console}"><input name="csrf" value="x"></form>')
    await page.locator("form").evaluate("form => form.submit()")
    await expect(page.locator("body")).to_contain_text("did not come from the console")
    # A script on the console's own origin posting with a made-up token: 403 too.
    await page.goto(url(site, f"/admin/listings/{number}"))
    status = await page.evaluate(
        "async (target) => (await fetch(target, {method: 'POST', body: new URLSearchParams({csrf: 'forged'})}))"
        ".status", console)
    assert status == 403
    await page.reload()
    await expect(page.get_by_role("button", name="Hide this listing")).to_be_visible()  # still listed
    assert f"#{number}" in await site.text(GUEST, "BROWSE")


async def test_the_dev_phone_shows_twilios_own_answer_to_stop(page: Page, site: Sms, shots: Shots) -> None:
    await sign_in(page, site)
    await page.get_by_role("link", name="Dev phone").click()
    await text_as(page, site, DEV_GUEST, "hi", "Welcome to Airtng")
    carrier = site.render("carrier_opted_out", "en")
    # The bot says nothing to STOP; the tester sees what the phone shows: Twilio's own confirmation, marked.
    await text_as(page, site, DEV_GUEST, "STOP", carrier)
    last = page.locator("#phone-thread li").last
    await expect(last).to_contain_text("Twilio itself")
    await expect(last).to_contain_text(carrier)
    await shots.take(page, "dev-phone-carrier")
