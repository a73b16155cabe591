"""Opt-out, opt-in and HELP as carriers require, and what an opt-out does to hosts' and guests' requests."""

from __future__ import annotations

from typing import Any

import pytest

from bot.keys import CATALOG
from tests.conftest import GUEST, GUEST2, GUEST3, HOST, Sms, book, list_place
from tests.support.dbview import outbox, rows, user


def said(sms: Sms, key: str, **variables: Any) -> str:
    """What the bot says for `key` in English (so these tests follow the catalog's wording)."""
    return str(sms.app[CATALOG]().render(key, "en", **variables))


OPT_OUT = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "stop", " Stop. ", "ｓｔｏｐ"]


@pytest.mark.parametrize("word", OPT_OUT)
async def test_a_lone_opt_out_word_opts_out_silently_and_nothing_else_is_answered(sms: Sms, word: str) -> None:
    await sms.text(GUEST, "hello")
    assert await sms.text_full(GUEST, word) == []  # Twilio sends the carrier confirmation itself
    assert user(sms, GUEST)["opted_out"] == 1
    for text in ("BROWSE", "HOST", "hello", "BOOK 1"):
        assert await sms.text_full(GUEST, text) == []
    assert sms.inbox(GUEST) == []


@pytest.mark.parametrize("text", ["STOP please", "CANCEL K7QX2M", "don't stop"])
async def test_an_opt_out_word_inside_a_sentence_is_not_an_opt_out(sms: Sms, text: str) -> None:
    assert await sms.text(GUEST, text)
    assert user(sms, GUEST)["opted_out"] == 0


@pytest.mark.parametrize("word", ["START", "UNSTOP", "YES", "start", "Yes!"])
async def test_start_unstop_or_yes_opts_back_in_with_a_welcome_back(sms: Sms, word: str) -> None:
    await sms.text(GUEST, "STOP")
    assert await sms.text(GUEST, word) == said(sms, "opted_in")
    assert user(sms, GUEST)["opted_out"] == 0
    assert await sms.text(GUEST, "BROWSE")  # answered again


@pytest.mark.parametrize("word", ["HELP", "INFO", "help", "Info?"])
async def test_help_and_info_always_answer(sms: Sms, word: str) -> None:
    assert await sms.text(GUEST, word) == said(sms, "help", more=False, ref="", host=False, msg_ref="")
    await sms.text(GUEST, "STOP")
    assert await sms.text(GUEST, word) == said(sms, "help_opted_out")
    assert user(sms, GUEST)["opted_out"] == 1  # HELP does not opt back in


async def test_start_from_someone_subscribed_just_welcomes_them(sms: Sms) -> None:
    await sms.text(GUEST, "hello")
    assert await sms.text(GUEST, "START") == said(sms, "opted_in")
    assert await sms.text(GUEST2, "START") == said(sms, "welcome")  # a brand-new number: no "back"


async def test_host_opt_out_hides_listings_and_declines_every_pending_request_with_guests_told(sms: Sms) -> None:
    number = await list_place(sms)
    ref1 = await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    ref2 = await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    assert len(sms.inbox(HOST)) == 1  # Gina's request is in front of the host; Hugo's waits

    assert await sms.text(HOST, "STOP") == ""
    assert ref1 in sms.inbox(GUEST)[-1] and "left Airtng" in sms.inbox(GUEST)[-1]
    assert ref2 in sms.inbox(GUEST2)[-1] and "left Airtng" in sms.inbox(GUEST2)[-1]
    statuses = rows(sms, "SELECT ref, status, reason FROM reservations ORDER BY id")
    assert statuses == [{"ref": ref1, "status": "declined", "reason": "opted_out"},
                        {"ref": ref2, "status": "declined", "reason": "opted_out"}]
    assert "No places" in await sms.text(GUEST3, "BROWSE")
    assert await sms.text(GUEST3, f"VIEW {number}") == said(sms, "listing_not_found", number=number)
    assert "reference" not in await sms.text(GUEST3, f"BOOK {number} Dec 9-11")
    assert len(sms.inbox(HOST)) == 1  # and nothing more for the host

    await sms.text(HOST, "START")
    assert f"#{number}" in await sms.text(GUEST3, "BROWSE")  # back on the market, without the old requests


async def test_an_opted_out_user_is_never_sent_anything_and_the_outbox_says_skipped(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "YES")  # a confirmed stay survives the host's opt-out
    await sms.text(HOST, "STOP")
    prompts = len(sms.inbox(HOST))

    assert "can no longer be reached by text" in sms.inbox(GUEST)[-1]  # the stay stands, the guest knows
    assert "Reply YES to cancel" in await sms.text(GUEST, f"CANCEL {ref}")
    assert "cancelled" in (await sms.text(GUEST, "YES")).lower()
    assert len(sms.inbox(HOST)) == prompts
    last = outbox(sms, HOST)[-1]
    assert last["status"] == "skipped" and last["last_error"] == "opted_out" and last["twilio_sid"] is None
    assert ref in last["body"]  # recorded, not lost: it is there if they opt back in and ask


async def test_guest_opt_out_withdraws_their_requests_and_the_host_moves_on(sms: Sms) -> None:
    number = await list_place(sms)
    other = await list_place(sms, host=GUEST3, name="Ivo", description="Quiet cabin in the pines, wood stove")
    ref1 = await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    ref3 = await book(sms, GUEST, other, "Dec 9-11")
    assert "Gina" in sms.inbox(HOST)[-1]

    assert await sms.text(GUEST, "QUIT") == ""
    host_inbox = sms.inbox(HOST)
    assert ref1 in host_inbox[-2] and "cancelled" in host_inbox[-2]  # told the request is gone ...
    assert "Hugo" in host_inbox[-1] and "YES" in host_inbox[-1]  # ... and shown the next one
    assert "cancelled" in sms.inbox(GUEST3)[-1] and ref3 in sms.inbox(GUEST3)[-1]
    statuses = {r["ref"]: r["status"] for r in rows(sms, "SELECT ref, status FROM reservations")}
    assert statuses[ref1] == statuses[ref3] == "cancelled"
    assert sms.inbox(GUEST) == []
    assert "Hugo" in await sms.text(HOST, "YES")
    assert "confirmed" in sms.inbox(GUEST2)[-1]


async def test_opting_out_mid_flow_forgets_the_flow(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    await sms.text(HOST, "Ana")
    await sms.text(HOST, "STOP")
    await sms.text(HOST, "START")
    # The description step is gone: this is not taken as a description.
    reply = await sms.text(HOST, "A lovely flat right by the sea, two rooms")
    assert "photo" not in reply.lower()
    assert rows(sms, "SELECT flow FROM conversations WHERE user_id = ?", (user(sms, HOST)["id"],)) == [{"flow": None}]
