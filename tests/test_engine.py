"""The engine: global commands first, first contact, helpful unknowns, exactly-once per MessageSid,
one text at a time per phone, different phones concurrently."""

from __future__ import annotations

import asyncio

import pytest

from bot.engine import KeyedLocks
from bot.routing import COMMANDS, KNOWN_WORDS
from bot.text import fold, suggest
from bot.vocabulary import NO_WORDS, YES_WORDS
from tests.conftest import GUEST, GUEST2, HOST, Sms, book, described, list_place, start_listing, twiml_messages


async def test_first_contact_gets_a_welcome_that_says_what_can_be_done(sms: Sms) -> None:
    reply = await sms.text(GUEST, "hi there")
    assert "Welcome to Airtng" in reply and "BROWSE" in reply and "HOST" in reply and "HELP" in reply
    assert "Welcome" not in await sms.text(GUEST, "hi again")  # only the first time


async def test_a_first_text_that_is_a_command_just_runs(sms: Sms) -> None:
    number = await list_place(sms)
    reply = await sms.text(GUEST, "Browse")
    assert "Welcome" not in reply and f"#{number} Sunny loft" in reply
    reply = await sms.text(GUEST2, f"BOOK {number} Dec 20-23 2 guests")
    assert "Welcome" not in reply and "name" in reply.lower()


async def test_unknown_text_suggests_a_close_command(sms: Sms) -> None:
    await sms.text(GUEST, "hello")
    assert await sms.text(GUEST, "BROWZE") == sms.render("unknown", "en", suggestion="BROWSE")
    assert await sms.text(GUEST, "statsu") == sms.render("unknown", "en", suggestion="STATUS")
    assert await sms.text(GUEST, "what is this") == sms.render("unknown", "en", suggestion="")


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_a_suggestion_is_an_instruction_never_a_question_or_a_decision_word(sms: Sms, language: str) -> None:
    number = await list_place(sms)
    await sms.text(HOST, f"LANG {language}")
    await book(sms, GUEST, number)
    # Once "Did you mean NO?", which the host's "yes" then took up as accepting the guest.
    # Not understood, with a request in front of the host: the request's own question, named.
    reply = await sms.text(HOST, "Nov?")
    assert reply == sms.render("decision_again", language, **await described(sms, 1))
    assert "waiting for host" in await sms.text(GUEST, "STATUS")  # nothing was decided
    reply = await sms.text(HOST, "BROWZE")
    assert reply == sms.render("unknown", language, suggestion="BROWSE")
    assert not any(mark in reply for mark in "?？")
    # A yes after a suggestion decides nothing: the request's question comes first.
    assert await sms.text(HOST, "yes" if language == "en" else "はい") == sms.render(
        "decision_again", language, **await described(sms, 1))
    assert "waiting for host" in await sms.text(GUEST, "STATUS")


@pytest.mark.parametrize("word", ["NOO", "YESS", "NOE", "YEA", "OKK", "はいい", "いいええ", "承諾す"])
def test_a_decision_word_is_never_suggested(word: str) -> None:
    decision_words = YES_WORDS | NO_WORDS
    assert suggest(fold(word), KNOWN_WORDS) not in decision_words
    assert suggest(fold(word), (*KNOWN_WORDS, *sorted(decision_words))) not in decision_words


async def test_unknown_text_in_a_step_is_answered_for_that_step(sms: Sms) -> None:
    await start_listing(sms, HOST)
    await sms.text(HOST, "Sunny loft by the harbour, two bedrooms")
    assert "SKIP" in await sms.text(HOST, "BROWZE")


async def test_help_when_idle_lists_the_commands(sms: Sms) -> None:
    reply = await sms.text(GUEST, "help")
    assert all(word in reply for word in ("BROWSE", "BOOK", "STATUS", "HOST", "MENU"))
    assert "Welcome" not in reply


async def test_menu_when_idle_says_what_can_be_done(sms: Sms) -> None:
    assert "back to the start" in await sms.text(GUEST, "MENU")


async def test_commands_tolerate_case_spaces_and_punctuation(sms: Sms) -> None:
    number = await list_place(sms)
    assert f"#{number} Sunny" in await sms.text(GUEST, "  bRoWsE!  ")
    assert "When would you like to stay" in await sms.text(GUEST, f" book {number} ")
    await sms.text(GUEST, "menu.")
    assert "name" in (await sms.text(GUEST, f" Book #{number}  Dec 20-23 2 Guests ")).lower()
    assert "Request sent!" in await sms.text(GUEST, "Bob")


async def test_a_retried_message_sid_is_applied_once_and_answered_the_same(sms: Sms) -> None:
    number = await list_place(sms)
    sid = sms.next_sid()
    assert "name" in (await sms.text(GUEST, f"BOOK {number} Dec 20-23 2 guests")).lower()
    reply = await sms.text(GUEST, "Bob", sid=sid)
    again = await sms.text(GUEST, "Bob", sid=sid)  # Twilio's retry of the same webhook
    assert again == reply and "Request sent!" in reply
    assert (await sms.text(GUEST, "STATUS")).count("waiting for host") == 1
    assert len(sms.inbox(HOST)) == 1


