"""Japanese speakers are served as well as English ones: answered in Japanese from their first text, and
understood the way they write (decisions, commands, opting out, dates), end to end through signed webhooks.

Replies are compared with what the catalog says for the expected key and values (`Sms.render`), so an
operator's rewording of a template does not break these tests; a different key or value does."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from bot.app import create_app
from bot.catalog import sms_size
from bot.clock import FakeClock
from bot.config import Config
from bot.keys import CATALOG
from bot.registry import REGISTRY, SAMPLE_TODAY
from tests.conftest import GUEST, GUEST2, HOST, AiohttpClient, Sms, book, described, list_place
from tests.support.dbview import rows, user
from tests.support.fake_twilio import FakeTwilio

JAPANESE_PHONE = "+819012345678"


async def last_request(sms: Sms, phone: str) -> dict[str, Any]:
    """The newest reservation of the guest texting from `phone`, as committed."""
    found = rows(sms, "SELECT r.* FROM reservations r JOIN users u ON u.id = r.guest_id WHERE u.phone = ? "
                      "ORDER BY r.id DESC LIMIT 1", (phone,))
    assert found, f"no request from {phone}"
    return found[0]


async def _listing_up_to_the_description(sms: Sms) -> None:
    """A host who gave their name already starts HOST in Japanese and answers title, price and most guests."""
    await sms.text(HOST, "掲載")
    await sms.text(HOST, "港のロフト")
    await sms.text(HOST, "120")
    assert await sms.text(HOST, "4") == sms.render("ask_description", "ja", min_length=20, max_length=500)


# -- answer in Japanese from the first text ----------------------------------------------------------------

@pytest.mark.parametrize("first", ["こんにちは", "宿を探しています", "ヘルプ", "一覧", "予約 1", "ＨＥＬＬＯ"])
async def test_a_first_text_in_japanese_is_answered_in_japanese(sms: Sms, first: str) -> None:
    await sms.text(GUEST, first)
    assert user(sms, GUEST)["language"] == "ja"
    assert await sms.text(GUEST, "MENU") == sms.render("menu", "ja")


async def test_the_first_answer_itself_is_japanese(sms: Sms) -> None:
    number = await list_place(sms)
    assert await sms.text(GUEST, "こんにちは") == sms.render("welcome", "ja")
    assert await sms.text(GUEST2, "ヘルプ") == sms.render("help", "ja", more=False, ref="", host=False, msg_ref="")
    assert await sms.text(JAPANESE_PHONE, f"予約 {number}") == sms.render(
        "ask_dates", "ja", number=number, example_in=date(2026, 12, 11), example_out=date(2026, 12, 14))


async def test_a_japanese_number_without_latin_letters_is_answered_in_japanese(sms: Sms) -> None:
    assert await sms.text(JAPANESE_PHONE, "👋") == sms.render("welcome", "ja")
    assert await sms.text(JAPANESE_PHONE, "BROWSE") == sms.render("browse_empty", "ja", query="")


@pytest.mark.parametrize("first", ["Hi", "BROWSE", "help"])
async def test_a_japanese_number_whose_first_text_is_latin_script_is_answered_in_english(sms: Sms,
                                                                                          first: str) -> None:
    await sms.text(JAPANESE_PHONE, first)
    assert user(sms, JAPANESE_PHONE)["language"] == "en"
    assert await sms.text(JAPANESE_PHONE, "BROWSE") == sms.render("browse_empty", "en", query="")


async def test_every_japanese_welcome_and_help_says_how_to_switch_to_english(sms: Sms) -> None:
    assert "LANG EN" in await sms.text(GUEST, "こんにちは")
    assert "LANG EN" in await sms.text(GUEST, "ヘルプ")
    await sms.text(GUEST, "停止")
    assert "LANG EN" in await sms.text(GUEST, "ヘルプ")


async def test_help_in_the_middle_of_a_step_says_how_to_switch_and_lang_en_works_there(sms: Sms) -> None:
    # Someone who ended up in Japanese, stuck at a question, asks for help: the step's own help names LANG EN.
    await sms.text(HOST, "掲載")
    await sms.text(HOST, "アナ")
    assert "LANG EN" in await sms.text(HOST, "ヘルプ")  # at the title
    assert await sms.text(HOST, "LANG EN") == sms.render("language_set", "en")
    assert user(sms, HOST)["language"] == "en"


def test_every_japanese_help_says_how_to_switch_to_english(sms: Sms) -> None:
    catalog = sms.app[CATALOG].current
    helps = [key for key in REGISTRY if key.startswith("help")]
    assert len(helps) > 10
    missing = [key for key in helps
               if "LANG EN" not in catalog.render_on(SAMPLE_TODAY, key, "ja", **REGISTRY[key].variables)]
    assert not missing, missing


async def test_japanese_stays_until_the_person_switches_to_english(sms: Sms) -> None:
    await sms.text(GUEST, "一覧")
    assert await sms.text(GUEST, "STATUS") == sms.render("status_none", "ja")  # English commands: still Japanese
    assert await sms.text(GUEST, "LANG EN") == sms.render("language_set", "en")
    assert await sms.text(GUEST, "状況") == sms.render("status_none", "en")  # Japanese commands: still English
    assert user(sms, GUEST)["language"] == "en"
    await sms.text(JAPANESE_PHONE, "English")
    assert await sms.text(JAPANESE_PHONE, "BROWSE") == sms.render("browse_empty", "en", query="")


async def test_someone_who_began_in_english_is_not_switched_by_a_later_japanese_text(sms: Sms) -> None:
    await sms.text(GUEST, "hello")
    assert await sms.text(GUEST, "一覧") == sms.render("browse_empty", "en", query="")


async def test_a_plus_81_number_that_first_asks_for_english_gets_english(sms: Sms) -> None:
    assert await sms.text(JAPANESE_PHONE, "LANG EN") == sms.render("language_set", "en")
    assert user(sms, JAPANESE_PHONE)["language"] == "en"


async def test_the_english_welcome_says_how_to_switch_and_stays_one_gsm7_sms(sms: Sms) -> None:
    welcome = await sms.text(GUEST, "hi")
    assert welcome == sms.render("welcome", "en") and "LANG JA" in welcome
    size = sms_size(welcome)
    assert (size.encoding, size.segments) == ("GSM-7", 1)
    switched = await sms.text(GUEST, "LANG JA")
    assert switched == sms.render("language_set", "ja")
    assert "「一覧」" in switched  # says what to do next, as text to type
    assert sms_size(switched).segments == 1


# -- decisions ----------------------------------------------------------------------------------------------

YES_REPLIES = ["はい", "はい、お願いします", "承諾します", "OKです", "ええ", "お願いします", "はい！",
               "はい、大丈夫です", "承諾", "ＯＫです"]
NO_REPLIES = ["いいえ", "お断りします", "無理です", "だめ", "NG", "いいえ、今回はお断りします", "お断りします。",
              "ダメです"]


async def _japanese_host_with_a_request(sms: Sms) -> tuple[int, int]:
    number = await list_place(sms)
    await sms.text(HOST, "LANG JA")
    await book(sms, GUEST, number)
    return number, int((await last_request(sms, GUEST))["id"])


@pytest.mark.parametrize("reply", YES_REPLIES)
async def test_every_japanese_yes_accepts(sms: Sms, reply: str) -> None:
    _, request = await _japanese_host_with_a_request(sms)
    variables = await described(sms, request)
    assert await sms.text(HOST, reply) == sms.render("host_accepted", "ja", told=True, declined=0, **variables)
    assert (await last_request(sms, GUEST))["status"] == "confirmed"


@pytest.mark.parametrize("reply", NO_REPLIES)
async def test_every_japanese_no_declines(sms: Sms, reply: str) -> None:
    _, request = await _japanese_host_with_a_request(sms)
    variables = await described(sms, request)
    assert await sms.text(HOST, reply) == sms.render("host_declined", "ja", told=True, **variables)
    assert (await last_request(sms, GUEST))["status"] == "declined"


@pytest.mark.parametrize("reply", ["大丈夫です", "結構です", "大丈夫", "結構です。", "いいです"])
async def test_an_ambiguous_reply_decides_nothing_and_asks_again_with_the_two_words(sms: Sms, reply: str) -> None:
    _, request = await _japanese_host_with_a_request(sms)
    variables = await described(sms, request)
    asked = await sms.text(HOST, reply)
    assert asked == sms.render("decision_unclear", "ja", **variables)
    assert "「はい」" in asked and "「いいえ」" in asked
    assert (await last_request(sms, GUEST))["status"] == "pending"
    assert await sms.text(HOST, "はい") == sms.render("host_accepted", "ja", told=True, declined=0, **variables)


async def test_an_english_host_is_asked_again_in_english(sms: Sms) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    variables = await described(sms, int((await last_request(sms, GUEST))["id"]))
    assert await sms.text(HOST, "大丈夫です") == sms.render("decision_unclear", "en", **variables)


async def test_an_ambiguous_reply_with_nothing_to_decide_is_not_a_decision(sms: Sms) -> None:
    await sms.text(HOST, "LANG JA")
    # With nothing to decide it is small talk: a kind answer with the next step, and nothing decided.
    reply = await sms.text(HOST, "大丈夫です")
    assert reply != sms.render("decision_nothing_pending", "ja") and "「一覧」" in reply


async def test_a_description_that_starts_with_hai_is_a_description(sms: Sms) -> None:
    _, request = await _japanese_host_with_a_request(sms)
    await _listing_up_to_the_description(sms)
    description = "はい、海の見える静かな部屋です。二人まで泊まれます。"
    assert await sms.text(HOST, description) == sms.render("ask_photo", "ja")
    assert (await last_request(sms, GUEST))["status"] == "pending"
    assert rows(sms, "SELECT id FROM reservations WHERE id = ? AND status = 'pending'", (request,))


# -- commands -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["予約 {n}番", "{n}番を予約", "予約＃{n}", "予約＃{N}", "予約する {n}", "よやく {n}",
                                  "よやく{n}", "{n}番を予約します", "予約{n}番"])
async def test_book_as_japanese_speakers_write_it(sms: Sms, form: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    wide = str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    reply = await sms.text(GUEST, form.format(n=number, N=wide))
    assert reply == sms.render("ask_dates", "ja", number=number, example_in=date(2026, 12, 11),
                               example_out=date(2026, 12, 14))


async def test_book_with_the_number_and_dates_in_japanese_order(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, f"{number}番を予約 12月20日〜23日") == sms.render("ask_guest_count", "ja",
                                                                                 number=number, most=4)
    assert await sms.text(GUEST, "2名") == sms.render("book_ask_name", "ja", number=number, guests=2,
                                                     check_in=date(2026, 12, 20), check_out=date(2026, 12, 23))
    await sms.text(GUEST, "花子")
    request = await last_request(sms, GUEST)
    assert (request["check_in"], request["check_out"]) == ("2026-12-20", "2026-12-23")


def _page_footer(sms: Sms, query: str, first: int) -> str:
    """The last line of the Japanese listing page whose first place is `first` (what to text next): which
    page was sent, whatever its items look like."""
    item = {"number": first, "title": "x", "price": None, "sleeps": None}
    return sms.render("browse_page", "ja", query=query, more=False, listings=[item]).splitlines()[-1]


@pytest.mark.parametrize("form", ["検索海", "海を検索", "検索 海", "海を検索します", "けんさく 海"])
async def test_search_as_japanese_speakers_write_it(sms: Sms, form: str) -> None:
    seaside = await list_place(sms, description="海の見える明るいロフト、寝室二つとバルコニー付き")
    cabin = await list_place(sms, description="Quiet cabin in the pines, far from the sea")
    await sms.text(GUEST, "LANG JA")
    reply = await sms.text(GUEST, form)
    assert reply.splitlines()[-1] == _page_footer(sms, "海", seaside)
    assert f"#{seaside}" in reply and f"#{cabin}" not in reply


@pytest.mark.parametrize("form", ["一覧", "宿一覧", "リスト", "いちらん"])
async def test_browse_as_japanese_speakers_write_it(sms: Sms, form: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    reply = await sms.text(GUEST, form)
    assert reply.splitlines()[-1] == _page_footer(sms, "", number) and f"#{number}" in reply


@pytest.mark.parametrize("form", ["予約確認", "ステータス", "じょうきょう", "状況"])
async def test_status_as_japanese_speakers_write_it(sms: Sms, form: str) -> None:
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, form) == sms.render("status_none", "ja")


@pytest.mark.parametrize("form", ["取り消す {ref}", "取消 {ref}", "とりけし {ref}"])
async def test_cancel_as_japanese_speakers_write_it(sms: Sms, form: str) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, form.format(ref=ref)) == sms.render("cancelled", "ja", ref=ref, listing=number)
    assert (await last_request(sms, GUEST))["status"] == "cancelled"


@pytest.mark.parametrize("answer", ["無し", "ない", "写真はありません", "写真はありません。", "いいえ",
                                    "いいえ、写真はありません", "スキップ"])
async def test_no_photo_in_japanese_lists_the_place_and_declines_nobody(sms: Sms, answer: str) -> None:
    _, request = await _japanese_host_with_a_request(sms)  # the host was shown a request before listing
    await _listing_up_to_the_description(sms)
    await sms.text(HOST, "港の見える明るいロフト。寝室が二つ、バルコニー付きです。")
    reply = await sms.text(HOST, answer)
    listed = rows(sms, "SELECT id, photo_url FROM listings ORDER BY id DESC LIMIT 1")[0]
    assert reply == sms.render("listed", "ja", number=listed["id"], has_photo=False)
    assert listed["photo_url"] is None
    assert rows(sms, "SELECT id FROM reservations WHERE id = ? AND status = 'pending'", (request,))


# -- opting out and back in ---------------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["停止", "配信停止", "停止。"])
async def test_japanese_opt_out_words_opt_out_like_stop_and_are_confirmed_once(sms: Sms, word: str) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    await sms.text(GUEST, "LANG JA")
    # Twilio does not act on these words (unless an operator adds them to Advanced Opt-Out, which marks the
    # text OptOutType=STOP): the bot's own confirmation is the only one the guest gets.
    assert await sms.text(GUEST, word) == sms.render("opted_out", "ja", requests=1, listings=0)
    assert user(sms, GUEST)["opted_out"] == 1
    assert (await last_request(sms, GUEST))["status"] == "cancelled"  # withdrawn, the host moved on
    assert await sms.text_full(GUEST, "一覧") == []
    # Back in, told what changed while away: the request withdrawn.
    ref = (await last_request(sms, GUEST))["ref"]
    assert await sms.text(GUEST, "再開") == sms.render("opted_in_changes", "ja", listings=[], requests=[ref], stays=[],
                                                     more=False)
    assert user(sms, GUEST)["opted_out"] == 0


async def test_a_japanese_yes_opts_back_in_like_yes(sms: Sms) -> None:
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, "停止")
    assert await sms.text(GUEST, "はい") == sms.render("opted_in", "ja")


@pytest.mark.parametrize("text", ["配信停止の方法を教えて", "停止します", "ストップ 1"])
async def test_stop_words_inside_a_sentence_do_not_opt_out(sms: Sms, text: str) -> None:
    # Exactly like "STOP please": carriers act on the keyword alone, and so does Airtng.
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, text)
    assert user(sms, GUEST)["opted_out"] == 0


# -- dates, end to end --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("typed", "check_in", "check_out", "guessed"),
    [
        ("12月20日(日)〜23日(水)でお願いします。", date(2026, 12, 20), date(2026, 12, 23), False),
        ("十二月二十日から三泊", date(2026, 12, 20), date(2026, 12, 23), False),
        ("2026/12/20-12/23", date(2026, 12, 20), date(2026, 12, 23), False),
        ("20日〜23日です", date(2026, 12, 20), date(2026, 12, 23), True),
        ("明日から2泊", date(2026, 11, 28), date(2026, 11, 30), True),
        ("今週末", date(2026, 11, 27), date(2026, 11, 29), True),
        ("来週の金曜日から2泊", date(2026, 12, 4), date(2026, 12, 6), True),
        ("Dec 20 for 3 nights", date(2026, 12, 20), date(2026, 12, 23), False),
        ("tomorrow for 2 nights", date(2026, 11, 28), date(2026, 11, 30), True),
        ("this weekend", date(2026, 11, 27), date(2026, 11, 29), True),
        ("next Friday to Sunday", date(2026, 12, 4), date(2026, 12, 6), True),
    ],
)
@pytest.mark.parametrize("language", ["ja", "en"])
async def test_dates_as_people_write_them_file_the_stay_they_mean(sms: Sms, language: str, typed: str,
                                                                  check_in: date, check_out: date,
                                                                  guessed: bool) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"LANG {language}")
    await sms.text(GUEST, f"BOOK {number}")
    # Dates read from relative or incomplete words are shown back, with weekdays, in the next question.
    stay = {"check_in": check_in, "check_out": check_out}
    asked = (sms.render("ask_guest_count_dates", language, number=number, most=4, **stay) if guessed
             else sms.render("ask_guest_count", language, number=number, most=4))
    assert await sms.text(GUEST, typed) == asked
    assert await sms.text(GUEST, "2") == sms.render("book_ask_name", language, number=number, guests=2, **stay)
    reply = await sms.text(GUEST, "Bob")
    request = await last_request(sms, GUEST)
    assert (request["check_in"], request["check_out"]) == (check_in.isoformat(), check_out.isoformat())
    assert reply == sms.render("book_requested", language, number=number, **await described(sms, request["id"]))


# -- finding 5 of issue 10: recent past dates, and years ----------------------------------------------------

@pytest.mark.parametrize(("language", "typed"), [("en", "Nov 29-30"), ("ja", "11月29日〜30日")])
async def test_a_date_that_passed_days_ago_is_refused_as_past_not_booked_next_year(sms: Sms, language: str,
                                                                                    typed: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"LANG {language}")
    sms.clock.advance(days=3)  # Nov 30
    reply = await sms.text(GUEST, f"BOOK {number} {typed}")
    assert reply == sms.render("dates_past", language, text=typed, example_in=date(2026, 12, 14),
                               example_out=date(2026, 12, 17))
    # The example works.
    assert await sms.text(GUEST, "12/14-12/17") == sms.render("ask_guest_count", language, number=number, most=4)
    assert not rows(sms, "SELECT id FROM reservations")


async def test_a_stay_next_year_is_written_with_its_year_in_every_message(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await book(sms, GUEST2, number, "Jan 5-8")  # an English guest, this year being 2026
    assert "Jan 5-8, 2027" in sms.inbox(HOST)[-1]
    await sms.text(GUEST, f"予約 {number} 2027年1月10日〜12日 2名")
    reply = await sms.text(GUEST, "花子")
    assert "2027年1月10日〜12日" in reply
    assert "2027年1月10日〜12日" in await sms.text(GUEST, "状況")
    # Jan 5-8 accepted; the Japanese guest's request is put to the host next, in the same answer.
    assert "Jan 10-12, 2027" in await sms.text(HOST, "YES")
    accepted = await sms.text(HOST, "YES")
    assert "Jan 10-12, 2027" in accepted
    assert "2027年1月10日〜12日" in sms.inbox(GUEST)[-1]


async def test_this_years_dates_have_no_year_and_same_month_ranges_are_short(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number} 12月20日〜23日 2名")
    reply = await sms.text(GUEST, "花子")
    assert "12月20日〜23日" in reply and "年" not in reply
    assert "Dec 20-23" in sms.inbox(HOST)[-1] and "2026" not in sms.inbox(HOST)[-1]
    await sms.text(GUEST, f"予約 {number} 12月30日〜1月2日 2名")
    assert "12月30日〜2027年1月2日" in await sms.text(GUEST, "状況")


# -- said well, in one SMS ---------------------------------------------------------------------------------

# As long as a title may be (listing.title_max): the host's prompt and the guest's request show a 12-character
# excerpt of it, so that they still fit one SMS.
LONG_TITLE = "港の見える明るいロフト・寝室二つとバルコニー付きの静かな一軒家・駅から徒歩約五分"


def one_sms(*texts: str) -> bool:
    return all(sms_size(text).segments == 1 for text in texts)


# A service charging dollars, and one charging yen (15,000円 a night: three nights write 45,000円, three
# characters wider than $360).
@pytest.mark.parametrize(("currency", "price"), [("USD", "120"), ("JPY", "15000")])
async def test_a_whole_japanese_booking_costs_one_sms_per_message_even_with_the_longest_title(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, fake_twilio: tuple[FakeTwilio, str],
        currency: str, price: str) -> None:
    app = create_app(config.with_(currency=currency), clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    assert len(LONG_TITLE) == 40
    await sms.text(HOST, "LANG JA")
    await sms.text(HOST, "掲載")
    description = "港の見える明るいロフト。寝室二つ、駅から徒歩五分です。"
    listing = [await sms.text(HOST, answer) for answer in ("アナ", LONG_TITLE, price, "4", description, "なし")]
    number = int(rows(sms, "SELECT id FROM listings ORDER BY id DESC LIMIT 1")[0]["id"])
    assert listing[-1] == sms.render("listed", "ja", number=number, has_photo=False)
    # What a guest needs after the yes: the address, the times, the way in, paid on arrival.
    listing += [await sms.text(HOST, answer) for answer in ("東京都港区海岸1-2-3 ハーバーハウス301", "15時 10時",
                                                            "玄関横のキーボックス、番号は前日に連絡します", "1")]
    assert listing[-1] == sms.render("host_setup_done", "ja", number=number)
    await sms.text(GUEST, "LANG JA")
    guest = [await sms.text(GUEST, text) for text in ("一覧", f"予約 {number}", "12月20日〜23日", "2名", "花子")]
    kept = await described(sms, (await last_request(sms, GUEST))["id"])
    assert guest[-1] == sms.render("book_requested", "ja", number=number, **kept)
    prompt = sms.inbox(HOST)[-1]
    assert prompt == sms.render("host_prompt", "ja", payment="on_arrival", **kept)
    accepted = await sms.text(HOST, "はい")
    confirmation, details = sms.inbox(GUEST)[-2:]
    assert confirmation == sms.render("guest_accepted", "ja", host="アナ", payment="on_arrival", details="", **kept)
    assert "現地払い" in confirmation and "ハーバーハウス301" in details and "現金かカード" in details
    await book(sms, GUEST2, number, "Jan 5-8", name="Ken")
    await sms.text(GUEST2, "LANG JA")
    declined = await described(sms, (await last_request(sms, GUEST2))["id"])
    assert await sms.text(HOST, "いいえ") == sms.render("host_declined", "ja", told=True, **declined)
    assert sms.inbox(GUEST2)[-1] == sms.render("guest_declined_host", "ja", **declined)
    # Every one of them one SMS (70 UCS-2 characters), with the longest title there is.
    told = [confirmation, sms.inbox(GUEST2)[-1], sms.inbox(HOST)[-1]]
    assert one_sms(*listing[1:], *guest, prompt, accepted, *told)  # the page: one place
    # The guest's request names the place by the start of its title, not all of it; the host's prompt by number.
    assert LONG_TITLE not in guest[-1] and LONG_TITLE[:7] in guest[-1] and LONG_TITLE not in prompt


async def test_every_command_japanese_help_shows_works_when_typed(sms: Sms) -> None:
    for description in ("Sunny loft by the harbour, two bedrooms", "Quiet cabin in the pines with a stove",
                        "海の見える明るいロフト、寝室二つとバルコニー付きです"):
        number = await list_place(sms, description=description)
    ref = await book(sms, GUEST, number)
    await sms.text(GUEST, "LANG JA")
    help_text = await sms.text(GUEST, "ヘルプ")
    assert help_text == sms.render("help", "ja", more=False, ref=ref, host=False, msg_ref="")
    commands = re.findall("「([^」]+)」", help_text)
    # Things to type, with a word and a number that work, never a placeholder (検索 言葉), and never a lone
    # opt-out word: HELP teaches what applies now, in one SMS.
    assert {"一覧", "予約 3", f"取消 {ref}", "掲載"} <= set(commands) and "停止" not in commands
    not_understood = sms.render("unknown", "ja", suggestion="").split("。")[0]
    for command in commands:
        await sms.text(GUEST, "メニュー")
        reply = await sms.text(GUEST, command)
        assert reply and not reply.startswith(not_understood), (command, reply)
    # A few of them, exactly: the search finds the seaside place, VIEW shows #3, CANCEL withdraws the request.
    await sms.text(GUEST, "メニュー")
    page = await sms.text(GUEST, "検索 海")
    assert page.splitlines()[-1] == _page_footer(sms, "海", 3) and page.count("#") == 1
    assert (await sms.text(GUEST, "詳細 3")).startswith("#3")
    assert (await last_request(sms, GUEST))["status"] == "cancelled"  # 取消 above withdrew it
    assert await sms.text(GUEST, "停止") == sms.render("opted_out", "ja", requests=0, listings=0)
    assert user(sms, GUEST)["opted_out"] == 1
    assert await sms.text(GUEST, "再開") == sms.render("opted_in_changes", "ja", listings=[], requests=[ref], stays=[],
                                                     more=False)


@pytest.mark.parametrize("example", ["12月11日〜14日", "12月11日から3泊"])
async def test_the_date_examples_japanese_help_gives_file_that_stay(sms: Sms, example: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number}")
    help_text = await sms.text(GUEST, "ヘルプ")
    stay = {"example_in": date(2026, 12, 11), "example_out": date(2026, 12, 14)}  # two weeks out, 3 nights
    assert help_text == sms.render("help_dates", "ja", **stay) and example in help_text
    assert await sms.text(GUEST, example) == sms.render("ask_guest_count", "ja", number=number, most=4)
    await sms.text(GUEST, "2名")
    await sms.text(GUEST, "花子")
    request = await last_request(sms, GUEST)
    assert (request["check_in"], request["check_out"]) == ("2026-12-11", "2026-12-14")
