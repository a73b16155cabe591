"""Each person has a language: LANG switches it, new numbers get the default, and everyone is written to
in their own language, whoever caused the message. Commands work in every language."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from bot.app import create_app
from bot.config import ROOT, Config
from bot.keys import CATALOG
from bot.reload import RELOADER
from tests.conftest import GUEST, GUEST2, HOST, AiohttpClient, Sms, book, list_place


@pytest.mark.parametrize("command", ["LANG JA", "lang ja", "LANG 日本語", "言語 日本語", "LANG Japanese", "日本語",
                                     "にほんご", "ＬＡＮＧ　ＪＡ"])
async def test_lang_ja_and_the_names_of_japanese_switch_to_japanese(sms: Sms, command: str) -> None:
    assert "Welcome to Airtng" in await sms.text(GUEST, "hello")
    assert await sms.text(GUEST, command) == "これからは日本語でお送りします。"
    assert "最初に戻りました" in await sms.text(GUEST, "MENU")
    assert "Airtng：一覧" in await sms.text(GUEST, "HELP")


@pytest.mark.parametrize("command", ["LANG EN", "LANG English", "言語 英語", "English", "英語"])
async def test_and_back_to_english(sms: Sms, command: str) -> None:
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, command) == "OK, I'll text you in English."
    assert "OK, back to the start" in await sms.text(GUEST, "メニュー")


async def test_an_unknown_language_lists_the_ones_we_have(sms: Sms) -> None:
    assert "I only speak: en, ja" in await sms.text(GUEST, "LANG FR")
    await sms.text(GUEST, "LANG JA")
    assert "対応している言語は en、ja です" in await sms.text(GUEST, "LANG Klingon")


async def test_the_language_is_remembered(sms: Sms) -> None:
    await sms.text(GUEST, "LANG JA")
    assert "まだ予約はありません" in await sms.text(GUEST, "STATUS")
    assert "まだ予約はありません" in await sms.text(GUEST, "状況")


@pytest.fixture
def japanese_default(config: Config) -> Config:
    return config.with_(default_language="ja")


async def test_new_numbers_get_the_configured_default_language(
    aiohttp_client: AiohttpClient, japanese_default: Config, sms: Sms
) -> None:
    # The `sms` app uses the shipped default (English); a second app with default ja, on the same database,
    # greets a new number in Japanese.
    app = create_app(japanese_default, clock=sms.clock)
    other = Sms(await aiohttp_client(app), sms.twilio, sms.clock, app, itertools.count(1000))  # its own sids
    assert "Airtngへようこそ" in await other.text(GUEST2, "こんにちは")
    assert "Welcome to Airtng" in await sms.text(GUEST, "hello")


async def test_host_and_guest_each_read_their_own_language(sms: Sms) -> None:
    number = await list_place(sms)  # the host (English) lists a place
    await sms.text(GUEST, "LANG JA")
    reply = await sms.text(GUEST, f"予約{number} 12/20-12/23")
    assert "お名前を教えてください" in reply
    reply = await sms.text(GUEST, "花子")
    assert "リクエストを送りました！" in reply and "12月20日〜12月23日(3泊)" in reply
    ref = reply.split("予約番号：")[1].split("。")[0]

    prompt = sms.inbox(HOST)[-1]  # caused by a Japanese guest, written in the English host's language
    assert prompt.startswith("花子 would like to stay at #") and "Dec 20-23" in prompt and "Reply YES" in prompt
    assert "Accepted: 花子" in await sms.text(HOST, "YES")
    told = sms.inbox(GUEST)[-1]
    assert told == f"お待たせしました！#{number}、12月20日〜12月23日のご滞在が確定しました(予約番号 {ref})。"
    assert f"{ref} #{number} 12/20〜12/23：確定" in await sms.text(GUEST, "状況")


async def test_a_japanese_host_decides_with_hai_and_iie(sms: Sms) -> None:
    await sms.text(HOST, "LANG JA")
    assert "お名前を教えてください" in await sms.text(HOST, "掲載")
    assert "宿の説明を1通で送ってください(20〜500文字)" in await sms.text(HOST, "アナ")
    description = "港の見える明るいロフト。寝室が二つ、バルコニー付きで駅から徒歩五分です。"
    assert "次に写真を送ってください" in await sms.text(HOST, description)
    reply = await sms.text(HOST, "スキップ")
    assert reply.startswith("宿を #") and "(写真なし)" in reply
    number = int(reply.split("#")[1].split(" ")[0])

    await book(sms, GUEST, number, "Dec 20-23", name="Bob")
    await book(sms, GUEST2, number, "Dec 27-29", name="Eve")
    prompt = sms.inbox(HOST)[-1]
    assert prompt.startswith(f"Bobさんが #{number}(港の見える明るいロフト。") and "12月20日〜12月23日、3泊" in prompt
    reply = await sms.text(HOST, "はい")
    assert "承諾しました：Bobさん" in reply and "Eveさんが" in reply  # the next request follows
    assert "is confirmed" in sms.inbox(GUEST)[-1]  # the English guest hears it in English
    assert "お断りしました：Eveさん" in await sms.text(HOST, "いいえ")
    assert "can't take your stay" in sms.inbox(GUEST2)[-1]
    assert "返事待ち0件" in await sms.text(HOST, "掲載中")
    assert "いまお返事が必要なリクエストはありません" in await sms.text(HOST, "YES")  # English words still work


async def test_a_japanese_guest_uses_japanese_commands_end_to_end(sms: Sms) -> None:
    number = await list_place(sms, description="Quiet cabin in the pines, near the hot springs 温泉")
    await sms.text(GUEST, "LANG JA")
    assert f"#{number} Quiet cabin" in await sms.text(GUEST, "一覧")
    assert f"#{number}" in await sms.text(GUEST, "検索 温泉")
    assert "「城」の宿" not in await sms.text(GUEST, "検索 城")
    view = await sms.text(GUEST, f"詳細{number}")
    assert "(ホスト：Ana)" in view and f"「予約 {number}」" in view
    assert "ご希望の日程" in await sms.text(GUEST, f"予約 {number}")
    assert "日付を読み取れませんでした" in await sms.text(GUEST, "そのうち")
    assert "お名前" in await sms.text(GUEST, "12/20-12/23")
    reply = await sms.text(GUEST, "Bob")
    ref = reply.split("予約番号：")[1].split("。")[0]
    assert f"{ref}(#{number})を取り消しました" in await sms.text(GUEST, f"取消 {ref}")
    assert "一覧、検索" in await sms.text(GUEST, "ヘルプ")


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
    assert "You have no trips yet" in await sms.text(GUEST, "状況")
    assert "最初に戻りました" in await sms.text(GUEST, "MENU")


async def test_japanese_date_examples_follow_the_calendar_and_are_accepted(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    # The fake clock's today is 2026-11-27: the example is two weeks out, three nights, written month/day.
    assert "例：12/11-12/14" in await sms.text(GUEST, f"予約 {number}")
    assert "「12/11-12/14」のように" in await sms.text(GUEST, "そのうち")
    assert "(例：12/11-12/14)" in await sms.text(GUEST, "ヘルプ")
    assert "お名前" in await sms.text(GUEST, "12/11-12/14")
    await sms.text(GUEST, "メニュー")
    sms.clock.advance(days=18)  # Dec 15: the example stay now ends in January, and still reads back
    assert "例：12/29-1/1" in await sms.text(GUEST, f"予約 {number}")
    assert "お名前" in await sms.text(GUEST, "12/29-1/1")
    assert "12月29日〜1月1日(3泊)" in await sms.text(GUEST, "花子")


async def test_a_japanese_guest_reads_in_japanese_why_a_request_cannot_be_cancelled(sms: Sms) -> None:
    number = await list_place(sms)
    declined = await book(sms, GUEST, number, "Dec 20-23")
    withdrawn = await book(sms, GUEST, number, "Dec 27-29")
    expired = await book(sms, GUEST, number, "Jan 5-7")
    await sms.text(HOST, "NO")  # the first request is the one in front of the host
    await sms.text(GUEST, "LANG JA")
    assert "を取り消しました" in await sms.text(GUEST, f"取消 {withdrawn}")
    sms.clock.advance(hours=25)
    await sms.run_scheduler()
    assert await sms.text(GUEST, f"取消 {declined}") == f"{declined} はすでにお断りのため、取り消せません。"
    assert await sms.text(GUEST, f"取消 {withdrawn}") == f"{withdrawn} はすでに取消済みのため、取り消せません。"
    assert await sms.text(GUEST, f"取消 {expired}") == f"{expired} はすでに期限切れのため、取り消せません。"


async def test_a_japanese_guest_can_answer_with_dates_written_the_way_the_bot_writes_them(sms: Sms) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"予約 {number}")
    await sms.text(GUEST, "12月20日〜12月23日")
    reply = await sms.text(GUEST, "花子")
    assert "12月20日" in reply and "3泊" in reply
