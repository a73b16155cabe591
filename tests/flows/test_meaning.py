"""Issue 21's traps, end to end: what a text means is decided in one place, and no text is taken for the answer
to a question it did not answer.

1. one yes/no vocabulary at every question; 2. a decision answers its own question; 3. a step answers only its
own question; 4. opt-outs; 5. no words lost; 6. the fallback names what is waiting. In both languages where
the words differ. Each test fails on 9e32818 (the code before the redesign); this file imports only what both
have.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from tests.conftest import (
    GUEST,
    GUEST2,
    HOST,
    Sms,
    book,
    described,
    list_place,
    skip_arrival_and_payment,
    start_listing,
)
from tests.support.dbview import outbox, rows, user

# Words a prompt must never use: an answer that is neither yes nor no is asked again, never taken as no.
NEVER_SAID = ("any other reply", "anything else keeps it", "それ以外")
NUMBER_DIGITS = "5551230"  # what every test number shares: never shown to the other party
DEC = 2026  # the FakeClock's Friday 2026-11-27: "Dec 20-23" is this December's

YES = [("yes please", "en"), ("yep", "en"), ("sure", "en"), ("👍", "en"), ("ok", "en"), ("お願いします", "ja"),
       ("ええ", "ja"), ("うん", "ja"), ("OKです", "ja"), ("了解しました", "ja")]
NO = [("no thanks", "en"), ("nope", "en"), ("👎", "en"), ("申し訳ないですが、お断りします", "ja"),
      ("sorry, we have family staying", "en"), ("no, we have family staying", "en")]
# Neither: asked again, nothing changes. Ours besides the brief's: a question that opens with yes or no.
NEITHER = [("hmm", "en"), ("what?", "en"), ("maybe", "en"), ("うーん", "ja"), ("たぶん", "ja"),
           ("yes, but only 2 nights?", "en"), ("sorry, what?", "en"), ("はい、駐車場はありますか？", "ja")]


def keys(sms: Sms, phone: str) -> list[str | None]:
    """The catalog key of every message sent to `phone` by REST, oldest first."""
    return [row["message_key"] for row in outbox(sms, phone)]


def reservation(sms: Sms, ref: str) -> dict[str, Any]:
    return rows(sms, "SELECT * FROM reservations WHERE ref = ?", (ref,))[0]


def status(sms: Sms, ref: str) -> str:
    return str(reservation(sms, ref)["status"])


async def about(sms: Sms, ref: str) -> dict[str, Any]:
    return await described(sms, int(reservation(sms, ref)["id"]))


def never_says_any_other_reply(*said: str) -> None:
    for body in said:
        assert not any(words in body for words in NEVER_SAID), body


async def confirmed_stay(sms: Sms, number: int, guest: str = GUEST, dates: str = "Dec 20-23",
                         name: str = "Bob") -> str:
    ref = await book(sms, guest, number, dates, name)
    await sms.text(HOST, "YES")
    assert status(sms, ref) == "confirmed"
    return ref


# -- 1. one yes/no vocabulary at every question -------------------------------------------------------------

async def _request_shown(sms: Sms, language: str) -> str:
    """A request of Bob's (GUEST) for HOST's place, its prompt the last thing the host was sent."""
    number = await list_place(sms)
    if language == "ja":
        await sms.text(HOST, "LANG JA")
    return await book(sms, GUEST, number)


@pytest.mark.parametrize(("word", "language"), [*YES, ("no problem", "en"), ("はい、お待ちしております", "ja")])
async def test_every_yes_accepts_a_request(sms: Sms, word: str, language: str) -> None:
    ref = await _request_shown(sms, language)
    reply = await sms.text(HOST, word)
    assert status(sms, ref) == "confirmed"
    assert keys(sms, GUEST)[-1] == "guest_accepted"
    assert reply.startswith(sms.render("host_accepted", language, declined=0, told=True, **await about(sms, ref)))


@pytest.mark.parametrize(("word", "language"), NO)
async def test_every_no_declines_a_request_and_the_guest_hears_the_reason(sms: Sms, word: str, language: str) -> None:
    ref = await _request_shown(sms, language)
    await sms.text(HOST, word)
    assert status(sms, ref) == "declined"
    told = outbox(sms, GUEST)[-1]
    assert told["message_key"] == "guest_declined_host"
    # A no's own words are passed on (an apology is the host's own words too).
    note = {"sorry, we have family staying": "sorry, we have family staying",
            "申し訳ないですが、お断りします": "申し訳ないですが、お断りします",
            "no, we have family staying": "we have family staying"}.get(word, "")
    assert told["body"] == sms.render("guest_declined_host", "en", note=note, **await about(sms, ref))


@pytest.mark.parametrize(("word", "language"), NEITHER)
async def test_neither_yes_nor_no_asks_the_request_again_and_decides_nothing(
        sms: Sms, word: str, language: str) -> None:
    ref = await _request_shown(sms, language)
    reply = await sms.text(HOST, word)
    assert status(sms, ref) == "pending" and keys(sms, GUEST) == []
    assert "Bob" in reply  # the question, named
    variables = await about(sms, ref)
    unclear = word in ("maybe", "たぶん")
    assert reply == sms.render("decision_unclear" if unclear else "decision_again", language, **variables)
    # Asked again, the question is still answered by a plain yes.
    await sms.text(HOST, "ok" if language == "en" else "うん")
    assert status(sms, ref) == "confirmed"
    never_says_any_other_reply(reply, *sms.inbox(HOST))


QUESTIONS = ["cancel", "unlist", "request anyway"]
# At the three other questions: the brief's words, each question with all of them.
ANSWERS = [*((w, lang, "yes") for w, lang in YES), *((w, lang, "no") for w, lang in NO),
           ("hmm", "en", None), ("what?", "en", None), ("maybe", "en", None), ("うーん", "ja", None)]


async def _asked(sms: Sms, question: str, language: str) -> tuple[str, dict[str, Any], str]:
    """Bring someone to one of the yes/no questions; returns (who answers, the question's variables, the
    question as asked)."""
    number = await list_place(sms)
    ref = await confirmed_stay(sms, number)
    if question == "cancel":
        await sms.text(GUEST, "LANG JA" if language == "ja" else "LANG EN")
        asked = await sms.text(GUEST, f"CANCEL {ref}")
        return GUEST, {"ref": ref, **await about(sms, ref)}, asked
    if question == "unlist":
        await sms.text(HOST, "LANG JA" if language == "ja" else "LANG EN")
        asked = await sms.text(HOST, f"UNLIST {number}")
        return HOST, {"number": number, "ref": ref}, asked
    other = await list_place(sms, description="Quiet cabin in the pines with a stove")
    await sms.text(GUEST, "LANG JA" if language == "ja" else "LANG EN")
    await sms.text(GUEST, f"BOOK {other} Dec 21-24")
    asked = await sms.text(GUEST, "2")
    assert ref in asked, asked  # the guest's own stay, named
    return GUEST, {"number": other, "check_in": date(DEC, 12, 21), "check_out": date(DEC, 12, 24)}, asked


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize(("word", "language", "means"), ANSWERS)
async def test_one_vocabulary_at_every_question(sms: Sms, question: str, word: str, language: str,
                                                means: str | None) -> None:
    texter, variables, asked = await _asked(sms, question, language)
    reply = await sms.text(texter, word)
    ref = variables.get("ref", "")
    if question == "cancel":
        assert status(sms, ref) == {"yes": "cancelled", "no": "confirmed", None: "confirmed"}[means]
        expected = {"yes": sms.render("stay_cancelled", language, as_guest=True, told=True, **variables),
                    "no": sms.render("cancel_kept", language, **variables),
                    None: sms.render("help_cancel_confirm", language, as_guest=True, **variables)}[means]
    elif question == "unlist":
        live = rows(sms, "SELECT id FROM listings WHERE id = ? AND active = 1", (variables["number"],))
        assert bool(live) is (means != "yes")
        assert status(sms, ref) == ("cancelled" if means == "yes" else "confirmed")
        expected = {"yes": reply,  # unlisted: its wording is another test's
                    "no": sms.render("unlist_kept", language, number=variables["number"]),
                    None: sms.render("help_unlist_confirm", language, number=variables["number"], stays=1)}[means]
    else:
        requests = rows(sms, "SELECT id FROM reservations WHERE listing_id = ?", (variables["number"],))
        assert len(requests) == (1 if means == "yes" else 0)
        expected = {"yes": reply,
                    "no": sms.render("book_dropped", language, **variables),
                    None: sms.render("help_book_confirm", language, **variables)}[means]
    assert reply == expected
    never_says_any_other_reply(asked, reply)
    if means is None:  # asked again: the question still stands and a yes still answers it
        await sms.text(texter, "yes" if language == "en" else "はい")
        if question in ("cancel", "unlist"):
            assert status(sms, ref) == "cancelled"
        else:
            assert rows(sms, "SELECT id FROM reservations WHERE listing_id = ?", (variables["number"],))


# -- 2. a decision answers its own question ---------------------------------------------------------------

@pytest.mark.parametrize(("word", "language"), [("ok", "en"), ("はい", "ja")])
async def test_a_yes_after_a_guests_message_is_asked_again_first(sms: Sms, word: str, language: str) -> None:
    number = await list_place(sms)
    if language == "ja":
        await sms.text(HOST, "LANG JA")
    await confirmed_stay(sms, number, GUEST, "Dec 1-3", name="Gina")
    ref_b = await book(sms, GUEST2, number, "Dec 10-12", name="Hugo")
    assert keys(sms, HOST)[-1] == "host_prompt"  # Hugo's request shown

    await sms.text(GUEST, "MSG We'll arrive around 6pm, is that ok?")
    assert "We'll arrive around 6pm, is that ok?" in sms.inbox(HOST)[-1]
    reply = await sms.text(HOST, word)  # meant for Gina
    assert status(sms, ref_b) == "pending"
    assert [k for k in keys(sms, GUEST2)] == []
    assert reply == sms.render("decision_again", language, **await about(sms, ref_b))
    await sms.text(HOST, word)  # now the answer to Hugo's question
    assert status(sms, ref_b) == "confirmed"
    assert keys(sms, GUEST2) == ["guest_accepted"]


@pytest.mark.parametrize(("word", "language"), [("yes", "en"), ("はい", "ja"), ("ok", "en"), ("了解", "ja")])
async def test_a_yes_after_a_suggestion_decides_nothing(sms: Sms, word: str, language: str) -> None:
    ref = await _request_shown(sms, language)
    suggested = await sms.text(HOST, "BROWZE")
    assert suggested == sms.render("unknown", language, suggestion="BROWSE")
    reply = await sms.text(HOST, word)  # "yes, I meant BROWSE"
    assert status(sms, ref) == "pending" and keys(sms, GUEST) == []
    assert reply == sms.render("decision_again", language, **await about(sms, ref))
    await sms.text(HOST, word)
    assert status(sms, ref) == "confirmed"


async def test_a_yes_to_send_a_message_does_not_accept_the_request_in_front(sms: Sms) -> None:
    # Ours: a host with a guest's stay and another's request in front writes to the guest; the YES that
    # sends it answers "send this?", not the request.
    number = await list_place(sms)
    await confirmed_stay(sms, number, GUEST, "Dec 1-3", name="Gina")
    ref_b = await book(sms, GUEST2, number, "Dec 10-12", name="Hugo")
    offered = await sms.text(HOST, "Hi Gina, the code for the key box is 4321")
    assert "Gina" in offered and "Hugo" not in offered
    await sms.text(HOST, "YES")
    assert "4321" in sms.inbox(GUEST)[-1]
    assert status(sms, ref_b) == "pending" and keys(sms, GUEST2) == []
    reply = await sms.text(HOST, "YES")  # after "sent": asked again first
    assert status(sms, ref_b) == "pending"
    assert reply == sms.render("decision_again", "en", **await about(sms, ref_b))
    await sms.text(HOST, "YES")
    assert status(sms, ref_b) == "confirmed"


# -- 3. a step answers only its own question ---------------------------------------------------------------

async def _at_photo_step(sms: Sms, language: str) -> str:
    """HOST listing a second place, at the photo question, with Bob's request for the first waiting."""
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await start_listing(sms, HOST, title="Pine Cabin")
    await sms.text(HOST, "Quiet cabin in the pines with a wood stove")
    if language == "ja":
        await sms.text(HOST, "LANG JA")
    return ref


