"""The whole booking workflow end to end, through signed webhooks and the fake Twilio."""

from __future__ import annotations

from tests.conftest import GUEST, GUEST2, GUEST3, HOST, Sms, book, list_place


async def test_host_lists_guest_books_host_accepts_guest_is_told(sms: Sms) -> None:
    assert "BROWSE" in await sms.text(HOST, "hello")
    number = await list_place(sms)
    assert "#1" in await sms.text(GUEST, "BROWSE")
    ref = await book(sms, GUEST, number)

    prompt = sms.inbox(HOST)[-1]
    assert "Bob" in prompt and f"#{number}" in prompt and "Dec 20" in prompt and "3 nights" in prompt
    assert "YES" in prompt and "NO" in prompt

    reply = await sms.text(HOST, "Yes!")
    assert "Accepted" in reply and "Bob" in reply
    assert "confirmed" in sms.inbox(GUEST)[-1] and ref in sms.inbox(GUEST)[-1]
    assert "confirmed" in await sms.text(GUEST, "status")


async def test_host_declines_and_guest_is_told(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    assert "Declined" in await sms.text(HOST, " no ")
    assert "can't take your stay" in sms.inbox(GUEST)[-1]


async def test_three_requests_are_presented_one_at_a_time_oldest_first(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    await book(sms, GUEST3, number, "Dec 9-11", name="Iris")
    assert len(sms.inbox(HOST)) == 1 and "Gina" in sms.inbox(HOST)[0]

    reply = await sms.text(HOST, "YES")
    assert "Gina" in reply and "Hugo" in reply  # the next prompt follows the decision in the same answer
    reply = await sms.text(HOST, "NO")
    assert "Hugo" in reply and "Iris" in reply
    reply = await sms.text(HOST, "ACCEPT")
    assert "Iris" in reply
    assert "There's no request waiting" in await sms.text(HOST, "YES")
    assert "confirmed" in sms.inbox(GUEST)[-1]
    assert "can't take" in sms.inbox(GUEST2)[-1]
    assert "confirmed" in sms.inbox(GUEST3)[-1]
