"""Each person has a language: LANG switches it, new numbers get the default, and everyone is written to
in their own language, whoever caused the message. Commands work in every language.

Replies are compared with what the catalog says for the expected key and values (`Sms.render`), not with
pinned wording, so an operator's rewording of ja.yaml or en.yaml does not break these tests."""

from __future__ import annotations

import itertools
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from bot.config import ROOT, Config
from bot.flows.details import GUESTS_MAX
from bot.keys import CATALOG
from bot.money import Money, example_price
from bot.reload import RELOADER
from tests.conftest import GUEST, GUEST2, HOST, AiohttpClient, Sms, book, described, list_place
from tests.support.dbview import rows

EXAMPLE = {"example_in": date(2026, 12, 11), "example_out": date(2026, 12, 14)}  # two weeks from the clock's day


def request_of(sms: Sms, ref: str | None = None, phone: str | None = None) -> dict[str, Any]:
    """A reservation as committed: by reference, or the newest of the guest texting from `phone`."""
    if ref is not None:
        found = rows(sms, "SELECT * FROM reservations WHERE ref = ?", (ref,))
    else:
        found = rows(sms, "SELECT r.* FROM reservations r JOIN users u ON u.id = r.guest_id WHERE u.phone = ? "
                          "ORDER BY r.id DESC LIMIT 1", (phone,))
    assert found
    return found[0]


@pytest.mark.parametrize("command", ["LANG JA", "lang ja", "LANG 日本語", "言語 日本語", "LANG Japanese", "日本語",
                                     "にほんご", "ＬＡＮＧ　ＪＡ"])
async def test_lang_ja_and_the_names_of_japanese_switch_to_japanese(sms: Sms, command: str) -> None:
    assert await sms.text(GUEST, "hello") == sms.render("welcome", "en")
    assert await sms.text(GUEST, command) == sms.render("language_set", "ja")
    assert await sms.text(GUEST, "MENU") == sms.render("menu", "ja")
    assert await sms.text(GUEST, "HELP") == sms.render("help", "ja", more=False, ref="", host=False, msg_ref="")


@pytest.mark.parametrize("command", ["LANG EN", "LANG English", "言語 英語", "English", "英語"])
async def test_and_back_to_english(sms: Sms, command: str) -> None:
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, command) == sms.render("language_set", "en")
    assert await sms.text(GUEST, "メニュー") == sms.render("menu", "en")


async def test_an_unknown_language_lists_the_ones_we_have(sms: Sms) -> None:
    assert await sms.text(GUEST, "LANG FR") == sms.render("language_unknown", "en", languages=["en", "ja"])
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, "LANG Klingon") == sms.render("language_unknown", "ja", languages=["en", "ja"])


async def test_the_language_is_remembered(sms: Sms) -> None:
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, "STATUS") == sms.render("status_none", "ja")
    assert await sms.text(GUEST, "状況") == sms.render("status_none", "ja")


@pytest.fixture
def japanese_default(config: Config) -> Config:
    return config.with_(default_language="ja")


async def test_new_numbers_get_the_configured_default_language(
    aiohttp_client: AiohttpClient, japanese_default: Config, sms: Sms
) -> None:
    # The `sms` app uses the shipped default (English); a second app with default ja, on the same database,
    # greets a new number in Japanese, even a first text in English.
    app = create_app(japanese_default, clock=sms.clock)
    other = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app, itertools.count(1000))  # its own sids
    assert await other.text(GUEST2, "hello") == other.render("welcome", "ja")
    assert await sms.text(GUEST, "hello") == sms.render("welcome", "en")


async def test_host_and_guest_each_read_their_own_language(sms: Sms) -> None:
    number = await list_place(sms)  # the host (English) lists a place
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, f"予約{number} 12/20-12/23") == sms.render("ask_guest_count", "ja", number=number,
                                                                              most=4)
    assert await sms.text(GUEST, "２名") == sms.render("book_ask_name", "ja", number=number, guests=2,
                                                        check_in=date(2026, 12, 20), check_out=date(2026, 12, 23))
    reply = await sms.text(GUEST, "花子")
    request = request_of(sms, phone=GUEST)
    variables = await described(sms, request["id"])
    assert reply == sms.render("book_requested", "ja", number=number, **variables)
    assert (variables["check_in"], variables["check_out"], variables["guests"], variables["total"]) == \
        (date(2026, 12, 20), date(2026, 12, 23), 2, Money(36000, "USD"))

    # Caused by a Japanese guest, written in the English host's language.
    assert variables["guest"] == "花子"
    assert sms.inbox(HOST)[-1] == sms.render("host_prompt", "en", **variables)
    assert await sms.text(HOST, "YES") == sms.render("host_accepted", "en", told=True, declined=0, **variables)
    assert sms.inbox(GUEST)[-1] == sms.render("guest_accepted", "ja", host="Ana", **variables)
    status = await sms.text(GUEST, "状況")
    assert request["ref"] in status and f"#{number}" in status