@pytest.mark.parametrize(("word", "language"), [("お断りします", "ja"), ("ええ", "ja"), ("ok", "en"), ("👍", "en"),
                                                ("いいえ", "ja")])
async def test_a_decision_word_at_the_photo_step_is_kept_for_the_request(sms: Sms, word: str, language: str) -> None:
    ref = await _at_photo_step(sms, language)
    reply = await sms.text(HOST, word)
    listed = rows(sms, "SELECT id FROM listings ORDER BY id")
    if word == "いいえ":  # "no" to "send a photo?": the place is listed without one (ours)
        assert len(listed) == 2 and status(sms, ref) == "pending"
        return
    assert len(listed) == 1  # not listed
    assert status(sms, ref) == "pending" and keys(sms, GUEST) == []
    assert reply == sms.render("decision_after_flow", language, flow="hosting", **await about(sms, ref))
    # Still at the photo step: SKIP lists the place, and the request is still to be decided.
    assert (await sms.text_full(HOST, "SKIP"))[0][0] == sms.render("listed", language, number=2, has_photo=False)
    assert status(sms, ref) == "pending"


@pytest.mark.parametrize(("word", "language"), [("SKIP", "en"), ("なし", "ja"), ("いいえ、写真はありません", "ja"),
                                                ("no thanks, not now", "en")])
