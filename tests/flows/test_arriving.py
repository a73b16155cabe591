"""After the yes: a host gives the arrival details (address, check-in/out times, how to get in) and how
guests pay, at the end of HOST or with EDIT; only the guest of a confirmed stay gets the private ones (with
the confirmation, the day-before reminder, ARRIVAL / 住所 / "what's the address?"); VIEW shows the times and
the way to pay; "how do I pay?" is answered from the terms. A host edits the description and relists a
place; a guest whose stay an unlisting cancelled is told so by VIEW."""

from __future__ import annotations

from bot.catalog import sms_segments
from tests.conftest import GUEST, GUEST2, HOST, Sms, book, described, list_place, start_listing
from tests.support.dbview import message_keys, outbox, rows

ADDRESS = "2-3-5 Minato, Harbour House 301, Tokyo"
ACCESS = "Key box left of the door, code 4821"
NOTE = "Mizuho Bank, details after booking"


async def list_with_details(sms: Sms) -> int:
    """HOST answered to the end: the address, 3pm/11am, the way in, bank transfer with a note."""
    await start_listing(sms)
    await sms.text(HOST, "Sunny loft by the harbour, two bedrooms")
    listed = await sms.text(HOST, "SKIP")
    number = int(rows(sms, "SELECT MAX(id) AS n FROM listings")[0]["n"])
    assert listed == sms.render("listed", "en", number=number, has_photo=False)
    assert await sms.text(HOST, "12") == sms.render("address_invalid", "en", length=2, min_length=5,
                                                    max_length=200)  # asked again, nothing lost
    ask = {"number": number, "current": "", "editing": False}
    assert await sms.text(HOST, ADDRESS) == sms.render("ask_times", "en", **ask)
    assert await sms.text(HOST, "around noon") == sms.render("times_invalid", "en")
    assert await sms.text(HOST, "from 3pm, out by 11am") == sms.render("ask_access", "en", **ask)
    assert await sms.text(HOST, ACCESS) == sms.render("ask_payment", "en", **ask)
    assert await sms.text(HOST, "whenever") == sms.render("payment_invalid", "en")
    assert await sms.text(HOST, f"2 {NOTE}") == sms.render("host_setup_done", "en", number=number)
    return number


async def confirm(sms: Sms, number: int, guest: str = GUEST, dates: str = "Dec 20-23", name: str = "Bob") -> str:
    ref = await book(sms, guest, number, dates, name)
    assert "Accepted" in await sms.text(HOST, "YES")
    return ref


async def test_the_address_reaches_only_the_confirmed_guest_with_the_payment_beside_the_total(sms: Sms) -> None:
    number = await list_with_details(sms)
    # Public: the times and the way to pay. Never the address or the way in.
    view = await sms.text(GUEST2, f"VIEW {number}")
    assert "$120/night (bank transfer)" in view and "Check-in from 15:00, check-out by 11:00." in view
    for private in ("Minato", "4821", "Mizuho"):
        assert private not in view and private not in await sms.text(GUEST2, "BROWSE")
    assert "No places match" in await sms.text(GUEST2, "SEARCH Minato")

    ref = await confirm(sms, number)
    prompt = next(text for text in sms.inbox(HOST) if "would like to stay" in text)
    assert "3 nights x $120 = $360 (bank transfer), ref" in prompt and sms_segments(prompt) == 1
    confirmation, details = sms.inbox(GUEST)[-2:]
    assert "3 nights x $120 = $360 (bank transfer)" in confirmation and sms_segments(confirmation) == 1
    assert details == sms.render("stay_details", "en", **await _details(sms, ref))
    assert ADDRESS in details and ACCESS in details and NOTE in details and "Check-in from 15:00" in details
    assert message_keys(sms, GUEST)[-2:] == ["guest_accepted", "stay_details"]
    # On demand, in every way a guest asks; never to someone else.
    assert await sms.text(GUEST, f"ARRIVAL {ref}") == details
    assert await sms.text(GUEST, "住所") == details
    assert await sms.text(GUEST, "What's the address?") == details
    assert await sms.text(GUEST2, f"ARRIVAL {ref}") == sms.render("arrival_unknown_ref", "en")
    assert await sms.text(GUEST2, "what's the address?") == sms.render("arrival_none", "en")