async def test_two_texts_from_one_phone_at_once_are_handled_one_after_the_other(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    responses = await asyncio.gather(
        sms.post("/sms", sms.form(HOST, "YES")), sms.post("/sms", sms.form(HOST, "NO"))
    )
    replies = [" ".join(body for body, _ in twiml_messages(await r.text())) for r in responses]
    await sms.deliver()
    decided = [r for r in replies if "Accepted" in r or "Declined" in r]
    assert len(decided) == 1, replies
    assert sum("no request waiting" in r for r in replies) == 1, replies
    assert len(sms.inbox(GUEST)) == 1  # the guest hears one outcome
    outcome = "confirmed" if "Accepted" in decided[0] else "declined"
    assert outcome in await sms.text(GUEST, "STATUS")


async def test_two_date_answers_at_once_file_one_request(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 1-3")  # name known from now on
    await sms.text(GUEST, f"BOOK {number}")
    responses = await asyncio.gather(
        sms.post("/sms", sms.form(GUEST, "Dec 20-23 2 guests")),
        sms.post("/sms", sms.form(GUEST, "Dec 20-23 2 guests")),
    )
    replies = [" ".join(body for body, _ in twiml_messages(await r.text())) for r in responses]
    assert sum("Request sent!" in r for r in replies) == 1, replies
    assert (await sms.text(GUEST, "STATUS")).count("Dec 20-23") == 1


async def test_different_phones_are_handled_concurrently_and_the_host_is_asked_once(
        sms: Sms, backend: str) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, "Dec 1-3")
    await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    await sms.text(HOST, "NO")  # Hugo's request is now in front of the host
    seen = len(sms.inbox(HOST))
    responses = await asyncio.gather(
        sms.post("/sms", sms.form(GUEST, f"BOOK {number} Dec 10-12 2 guests")),
        sms.post("/sms", sms.form(GUEST2, f"BOOK {number} Dec 14-16 2 guests")),
        sms.post("/sms", sms.form(HOST, "YES")),
    )
    assert all(r.status == 200 for r in responses)
    await sms.deliver()
    assert "confirmed" in sms.inbox(GUEST2)[-1]
    told = [" ".join(body for body, _ in twiml_messages(await responses[2].text())), *sms.inbox(HOST)[seen:]]
    assert sum("would like" in text for text in told) == 1, told  # one of the new requests, asked once
    reply = await sms.text(HOST, "YES")  # the request in front of the host, then the other one
    bob, hugo = ("Accepted: Bob" in reply and "Dec 10" in reply), ("Accepted: Hugo" in reply and "Dec 14" in reply)
    assert bob != hugo, reply
    assert ("Hugo would like" if bob else "Bob would like") in reply
    if backend == "sqlite":  # one writer: the first text filed first, and the oldest is asked first
        assert bob, reply


async def test_keyed_locks_serialise_one_key_only_and_forget_idle_keys() -> None:
    locks = KeyedLocks()
    order: list[str] = []
    a_started = asyncio.Event()
    release_a = asyncio.Event()

    async def first() -> None:
        async with locks.hold("+1"):
            order.append("a in")
            a_started.set()
            await release_a.wait()
            order.append("a out")

    async def second() -> None:
        await a_started.wait()
        async with locks.hold("+1"):
            order.append("b in")

    async def other_key() -> None:
        await a_started.wait()
        async with locks.hold("+2"):
            order.append("c in")
        release_a.set()

    await asyncio.gather(first(), second(), other_key())
    assert order == ["a in", "c in", "a out", "b in"]
    assert locks._locks == {}


def test_every_command_word_belongs_to_one_flow() -> None:
    assert {"BROWSE", "MORE", "SEARCH", "VIEW", "BOOK", "STATUS", "CANCEL", "HOST", "LISTINGS", "UNLIST"} <= set(
        COMMANDS
    )
    assert not {"YES", "NO", "HELP", "MENU", "STOP"} & set(COMMANDS)


async def test_a_lone_question_mark_asks_for_help(sms: Sms) -> None:
    assert "BROWSE" in await sms.text(GUEST, "hello")
    assert "BROWSE" in await sms.text(GUEST, "?") and "Sorry" not in await sms.text(GUEST, "?")


async def test_start_from_a_new_number_is_a_welcome_not_a_welcome_back(sms: Sms) -> None:
    reply = await sms.text(GUEST, "START")
    assert "Welcome to Airtng" in reply and "back" not in reply


def test_a_step_is_a_declared_object_and_a_misdeclared_one_fails_when_the_flow_is_built() -> None:
    from bot.flows import booking, hosting
    from bot.router import Router, StepGroup, StepName

    class Steps(StepGroup, flow="demo"):
        ask = StepName()
        confirm = StepName()

    demo = Router("demo", Steps)
    with pytest.raises(AttributeError):
        _ = Steps.asc  # type: ignore[attr-defined]  # a misspelt step is no step
    with pytest.raises(RuntimeError, match="not a step of flow demo"):
        demo.step(booking.Steps.dates, "help_dates")  # another flow's step
    demo.step(Steps.ask, "help")(lambda ctx, text: Steps.confirm)
    with pytest.raises(RuntimeError, match=r"without a handler.*confirm"):
        demo.check()  # a declared step nobody handles
    assert hosting.Steps.photo.name == "photo" and hosting.Steps.photo.flow == "hosting"
