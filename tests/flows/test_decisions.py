"""Hosts deciding: YES/NO decide the one request the host was shown, oldest first, and nothing else."""

from __future__ import annotations

import pytest

from tests.conftest import GUEST, GUEST2, GUEST3, HOST, Sms, book, described, list_place

HOST2 = "+15551230009"


@pytest.mark.parametrize("word", ["YES", "yes", "Yes!", " y ", "ACCEPT", "ok", "Confirm.", "ＹＥＳ"])
async def test_every_yes_word_accepts(sms: Sms, word: str) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    reply = await sms.text(HOST, word)
    assert "Accepted: Bob" in reply and f"#{number}" in reply and "I've told them" in reply
    told = sms.inbox(GUEST)[-1]
    assert "confirmed" in told and ref in told and "Dec 20-23" in told


@pytest.mark.parametrize("word", ["NO", "no", " No! ", "n", "REJECT", "decline"])
async def test_every_no_word_declines(sms: Sms, word: str) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    assert "Declined: Bob" in await sms.text(HOST, word)
    told = sms.inbox(GUEST)[-1]
    assert "can't take your stay" in told and ref in told
    assert "declined" in await sms.text(GUEST, "STATUS")


async def test_three_requests_are_decided_in_order_each_prompted_once(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    await book(sms, GUEST3, number, "Dec 9-11", name="Iris")
    assert [("Gina" in m) for m in sms.inbox(HOST)] == [True]

    reply = await sms.text(HOST, "NO")
    assert reply.index("Declined: Gina") < reply.index("Hugo would like")
    reply = await sms.text(HOST, "YES")
    assert reply.index("Accepted: Hugo") < reply.index("Iris would like")
    reply = await sms.text(HOST, "YES")
    assert "Accepted: Iris" in reply and "would like" not in reply
    assert len(sms.inbox(HOST)) == 1  # later prompts came in the answers, none by REST
    assert "can't take" in sms.inbox(GUEST)[-1]
    assert "confirmed" in sms.inbox(GUEST2)[-1] and "confirmed" in sms.inbox(GUEST3)[-1]


async def test_yes_with_nothing_waiting_touches_nothing(sms: Sms) -> None:
    number = await list_place(sms)
    assert "no request waiting" in await sms.text(HOST, "YES")
    assert "no request waiting" in await sms.text(GUEST, "YES")  # not a host at all
    # A request filed after that YES is not decided by it.
    await book(sms, GUEST, number)
    assert "waiting for host" in await sms.text(GUEST, "STATUS")
    assert len(sms.inbox(GUEST)) == 0


async def test_yes_after_the_last_decision_touches_nothing(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    await sms.text(HOST, "NO")
    assert "no request waiting" in await sms.text(HOST, "YES")
    assert "declined" in await sms.text(GUEST, "STATUS")
    assert len(sms.inbox(GUEST)) == 1


async def test_another_hosts_yes_touches_nothing(sms: Sms) -> None:
    number = await list_place(sms)
    await list_place(sms, host=HOST2, name="Carl", description="Quiet cabin in the pines with a stove")
    await book(sms, GUEST, number)
    assert "no request waiting" in await sms.text(HOST2, "YES")
    assert "waiting for host" in await sms.text(GUEST, "STATUS")
    assert sms.inbox(GUEST) == []
    assert "Accepted: Bob" in await sms.text(HOST, "YES")


async def test_a_sentence_with_yes_in_it_is_not_a_decision(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    assert "Accepted" not in await sms.text(HOST, "yes, but what about the 24th?")
    assert "Accepted" not in await sms.text(HOST, "OK, BOOK 3")
    assert "waiting for host" in await sms.text(GUEST, "STATUS")


async def test_help_while_deciding_repeats_the_question(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    reply = await sms.text(HOST, "HELP")
    assert "Bob asked for" in reply and f"#{number}" in reply and "YES" in reply


async def test_accepting_declines_overlapping_requests_and_tells_those_guests(sms: Sms) -> None:
    number = await list_place(sms)
    other = await list_place(sms, description="Quiet cabin in the pines with a stove")
    await book(sms, GUEST, number, "Dec 20-23", name="Gina")
    await book(sms, GUEST2, number, "Dec 22-26", name="Hugo")    # overlaps
    await book(sms, GUEST3, number, "Dec 23-25", name="Iris")    # starts on Gina's check-out day: fine
    await book(sms, GUEST2, other, "Dec 20-23", name="Hugo")     # same dates, another place: fine

    reply = await sms.text(HOST, "YES")
    assert "Accepted: Gina" in reply and "1 overlapping request was declined" in reply
    assert "booked by someone else" in sms.inbox(GUEST2)[-1] and "Dec 22-26" in sms.inbox(GUEST2)[-1]
    assert "Iris would like" in reply  # next oldest still pending
    status = await sms.text(GUEST2, "STATUS")
    assert "declined" in status and "waiting for host" in status
    await sms.text(HOST, "YES")
    assert "confirmed" in sms.inbox(GUEST3)[-1]


async def test_accepting_declines_every_overlapping_request(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 20-27", name="Gina")
    await book(sms, GUEST2, number, "Dec 20-22", name="Hugo")
    await book(sms, GUEST3, number, "Dec 26-28", name="Iris")
    reply = await sms.text(HOST, "YES")
    assert "2 overlapping requests were declined" in reply and "would like" not in reply
    assert "booked by someone else" in sms.inbox(GUEST2)[-1]
    assert "booked by someone else" in sms.inbox(GUEST3)[-1]
    assert "no request waiting" in await sms.text(HOST, "YES")


async def test_a_host_who_is_also_a_guest(sms: Sms) -> None:
    loft = await list_place(sms, host=HOST, name="Ana")
    cabin = await list_place(sms, host=HOST2, name="Carl", description="Quiet cabin in the pines with a stove")
    # Each books the other's place: each is asked about the other's request, named.
    await book(sms, HOST, cabin, "Dec 20-23")
    assert "Ana would like to stay at" in sms.inbox(HOST2)[-1]
    await book(sms, HOST2, loft, "Jan 5-8")
    assert "Carl would like to stay at" in sms.inbox(HOST)[-1]

    # Ana's YES decides Carl's request for her place, not her own request for his.
    assert "Accepted: Carl" in await sms.text(HOST, "YES")
    assert "confirmed" in sms.inbox(HOST2)[-1]
    assert "waiting for host" in await sms.text(HOST, "STATUS")
    # Carl was told his stay is confirmed since Ana's request was put to him: his NO is asked again first.
    assert await sms.text(HOST2, "NO") == sms.render("decision_again", "en", **await described(sms, 1))
    assert "Declined: Ana" in await sms.text(HOST2, "NO")
    assert "can't take your stay" in sms.inbox(HOST)[-1]


async def test_a_host_booking_as_a_guest_is_asked_when_the_booking_is_done(sms: Sms) -> None:
    loft = await list_place(sms, host=HOST, name="Ana")
    cabin = await list_place(sms, host=HOST2, name="Carl", description="Quiet cabin in the pines with a stove")
    await sms.text(HOST, f"BOOK {cabin}")
    await book(sms, GUEST, loft)
    assert sms.inbox(HOST) == []  # Ana is answering a question: not now
    reply = await sms.text(HOST, "Dec 20-23 2 guests")
    assert reply.index("Request sent!") < reply.index("Bob would like to stay")