async def test_a_japanese_host_decides_with_hai_and_iie(sms: Sms) -> None:
    await sms.text(HOST, "LANG JA")
    assert await sms.text(HOST, "掲載") == sms.render("ask_name", "ja")
    assert await sms.text(HOST, "アナ") == sms.render("ask_title", "ja", min_length=3, max_length=40)
    price = {"currency": "USD", "example": example_price("USD")}
    assert await sms.text(HOST, "港のロフト") == sms.render("ask_price", "ja", **price)
    # Not a number: asked again with an example.
    assert await sms.text(HOST, "一泊百ドルくらいかな") == sms.render("price_invalid", "ja", **price)
    assert await sms.text(HOST, "１２０ドル") == sms.render("ask_capacity", "ja", most=GUESTS_MAX)
    assert await sms.text(HOST, "４人") == sms.render("ask_description", "ja", min_length=20, max_length=500)
    description = "港の見える明るいロフト。寝室が二つ、バルコニー付きで駅から徒歩五分です。"
    assert await sms.text(HOST, description) == sms.render("ask_photo", "ja")
    reply = await sms.text(HOST, "スキップ")
    number = int(rows(sms, "SELECT id FROM listings ORDER BY id DESC LIMIT 1")[0]["id"])
    assert reply == sms.render("listed", "ja", number=number, has_photo=False)
    await sms.text(HOST, "スキップ")  # the address, and with it the arrival details
    assert await sms.text(HOST, "スキップ") == sms.render("host_setup_done", "ja", number=number)

    bob = await book(sms, GUEST, number, "Dec 20-23", name="Bob")
    eve = await book(sms, GUEST2, number, "Dec 27-29", name="Eve")
    first = await described(sms, request_of(sms, bob)["id"])
    second = await described(sms, request_of(sms, eve)["id"])
    assert sms.inbox(HOST)[-1] == sms.render("host_prompt", "ja", **first)
    # The next request follows the answer, in the same reply.
    assert await sms.text(HOST, "はい") == "\n".join([sms.render("host_accepted", "ja", told=True, declined=0, **first),
                                                       sms.render("host_prompt", "ja", **second)])
    assert sms.inbox(GUEST)[-1] == sms.render("guest_accepted", "en", host="アナ", **first)
    assert await sms.text(HOST, "いいえ") == sms.render("host_declined", "ja", told=True, **second)
    assert sms.inbox(GUEST2)[-1] == sms.render("guest_declined_host", "en", **second)
    assert await sms.text(HOST, "YES") == sms.render("decision_nothing_pending", "ja")  # English words still work


async def test_a_japanese_guest_uses_japanese_commands_end_to_end(sms: Sms) -> None:
    number = await list_place(sms, description="Quiet cabin in the pines, near the hot springs 温泉")
    await sms.text(GUEST, "LANG JA")
    title = rows(sms, "SELECT title FROM listings WHERE id = ?", (number,))[0]["title"]
    page = sms.render("browse_page", "ja", query="", more=False, listings=[
        {"number": number, "title": title, "price": Money(12000, "USD"), "sleeps": 4}])
    assert await sms.text(GUEST, "一覧") == page
    assert f"#{number}" in await sms.text(GUEST, "検索 温泉")
    assert await sms.text(GUEST, "検索 城") == sms.render("browse_empty_search", "ja", query="城")
    view = await sms.text(GUEST, f"詳細{number}")
    assert view == sms.render("listing_view", "ja", number=number, title=title, price=Money(12000, "USD"), sleeps=4,
                              description="Quiet cabin in the pines, near the hot springs 温泉", host="Ana",
                              own=False, free=[{"first": date(2026, 11, 27), "last": date(2027, 1, 25)}], days=60)
    assert await sms.text(GUEST, f"予約 {number}") == sms.render("ask_dates", "ja", number=number, **EXAMPLE)
    assert await sms.text(GUEST, "そのうち") == sms.render("dates_unreadable", "ja", text="そのうち", **EXAMPLE)
    assert await sms.text(GUEST, "12/20-12/23") == sms.render("ask_guest_count", "ja", number=number, most=4)
    assert await sms.text(GUEST, "6人") == sms.render("book_over_capacity", "ja", number=number, most=4, guests=6)
    assert await sms.text(GUEST, "2人") == sms.render("book_ask_name", "ja", number=number, guests=2,
                                                        check_in=date(2026, 12, 20), check_out=date(2026, 12, 23))
    await sms.text(GUEST, "Bob")
    ref = request_of(sms, phone=GUEST)["ref"]
    assert await sms.text(GUEST, f"取消 {ref}") == sms.render("cancelled", "ja", ref=ref, listing=number)
    assert await sms.text(GUEST, "ヘルプ") == sms.render("help", "ja", more=False, ref="", host=False, msg_ref="")