async def test_no_photo_words_list_the_place_without_a_photo(sms: Sms, word: str, language: str) -> None:
    ref = await _at_photo_step(sms, language)
    reply = await sms.text_full(HOST, word)
    assert rows(sms, "SELECT photo_url FROM listings WHERE id = 2") == [{"photo_url": None}]
    assert reply[0][0] == sms.render("listed", language, number=2, has_photo=False)
    assert status(sms, ref) == "pending"


@pytest.mark.parametrize(("text", "language", "is_description"), [
    ("ok", "en", False), ("はい", "ja", False), ("Yes, it has a sea view and two bedrooms", "en", True),
    ("はい、海の見える部屋で寝室が二つあります", "ja", True)])
async def test_at_the_description_step_only_a_bare_decision_is_kept_for_the_request(
        sms: Sms, text: str, language: str, is_description: bool) -> None:
    # Ours: a decision said and nothing more is meant for the request; a sentence opening with one is the
    # description asked for.
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await start_listing(sms, HOST, title="Sea Room")
    if language == "ja":
        await sms.text(HOST, "LANG JA")
    reply = await sms.text(HOST, text)
    assert status(sms, ref) == "pending" and keys(sms, GUEST) == []
    if not is_description:
        assert reply == sms.render("decision_after_flow", language, flow="hosting", **await about(sms, ref))
        await sms.text(HOST, "Bright room by the sea with two bedrooms")  # still asked for the description
    else:
        assert reply == sms.render("ask_photo", language)
    await sms.text(HOST, "SKIP")
    described_as = text if is_description else "Bright room by the sea with two bedrooms"
    assert rows(sms, "SELECT description FROM listings WHERE id = 2") == [{"description": described_as}]


