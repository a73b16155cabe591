"""The console's pages and actions, driven through the real app beside real texts."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path
from typing import Any

from bot.check import run_check
from bot.config import Config
from tests.conftest import GUEST, GUEST2, GUEST3, HOST, Sms, book, list_place
from tests.console.support import next_event, signed_in
from tests.support.polling import until


async def _user_id(sms: Sms, phone: str) -> int:
    user = await sms.db.run(lambda store: store.user_by_phone(phone))
    assert user is not None
    return int(user.id)


async def test_the_dashboard_counts_what_happens_and_its_json_follows(sms: Sms) -> None:
    console = await signed_in(sms)
    before = (await (await console.get("/admin/api/dashboard")).json())["stats"]
    assert before["listings_live"] == 0 and before["requests_waiting"] == 0
    number = await list_place(sms)
    await book(sms, GUEST, number)
    stats = (await (await console.get("/admin/api/dashboard")).json())["stats"]
    assert stats["listings_live"] == 1 and stats["requests_waiting"] == 1
    assert stats["texts_in_24h"] >= 5 and stats["sms_out_24h"] >= 1
    await sms.text(HOST, "YES")
    stats = (await (await console.get("/admin/api/dashboard")).json())["stats"]
    assert stats["requests_waiting"] == 0 and stats["upcoming_stays"] == 1
    page = await console.page("/admin/")
    assert 'data-stat="upcoming_stays">1<' in page
    assert "Sunny loft by the harbour" in page  # the next stays


async def test_pages_name_a_place_by_its_title_and_only_its_own_page_shows_the_description(sms: Sms) -> None:
    console = await signed_in(sms)
    description = "Sunny loft by the harbour, two bedrooms"
    number = await list_place(sms, title="Ocean Loft", description=description)
    sms.clock.advance(minutes=5)  # the host's texts are not part of the stay's timeline
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "YES")
    reservation_id = await sms.db.run(lambda store: store.reservation_by_ref(ref).id)
    for path in ("/admin/", "/admin/listings", "/admin/reservations", f"/admin/reservations/{reservation_id}"):
        page = await console.page(path)
        assert "Ocean Loft" in page and "Sunny loft" not in page, path
    own = await console.page(f"/admin/listings/{number}")
    assert f"Listing #{number}: Ocean Loft" in own and description in own
    assert f"#{number}" in await console.page("/admin/listings?q=ocean")  # found by its title
    assert ref in await console.page("/admin/reservations?place=ocean")


async def _stat_reaches(stream: Any, name: str, value: int) -> None:
    """Read the stream's events until the figure shows `value` (each text changes some figure, so the
    states in between may come as events of their own)."""
    while (await next_event(stream))[1]["stats"][name] != value:
        pass


async def test_the_dashboard_streams_its_figures_when_they_change_and_stops_at_logout(sms: Sms) -> None:
    console = await signed_in(sms)
    stream = await console.get("/admin/api/dashboard/events")
    assert stream.status == 200 and stream.headers["Content-Type"] == "text/event-stream"
    _, first = await next_event(stream)
    assert first["stats"]["listings_live"] == 0 and first["stats"]["requests_waiting"] == 0
    number = await list_place(sms)
    await _stat_reaches(stream, "listings_live", 1)
    await book(sms, GUEST, number)
    await _stat_reaches(stream, "requests_waiting", 1)
    await console.post("/admin/logout")
    name = "message"
    while name == "message":
        name, _ = await next_event(stream)
    assert name == "signed-out"
    stream.close()


async def test_the_dashboard_lists_stays_whose_guest_can_no_longer_be_texted(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "YES")
    assert ref not in (await console.page("/admin/")).split("Stays needing attention")[1].split("Next stays")[0]
    await sms.text(GUEST, "STOP")
    attention = (await console.page("/admin/")).split("Stays needing attention")[1].split("Next stays")[0]
    assert ref in attention
    stats = (await (await console.get("/admin/api/dashboard")).json())["stats"]
    assert stats["opted_out"] == 1


async def test_listings_are_searched_by_words_number_or_host(sms: Sms) -> None:
    console = await signed_in(sms)
    loft = await list_place(sms, host=HOST, name="Ana")
    cabin = await list_place(sms, host="+15551230009", name="Carl", description="Quiet cabin in the pines, stove")
    page = await console.page("/admin/listings?q=cabin")
    assert f"#{cabin}" in page and f"#{loft}<" not in page
    assert f"#{loft}" in await console.page(f"/admin/listings?q={loft}")
    assert "Quiet cabin" in await console.page("/admin/listings?q=Carl")
    assert "No listings" in await console.page("/admin/listings?q=castle")


async def test_a_listing_page_shows_its_requests_and_stays(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    first = await book(sms, GUEST, number, "Dec 20-23")
    await sms.text(HOST, "YES")
    second = await book(sms, GUEST2, number, "Dec 26-28", name="Cy")
    page = await console.page(f"/admin/listings/{number}")
    assert first in page and second in page
    assert ">confirmed<" in page and ">pending<" in page
    assert (await console.get("/admin/listings/999")).status == 404


async def test_a_listing_page_shows_the_private_arrival_details_and_payment_terms(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    await sms.text(HOST, f"EDIT {number} ADDRESS 2-3-5 Minato <b>Tokyo</b>")
    await sms.text(HOST, f"EDIT {number} PAYMENT 2 Mizuho Bank")
    page = await console.page(f"/admin/listings/{number}")
    assert "2-3-5 Minato &lt;b&gt;Tokyo&lt;/b&gt;" in page  # the host's words, escaped
    assert "by bank transfer before arrival (Mizuho Bank)" in page  # in words, as the guest's SMS say it


async def test_hiding_a_listing_follows_unlist_and_tells_the_guests(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    await book(sms, GUEST, number)
    await book(sms, GUEST2, number, "Dec 26-28", name="Cy")
    response = await console.post(f"/admin/listings/{number}/hide")
    assert response.status == 303
    assert response.headers["Location"].startswith(f"/admin/listings/{number}?")
    page = await console.page(response.headers["Location"])
    assert "2 waiting request(s) declined" in page and "List it again" in page
    await sms.deliver()
    for guest in (GUEST, GUEST2):
        assert f"#{number} is no longer listed" in sms.inbox(guest)[-1]  # guest_declined_unlisted, as UNLIST
    assert f"There's no place #{number}" in await sms.text(GUEST, f"VIEW {number}")
    assert "No places are listed yet" in await sms.text(GUEST, "BROWSE")
    again = await console.post(f"/admin/listings/{number}/hide")
    assert "Nothing to do: it had changed meanwhile" in await console.page(again.headers["Location"])
    audit = await console.page("/admin/audit")
    assert 'data-action="hide"' in audit and f"listing #{number}" in audit and "2 waiting request(s) declined" in audit


async def test_hiding_tells_the_guests_exactly_what_unlist_tells_them_and_the_host_that_support_hid_it(
        sms: Sms) -> None:
    console = await signed_in(sms)
    hidden = await list_place(sms)
    unlisted = await list_place(sms, host=GUEST3, name="Ida", description="Sunny loft by the harbour, two bedrooms")
    hidden_ref = await book(sms, GUEST, hidden)
    unlisted_ref = await book(sms, GUEST2, unlisted, name="Bob")
    await sms.deliver()
    told_host = len(sms.inbox(HOST))
    await console.post(f"/admin/listings/{hidden}/hide")
    await sms.text(GUEST3, f"UNLIST {unlisted}")
    await sms.deliver()
    assert sms.inbox(HOST)[told_host:] == [sms.render("host_listing_hidden", "en", number=hidden, declined=1,
                                                      title="Sunny loft by the harbour, two bedrooms", cancelled=0)]
    by_hide = sms.inbox(GUEST)[-1].replace(hidden_ref, "REF").replace(f"#{hidden}", "#N")
    by_unlist = sms.inbox(GUEST2)[-1].replace(unlisted_ref, "REF").replace(f"#{unlisted}", "#N")
    assert by_hide == by_unlist and "no longer listed" in by_hide


async def test_unhiding_lists_the_place_again(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    await console.post(f"/admin/listings/{number}/hide")
    assert f"#{number}" not in await sms.text(GUEST, "BROWSE")
    response = await console.post(f"/admin/listings/{number}/unhide")
    assert "Listed again: guests can find it" in await console.page(response.headers["Location"])
    assert f"#{number}" in await sms.text(GUEST, "BROWSE")
    assert 'data-action="unhide"' in await console.page("/admin/audit")


async def test_reservations_filter_by_status_place_and_dates(sms: Sms) -> None:
    console = await signed_in(sms)
    loft = await list_place(sms)
    cabin = await list_place(sms, host="+15551230009", name="Carl", description="Quiet cabin in the pines, stove")
    confirmed = await book(sms, GUEST, loft, "Dec 20-23")
    await sms.text(HOST, "YES")
    waiting = await book(sms, GUEST2, cabin, "Jan 5-7", name="Cy")
    everything = await console.page("/admin/reservations")
    assert confirmed in everything and waiting in everything
    pending = await console.page("/admin/reservations?status=pending")
    assert waiting in pending and confirmed not in pending
    by_place = await console.page("/admin/reservations?place=cabin")
    assert waiting in by_place and confirmed not in by_place
    assert confirmed in await console.page(f"/admin/reservations?place=%23{loft}")
    december = await console.page("/admin/reservations?from=2026-12-01&to=2026-12-31")
    assert confirmed in december and waiting not in december
    assert "No reservations match" in await console.page("/admin/reservations?from=2027-06-01&to=2027-06-30")


async def test_a_reservation_timeline_shows_what_happened(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "YES")
    reservation_id = await sms.db.run(lambda store: store.guest_reservation_by_ref(
        store.user_by_phone(GUEST).id, ref).id)
    page = await console.page(f"/admin/reservations/{reservation_id}")
    timeline = page.split('id="timeline"')[1]
    order = [timeline.index(what) for what in (">filed<", ">presented<", ">confirmed<")]
    assert order == sorted(order)
    assert 'data-job="remind"' in timeline  # the reminder scheduled when it was presented
    assert "SMS to host" in timeline and "SMS to guest" in timeline  # the prompt, the confirmation
    assert "host texted</b>\n    <span class=\"detail\">YES</span>" in timeline  # the answer that decided it
    assert (await console.get("/admin/reservations/999")).status == 404


async def test_a_stay_timeline_interleaves_the_relayed_messages_escaped(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    sms.clock.advance(minutes=1)
    await sms.text(HOST, "YES")
    sms.clock.advance(minutes=1)
    await sms.text(GUEST, f"MSG {ref} Can we arrive at 10? <b>early</b>")
    sms.clock.advance(minutes=1)
    await sms.text(HOST, "MSG Sure, the key is under the mat")
    await sms.deliver()
    reservation_id = await sms.db.run(lambda store: store.reservation_by_ref(ref).id)
    timeline = (await console.page(f"/admin/reservations/{reservation_id}")).split('id="timeline"')[1]
    asked = timeline.index("guest wrote to host (relayed)")
    answered = timeline.index("host wrote to guest (relayed)")
    assert timeline.index(">confirmed<") < asked < answered  # interleaved by time with the rest
    assert "Can we arrive at 10? &lt;b&gt;early&lt;/b&gt;" in timeline and "<b>early</b>" not in timeline
    assert "Sure, the key is under the mat" in timeline[answered:]
    assert timeline.count("Sure, the key is under the mat") == 1  # not again as the MSG text or the SMS
    assert 'data-state="sent"' in timeline[answered:]  # its delivery as the outbox has it


async def test_conversations_find_people_and_show_their_thread(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms, name="Ana")
    await sms.text(GUEST, f"BOOK {number}")
    found = await console.page("/admin/conversations?q=Ana")
    assert HOST in found and GUEST not in found
    assert GUEST in await console.page("/admin/conversations?q=1230002")
    page = await console.page(f"/admin/conversations/{await _user_id(sms, GUEST)}")
    assert f"BOOK {number}" in page  # what they texted
    assert 'data-flow="booking"' in page  # in the middle of the booking flow
    host_page = await console.page(f"/admin/conversations/{await _user_id(sms, HOST)}")
    assert "Sunny loft by the harbour" in host_page and "listed as #" in host_page
    assert (await console.get("/admin/conversations/999")).status == 404


async def test_a_thread_shows_delivery_status_and_error_codes(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    sms.twilio.fail_next(400, 21211, to=HOST)
    await book(sms, GUEST, number)
    page = await console.page(f"/admin/conversations/{await _user_id(sms, HOST)}")
    assert "error 21211" in page and "invalid_number" in page
    assert 'data-state="failed"' in page


async def test_retry_now_sends_a_failed_message_again(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    sms.twilio.fail_next(400, 21617, to=HOST)  # body too long: parked at once
    await book(sms, GUEST, number)
    failed = await console.page("/admin/outbox?view=failed")
    outbox_id = int(re.search(r'id="outbox-(\d+)"', failed).group(1))  # type: ignore[union-attr]
    assert "body_too_long" in failed
    response = await console.post(f"/admin/outbox/{outbox_id}/retry", {"view": "failed"})
    assert response.headers["Location"].startswith("/admin/outbox?view=failed&")
    assert f"Message #{outbox_id} is queued to go out now" in await console.page(response.headers["Location"])
    await sms.deliver()
    assert len(sms.inbox(HOST)) == 1  # the prompt went out this time
    assert f'id="outbox-{outbox_id}"' not in await console.page("/admin/outbox?view=failed")
    assert 'data-action="retry"' in await console.page("/admin/audit")


async def test_give_up_stops_the_retries_of_a_message(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    sms.twilio.fail_next(503, times=2, to=HOST)
    await book(sms, GUEST, number)
    retrying = await console.page("/admin/outbox?view=retrying")
    outbox_id = int(re.search(r'id="outbox-(\d+)"', retrying).group(1))  # type: ignore[union-attr]
    assert "HTTP 503" in retrying
    response = await console.post(f"/admin/outbox/{outbox_id}/give-up", {"view": "retrying"})
    assert f"Message #{outbox_id} will not be retried" in await console.page(response.headers["Location"])
    failed = await console.page("/admin/outbox?view=failed")
    assert f'id="outbox-{outbox_id}"' in failed and "given up by ana" in failed
    sms.clock.advance(minutes=30)
    await sms.deliver()
    assert sms.inbox(HOST) == []  # never sent
    assert 'data-action="give_up"' in await console.page("/admin/audit")


async def test_a_message_on_its_first_try_is_waiting_and_one_failed_before_is_retrying(sms: Sms) -> None:
    """A claim counts its try, so a first try in flight has one attempt: it is still a message waiting,
    in the dashboard's count and list, as in `run.py outbox`; only one that failed before is retrying."""
    console = await signed_in(sms)
    number = await list_place(sms)
    held = sms.twilio.hold(HOST)
    delivering = asyncio.create_task(book(sms, GUEST, number))  # delivers what the texts queued
    await until(lambda: HOST not in sms.twilio.holds, 10, "the host's prompt in flight")
    stats = (await (await console.get("/admin/api/dashboard")).json())["stats"]
    assert (stats["outbox_waiting"], stats["outbox_retrying"]) == (1, 0)
    waiting = await console.page("/admin/outbox?view=waiting")
    assert 'id="outbox-' in waiting and "Retry now" not in waiting  # merely waiting its turn
    assert 'id="outbox-' not in await console.page("/admin/outbox?view=retrying")
    held.set()
    await asyncio.wait_for(delivering, 10)

    sms.twilio.fail_next(503, to=GUEST)
    await sms.text(HOST, "YES")  # the guest is told, and Twilio fails that once
    await sms.deliver()
    stats = (await (await console.get("/admin/api/dashboard")).json())["stats"]
    assert (stats["outbox_waiting"], stats["outbox_retrying"]) == (0, 1)
    assert "HTTP 503" in await console.page("/admin/outbox?view=retrying")