async def test_the_day_before_reminder_repeats_them_and_a_cancelled_stay_no_longer_gets_them(sms: Sms) -> None:
    number = await list_with_details(sms)
    ref = await confirm(sms, number)
    other = await confirm(sms, number, GUEST2, "Dec 24-26", "Hugo")
    sms.clock.advance(days=22, hours=-2)  # Dec 19, 10:00 UTC: the day before Bob's check-in
    await sms.run_scheduler()
    assert message_keys(sms, GUEST)[-2:] == ["stay_reminder_guest", "stay_details"]
    assert ADDRESS in sms.inbox(GUEST)[-1]
    # Hugo cancels: his stay's address is no longer his to ask for.
    assert "Reply YES" in await sms.text(GUEST2, f"CANCEL {other}")
    await sms.text(GUEST2, "YES")
    reply = await sms.text(GUEST2, f"ARRIVAL {other}")
    assert reply == sms.render("arrival_not_open", "en", status="cancelled", **await _details(sms, other, False))
    assert ADDRESS not in reply and ADDRESS not in await sms.text(GUEST2, "what's the address?")
    assert ADDRESS in await sms.text(GUEST, f"arrival {ref}")


async def test_how_do_i_pay_is_answered_from_the_terms_in_both_languages(sms: Sms) -> None:
    assert await sms.text(GUEST, "How do I pay?") == sms.render("pay_none", "en")
    number = await list_with_details(sms)
    ref = await book(sms, GUEST, number)
    terms = sms.render("payment_terms", "en", payment="bank_transfer", payment_note=NOTE)
    variables = await _details(sms, ref, False)
    assert await sms.text(GUEST, "how do I pay?") == sms.render("pay_answer", "en", pay=terms, confirmed=False,
                                                               **variables)
    await sms.text(GUEST, "LANG JA")
    reply = await sms.text(GUEST, "支払い方法は？")
    terms_ja = sms.render("payment_terms", "ja", payment="bank_transfer", payment_note=NOTE)
    assert reply == sms.render("pay_answer", "ja", pay=terms_ja, confirmed=False, **variables)
    assert "銀行振込" in reply and "$360" in reply


async def test_a_place_listed_with_everything_skipped_says_so_when_asked(sms: Sms) -> None:
    number = await list_place(sms)  # SKIPs the arrival details and the payment
    ref = await confirm(sms, number)
    assert message_keys(sms, GUEST)[-1] == "guest_accepted"  # nothing to add: one message
    assert await sms.text(GUEST, "ARRIVAL") == sms.render("arrival_not_given", "en", **await _details(sms, ref))
    assert "the host hasn't said how to pay" in await sms.text(GUEST, "PAY")


async def test_edit_changes_the_description_arrival_details_times_and_payment(sms: Sms) -> None:
    number = await list_place(sms)
    assert await sms.text(HOST, f"EDIT {number} DESCRIPTION") == sms.render("edit_ask_description", "en",
                                                                             number=number)
    assert "at least" in await sms.text(HOST, "tiny")
    assert "Done:" in await sms.text(HOST, "A bright loft over the harbour with a sea view")
    assert "bright loft over the harbour" in await sms.text(GUEST, f"VIEW {number}")
    assert f"#{number}" in await sms.text(GUEST, "SEARCH sea view")  # the search copy follows
    # ARRIVAL walks the three; SKIP keeps one as it is.
    assert "address" in await sms.text(HOST, f"EDIT {number} ARRIVAL")
    await sms.text(HOST, ADDRESS)
    await sms.text(HOST, "SKIP")
    done = await sms.text(HOST, ACCESS)
    assert done == sms.render("edited_arrival", "en", number=number, address=ADDRESS, check_in_time="",
                              check_out_time="", access=ACCESS)
    assert "Minato" in await sms.text(HOST, f"EDIT {number} ADDRESS")  # what it is now, shown
    assert ADDRESS in await sms.text(HOST, "SKIP")  # kept
    assert "check-in 16:30" in await sms.text(HOST, f"EDIT {number} CHECKIN 4:30pm")
    assert await sms.text(HOST, f"EDIT {number} CHECKOUT 25:00") == sms.render("time_invalid", "en")
    assert "check-out 10:00" in await sms.text(HOST, "10時")
    assert "Check-in from 16:30, check-out by 10:00." in await sms.text(GUEST, f"VIEW {number}")
    assert "Payment: on arrival, in cash or by card (cash only please)." in await sms.text(
        HOST, f"EDIT {number} PAYMENT cash on arrival, cash only please")
    assert "$120/night (pay on arrival)" in await sms.text(GUEST, f"VIEW {number}")


