"""The Messages page finds a message by its key or its words in either language and groups the messages by
where they are used; a refused edit names the line of the text it is on; every save keeps the text it
replaced, and an operator can put it back."""

from __future__ import annotations

import html
import re
from pathlib import Path

from bot.registry import REGISTRY
from tests.conftest import Sms
from tests.console.support import signed_in

MENU = "OK, back to the start. BROWSE to find a place, HOST to list yours, STATUS for your trips."


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr id="key-(\w+)">', page)


async def test_a_search_finds_messages_by_key_and_by_english_or_japanese_words(sms: Sms) -> None:
    console = await signed_in(sms)
    every = _rows(await console.page("/admin/messages"))
    assert sorted(every) == sorted(REGISTRY)

    by_key = await console.page("/admin/messages?q=book_requested")
    assert _rows(by_key) == ["book_requested"]
    assert f"1 of {len(REGISTRY)} messages matches “book_requested”." in by_key
    assert _rows(await console.page("/admin/messages?q=Back+To+The+START")) == ["menu"]  # case does not matter
    assert _rows(await console.page("/admin/messages?q=最初に戻りました")) == ["menu"]
    # Words of a template as written (its variables) and as rendered with the samples.
    assert "book_requested" in _rows(await console.page("/admin/messages?q=price%7Cmoney"))
    assert "book_requested" in _rows(await console.page("/admin/messages?q=K7QX2M+request+sent"))
    several = await console.page("/admin/messages?q=cancel")
    assert len(_rows(several)) > 1 and f"{len(_rows(several))} of {len(REGISTRY)} messages match" in several

    nothing = await console.page("/admin/messages?q=zebra+xylophone")
    assert _rows(nothing) == [] and "No messages match “zebra xylophone”." in nothing
    assert 'value="zebra xylophone"' in nothing  # the words stay in the box


async def test_the_messages_are_grouped_under_where_they_are_used(sms: Sms) -> None:
    console = await signed_in(sms)
    page = await console.page("/admin/messages")
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings[:3] == ["Anywhere: the first text, HELP, MENU, STOP and START, LANG, small talk, errors",
                            "Asking a person&#39;s name", "Guests looking: BROWSE, SEARCH, MORE, VIEW, FREE"]
    sections = dict(zip(headings, page.split("<h2>")[1:], strict=True))
    booking = sections["Guests booking: BOOK"]
    assert "book_requested" in _rows(booking) and "menu" not in _rows(booking)
    assert "host_accepted" in _rows(sections["Hosts deciding: a request, YES and NO, reminders"])
    assert "calendar_added" in _rows(sections["Hosts&#39; calendars: CALENDAR, BLOCK, UNBLOCK"])
    # A search keeps the groups of what it found, and only those.
    found = await console.page("/admin/messages?q=calendar_added")
    assert re.findall(r"<h2>([^<]+)</h2>", found) == ["Hosts&#39; calendars: CALENDAR, BLOCK, UNBLOCK"]


async def test_a_refused_edit_names_the_line_of_the_text_and_marks_it(sms_edit: Sms, messages: Path) -> None:
    console = await signed_in(sms_edit)
    before = (messages / "en.yaml").read_text(encoding="utf-8")
    text = "OK, back to the start.\r\nHi {{ nobody }}, text HELP.\r\nBye."
    response = await console.post("/admin/messages/edit", {"lang": "en", "key": "menu", "alt": "0", "text": text,
                                                           "action": "save"})
    assert response.status == 422
    page = await response.text()
    assert (messages / "en.yaml").read_text(encoding="utf-8") == before
    error = html.unescape(page.split('id="edit-errors"')[1].split("</ul>")[0])
    assert "Line 2 of the text:" in error and "`nobody` is not a variable of this message" in error
    assert 'data-error-line="2"' in page
    marked = re.findall(r'<li class="marked" id="error-line-(\d+)">([^<]*)', page)
    assert [(n, html.unescape(line).strip()) for n, line in marked] == [("2", "Hi {{ nobody }}, text HELP.")]

    # A tag left open is named on the line it was opened on; a one-line text is line 1.
    opened = await console.post("/admin/messages/edit", {"lang": "en", "key": "menu", "alt": "0", "action": "save",
                                                         "text": "OK.\nStill fine.\nNow {% if x %} open"})
    assert "Line 3 of the text:" in await opened.text()
    one = await console.post("/admin/messages/edit", {"lang": "en", "key": "menu", "alt": "0", "action": "preview",
                                                      "text": "Hi {{ nobody }}"})
    assert 'data-error-line="1"' in await one.text()


async def test_a_save_keeps_the_old_text_and_restoring_it_serves_it_again(sms_edit: Sms, messages: Path) -> None:
    console = await signed_in(sms_edit)
    assert await sms_edit.text("+15557770001", "MENU") == MENU
    new = "Back at the start: BROWSE, HOST or STATUS."
    saved = await console.post("/admin/messages/edit", {"lang": "en", "key": "menu", "alt": "0", "text": new,
                                                        "action": "save"})
    assert "Saved to en.yaml" in await saved.text()
    assert await sms_edit.text("+15557770001", "MENU") == new

    # The audit log and the edit page's history show the text before and after, with a Restore button.
    audit = html.unescape(await console.page("/admin/audit"))
    row = audit.split('data-action="template_save"')[1].split("</tr>")[0]
    assert f'<pre class="sms before">{MENU}</pre>' in row and f'<pre class="sms after">{new}</pre>' in row
    change = re.search(r'action="/admin/messages/restore/(\d+)"', row)
    assert change is not None
    history = html.unescape(await console.page("/admin/messages/edit?lang=en&key=menu"))
    assert f'id="change-{change.group(1)}"' in history and f'<pre class="sms before">{MENU}</pre>' in history

    restored = await console.post(f"/admin/messages/restore/{change.group(1)}")
    assert restored.status == 200
    assert "Restored the text it had before ana's change of" in html.unescape(await restored.text())
    assert f"menu: >-\n  {MENU}\n" in (messages / "en.yaml").read_text(encoding="utf-8")
    assert await sms_edit.text("+15557770001", "MENU") == MENU
    audit = html.unescape(await console.page("/admin/audit"))
    row = audit.split('data-action="template_restore"')[1].split("</tr>")[0]
    assert f'<pre class="sms before">{new}</pre>' in row and f'<pre class="sms after">{MENU}</pre>' in row
    assert audit.index('data-action="template_restore"') < audit.index('data-action="template_save"')  # newest first


async def test_only_a_saved_template_text_can_be_restored_and_only_with_the_form_token(sms_edit: Sms) -> None:
    console = await signed_in(sms_edit)  # its sign-in is audit row 1: no template's
    assert (await console.post("/admin/messages/restore/1")).status == 404
    assert (await console.post("/admin/messages/restore/99999999")).status == 404
    await console.post("/admin/messages/edit", {"lang": "en", "key": "menu", "alt": "0", "text": "Hi.",
                                                "action": "save"})
    page = await console.page("/admin/audit")
    change = re.search(r'action="/admin/messages/restore/(\d+)"', page)
    assert change is not None
    refused = await console.post(f"/admin/messages/restore/{change.group(1)}", csrf="forged")
    assert refused.status == 403
    assert await sms_edit.text("+15557770001", "MENU") == "Hi."
