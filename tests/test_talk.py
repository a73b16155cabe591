"""Talking like people do (issue 10): names inside sentences, greetings and thanks, a host's YES mid-flow,
HELP that names the words that work where the texter is, and no reply ever over 1,600 characters."""

from __future__ import annotations

from datetime import date

import pytest

from bot.cut import cap, units
from tests.conftest import GUEST, GUEST2, HOST, Sms, book, list_place
from tests.support.dbview import rows

LIMIT = 1600


# -- names (finding 7) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "name"), [
    ("My name is Dave Smith, thanks!", "Dave Smith"), ("I'm Dave", "Dave"), ("It's Dave, thanks!", "Dave"),
    ("Dave", "Dave"), ("Hi, I am Mary-Jane.", "Mary-Jane"), ("私は山田です", "山田"), ("山田です", "山田"),
    ("山田と申します。", "山田"),
])
async def test_the_name_is_taken_out_of_the_sentence(sms: Sms, answer: str, name: str) -> None:
    number = await list_place(sms)
    assert "name" in await sms.text(GUEST, f"BOOK {number} Dec 20-23 2 guests")
    assert "reference" in await sms.text(GUEST, answer)
    assert sms.inbox(HOST)[-1].startswith(f"{name} would like to stay at #{number}")


@pytest.mark.parametrize(("answer", "hint"), [
    ("Dec 20", "looks like a date or a number"), ("12/20", "looks like a date or a number"),
    ("12345", "looks like a date or a number"), ("Book 3", "BOOK is a word I use for commands"),
    ("View 12", "VIEW is a word I use for commands"),
])
async def test_a_command_a_date_or_digits_is_refused_as_a_name_with_a_hint(sms: Sms, answer: str, hint: str) -> None:
    await sms.text(HOST, "HOST")
    reply = await sms.text(HOST, answer)
    assert hint in reply and "Please send just your name, e.g. Dave" in reply
    assert "called" in await sms.text(HOST, "Ana")  # the name taken, the listing goes on


async def test_a_japanese_date_is_refused_as_a_name_in_japanese(sms: Sms) -> None:
    await sms.text(HOST, "LANG JA")
    await sms.text(HOST, "掲載")
    assert await sms.text(HOST, "12月20日") == sms.render("name_not_a_date", "ja", max_length=40)
    assert await sms.text(HOST, "私は山田です") == sms.render("ask_title", "ja", min_length=3, max_length=40)
    for answer in ("海辺の部屋", "120", "2"):
        await sms.text(HOST, answer)
    await sms.text(HOST, "海の見える静かなお部屋です。駅から歩いて五分、二人まで泊まれます。")
    await sms.text(HOST, "スキップ")
    number = rows(sms, "SELECT id FROM listings ORDER BY id DESC LIMIT 1")[0]["id"]
    assert "Host: 山田." in await sms.text(GUEST, f"VIEW {number}")


# -- small talk (finding 8) -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "opening"), [
    ("hi", "Hi!"), ("Hello!", "Hi!"), ("thanks!", "You're welcome!"), ("Thank you", "You're welcome!"),
    ("ok", "OK."), ("nope", "OK."),
])
async def test_greetings_and_thanks_get_a_kind_word_and_the_next_step(sms: Sms, text: str, opening: str) -> None:
    await sms.text(GUEST, "BROWSE")  # not a first contact (that gets the welcome)
    reply = await sms.text(GUEST, text)
    assert reply.startswith(opening) and "BROWSE to find a place" in reply
    assert "didn't get that" not in reply and "no request waiting" not in reply


@pytest.mark.parametrize(("text", "opening"), [("こんにちは", "こんにちは！"), ("ありがとう", "どういたしまして！"),
                                               ("ありがとうございます！", "どういたしまして！")])
async def test_japanese_greetings_and_thanks(sms: Sms, text: str, opening: str) -> None:
    await sms.text(GUEST, "LANG JA")
    reply = await sms.text(GUEST, text)
    assert reply.startswith(opening) and "「一覧」" in reply


async def test_a_host_with_a_request_waiting_is_reminded_of_it_and_a_lone_ok_still_decides(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number, name="Gina")
    reply = await sms.text(HOST, "thanks!")
    assert reply == f"You're welcome! Gina would like #{number}, Dec 20-23: reply YES to accept or NO to decline."
    assert "waiting for host" in await sms.text(GUEST, "STATUS")
    assert "Accepted: Gina" in await sms.text(HOST, "ok")