PHOTO = "https://example.com/loft.jpg"


@pytest.mark.parametrize("word", ["ええ", "だめ", "はい", "お断りします"])
async def test_a_decision_word_at_edit_photo_changes_neither_the_photo_nor_the_request(sms: Sms, word: str) -> None:
    await start_listing(sms, HOST)
    await sms.text(HOST, "Sunny loft by the harbour, two bedrooms")
    await sms.text(HOST, PHOTO)
    await skip_arrival_and_payment(sms)
    ref = await book(sms, GUEST, 1)
    await sms.text(HOST, "LANG JA")
    await sms.text(HOST, "EDIT 1 PHOTO")
    reply = await sms.text(HOST, word)
    assert rows(sms, "SELECT photo_url FROM listings WHERE id = 1") == [{"photo_url": PHOTO}]
    assert status(sms, ref) == "pending" and keys(sms, GUEST) == []
    assert reply == sms.render("decision_after_flow", "ja", flow="editing", **await about(sms, ref))


# -- 4. opt-outs -----------------------------------------------------------------------------------------

async def _guest_with_a_request(sms: Sms, language: str) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    await sms.text(GUEST, "LANG JA" if language == "ja" else "LANG EN")


async def _texted(sms: Sms, phone: str, body: str, opt_out_type: str | None) -> list[str]:
    """The bodies of the TwiML answer to one text (marked by Twilio's Advanced Opt-Out, if `opt_out_type`)."""
    if opt_out_type is None:
        return [body for body, _ in await sms.text_full(phone, body)]
    answer = await sms.answer({**sms.form(phone, body), "OptOutType": opt_out_type})
    await sms.deliver()
    return re.findall(r"<Body>(.*?)</Body>", answer, re.S)