async def _undelivered_prompt(sms: Sms) -> tuple[Any, int]:
    """A signed-in console and the outbox row of the host's prompt, which Twilio could not deliver."""
    console = await signed_in(sms)
    number = await list_place(sms)
    await book(sms, GUEST, number)
    sid = sms.twilio.messages[-1].sid
    await sms.post("/sms/status", {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    page = await console.page("/admin/outbox?view=undelivered")
    return console, int(re.search(r'id="outbox-(\d+)"', page).group(1))  # type: ignore[union-attr]


async def test_retry_now_of_an_undelivered_message_sends_one_copy_however_often_it_is_clicked(sms: Sms) -> None:
    console, outbox_id = await _undelivered_prompt(sms)
    clicks = await asyncio.gather(*(console.post(f"/admin/outbox/{outbox_id}/retry", {"view": "undelivered"})
                                    for _ in range(3)))
    notices = [await console.page(click.headers["Location"]) for click in clicks]
    copied = [re.search(r"being sent again as a new message, #(\d+)", page) for page in notices]
    made = [int(found.group(1)) for found in copied if found]
    assert len(made) == 1 and made[0] != outbox_id  # the notice names the new row
    assert sum(f"was sent again already, as #{made[0]}" in page for page in notices) == 2
    await sms.deliver()
    assert len(sms.inbox(HOST)) == 2 and sms.inbox(HOST)[0] == sms.inbox(HOST)[1]  # one copy, not three
    page = await console.page("/admin/outbox?view=undelivered")
    row = page[page.index(f'id="outbox-{outbox_id}"'):]
    row = row[:row.index("</tr>")]
    assert "Retry now" not in row and f"sent again as <a href=\"#outbox-{made[0]}\">#{made[0]}</a>" in row
    audit = await console.page("/admin/audit")
    assert audit.count('data-action="retry"') == 1 and f"sent again as #{made[0]}" in audit


async def test_retry_now_to_a_number_that_opted_out_says_it_was_skipped(sms: Sms) -> None:
    console, outbox_id = await _undelivered_prompt(sms)
    await sms.text(HOST, "STOP")
    await sms.deliver()
    sent = len(sms.twilio.messages)
    click = await console.post(f"/admin/outbox/{outbox_id}/retry", {"view": "undelivered"})
    page = await console.page(click.headers["Location"])
    assert f"Message #{outbox_id} was not sent again: skipped, because its recipient has opted out" in page
    await sms.deliver()
    assert len(sms.twilio.messages) == sent


async def test_the_messages_page_shows_every_key_rendered_with_its_size(sms: Sms) -> None:
    from bot.registry import REGISTRY

    console = await signed_in(sms)
    page = await console.page("/admin/messages")
    assert "The catalog is valid" in page
    for key in REGISTRY:
        assert f'id="key-{key}"' in page
    assert "GSM-7" in page and "UCS-2" in page and "SMS" in page
    assert "Welcome to Airtng!" in page
    # As `check` says it: which messages must fit one SMS, and which others cost more, with what values.
    row = page.split('id="key-host_prompt"')[1].split("</tr>")[0]
    assert row.count("everyday: must fit one SMS") == 2  # en and ja
    row = page.split('id="key-listing_view"')[1].split("</tr>")[0]
    assert "over one SMS with" in row and "description=&#34;Sunny loft by the harbour, two bedrooms.&#34;" in row


async def test_an_edit_is_previewed_saved_keeping_the_file_and_used_by_the_next_reply(
        sms_edit: Sms, messages: Path) -> None:
    console = await signed_in(sms_edit)
    before = (messages / "en.yaml").read_text(encoding="utf-8")
    page = await console.page("/admin/messages/edit?lang=en&key=help")
    assert "BROWSE, SEARCH" in page
    new = "Airtng help: BROWSE to look around, HOST to list, STATUS for trips. MENU to start over."
    preview = await console.post("/admin/messages/edit", {"lang": "en", "key": "help", "alt": "0", "text": new,
                                                          "action": "preview"})
    text = await preview.text()
    assert preview.status == 200 and "Valid. Not saved yet." in text and "GSM-7" in text
    assert (messages / "en.yaml").read_text(encoding="utf-8") == before
    saved = await console.post("/admin/messages/edit", {"lang": "en", "key": "help", "alt": "0", "text": new,
                                                        "action": "save"})
    assert "Saved to en.yaml" in await saved.text()
    after = (messages / "en.yaml").read_text(encoding="utf-8")
    assert f"help: >-\n  {new}\n" in after
    # Everything else is as it was: comments, order, the other texts' layout.
    old_help = before.split("\nhelp: >-\n")[1].split("\nmenu:")[0].splitlines()
    assert [line for line in before.splitlines() if line not in old_help] == \
        [line for line in after.splitlines() if line != f"  {new}"]
    assert await sms_edit.text("+15557770001", "HELP") == new
    audit = await console.page("/admin/audit")
    assert 'data-action="template_save"' in audit and "en/help" in audit


async def test_a_broken_edit_is_refused_with_the_error_check_gives(sms_edit: Sms, messages: Path,
                                                                   edited: Config) -> None:
    console = await signed_in(sms_edit)
    before = (messages / "en.yaml").read_text(encoding="utf-8")
    broken = "Hi {{ nobody }}, text HELP."
    response = await console.post("/admin/messages/edit", {"lang": "en", "key": "menu", "alt": "0",
                                                           "text": broken, "action": "save"})
    assert response.status == 422
    page = await response.text()
    assert "Not saved" in page
    assert (messages / "en.yaml").read_text(encoding="utf-8") == before
    # The same words `run.py check` prints for that file.
    (messages / "en.yaml").write_text(before.replace("menu: >-\n  OK, back to the start.",
                                                     "menu: >-\n  Hi {{ nobody }}, text HELP. OK, back to the start."),
                                      encoding="utf-8")
    lines: list[str] = []
    run_check(edited, out=lines.append)
    error = next(line.strip() for line in lines if "ERROR" in line and "menu" in line)
    assert error in html.unescape(page)  # file, line, key and problem, word for word
    assert "`nobody` is not a variable of this message; it has no variables" in page


async def test_the_audit_page_lists_actions_newest_first(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    await console.post(f"/admin/listings/{number}/hide")
    await console.post(f"/admin/listings/{number}/unhide")
    page = await console.page("/admin/audit")
    assert page.index('data-action="unhide"') < page.index('data-action="hide"') < page.index('data-action="login"')


async def test_static_files_are_served_without_a_session(sms: Sms) -> None:
    await signed_in(sms)
    for name in ("console.css", "console.js"):
        response = await sms.client.get(f"/admin/static/{name}")
        assert response.status == 200



async def test_a_key_missing_in_a_language_can_be_added_from_the_messages_page(sms_edit: Sms, messages: Path) -> None:
    ja = messages / "ja.yaml"
    text = ja.read_text(encoding="utf-8")
    start = text.index("menu: ")
    end = text.index("\n", text.index("\n", start) + 1) + 1  # the key and its one line of text
    ja.write_text(text[:start] + text[end:], encoding="utf-8")
    assert "menu:" not in ja.read_text(encoding="utf-8")
    console = await signed_in(sms_edit)
    assert "(not in ja.yaml: add it)" in await console.page("/admin/messages")
    saved = await console.post("/admin/messages/edit", {"lang": "ja", "key": "menu", "alt": "0",
                                                        "text": "最初に戻りました。", "action": "save"})
    assert "Saved to ja.yaml" in await saved.text()
    assert ja.read_text(encoding="utf-8").endswith("menu: >-\n  最初に戻りました。\n")  # the file's own style
    await sms_edit.text("+15557770002", "LANG JA")
    assert await sms_edit.text("+15557770002", "MENU") == "最初に戻りました。"


async def test_an_everyday_message_made_two_sms_is_refused_with_the_samples_check_gives(sms_edit: Sms,
                                                                                        messages: Path) -> None:
    console = await signed_in(sms_edit)
    ja = messages / "ja.yaml"
    before = ja.read_text(encoding="utf-8")
    current = html.unescape((await console.page("/admin/messages/edit?lang=ja&key=host_prompt"))
                            .split("</textarea>")[0].rsplit(">", 1)[1])
    assert "{{ guest" in current
    longer = current + "。ご確認のほど、どうぞよろしくお願いいたします"
    response = await console.post("/admin/messages/edit", {"lang": "ja", "key": "host_prompt", "alt": "0",
                                                           "text": longer,
                                                           "action": "save"})
    assert response.status == 422
    page = html.unescape(await response.text())
    assert "host_prompt: an everyday message must fit one SMS: 2 segments" in page and 'guest="Maria"' in page
    assert ja.read_text(encoding="utf-8") == before
