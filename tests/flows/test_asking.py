"""Guests asking a host about a place before booking: ASK <n> (質問), a question naming a place offered as
one, the host's answer with MSG <ref>, both masked; the thread's days, its rate limit, and the opt-out and
unlisting that close it; the host's prompt for a later request says the guest asked before."""

from __future__ import annotations

from tests.conftest import GUEST, GUEST2, HOST, Sms, book, list_place
from tests.support.dbview import message_keys, rows

QUESTION = "Is there parking nearby?"


def thread_ref(sms: Sms) -> str:
    return str(rows(sms, "SELECT ref FROM questions ORDER BY id DESC LIMIT 1")[0]["ref"])


async def asked(sms: Sms, number: int, guest: str = GUEST) -> str:
    """Bob asks the host of `number`; returns the thread's reference."""
    reply = await sms.text(guest, f"ASK {number} {QUESTION}")
    assert reply == sms.render("ask_sent", "en", number=number, days=7), reply
    return thread_ref(sms)


async def test_a_question_reaches_the_host_and_the_answer_the_guest_neither_number_shown(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft")
    ref = await asked(sms, number)
    to_host = sms.inbox(HOST)[-1]
    assert to_host == sms.render("ask_relayed", "en", guest="", number=number, title="Ocean Loft", ref=ref,
                                 text=QUESTION)
    assert GUEST not in to_host and GUEST[2:] not in to_host
    # The host answers with the short form the message taught; the guest reads it, not the host's number.
    assert await sms.text_full(HOST, f"MSG {ref} Yes, one free space behind the house.") == []
    to_guest = sms.inbox(GUEST)[-1]
    assert to_guest == sms.render("ask_answered", "en", host="Ana", number=number, title="Ocean Loft", ref=ref,
                                  text="Yes, one free space behind the house.")
    assert HOST not in to_guest and HOST[2:] not in to_guest
    # Asking more goes into the same thread, with no answer of its own (as MSG).
    assert await sms.text_full(GUEST, f"ask {number} And a cot for a toddler?") == []
    assert "And a cot for a toddler?" in sms.inbox(HOST)[-1] and ref in sms.inbox(HOST)[-1]
    assert rows(sms, "SELECT direction FROM question_messages ORDER BY id") == [
        {"direction": "guest_to_host"}, {"direction": "host_to_guest"}, {"direction": "guest_to_host"}]
    # Booking is one BOOK away, and the host's prompt says the guest asked before.
    await book(sms, GUEST, number)
    prompt = sms.inbox(HOST)[-1]
    assert "Bob, who asked you about it, would like to stay" in prompt
    other = await list_place(sms, host=GUEST2, name="Ivo", description="Quiet cabin in the pines, wood stove")
    await book(sms, GUEST, other)
    assert "who asked" not in sms.inbox(GUEST2)[-1]  # Bob never asked Ivo


async def test_a_question_naming_a_place_is_offered_as_ask_in_either_language(sms: Sms) -> None:
    number = await list_place(sms, title="Ocean Loft")
    offered = await sms.text(GUEST, f"is there parking at #{number}?")
    assert offered == sms.render("ask_offer", "en", number=number, title="Ocean Loft",
                                 text=f"is there parking at #{number}?")
    assert message_keys(sms, HOST) == []  # nothing sent before the yes
    assert await sms.text(GUEST, "yes") == sms.render("ask_sent", "en", number=number, days=7)
    assert f"is there parking at #{number}?" in sms.inbox(HOST)[-1]
    await sms.text(GUEST2, "LANG JA")
    offered = await sms.text(GUEST2, f"{number}番は駐車場ありますか")
    assert offered == sms.render("ask_offer", "ja", number=number, title="Ocean Loft",
                                 text=f"{number}番は駐車場ありますか")
    assert await sms.text(GUEST2, "いいえ") == sms.render("ask_not_sent", "ja", number=number)
    assert len(rows(sms, "SELECT id FROM questions")) == 1  # Hugo's was dropped
    # Bad input gets a clear answer: no place, the texter's own place, nothing asked.
    assert await sms.text(GUEST, "ASK") == sms.render("ask_usage", "en")
    assert "There's no place #42" in await sms.text(GUEST, "ASK 42 hello?")
    assert await sms.text(HOST, f"ASK {number} hello?") == sms.render("ask_own", "en", number=number)
    assert await sms.text(GUEST, f"ASK {number}") == sms.render("ask_empty", "en", number=number)


async def test_the_thread_closes_after_its_days_on_an_opt_out_and_on_unlisting(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await asked(sms, number)
    sms.clock.advance(days=8)  # relay.ask_days (7) passed
    assert await sms.text(HOST, f"MSG {ref} Sorry for the delay!") == sms.render("ask_closed", "en", ref=ref,
                                                                                 number=number)
    ref = await asked(sms, number)  # a new question opens a new thread
    await sms.text(GUEST, "STOP")
    assert await sms.text(HOST, f"MSG {ref} hello?") == sms.render("ask_closed", "en", ref=ref, number=number)
    await sms.text(GUEST, "START")
    second = await asked(sms, number, GUEST)
    await sms.text(HOST, f"UNLIST {number}")
    assert await sms.text(HOST, f"MSG {second} still there?") == sms.render("ask_closed", "en", ref=second,
                                                                           number=number)
    assert "There's no place" in await sms.text(GUEST, f"ASK {number} still listed?")
    # Someone else's thread is no one's to write to: MSG with its reference is just a message.
    assert ref not in await sms.text(GUEST2, f"MSG {ref} hi")


async def test_the_rate_limit_per_thread_tells_each_sender_once(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await asked(sms, number)
    for index in range(19):
        assert await sms.text_full(GUEST, f"ASK {number} question {index}") == []
        sms.clock.advance(seconds=30)
    for index in range(10):
        assert await sms.text_full(HOST, f"MSG {ref} answer {index}") == []
    # 30 in the hour, both ways together: the thread is paused, each side told once.
    told = sms.render("relay_rate_limited", "en", ref=ref, limit=30, minutes=51)
    assert await sms.text(GUEST, f"ASK {number} one more") == told
    assert await sms.text_full(GUEST, f"ASK {number} and another") == []
    assert "has reached 30 messages" in await sms.text(HOST, f"MSG {ref} ok")
    assert len(rows(sms, "SELECT id FROM question_messages")) == 30


async def test_a_threads_messages_are_forgotten_after_the_retention_days(sms: Sms) -> None:
    number = await list_place(sms)
    await asked(sms, number)
    sms.clock.advance(days=7 + 179)  # closed 179 days ago: kept
    await sms.run_scheduler()
    assert len(rows(sms, "SELECT id FROM question_messages")) == 1
    sms.clock.advance(days=2)
    await sms.run_scheduler()
    assert rows(sms, "SELECT id FROM question_messages") == []
