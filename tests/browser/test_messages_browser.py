"""The Messages page in Chromium at 1280x800 and on a 390 px phone: a search finds a message by its words in
either language, a refused edit shows and selects the line it is on, and a saved text is put back from the
template's history."""

from __future__ import annotations

from playwright.async_api import Page, expect

from bot.registry import REGISTRY
from tests.browser.conftest import Shots, page_fits, sign_in, url
from tests.conftest import Sms

MENU = "OK, back to the start. BROWSE to find a place, HOST to list yours, STATUS for your trips."


async def test_a_search_finds_a_message_by_its_japanese_words_in_its_group(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    await page.goto(url(site, "/admin/messages"))
    await sign_in(page)
    await expect(page.get_by_role("heading", name="Guests booking: BOOK")).to_be_visible()
    await expect(page.locator("tr[id^=key-]")).to_have_count(len(REGISTRY))
    await shots.take(page, f"messages-{size}")
    search = page.get_by_role("searchbox")
    await search.fill("最初に戻りました")
    await search.press("Enter")
    await expect(page.locator("#match-count")).to_have_text(
        f"1 of {len(REGISTRY)} messages matches “最初に戻りました”.")
    await expect(page.locator("tr[id^=key-]")).to_have_count(1)
    await expect(page.locator("#key-menu")).to_contain_text("最初に戻りました")
    await expect(page.locator("h2")).to_have_text(
        ["Anywhere: the first text, HELP, MENU, STOP and START, LANG, small talk, errors"])
    await page_fits(page, size)
    await shots.take(page, f"messages-found-{size}")
    await search.fill("zebra xylophone")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("#match-count")).to_have_text("No messages match “zebra xylophone”.")
    await expect(page.locator("tr[id^=key-]")).to_have_count(0)
    await shots.take(page, f"messages-none-{size}")


async def test_a_refused_edit_shows_and_selects_the_line_it_is_on(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    await page.goto(url(site, "/admin/messages/edit?lang=en&key=menu"))
    await sign_in(page)
    box = page.locator("textarea[name=text]")
    await box.fill("OK, back to the start.\nHi {{ nobody }}, text HELP.\nBye.")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("Line 2 of the text:")
    await expect(page.get_by_role("alert")).to_contain_text("`nobody` is not a variable of this message")
    marked = page.locator("ol.text-lines li.marked")
    await expect(marked).to_have_count(1)
    await expect(marked).to_contain_text("Hi {{ nobody }}, text HELP.")
    await expect(marked).to_be_visible()
    # The text box holds what was typed, with the broken line selected, ready to be fixed.
    await expect(box).to_be_focused()
    selected = await box.evaluate("box => box.value.slice(box.selectionStart, box.selectionEnd)")
    assert selected == "Hi {{ nobody }}, text HELP."
    await page_fits(page, size)
    await shots.take(page, f"edit-error-line-{size}")


async def test_a_saved_text_is_restored_from_its_history_and_texted_again(
        sized: tuple[Page, str], site: Sms, shots: Shots) -> None:
    page, size = sized
    new = "Back at the start: BROWSE, HOST or STATUS."
    await page.goto(url(site, "/admin/messages/edit?lang=en&key=menu"))
    await sign_in(page)
    await expect(page.locator("#history")).to_contain_text("No saves from the console yet.")
    await page.locator("textarea[name=text]").fill(new)
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_contain_text("Saved to en.yaml")
    assert await site.text("+15557770001", "MENU") == new
    history = page.locator("#history li.card")
    await expect(history).to_have_count(1)
    await expect(history.locator("pre.before")).to_have_text(MENU)
    await expect(history.locator("pre.after")).to_have_text(new)
    await shots.take(page, f"edit-history-{size}")

    await page.goto(url(site, "/admin/audit"))
    change = page.locator("tr").filter(has=page.locator('[data-action="template_save"]'))
    await expect(change.locator("pre.before")).to_have_text(MENU)
    await page_fits(page, size)
    await shots.take(page, f"audit-template-save-{size}")
    await change.get_by_role("button", name="Restore the text before").click()
    await expect(page.get_by_role("status")).to_contain_text("Restored the text it had before ana's change")
    await expect(page.locator("textarea[name=text]")).to_have_value(MENU)
    assert await site.text("+15557770001", "MENU") == MENU
    await expect(page.locator("#history li.card").first).to_contain_text("ana restored an earlier text")
    await page_fits(page, size)
    await shots.take(page, f"edit-restored-{size}")
