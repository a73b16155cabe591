"""The console on a 390 px phone and a 1280 px laptop, in Chromium: the header folds into a menu on the phone
(by mouse and by keyboard) and stays a row on the laptop, every link and button of every page can be reached
(on the page, not clipped nor covered, inside the width once scrolled to), errors are pages of the console
with its menu, and times are in the configured zone, named."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from tests.browser.conftest import SIZES, TIMEOUT_MS, Shots, sign_in, url
from tests.conftest import GUEST, HOST, AiohttpClient, Sms, book, list_place
from tests.console.support import add_operator
from tests.support.fake_twilio import FakeTwilio

NAV = ["Dashboard", "Listings", "Reservations", "Conversations", "Outbox", "Messages", "Dev phone", "Audit log"]

# Every control of the header and the page that is meant to be seen (not a closed <details>' insides, not
# hidden fields), scrolled to one by one as a person would (the page, or a table inside itself): what lies
# outside the width once scrolled to, or under something else, is named.
UNREACHABLE = """(selector) => {
  const problems = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.type === "hidden" || el.closest("details:not([open]) > :not(summary)")) continue;
    const name = el.tagName + " " + JSON.stringify((el.textContent || el.name || "").trim().slice(0, 40));
    if (!el.getClientRects().length) { problems.push(name + " is not shown"); continue; }
    el.scrollIntoView({block: "center", inline: "center"});
    const box = el.getBoundingClientRect();
    if (box.left < 0 || box.right > window.innerWidth + 0.5) {
      problems.push(name + " lies outside the width: " + box.left + ".." + box.right);
      continue;
    }
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!hit || !(hit === el || el.contains(hit) || hit.contains(el))) {
      problems.push(name + " is covered by " + (hit ? hit.outerHTML.slice(0, 80) : "nothing"));
    }
  }
  return problems;
}"""
CONTROLS = ("header.top a, header.top button:not(.menu-toggle), main a, main button, main input, main select, "
            "main textarea, main summary")


async def open_menu(page: Page, size: str) -> None:
    """On the phone, open the header's menu (on the laptop it is always open)."""
    toggle = page.get_by_role("button", name="Menu")
    if size == "phone":
        if await toggle.get_attribute("aria-expanded") != "true":
            await toggle.click()
        await expect(toggle).to_have_attribute("aria-expanded", "true")
    else:
        await expect(toggle).to_be_hidden()


async def unreachable(page: Page, size: str) -> list[str]:
    """What on this page cannot be reached (after opening the menu on a phone): nothing, one hopes."""
    await open_menu(page, size)
    problems: list[str] = await page.evaluate(UNREACHABLE, CONTROLS)
    # Nothing makes the whole page scroll sideways: wide tables scroll inside themselves.
    wide = await page.evaluate("document.documentElement.scrollWidth")
    problems += [f"the page is {wide} px wide"] if wide > SIZES[size]["width"] else []
    return problems[:3] + ([f"and {len(problems) - 3} more"] if len(problems) > 3 else [])