async def test_a_key_missing_in_japanese_falls_back_to_english(sms: Sms, tmp_path: Path) -> None:
    folder = tmp_path / "messages"
    shutil.copytree(ROOT / "messages", folder)
    ja = (folder / "ja.yaml").read_text(encoding="utf-8")
    start, end = ja.index("\nstatus_none:"), ja.index("\ncancel_usage:")
    (folder / "ja.yaml").write_text(ja[:start] + ja[end:], encoding="utf-8")
    sms.app[RELOADER].directory = folder
    assert sms.app[RELOADER].reload() is True
    assert not sms.app[CATALOG].current.has("status_none", "ja")
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, "状況") == sms.render("status_none", "en")
    assert await sms.text(GUEST, "MENU") == sms.render("menu", "ja")


async def test_japanese_date_examples_follow_the_calendar_and_are_accepted(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    # The fake clock's today is 2026-11-27: the example is two weeks out, three nights.
    assert await sms.text(GUEST, f"予約 {number}") == sms.render("ask_dates", "ja", number=number, **EXAMPLE)
    assert await sms.text(GUEST, "そのうち") == sms.render("dates_unreadable", "ja", text="そのうち", **EXAMPLE)
    assert await sms.text(GUEST, "ヘルプ") == sms.render("help_dates", "ja", **EXAMPLE)
    assert await sms.text(GUEST, "12/11-12/14 2名") == sms.render("book_ask_name", "ja", number=number,
                                                                 check_in=date(2026, 12, 11),
                                                                 check_out=date(2026, 12, 14), guests=2)
    await sms.text(GUEST, "メニュー")
    sms.clock.advance(days=18)  # Dec 15: the example stay now ends in January, and still reads back
    later = {"example_in": date(2026, 12, 29), "example_out": date(2027, 1, 1)}
    assert await sms.text(GUEST, f"予約 {number}") == sms.render("ask_dates", "ja", number=number, **later)
    assert await sms.text(GUEST, "12/29-1/1 ２名") == sms.render("book_ask_name", "ja", number=number, guests=2,
                                                                 **{"check_in": later["example_in"],
                                                                    "check_out": later["example_out"]})
    reply = await sms.text(GUEST, "花子")
    request = request_of(sms, phone=GUEST)
    assert reply == sms.render("book_requested", "ja", number=number, **await described(sms, request["id"]))
    assert "12月29日〜2027年1月1日" in reply


async def test_a_japanese_guest_reads_in_japanese_why_a_request_cannot_be_cancelled(sms: Sms) -> None:
    number = await list_place(sms)
    declined = await book(sms, GUEST, number, "Dec 20-23")
    withdrawn = await book(sms, GUEST, number, "Dec 27-29")
    expired = await book(sms, GUEST, number, "Jan 5-7")
    await sms.text(HOST, "NO")  # the first request is the one in front of the host
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, f"取消 {withdrawn}") == sms.render("cancelled", "ja", ref=withdrawn, listing=number)
    sms.clock.advance(hours=25)
    await sms.run_scheduler()
    for ref, status in ((declined, "declined"), (withdrawn, "cancelled"), (expired, "expired")):
        assert await sms.text(GUEST, f"取消 {ref}") == sms.render("cancel_not_open", "ja", ref=ref, status=status)
        # Each status has its own Japanese word, not the English one.
        assert status not in sms.render("cancel_not_open", "ja", ref=ref, status=status)


async def test_a_japanese_guest_can_answer_with_dates_written_the_way_the_bot_writes_them(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number}")
    await sms.text(GUEST, "12月20日〜12月23日")
    await sms.text(GUEST, "2")
    reply = await sms.text(GUEST, "花子")
    request = request_of(sms, phone=GUEST)
    assert reply == sms.render("book_requested", "ja", number=number, **await described(sms, request["id"]))
    assert (request["check_in"], request["check_out"]) == ("2026-12-20", "2026-12-23")
    # And the way it writes them now: one month written once.
    await sms.text(GUEST, f"予約 {number}")
    await sms.text(GUEST, "1月10日〜12日")
    await sms.text(GUEST, "2")
    assert (request_of(sms, phone=GUEST)["check_in"], request_of(sms, phone=GUEST)["check_out"]) == (
        "2027-01-10", "2027-01-12")