# (body, OptOutType, who confirms): ours for the Japanese words Twilio does not know, Twilio's for its own
# keywords and for any text its Advanced Opt-Out marked STOP (the bot adds nothing: one confirmation, never two).
OPT_OUTS = [("停止", None, "bot"), ("配信停止", None, "bot"), ("停止。", None, "bot"), ("STOP", None, "twilio"),
            ("stop.", None, "twilio"), ("hello", "STOP", "twilio"), ("BOOK 1 Dec 20-23", "STOP", "twilio"),
            ("やめて", "STOP", "twilio")]


@pytest.mark.parametrize(("body", "opt_out_type", "confirms"), OPT_OUTS)
async def test_an_opt_out_is_confirmed_exactly_once(sms: Sms, body: str, opt_out_type: str | None,
                                                    confirms: str) -> None:
    await _guest_with_a_request(sms, "ja")
    before = len(sms.inbox(GUEST))
    replies = await _texted(sms, GUEST, body, opt_out_type)
    assert user(sms, GUEST)["opted_out"] == 1
    assert len(sms.inbox(GUEST)) == before  # nothing by REST
    assert len(replies) == (1 if confirms == "bot" else 0)
    if replies:
        assert replies == [sms.render("opted_out", "ja", requests=1, listings=0)]


@pytest.mark.parametrize(("word", "language"), [("ストップ", "ja"), ("中止", "ja"), ("やめます", "ja"),
                                                ("never mind", "en"), ("Never mind.", "en"), ("forget it", "en")])
