"""What an operator sees of the console's defences, in Chromium at 1280x800 and on a 390 px phone: a crafted
link puts nothing in the notice area (not even through signing in), failed sign-ins slow the next try with
the name kept and show on the audit page where a wait is lifted, and "Retry now" sends one copy."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.conftest import Shots, page_fits, sign_in, url
from tests.conftest import GUEST, HOST, Sms, book, list_place


async def test_a_crafted_link_shows_no_notice_even_through_signing_in(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    number = await list_place(site, host=HOST)
    await page.goto(url(site, f"/admin/listings/{number}?done=hidden&declined=URGENT:+sign+in+again+at+evil.test"
                              "&notice=0"))
    await sign_in(page)
    await expect(page.get_by_role("button", name="Hide this listing")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_count(0)
    await expect(page.locator("main")).not_to_contain_text("URGENT")
    await shots.take(page, f"listing-crafted-link-{size}")
    await page.get_by_role("button", name="Hide this listing").click()
    await page.get_by_role("button", name=f"Hide #{number}").click()  # after what it will do
    await expect(page.get_by_role("status")).to_contain_text("Hidden. 0 waiting request(s) declined")
    await shots.take(page, f"listing-hidden-{size}")


async def test_failed_sign_ins_slow_the_next_keep_the_name_and_an_operator_lifts_the_wait(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    await page.goto(url(site, "/admin/login"))
    for _ in range(4):
        await sign_in(page, "not the password!")
    await expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins for this name from here")
    await expect(page.get_by_label("Name")).to_have_value("ana")
    await shots.take(page, f"login-slowed-{size}")
    site.clock.advance(seconds=2)
    await sign_in(page)
    await expect(page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()
    await _sign_in_failures_elsewhere(site)
    await page.goto(url(site, "/admin/audit"))
    slowed = page.locator("#slowed")
    await expect(slowed).to_contain_text("203.0.113.9")
    await expect(page.locator('table.grid [data-action="sign_in_failed"]').first).to_contain_text("Sign-in refused")
    await shots.take(page, f"audit-slowed-{size}")
    # The table scrolls inside itself: the page itself never scrolls sideways, whatever the width.
    await page_fits(page, size)
    await slowed.get_by_role("button", name="Lift").click()
    await expect(page.get_by_role("status")).to_contain_text("ana may sign in again at once from there")
    await expect(slowed).to_contain_text("nobody is being slowed down")
    await shots.take(page, f"audit-lifted-{size}")


async def _sign_in_failures_elsewhere(site: Sms) -> None:
    """Failures for ana from another address (the site trusts no proxy, so they are posted as the
    database would record them: through the sign-in form of a second, proxied server would be the same)."""
    from bot.console import queries as q

    now = site.clock.now()
    for _ in range(4):
        await site.db.run(lambda store: q.claim_sign_in(store, "ana", "203.0.113.9", now))


async def test_retry_now_sends_one_copy_and_names_it(sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    number = await list_place(site, host=HOST)
    await book(site, GUEST, number)
    sid = site.twilio.messages[-1].sid
    await site.post("/sms/status", {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    await page.goto(url(site, "/admin/outbox?view=undelivered"))
    await sign_in(page)
    await page.get_by_role("button", name="Retry now").click()
    await expect(page.get_by_role("status")).to_contain_text(re.compile(r"being sent again as a new message, #\d+"))
    await expect(page.get_by_role("button", name="Retry now")).to_have_count(0)
    await expect(page.locator("table.grid")).to_contain_text("sent again as #")
    await shots.take(page, f"outbox-retried-{size}")
    await page_fits(page, size)
    await site.deliver()
    assert len(site.inbox(HOST)) == 2