async def test_relist_says_what_it_does_first_and_puts_the_place_back(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft")
    ref = await confirm(sms, number)
    await sms.text(HOST, f"UNLIST {number}")
    await sms.text(HOST, "YES")  # Bob's stay is cancelled with it
    # Bob asks after the place: it was unlisted, not never there.
    assert await sms.text(GUEST, f"VIEW {number}") == sms.render("listing_unlisted", "en",
                                                                 **await _details(sms, ref, False))
    assert "There's no place" in await sms.text(GUEST2, f"VIEW {number}")
    assert await sms.text(GUEST2, f"RELIST {number}") == sms.render("relist_not_yours", "en", number=number)
    asked = await sms.text(HOST, f"RELIST {number}")
    assert asked.startswith(f"Relist #{number} (Ocean Loft)? It shows in BROWSE and SEARCH again at $120/night")
    assert await sms.text(HOST, "NO") == sms.render("relist_kept", "en", number=number)
    assert "No places are listed" in await sms.text(GUEST2, "BROWSE")
    await sms.text(HOST, f"掲載再開 {number}")
    assert await sms.text(HOST, "はい") == sms.render("relisted", "en", number=number)
    assert f"#{number} Ocean Loft" in await sms.text(GUEST2, "BROWSE")
    assert "listed already" in await sms.text(HOST, f"RELIST {number}")
    assert rows(sms, "SELECT status FROM reservations WHERE ref = ?", (ref,)) == [{"status": "cancelled"}]


async def _details(sms: Sms, ref: str, with_arrival: bool = True) -> dict[str, object]:
    """The variables of a message about the stay `ref` (and its place's arrival details and terms)."""
    [row] = rows(sms, "SELECT id FROM reservations WHERE ref = ?", (ref,))
    variables = await described(sms, row["id"])
    if not with_arrival:
        return variables
    [place] = rows(sms, "SELECT address, check_in_time, check_out_time, access, payment, payment_note"
                        " FROM listings l JOIN reservations r ON r.listing_id = l.id WHERE r.ref = ?", (ref,))
    terms = (sms.render("payment_terms", "en", payment=place["payment"], payment_note=place["payment_note"] or "")
             if place["payment"] else "")
    return {**variables, **{key: place[key] or "" for key in ("address", "check_in_time", "check_out_time",
                                                              "access")}, "pay": terms}


async def test_details_still_queued_when_the_stay_is_cancelled_are_never_sent(sms: Sms) -> None:
    number = await list_with_details(sms)
    ref = await book(sms, GUEST, number)
    # The host's YES and the guest's cancellation both land while nothing sends (an outage).
    for phone, body in ((HOST, "YES"), (GUEST, f"CANCEL {ref}"), (GUEST, "YES")):
        assert (await sms.post("/sms", sms.form(phone, body))).status == 200
    await sms.deliver()
    [details] = [row for row in outbox(sms, GUEST) if row["message_key"] == "stay_details"]
    assert (details["status"], details["last_error"]) == ("skipped", "stale")
    assert not any(ADDRESS in text for text in sms.inbox(GUEST))