async def test_the_header_folds_into_a_menu_on_a_phone_and_is_a_row_on_a_laptop(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    await page.goto(url(site, "/admin/"))
    await sign_in(page)
    nav = page.get_by_role("navigation", name="Console")
    links = [nav.get_by_role("link", name=name, exact=True) for name in NAV]
    toggle = page.get_by_role("button", name="Menu")
    if size == "desktop":
        await expect(toggle).to_be_hidden()
        tops = {(await link.bounding_box() or {"y": -1})["y"] for link in links}
        assert len(tops) == 1, tops  # one row, as it always was
        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        await shots.take(page, "menu-desktop")
        return
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    for link in links:
        await expect(link).to_be_hidden()
    await shots.take(page, "menu-folded-phone")
    # By keyboard: the button opens the menu, Tab goes on into it, Escape closes it and returns to the button.
    await toggle.focus()
    await page.keyboard.press("Enter")
    await expect(toggle).to_have_attribute("aria-expanded", "true")
    for link in links:
        await expect(link).to_be_visible()
    await page.keyboard.press("Tab")
    await expect(links[0]).to_be_focused()
    await shots.take(page, "menu-open-phone")
    await page.keyboard.press("Escape")
    await expect(links[0]).to_be_hidden()
    await expect(toggle).to_be_focused()
    # By touch: open it and go somewhere.
    await toggle.click()
    await nav.get_by_role("link", name="Outbox").click()
    await expect(page.get_by_role("heading", name="Outbox")).to_be_visible()
    await expect(page.get_by_role("link", name="Outbox", exact=True)).to_be_hidden()  # folded again on the new page


async def _pages(site: Sms) -> list[str]:
    """Every page of the console, with something on each: a place, a request, a message to retry."""
    number = await list_place(site, host=HOST)
    ref = await book(site, GUEST, number)
    sid = site.twilio.messages[-1].sid
    await site.post("/sms/status", {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    reservation = await site.db.run(lambda store: store.guest_reservation_by_ref(store.user_by_phone(GUEST).id,
                                                                                  ref).id)
    guest = await site.db.run(lambda store: store.user_by_phone(GUEST).id)
    return ["/admin/", "/admin/listings", f"/admin/listings/{number}", "/admin/reservations",
            f"/admin/reservations/{reservation}", "/admin/conversations", f"/admin/conversations/{guest}",
            "/admin/outbox?view=undelivered", "/admin/messages", "/admin/messages/edit?lang=en&key=help",
            "/admin/phone", "/admin/audit"]


async def test_every_link_and_button_of_every_page_can_be_reached(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    paths = await _pages(site)
    await page.goto(url(site, "/admin/"))
    await sign_in(page)
    await expect(page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()
    problems: dict[str, list[str]] = {}
    for path in paths:
        await page.goto(url(site, path))
        await expect(page.locator("main h1").first).to_be_visible()
        problems[path] = await unreachable(page, size)
        await shots.take(page, f"{path.removeprefix('/admin/').replace('/', '-').split('?')[0] or 'dashboard'}-{size}")
    failing = {path: found for path, found in problems.items() if found}
    assert not failing, "\n".join(f"{path}: {found}" for path, found in failing.items())
    await page.goto(url(site, "/admin/outbox?view=undelivered"))
    await open_menu(page, size)
    await page.get_by_role("button", name="Retry now").click()  # reached and working
    await expect(page.get_by_role("status")).to_contain_text("sent again")


async def test_errors_are_pages_of_the_console_with_its_menu(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    await page.goto(url(site, "/admin/listings/999"))
    await sign_in(page)
    await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    await expect(page.get_by_role("alert")).to_have_text("No listing #999.")
    assert await unreachable(page, size) == []
    await shots.take(page, f"error-404-{size}")
    await site.db.run(lambda store: store.report_change(
        "INSERT INTO audit_log (operator, action, target, detail, at) VALUES ('ana', 'odd', NULL, NULL, 'never')"))
    await page.goto(url(site, "/admin/audit"))
    await expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()
    await expect(page.locator("main")).not_to_contain_text("never")
    assert await unreachable(page, size) == []
    await shots.take(page, f"error-500-{size}")
    await page.get_by_role("link", name="Back to the dashboard").click()
    await expect(page.get_by_role("heading", name=re.compile("Dashboard"))).to_be_visible()
    await shots.take(page, f"error-500-then-dashboard-{size}")


@pytest.fixture
async def tokyo(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, messages: Path,
                fake_twilio: tuple[FakeTwilio, str]) -> Sms:
    """The `site`, with the operators in Tokyo (booking.timezone)."""
    served = config.with_(console_dev_phone="on", messages_dir=str(messages), timezone="Asia/Tokyo")
    app = create_app(served, clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    await add_operator(sms, "ana")
    return sms


@pytest.fixture
async def tokyo_page(browser: Browser, tokyo: Sms) -> AsyncIterator[Page]:
    # The browser itself is elsewhere: the console's times follow booking.timezone, not the browser's zone.
    context = await browser.new_context(viewport=SIZES["phone"], timezone_id="America/New_York")  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    yield await context.new_page()
    await context.close()


async def test_the_live_pages_show_their_times_in_the_zone_named(tokyo_page: Page, tokyo: Sms,
                                                                 shots: Shots) -> None:
    page = tokyo_page
    await list_place(tokyo, host=HOST)
    await page.goto(url(tokyo, "/admin/"))
    await sign_in(page)
    await expect(page.locator("#live")).to_have_text(re.compile(r"^live · \d\d:\d\d:\d\d JST$"))
    await page.goto(url(tokyo, "/admin/phone"))
    await page.locator("#phone-text").fill("HELP")
    await page.get_by_role("button", name="Send").click()
    sent = tokyo.clock.now().astimezone(ZoneInfo("Asia/Tokyo"))
    await expect(page.locator("#phone-thread .meta").first).to_have_text(
        f"you · {sent:%Y-%m-%d %H:%M:%S} JST")
    await shots.take(page, "phone-tokyo")
    await page.goto(url(tokyo, "/admin/listings"))
    await expect(page.locator("main table")).to_contain_text(re.compile(r"\d\d:\d\d:\d\d JST"))
