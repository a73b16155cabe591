"""Exactly-once inbound: a retried MessageSid changes nothing and sends nothing; many phones at once."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.conftest import GUEST, HOST, Sms, book, list_place, twiml_messages
from tests.support.dbview import outbox, rows, snapshot


async def test_a_retried_message_sid_gets_the_same_twiml_and_changes_and_sends_nothing(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    decision = sms.form(HOST, "YES")
    first = await sms.answer(decision)
    await sms.deliver()
    assert "Accepted" in first and len(sms.inbox(GUEST)) == 1
    before, sent_before = snapshot(sms), len(sms.twilio.messages)

    for _ in range(3):  # Twilio retries after a timeout or an error on its side
        assert await sms.answer(decision) == first
    await sms.deliver()
    assert snapshot(sms) == before  # not one row changed anywhere
    assert len(sms.twilio.messages) == sent_before
    # A *new* YES is a new text: it finds nothing to decide, proving the retry was not simply re-run.
    assert "no request" in await sms.text(HOST, "YES")
    assert rows(sms, "SELECT status FROM reservations WHERE ref = ?", (ref,)) == [{"status": "confirmed"}]


async def test_concurrent_copies_of_one_text_are_applied_once(sms: Sms) -> None:
    number = await list_place(sms)
    form = sms.form(GUEST, f"BOOK {number} Dec 20-23 2 guests")
    await sms.text(GUEST, "hi")
    replies = await asyncio.gather(*(sms.answer(form) for _ in range(8)))
    assert len(set(replies)) == 1
    await sms.text(GUEST, "Bob")
    assert rows(sms, "SELECT COUNT(*) AS n FROM reservations") == [{"n": 1}]


async def test_texts_from_one_phone_are_applied_one_at_a_time(sms: Sms) -> None:
    """Ten BOOKs at once from one guest: the pending-request cap (3) holds, which it could not if two were
    applied side by side (each would see the other's request missing)."""
    hosts = [f"+1555777{i:04d}" for i in range(10)]
    numbers = [await list_place(sms, host=h, name=f"H{i}", description=f"House {i} with garden, quiet street")
               for i, h in enumerate(hosts)]
    await sms.text(GUEST, "hi")
    await sms.text(GUEST, f"BOOK {numbers[0]} Dec 1-2 2 guests")
    await sms.text(GUEST, "Bob")  # now named, so BOOK with dates files a request at once
    forms = [sms.form(GUEST, f"BOOK {n} Dec 20-23 2 guests") for n in numbers[1:]]
    replies = await asyncio.gather(*(sms.answer(form) for form in forms))
    await sms.deliver()
    filed = [r for r in replies if "reference" in r]
    assert len(filed) == 2  # 1 earlier + 2 = the cap of 3; the other 7 were told about the cap
    assert sum("3 requests waiting" in r for r in replies) == 7
    assert rows(sms, "SELECT COUNT(*) AS n FROM reservations WHERE status = 'pending'") == [{"n": 3}]
    assert sum(len(sms.inbox(h)) for h in hosts) == 3


async def test_many_phones_at_once_final_state_and_the_exact_messages_sent(sms: Sms) -> None:
    hosts = [f"+1555100{i:04d}" for i in range(8)]
    guests = [f"+1555200{i:04d}" for i in range(24)]  # three guests per place, all the same dates
    numbers = [await list_place(sms, host=h, name=f"Host{i}", description=f"Flat {i} by the river, two rooms")
               for i, h in enumerate(hosts)]
    place_of = {g: numbers[i % len(numbers)] for i, g in enumerate(guests)}

    await asyncio.gather(*(sms.answer(sms.form(g, "hello")) for g in guests))
    asked = await asyncio.gather(*(sms.answer(sms.form(g, f"BOOK {place_of[g]} Dec 20-23 2 guests")) for g in guests))
    assert all("name" in a for a in asked)
    filed = await asyncio.gather(*(sms.answer(sms.form(g, f"Guest{i}")) for i, g in enumerate(guests)))
    assert all("reference" in f for f in filed)
    await sms.deliver()

    # Each host was shown exactly one request: the oldest for their place.
    first_request = {r["host_id"]: r["guest_id"] for r in rows(
        sms, "SELECT host_id, guest_id FROM reservations WHERE id IN"
             " (SELECT MIN(id) FROM reservations GROUP BY host_id)")}
    guest_name = {r["id"]: r["name"] for r in rows(sms, "SELECT id, name FROM users")}
    host_id = {r["phone"]: r["id"] for r in rows(sms, "SELECT id, phone FROM users")}
    for h in hosts:
        [prompt] = sms.inbox(h)
        assert f"{guest_name[first_request[host_id[h]]]} would like" in prompt
        assert guest_name[first_request[host_id[h]]] in prompt

    decided = await asyncio.gather(*(sms.answer(sms.form(h, "YES")) for h in hosts))
    assert all("Accepted" in d and "2 overlapping" in d for d in decided)
    await sms.deliver()

    statuses = Counter(r["status"] for r in rows(sms, "SELECT status FROM reservations"))
    assert statuses == {"confirmed": 8, "declined": 16}
    confirmed = {r["guest_id"] for r in rows(sms, "SELECT guest_id FROM reservations WHERE status = 'confirmed'")}
    assert confirmed == set(first_request.values())

    # The exact set of REST messages: one prompt per host, one answer per guest, nothing else, nothing twice.
    sent = Counter((m.to, "prompt" if m.to in hosts else "confirmed" if "confirmed" in m.body
                    else "overlap" if "booked by someone else" in m.body else m.body)
                   for m in sms.twilio.messages)
    phone_of = {v: k for k, v in host_id.items()}
    expected = Counter({(h, "prompt"): 1 for h in hosts})
    expected.update({(phone_of[g], "confirmed"): 1 for g in confirmed})
    expected.update({(g, "overlap"): 1 for g in guests if host_id[g] not in confirmed})
    assert sent == expected
    assert {r["status"] for r in outbox(sms)} == {"sent"}
    # And the TwiML answers were each a single well-formed message.
    assert all(len(twiml_messages(f)) == 1 for f in filed)


async def test_a_retried_decision_replays_the_next_request_shown_in_the_same_answer(sms: Sms) -> None:
    """Deciding one request shows the next in the same TwiML; Twilio's retry must get that whole answer."""
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    await book(sms, "+15551230003", number, "Dec 5-7", name="Hugo")
    decision = sms.form(HOST, "NO")
    first = await sms.answer(decision)
    assert len(twiml_messages(first)) == 2 and "Hugo" in twiml_messages(first)[1][0]
    assert await sms.answer(decision) == first