async def test_words_that_leave_a_booking_do_not_opt_out(sms: Sms, word: str, language: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA" if language == "ja" else "LANG EN")
    await sms.text(GUEST, f"BOOK {number}")  # asked for dates
    reply = await sms.text(GUEST, word)
    assert user(sms, GUEST)["opted_out"] == 0
    assert reply == sms.render("menu", language)
    # The step is left: HELP is the general help, not the dates' question.
    assert await sms.text(GUEST, "HELP") == sms.render("help", language, more=False, ref="", host=False, msg_ref="")


LONE_STOP = re.compile(r"\bSTOP\b")
LONE_CANCEL = re.compile(r"\bCANCEL\b(?! [A-Z0-9]{4,})")


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_help_and_prompts_never_teach_a_lone_stop_or_cancel(sms: Sms, language: str) -> None:
    number = await list_place(sms)
    other = await list_place(sms, description="Quiet cabin in the pines with a stove")
    ref = await book(sms, GUEST, number)
    for phone in (GUEST, HOST):
        await sms.text(phone, "LANG JA" if language == "ja" else "LANG EN")
    said = [await sms.text(GUEST, "HELP")]
    said += [await sms.text(HOST, "HELP"), await sms.text(HOST, "YES"), await sms.text(GUEST, "HELP")]
    for text in (f"BOOK {other}", "HELP", "Dec 21-24", "HELP", "2", "HELP", "never mind", "STATUS",
                 f"CANCEL {ref}", "HELP", "NO", f"UNLIST {number}"):
        said.append(await sms.text(GUEST, text))
    for text in (f"UNLIST {number}", "HELP", "NO", "LISTINGS", "STAYS", "hmm"):
        said.append(await sms.text(HOST, text))
    said += sms.inbox(GUEST) + sms.inbox(HOST)
    assert ref in said[3]  # the guest's HELP names CANCEL with the stay's reference
    for body in said:
        assert not LONE_STOP.search(body) and not LONE_CANCEL.search(body), body
    never_says_any_other_reply(*said)


# -- 5. no words lost ------------------------------------------------------------------------------------

HARBOUR = "Hi Ana, it's 12 Harbour St, flat 5. Free street parking after 6pm."


def _listed(sms: Sms, ref: str, name: str, *, is_guest: bool) -> dict[str, Any]:
    stay = reservation(sms, ref)
    return {"ref": ref, "name": name, "is_guest": is_guest, "check_in": stay["check_in"],
            "check_out": stay["check_out"]}


def _dated(variables: dict[str, Any]) -> dict[str, Any]:
    return {key: date.fromisoformat(str(value)) if key.startswith("check") else value
            for key, value in variables.items()}


@pytest.mark.parametrize(("answer", "language"), [("YES", "en"), ("NO", "en"), ("はい", "ja"), ("いいえ", "ja"),
                                                  ("yes please", "en"), ("no thanks", "en")])
async def test_words_for_the_guest_are_offered_not_lost(sms: Sms, answer: str, language: str) -> None:
    number = await list_place(sms, name="Carl")
    ref = await confirmed_stay(sms, number, name="Ana")
    await sms.text(HOST, "LANG JA" if language == "ja" else "LANG EN")
    before = len(sms.inbox(GUEST))
    offered = await sms.text(HOST, HARBOUR)
    assert len(sms.inbox(GUEST)) == before  # kept, not yet sent
    assert ref in offered and "Ana" in offered  # offered to the stay's guest
    assert offered == sms.render("relay_offer", language, **_dated(_listed(sms, ref, "Ana", is_guest=True)))
    reply = await sms.text(HOST, answer)
    if answer.lower().startswith(("yes", "は")):
        received = sms.inbox(GUEST)[before:]
        assert len(received) == 1 and HARBOUR in received[0] and NUMBER_DIGITS not in received[0]
        assert reply == sms.render("relay_sent_first", language, name="Ana", is_guest=True, ref=ref)
    else:
        assert reply == sms.render("relay_not_sent", language)
        assert len(sms.inbox(GUEST)) == before
    never_says_any_other_reply(offered, reply)


@pytest.mark.parametrize(("choice", "language"), [("2", "en"), ("#2", "en"), ("2番", "ja")])
async def test_with_two_open_stays_the_texter_chooses_who_it_is_for(sms: Sms, choice: str, language: str) -> None:
    number = await list_place(sms, name="Carl")
    first = await confirmed_stay(sms, number, GUEST, "Dec 1-3", name="Ana")
    second = await confirmed_stay(sms, number, GUEST2, "Dec 10-12", name="Ben")
    await sms.text(HOST, "LANG JA" if language == "ja" else "LANG EN")
    before = (len(sms.inbox(GUEST)), len(sms.inbox(GUEST2)))
    offered = await sms.text(HOST, HARBOUR)
    assert first in offered and second in offered
    assert offered == sms.render("relay_offer_choose", language, stays=[
        _dated(_listed(sms, first, "Ana", is_guest=True)), _dated(_listed(sms, second, "Ben", is_guest=True))])
    sent = await sms.text(HOST, choice)
    assert sent == sms.render("relay_sent_first", language, name="Ben", is_guest=True, ref=second)
    assert len(sms.inbox(GUEST)) == before[0]
    assert len(sms.inbox(GUEST2)) == before[1] + 1 and HARBOUR in sms.inbox(GUEST2)[-1]


QUESTIONS_585 = (
    "Hello! A few questions before we arrive: Is there parking nearby, and is it free overnight? "
    "What time can we check in, and could we leave our bags early if we arrive before noon? "
    "Is there a washing machine we can use, and is detergent provided? Are there towels and beach towels? "
    "How far is the nearest supermarket on foot? Is the wifi fast enough for video calls, since I may need "
    "to work one morning? Is there a cot for a toddler, or should we bring a travel one? Can we get a late "
    "check-out on the last day? Where do we leave the keys when we go? Thanks a lot, see you all very soon"
)


async def test_a_long_list_of_questions_is_offered_not_lost(sms: Sms) -> None:
    assert len(QUESTIONS_585) == 585
    number = await list_place(sms)
    ref = await confirmed_stay(sms, number)
    before = len(sms.inbox(HOST))
    offered = await sms.text(GUEST, QUESTIONS_585)
    assert ref in offered
    assert offered == sms.render("relay_offer", "en", **_dated(_listed(sms, ref, "Ana", is_guest=False)))
    await sms.text(GUEST, "yes")
    assert len(sms.inbox(HOST)) == before + 1 and QUESTIONS_585 in sms.inbox(HOST)[-1]


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_only_the_first_message_of_a_thread_is_confirmed(sms: Sms, language: str) -> None:
    number = await list_place(sms)
    ref = await confirmed_stay(sms, number)
    await sms.text(GUEST, "LANG JA" if language == "ja" else "LANG EN")
    first = await sms.text_full(GUEST, "MSG What time is check-in?")
    assert await sms.text_full(GUEST, "MSG And is there parking?") == []
    assert "And is there parking?" in sms.inbox(HOST)[-1]
    assert len(first) == 1 and ref in first[0][0]  # the sender knows it went, and to which stay
    assert first == [(sms.render("relay_sent_first", language, name="Ana", is_guest=False, ref=ref), None)]


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_msg_with_only_a_request_waiting_names_the_request_not_an_old_cancelled_stay(
        sms: Sms, language: str) -> None:
    number = await list_place(sms)
    old = await confirmed_stay(sms, number, dates="Dec 1-3")
    await sms.text(GUEST, f"CANCEL {old}")
    await sms.text(GUEST, "YES")
    assert status(sms, old) == "cancelled"
    ref = await book(sms, GUEST, number, "Dec 10-12")
    await sms.text(GUEST, "LANG JA" if language == "ja" else "LANG EN")
    reply = await sms.text(GUEST, "MSG Is there parking?")
    assert old not in reply
    variables = await about(sms, ref)
    assert reply == sms.render("relay_opens_when_accepted", language, ref=ref, listing=number,
                               place=variables["place"], check_in=variables["check_in"],
                               check_out=variables["check_out"])
    assert "Is there parking?" not in "".join(sms.inbox(HOST))


# -- 6. the fallback names what is waiting ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "language"), [("where do guests leave the keys", "en"), ("🤔", "en"),
                                                ("鍵はどこに置けばいい", "ja")])
