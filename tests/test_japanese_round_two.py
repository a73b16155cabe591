"""Japanese, round two: what Japanese hosts and guests actually write is read as they meant it, end to end
through signed webhooks (prices as people write them, party sizes in words, unlisting words, dates,
commands, the language of a +81 number), and what the bot writes back fits one SMS.

Replies are compared with what the catalog says for the expected key and values (`Sms.render`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.app import create_app
from bot.catalog import sms_size
from bot.clock import FakeClock
from bot.config import Config
from bot.money import Money
from tests.conftest import GUEST, HOST, AiohttpClient, Sms, book, described, list_place
from tests.support.dbview import rows
from tests.support.fake_twilio import FakeTwilio


@pytest.fixture
async def yen(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
              fake_twilio: tuple[FakeTwilio, str]) -> Sms:
    """A service that charges in yen, with a Japanese host who has given their name."""
    app = create_app(config.with_(currency="JPY"), clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    await sms.text(HOST, "LANG JA")
    await sms.text(HOST, "掲載")
    await sms.text(HOST, "アナ")
    await sms.text(HOST, "メニュー")
    return sms


def _yen(amount: int) -> dict[str, Any]:
    return {"currency": "JPY", "example": Money(15000, "JPY"), "price": Money(amount, "JPY")}


async def _up_to_the_price(sms: Sms) -> None:
    await sms.text(HOST, "掲載")
    assert await sms.text(HOST, "港のロフト") == sms.render("ask_price", "ja", **_yen(15000))


def _price_of_the_new_place(sms: Sms) -> int | None:
    found = rows(sms, "SELECT price_per_night AS price FROM listings ORDER BY id DESC LIMIT 1")
    return int(found[0]["price"]) if found and found[0]["price"] is not None else None


def _number_of_the_new_place(sms: Sms) -> int:
    return int(rows(sms, "SELECT id FROM listings ORDER BY id DESC LIMIT 1")[0]["id"])


async def _finish_listing(sms: Sms) -> None:
    await sms.text(HOST, "4")
    await sms.text(HOST, "港の見える明るいロフトです。寝室は二つあります。")
    await sms.text(HOST, "なし")
    # Listed; the address (skipping it skips the arrival details) and the way to pay are for later.
    await sms.text(HOST, "スキップ")
    number = _number_of_the_new_place(sms)
    assert await sms.text(HOST, "スキップ") == sms.render("host_setup_done", "ja", number=number)


# -- 1. prices as people write them ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["一万五千円", "1万5000円", "1万5千円", "１万５千円", "1.5万円", "一泊一万五千円",
                                   "15000円です", "15000円でお願いします", "15,000円（税込）", "15k"])
async def test_a_price_written_as_people_write_it_is_taken(yen: Sms, typed: str) -> None:
    await _up_to_the_price(yen)
    assert await yen.text(HOST, typed) == yen.render("ask_capacity", "ja", most=16)
    await _finish_listing(yen)
    assert _price_of_the_new_place(yen) == 15000


@pytest.mark.parametrize("typed", ["1万8千円でお願いします", "18k", "一万八千円"])
async def test_edit_price_reads_the_same_forms(yen: Sms, typed: str) -> None:
    await _up_to_the_price(yen)
    await yen.text(HOST, "15000")
    await _finish_listing(yen)
    number = int(rows(yen, "SELECT id FROM listings")[0]["id"])
    reply = await yen.text(HOST, f"編集 {number} 料金 {typed}")
    assert reply == yen.render("edited", "ja", number=number, field="price", title="港のロフト",
                               price=Money(18000, "JPY"), sleeps=4, has_photo=False)
    assert _price_of_the_new_place(yen) == 18000


async def test_an_implausible_price_is_asked_back_not_taken(yen: Sms) -> None:
    await _up_to_the_price(yen)
    assert await yen.text(HOST, "1,500,000円") == yen.render("price_confirm", "ja", **_yen(1500000))
    # A new price replaces it; NO asks for the price again; YES keeps what was asked back.
    assert await yen.text(HOST, "いいえ") == yen.render("ask_price", "ja", **_yen(15000))
    assert await yen.text(HOST, "2000000") == yen.render("price_confirm", "ja", **_yen(2000000))
    assert await yen.text(HOST, "ヘルプ") == yen.render("price_confirm", "ja", **_yen(2000000))
    assert await yen.text(HOST, "15000円") == yen.render("ask_capacity", "ja", most=16)
    await _finish_listing(yen)
    assert _price_of_the_new_place(yen) == 15000
    await _up_to_the_price(yen)
    await yen.text(HOST, "1,500,000円")
    assert await yen.text(HOST, "はい") == yen.render("ask_capacity", "ja", most=16)
    await _finish_listing(yen)
    assert _price_of_the_new_place(yen) == 1500000


async def test_fifteen_thousand_dollars_from_a_japanese_host_is_asked_back(sms: Sms) -> None:
    await sms.text(HOST, "LANG JA")
    await sms.text(HOST, "掲載")
    await sms.text(HOST, "アナ")
    await sms.text(HOST, "港のロフト")
    assert await sms.text(HOST, "15000") == sms.render("price_confirm", "ja", price=Money(1500000, "USD"))
    assert await sms.text(HOST, "$150") == sms.render("ask_capacity", "ja", most=16)


async def test_an_implausible_price_at_edit_is_asked_back_and_kept_only_on_yes(yen: Sms) -> None:
    await _up_to_the_price(yen)
    await yen.text(HOST, "15000")
    await _finish_listing(yen)
    number = int(rows(yen, "SELECT id FROM listings")[0]["id"])
    assert await yen.text(HOST, f"編集 {number} 料金 150万円") == yen.render("price_confirm", "ja", **_yen(1500000))
    assert _price_of_the_new_place(yen) == 15000
    assert (await yen.text(HOST, "はい")).startswith(yen.render(
        "edited", "ja", number=number, field="price", title="港のロフト", price=Money(1500000, "JPY"), sleeps=4,
        has_photo=False)[:12])
    assert _price_of_the_new_place(yen) == 1500000


# -- 3. unlisting -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["掲載停止 {n}", "掲載中止 {n}", "掲載中止{n}", "掲載取消 {n}", "掲載をやめる {n}",
                                   "非公開 {n}", "{n}番の掲載をやめたい", "{n}番を非公開にしてください"])
async def test_every_way_to_take_a_place_down_unlists_it(sms: Sms, typed: str) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "LANG JA")
    reply = await sms.text(HOST, typed.format(n=number))
    assert reply == sms.render("unlisted", "ja", number=number, declined=0, cancelled=0, untold=0)
    assert not rows(sms, "SELECT id FROM listings WHERE id = ? AND active = 1", (number,))


@pytest.mark.parametrize("typed", ["掲載料はいくらですか", "掲載 料金について教えてください"])
async def test_a_listing_word_followed_by_more_words_does_not_start_a_listing(sms: Sms, typed: str) -> None:
    await list_place(sms)
    await sms.text(HOST, "LANG JA")
    assert await sms.text(HOST, typed) == sms.render("unknown", "ja", suggestion="")
    assert await sms.text(HOST, "掲載") == sms.render("ask_title", "ja", min_length=3, max_length=40)


# -- 5. commands --------------------------------------------------------------------------------------------------

async def test_yoyaku_no_kakunin_is_status(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, "予約の確認") == await sms.text(GUEST, "状況")


@pytest.mark.parametrize("typed", ["取消しお願いします", "キャンセルしたいです", "やっぱりやめます",
                                   "予約をキャンセルしたい"])
async def test_a_cancel_without_a_reference_cancels_the_one_request(sms: Sms, typed: str) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, typed) == sms.render("cancelled", "ja", ref=ref, listing=number)
    assert rows(sms, "SELECT status FROM reservations WHERE ref = ?", (ref,))[0]["status"] == "cancelled"


async def test_a_cancel_without_a_reference_asks_for_one_when_there_are_two(sms: Sms) -> None:
    number = await list_place(sms)
    first = await book(sms, GUEST, number)
    await book(sms, GUEST, number, "Dec 27-29")
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, "キャンセルしたいです") == sms.render("cancel_usage", "ja", ref=first)
    assert {row["status"] for row in rows(sms, "SELECT status FROM reservations")} == {"pending"}


async def test_a_change_of_mind_about_a_confirmed_stay_asks_first(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "YES")
    await sms.text(GUEST, "LANG JA")
    request = rows(sms, "SELECT id FROM reservations WHERE ref = ?", (ref,))[0]
    assert await sms.text(GUEST, "やっぱりやめます") == sms.render(
        "cancel_confirm", "ja", as_guest=True, told=True, **await described(sms, request["id"]))
    assert rows(sms, "SELECT status FROM reservations")[0]["status"] == "confirmed"


async def test_a_change_of_mind_mid_booking_leaves_the_step(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number}")
    assert await sms.text(GUEST, "やっぱりやめます") == sms.render("menu", "ja")


@pytest.mark.parametrize(("typed", "same_as"), [("ｲﾁﾗﾝ", "一覧"), ("イチラン", "一覧"), ("ｼﾞｮｳｷｮｳ", "状況"),
                                                ("ジョウキョウ", "状況"), ("ﾍﾙﾌﾟ", "ヘルプ"), ("へるぷ", "ヘルプ"),
                                                ("ヨヤク {n}", "予約 {n}"), ("ｹﾝｻｸ 海", "検索 海")])
async def test_half_width_katakana_and_kana_spellings_are_the_command(sms: Sms, typed: str, same_as: str) -> None:
    number = await list_place(sms, description="海の見える明るいロフト、寝室二つとバルコニー付きです")
    await sms.text(GUEST, "LANG JA")
    expected = await sms.text(GUEST, same_as.format(n=number))
    await sms.text(GUEST, "メニュー")
    assert await sms.text(GUEST, typed.format(n=number)) == expected


@pytest.mark.parametrize(("typed", "meant"), [("一欄", "一覧"), ("検策 海", "検索")])
async def test_an_ime_slip_gets_a_suggestion_that_hai_cannot_answer(sms: Sms, typed: str, meant: str) -> None:
    await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, typed) == sms.render("unknown", "ja", suggestion=meant)
    # はい after it is no answer to the suggestion: nothing is searched or listed.
    assert "#" not in await sms.text(GUEST, "はい")


# -- 2. party sizes in words --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "count"), [("三名", 3), ("二人", 2), ("ふたり", 2), ("大人2名、子供1名", 3),
                                              ("two", 2), ("a couple of us", 2), ("2名でお願いします", 2)])
async def test_a_party_size_in_words_is_the_number_of_guests(sms: Sms, typed: str, count: int) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number} 12月20日〜23日")
    assert await sms.text(GUEST, typed) == sms.render(
        "book_ask_name", "ja", number=number, guests=count, check_in=date(2026, 12, 20),
        check_out=date(2026, 12, 23))
    await sms.text(GUEST, "花子")
    assert rows(sms, "SELECT guests FROM reservations")[0]["guests"] == count


@pytest.mark.parametrize("typed", ["予約 {n} 12月20日〜23日 大人2名、子供1名", "予約 {n} 12月20日〜23日 三名"])
async def test_a_party_size_in_words_after_the_dates_is_taken_with_them(sms: Sms, typed: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, typed.format(n=number)) == sms.render(
        "book_ask_name", "ja", number=number, guests=3, check_in=date(2026, 12, 20), check_out=date(2026, 12, 23))


# -- 4. dates -------------------------------------------------------------------------------------------------------

# The test clock's today is Friday, Nov 27, 2026.
@pytest.mark.parametrize(
    ("typed", "check_in", "check_out", "guessed"),
    [
        ("12月20日〜23日で予約したいです", date(2026, 12, 20), date(2026, 12, 23), False),
        ("12月20日〜23日🙏", date(2026, 12, 20), date(2026, 12, 23), False),
        ("12月20日チェックイン、23日チェックアウト", date(2026, 12, 20), date(2026, 12, 23), False),
        ("チェックイン12月20日、チェックアウト12月23日", date(2026, 12, 20), date(2026, 12, 23), False),
        ("12月20日から1週間", date(2026, 12, 20), date(2026, 12, 27), False),
        ("来月20日から3泊", date(2026, 12, 20), date(2026, 12, 23), False),
        ("土日", date(2026, 11, 28), date(2026, 11, 29), True),
        ("来週の土日", date(2026, 12, 5), date(2026, 12, 6), True),
    ],
)
async def test_dates_as_japanese_guests_write_them_file_the_stay_they_mean(
        sms: Sms, typed: str, check_in: date, check_out: date, guessed: bool) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number}")
    stay = {"check_in": check_in, "check_out": check_out}
    asked = (sms.render("ask_guest_count_dates", "ja", number=number, most=4, **stay) if guessed
             else sms.render("ask_guest_count", "ja", number=number, most=4))
    assert await sms.text(GUEST, typed) == asked
    await sms.text(GUEST, "2名")
    await sms.text(GUEST, "花子")
    request = rows(sms, "SELECT check_in, check_out FROM reservations")[0]
    assert (str(request["check_in"]), str(request["check_out"])) == (check_in.isoformat(), check_out.isoformat())


EXAMPLE = {"example_in": date(2026, 12, 11), "example_out": date(2026, 12, 14)}


async def test_a_length_in_days_asks_from_which_day_and_a_single_date_how_many_nights(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number}")
    assert await sms.text(GUEST, "3日間") == sms.render("dates_which_day", "ja", nights=2, **EXAMPLE)
    await sms.text(GUEST, "メニュー")
    await sms.text(GUEST, f"予約 {number}")
    assert await sms.text(GUEST, "12月20日") == sms.render("dates_how_many_nights", "ja", day=date(2026, 12, 20),
                                                          **EXAMPLE)
    assert await sms.text(GUEST, "3泊") == sms.render("ask_guest_count_dates", "ja", number=number, most=4,
                                                     check_in=date(2026, 12, 20), check_out=date(2026, 12, 23))


@pytest.mark.parametrize(("typed", "first", "last"), [
    ("年末年始", date(2026, 12, 29), date(2027, 1, 3)), ("お正月", date(2026, 12, 31), date(2027, 1, 3)),
    ("ゴールデンウィーク", date(2027, 4, 29), date(2027, 5, 6)), ("GW", date(2027, 4, 29), date(2027, 5, 6)),
    ("お盆", date(2027, 8, 13), date(2027, 8, 16)), ("クリスマス", date(2026, 12, 24), date(2026, 12, 26))])
async def test_a_holiday_is_asked_about_with_its_dates_as_the_example(sms: Sms, typed: str, first: date,
                                                                      last: date) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number}")
    reply = await sms.text(GUEST, typed)
    assert reply == sms.render("dates_holiday", "ja", text=typed, holiday_in=first, holiday_out=last, **EXAMPLE)
    # The example, typed as shown, is that stay.
    example = reply.rsplit("例：", 1)[1]
    assert await sms.text(GUEST, example) == sms.render("ask_guest_count", "ja", number=number, most=4)


# -- 9. relayed messages ----------------------------------------------------------------------------------------

async def test_after_the_first_message_a_relayed_40_character_text_is_one_sms(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(HOST, "LANG JA")
    ref = await book(sms, GUEST, number, name="マクシミリアン・ロウ")
    await sms.text(HOST, "はい")
    first = "到着は夕方六時ごろになりそうです。駐車場はありますか？車は一台です。よろしくお願いします"[:40]
    later = "ありがとうございます。それでは当日よろしくお願いいたします。鍵の受け取り方も教えてください"[:40]
    await sms.text(GUEST, f"MSG {first}")
    await sms.deliver()
    assert sms.inbox(HOST)[-1].count(first) == 1  # the first one carries how to reply
    await sms.text(GUEST, f"MSG {later}")
    await sms.deliver()
    relayed = sms.inbox(HOST)[-1]
    assert later in relayed and ref in relayed
    assert sms_size(relayed).units - len(later) <= 25 and sms_size(relayed).segments == 1