async def test_small_talk_mid_flow_gives_the_steps_help(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    assert await sms.text(HOST, "hi") == "Hi! Send your name to go on, or MENU to stop."
    await sms.text(HOST, "LANG JA")
    assert (await sms.text(HOST, "ありがとう")).startswith("どういたしまして！続けるにはお名前")


# -- a host's YES mid-flow (finding 10) -------------------------------------------------------------------


async def test_a_hosts_yes_mid_flow_says_the_request_comes_after_in_japanese(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "LANG JA")
    await sms.text(HOST, "掲載")
    await book(sms, GUEST, number, name="Anna")
    assert await sms.text(HOST, "はい") == (
        "先に宿の登録を済ませてください（やめるには「メニュー」）。そのあとAnnaさんのリクエストについてお聞きします。")
    assert "waiting for host" in await sms.text(GUEST, "STATUS")


async def test_a_hosts_no_mid_booking_is_not_a_decision_either(sms: Sms) -> None:
    number = await list_place(sms)
    other = await list_place(sms, host=GUEST2, name="Ivo", description="Quiet cabin in the pines, wood stove")
    await sms.text(HOST, f"BOOK {other}")
    await book(sms, GUEST, number, name="Anna")
    assert await sms.text(HOST, "NO") == \
        f"Finish your booking first (or text MENU); then I'll ask you about Anna's request for #{number}."
    assert "waiting for host" in await sms.text(GUEST, "STATUS")


# -- HELP where the texter is (finding 12) -----------------------------------------------------------------


async def test_help_names_the_words_that_work_where_the_texter_is(sms: Sms) -> None:
    idle = await sms.text(GUEST, "HELP")
    # Only what applies now, and never a lone opt-out word (a lone CANCEL unsubscribes at the carrier).
    assert idle == sms.render("help", "en", more=False, ref="", host=False, msg_ref="")
    assert "MORE" not in idle and "STOP" not in idle and "CANCEL" not in idle and "LISTINGS" not in idle
    number = await list_place(sms)
    await list_place(sms, description="Quiet cabin in the pines with a stove")
    await list_place(sms, description="Flat by the river with two rooms")
    await list_place(sms, description="House by the lake with a garden")
    await sms.text(GUEST, "BROWSE")
    assert "MORE for the next page" in await sms.text(GUEST, "HELP")
    assert "LISTINGS" in await sms.text(HOST, "HELP")  # a host is taught a host's words
    await sms.text(GUEST, f"BOOK {number}")
    assert "e.g. Dec 11-14, 12/11-12/14 or 2026-12-11 to 2026-12-14" in await sms.text(GUEST, "HELP")
    await sms.text(GUEST, "Dec 20-23 2 guests")
    await sms.text(GUEST, "Bob")
    assert "Reply YES to accept or NO to decline" in await sms.text(HOST, "HELP")


# -- never over 1,600 (finding 11) --------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["castle", "城", "🏰"])
async def test_no_reply_exceeds_1600_characters_or_utf16_units(sms: Sms, word: str) -> None:
    query = word * 1700  # SEARCH echoes what it looked for
    replies = await sms.text_full(GUEST, f"SEARCH {query}")
    # The next step is kept (a Japanese first text is answered in Japanese).
    assert replies[0][0].endswith(("Try other words, or BROWSE to see all.", "「一覧」ですべての宿をご覧ください。"))
    for reply, _ in replies + await sms.text_full(GUEST, f"BOOK {query}"):
        assert len(reply) <= LIMIT and units(reply) <= LIMIT


def test_the_guard_cuts_at_a_word_and_keeps_the_last_sentence() -> None:
    text = "Places matching \"" + "lovely " * 300 + "\": none. Try other words, or BROWSE to see all."
    cut = cap(text)
    assert len(cut) <= LIMIT and cut.endswith("... Try other words, or BROWSE to see all.")
    assert cut.split("...")[0].endswith("lovely")  # a whole word before the cut
    assert cap("short") == "short"
    emoji = cap("😀" * 1000)
    assert units(emoji) <= LIMIT and len(emoji) < 800


async def test_help_in_japanese_names_more_the_date_formats_and_stop(sms: Sms) -> None:
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, "ヘルプ") == sms.render("help", "ja", more=False, ref="", host=False, msg_ref="")
    number = await list_place(sms)
    for description in ("Quiet cabin in the pines with a stove", "Flat by the river with two rooms",
                        "House by the lake with a garden"):
        await list_place(sms, description=description)
    await sms.text(GUEST, "一覧")
    assert await sms.text(GUEST, "ヘルプ") == sms.render("help", "ja", more=True, ref="", host=False,
                                                          msg_ref="")  # says 「次」 now
    await sms.text(GUEST, f"予約 {number}")
    assert await sms.text(GUEST, "ヘルプ") == sms.render("help_dates", "ja", example_in=date(2026, 12, 11),
                                                          example_out=date(2026, 12, 14))
