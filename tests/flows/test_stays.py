"""Guests' own requests and stays: STATUS and CANCEL <ref> (the host told only when it concerns them)."""

from __future__ import annotations

import pytest

from tests.conftest import GUEST, GUEST2, GUEST3, HOST, Sms, book, list_place
from tests.flows.test_stays_carried import SUNNY


async def test_status_lists_requests_and_stays_with_their_status(sms: Sms) -> None:
    assert "no trips" in await sms.text(GUEST, "STATUS")
    number = await list_place(sms)
    first = await book(sms, GUEST, number, "Dec 1-3")
    second = await book(sms, GUEST, number, "Dec 5-7")
    await sms.text(HOST, "YES")
    lines = (await sms.text(GUEST, "status")).splitlines()
    assert any(first in line and "Dec 1-3" in line and "confirmed" in line for line in lines)
    assert any(second in line and "waiting for host" in line for line in lines)


async def test_cancelling_a_queued_request_does_not_bother_the_host(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    ref = await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    await book(sms, GUEST3, number, "Dec 9-11", name="Iris")
    reply = await sms.text(GUEST2, f"CANCEL {ref}")
    assert f"{ref} for #{number} is cancelled" in reply
    assert len(sms.inbox(HOST)) == 1  # only Gina's prompt
    assert "cancelled" in await sms.text(GUEST2, "STATUS")
    reply = await sms.text(HOST, "YES")
    assert "Iris would like" in reply and "Hugo" not in reply


async def test_cancelling_the_presented_request_tells_the_host_and_moves_them_on(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    await sms.text(GUEST, f"cancel #{ref.lower()}")
    told, prompt = sms.inbox(HOST)[-2:]
    assert "Gina cancelled" in told and ref in told
    assert "Hugo would like" in prompt
    assert "Accepted: Hugo" in await sms.text(HOST, "YES")


async def test_cancelling_a_confirmed_stay_tells_the_host_and_frees_the_dates(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number, "Dec 20-23")
    await sms.text(HOST, "YES")
    assert "already booked" in await sms.text(GUEST2, f"BOOK {number} Dec 20-23")
    assert "Reply YES to cancel" in await sms.text(GUEST, f"CANCEL {ref}")
    assert "cancelled" in await sms.text(GUEST, "YES")
    assert "Bob cancelled" in sms.inbox(HOST)[-1]
    await book(sms, GUEST2, number, "Dec 20-23", name="Hugo")


async def test_a_stay_that_has_begun_cannot_be_cancelled(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number, "Dec 20-23")
    await sms.text(HOST, "YES")
    sms.clock.advance(days=23)  # Dec 20
    assert "already begun" in await sms.text(GUEST, f"CANCEL {ref}")
    status = await sms.text(GUEST, "STATUS")
    assert f"{ref} #{number} {SUNNY}, Dec 20-23: staying now" in status and "CANCEL" not in status


async def test_cancel_only_your_own_open_requests(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    assert f"can't find a request {ref}" in await sms.text(GUEST2, f"CANCEL {ref}")
    assert "can't find a request ZZZZZZ" in await sms.text(GUEST, "CANCEL ZZZZZZ")
    assert "waiting for host" in await sms.text(GUEST, "STATUS")
    await sms.text(HOST, "NO")
    assert f"{ref} is already declined" in await sms.text(GUEST, f"CANCEL {ref}")


@pytest.mark.parametrize("word", ["CANCEL", "cancel", "Stop", "END", "quit."])
async def test_a_lone_carrier_keyword_is_never_a_command(sms: Sms, word: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number}")
    # Not "Which request?", not "I couldn't read those dates", not a welcome: carriers confirm opt-outs.
    assert await sms.text_full(GUEST, word) == []
    assert "no trips" not in await sms.text(GUEST, "STATUS")  # opted-out numbers hear nothing else
    assert "Welcome back" in await sms.text(GUEST, "START")


async def test_cancel_with_a_reference_is_not_an_opt_out(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    assert "cancelled" in await sms.text(GUEST, f"CANCEL {ref}")
    assert "no request waiting" in await sms.text(HOST, "YES")
    usage = await sms.text(GUEST, "cancel #")
    assert "Send CANCEL and its reference." in usage and "K7QX2M" not in usage  # no made-up reference
    other = await book(sms, GUEST, number, "Dec 1-3")
    assert f"e.g. CANCEL {other}." in await sms.text(GUEST, "cancel #")
