"""What an operator reads of a message that did not go, in Chromium at 1280x800 and on a 390 px phone: the
Twilio error's meaning and what to do, Twilio's own words behind a toggle, and the same state's name on the
tab, the pill and the dashboard; a stay that needs attention says why."""

from __future__ import annotations

from playwright.async_api import Page, expect

from bot.console.views import WORDS
from tests.browser.conftest import Shots, page_fits, sign_in, url
from tests.conftest import GUEST, HOST, Sms, book, list_place


async def test_a_failed_message_shows_what_its_error_means_and_twilio_s_words_on_demand(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    number = await list_place(site, host=HOST)
    site.twilio.fail_next(400, 21211, to=HOST)  # the host's prompt: not a valid number
    await book(site, GUEST, number)
    await page.goto(url(site, "/admin/outbox?view=failed"))
    await sign_in(page)
    failed = WORDS["outbox_states"]["failed"]["label"]
    await expect(page.locator('nav.tabs a[data-view="failed"]')).to_have_text(failed)
    row = page.locator("tr[id^=outbox-]").first
    await expect(row.locator('[data-state="failed"]')).to_have_text(failed)
    meaning = WORDS["twilio_errors"][21211]["meaning"]
    await expect(row.locator('[data-error-code="21211"]')).to_contain_text(meaning)
    raw = row.locator("details.raw code")
    await expect(raw).to_be_hidden()  # Twilio's own words only on demand
    await shots.take(page, f"outbox-failed-{size}")
    await row.locator("details.raw summary").click()
    await expect(raw).to_be_visible()
    await expect(raw).to_contain_text("HTTP 400 code 21211")
    await shots.take(page, f"outbox-failed-details-{size}")
    await page_fits(page, size)

    await page.goto(url(site, "/admin/"))
    await expect(page.locator('[data-stat="outbox_failed"]')).to_have_text("1")
    await expect(page.locator('a.tile[href$="view=failed"]')).to_contain_text(failed.lower())
    await shots.take(page, f"dashboard-{size}")


async def test_a_stay_needing_attention_says_why_and_its_jobs_say_what_they_will_do(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    number = await list_place(site, host=HOST)
    ref = await book(site, GUEST, number)
    await site.text(HOST, "YES")
    await site.post("/sms/status", {"MessageSid": site.twilio.messages[-1].sid, "MessageStatus": "undelivered",
                                    "ErrorCode": "30005"})
    reservation_id = await site.db.run(lambda store: store.reservation_by_ref(ref).id)
    await page.goto(url(site, f"/admin/reservations/{reservation_id}"))
    await sign_in(page)
    why = page.locator("#attention [data-attention=guest_unreachable]")
    await expect(why).to_contain_text(WORDS["twilio_errors"][30005]["meaning"])
    reminder = page.locator('#timeline [data-job="stay_reminder"]')
    await expect(reminder).to_have_attribute("data-outcome", "will")
    await expect(reminder).to_contain_text(WORDS["jobs"]["stay_reminder"]["will"].split("{date}")[0])
    await shots.take(page, f"reservation-attention-{size}")
    guest = await site.db.run(lambda store: store.user_by_phone(GUEST).id)
    await page.goto(url(site, f"/admin/conversations/{guest}"))
    await expect(page.locator("#flow")).to_have_text(WORDS["no_flow"])
    await shots.take(page, f"conversation-{size}")
    await page.goto(url(site, "/admin/"))
    await expect(page.locator("#dashboard-lists [data-attention=guest_unreachable]").first).to_be_visible()
    await shots.take(page, f"dashboard-attention-{size}")


async def test_the_dev_phone_names_an_sms_s_state_as_the_outbox_does(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    host = "+15550100"  # a number the dev phone may show
    number = await list_place(site, host=host)
    await book(site, GUEST, number)  # the host's prompt goes out as an SMS
    await page.goto(url(site, "/admin/phone?number=%2B15550100"))
    await sign_in(page)
    pill = page.locator("#phone-thread .bubble.sms [data-state]").last
    await expect(pill).to_have_text(WORDS["outbox_states"]["sent"]["label"])
    await expect(page.locator("#phone-thread")).not_to_contain_text("Twilio: ")
    await shots.take(page, f"dev-phone-{size}")