async def test_a_host_with_a_request_in_front_of_them_is_asked_about_it(sms: Sms, text: str, language: str) -> None:
    ref = await _request_shown(sms, language)
    reply = await sms.text(HOST, text)
    assert status(sms, ref) == "pending"
    assert "Bob" in reply  # the request, named
    assert reply == sms.render("decision_again", language, **await about(sms, ref))


@pytest.mark.parametrize(("text", "language"), [("when will I know??", "en"), ("まだですか", "ja")])
async def test_a_guest_with_a_request_waiting_is_told_it_waits(sms: Sms, text: str, language: str) -> None:
    await _guest_with_a_request(sms, language)
    reply = await sms.text(GUEST, text)
    ref = rows(sms, "SELECT ref FROM reservations")[0]["ref"]
    assert ref in reply
    assert reply == sms.render("unknown_request_waiting", language, host="Ana", **await about(sms, ref))


@pytest.mark.parametrize(("text", "language"), [("thanks", "en"), ("Thank you!", "en"), ("よろしくお願いします", "ja"),
                                                ("ありがとうございます", "ja")])
async def test_thanks_after_a_request_is_small_talk(sms: Sms, text: str, language: str) -> None:
    await _guest_with_a_request(sms, language)
    assert await sms.text(GUEST, text) == sms.render("small_talk", language, kind="thanks")
    assert status(sms, rows(sms, "SELECT ref FROM reservations")[0]["ref"]) == "pending"
