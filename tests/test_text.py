"""How a text is read: the command word, its arguments, lone words, near-miss suggestions."""

from __future__ import annotations

import pytest

from bot.text import (
    Text,
    leading_number,
    speaks_japanese,
    split_glued,
    suggest,
)
from bot.vocabulary import OPT_OUT_WORDS, YES_WORDS, Decision

YES, NO, UNCLEAR = Decision.YES, Decision.NO, Decision.UNCLEAR


@pytest.mark.parametrize(
    ("raw", "word", "args"),
    [
        (" book 3 ", "BOOK", "3"),
        ("Book   3   Dec 20-23", "BOOK", "3 Dec 20-23"),
        ("Yes!", "YES", ""),
        ("browse.", "BROWSE", ""),
        ("ＹＥＳ", "YES", ""),  # full-width, from a Japanese keyboard
        ("\n\tHELP?\n", "HELP", ""),
        ("", "", ""),
        ("   ", "", ""),
    ],
)
def test_command_word_and_arguments(raw: str, word: str, args: str) -> None:
    text = Text(raw)
    assert text.word == word
    assert text.args == args


def test_lone_word_is_a_whole_message_of_one_word() -> None:
    assert Text(" Stop. ").lone_word == "STOP"
    assert Text("cancel!").lone_word == "CANCEL"
    assert Text("cancel K7QX2M").lone_word is None
    assert Text("yes please").lone_word is None
    assert Text("").lone_word is None


def test_clean_folds_inner_spaces() -> None:
    assert Text("  Sunny   loft \n by the sea ").clean == "Sunny loft by the sea"


def test_carrier_keywords_and_decision_words_do_not_overlap() -> None:
    assert not OPT_OUT_WORDS & YES_WORDS
    assert "CANCEL" in OPT_OUT_WORDS and "END" in OPT_OUT_WORDS and "QUIT" in OPT_OUT_WORDS


@pytest.mark.parametrize(
    ("word", "expected"),
    [("BROWZE", "BROWSE"), ("BOK", "BOOK"), ("STATSU", "STATUS"), ("LISTNGS", "LISTINGS"), ("XYZZY", None),
     ("BO", None)],
)
def test_close_misspellings_are_suggested(word: str, expected: str | None) -> None:
    commands = ("BROWSE", "BOOK", "STATUS", "LISTINGS", "HOST", "HELP")
    assert suggest(word, commands) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", (3, "")), ("#3 Dec 20-23", (3, "Dec 20-23")), (" 12  ", (12, "")), ("three", None), ("", None),
     ("3rd", None)],
)
def test_leading_number(raw: str, expected: tuple[int, str] | None) -> None:
    assert leading_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "decision"),
    [
        ("はい", YES), ("はい、お願いします", YES), ("承諾します", YES), ("OKです", YES), ("ＯＫです", YES),
        ("ええ", YES),
        ("お願いします。", YES), ("はい！よろしくお願いします", YES), ("Yes!", YES),
        ("いいえ", NO), ("お断りします", NO), ("無理です", NO), ("だめ", NO), ("NG", NO), ("いいえ、結構です", NO),
        ("お断りさせてください", NO), ("no", NO),
        ("大丈夫です", UNCLEAR), ("結構です。", UNCLEAR), ("いいです", UNCLEAR),
        ("yes please", YES), ("一覧", None), ("", None), ("海の見える部屋", None),
    ],
)
def test_decisions_are_read_in_one_place(raw: str, decision: Decision | None) -> None:
    assert Text(raw).decision == decision


def test_a_free_text_step_reads_only_whole_replies_as_decisions() -> None:
    assert Text("はい、海の見える部屋です").decision == YES
    assert Text("はい、海の見える部屋です").bare_decision is None
    assert Text("はい").bare_decision == YES and Text("お断りします").bare_decision == NO


@pytest.mark.parametrize(
    ("raw", "word", "args"),
    [
        ("予約 1番", "予約", "1番"), ("1番を予約", "予約", "1番"), ("予約＃１", "予約", "＃１"),
        ("予約する 1", "予約", "1"),
        ("海を検索", "検索", "海"), ("海を検索します", "検索", "海"), ("よやく1", "よやく", "1"),
        ("1番を予約 12月20日〜23日", "予約", "1番 12月20日〜23日"), ("BOOK 3", "BOOK", "3"),
    ],
)
def test_japanese_word_order_and_verb_endings(raw: str, word: str, args: str) -> None:
    text = Text(raw)
    assert (text.word, text.args) == (word, args)


def test_a_command_glued_to_its_argument_is_split_at_a_known_command() -> None:
    glued = split_glued(Text("検索海"), ("予約確認", "検索"))
    assert glued is not None and (glued.word, glued.args) == ("検索", "海")
    assert split_glued(Text("検索"), ("検索",)) is None  # nothing glued
    assert split_glued(Text("海"), ("検索",)) is None


@pytest.mark.parametrize(("raw", "expected"), [("1番", (1, "")), ("＃３", (3, "")), ("３番 12/20-23", (3, "12/20-23"))])
def test_leading_number_in_japanese(raw: str, expected: tuple[int, str]) -> None:
    assert leading_number(raw) == expected


@pytest.mark.parametrize(
    ("phone", "body", "japanese"),
    [("+15551230001", "一覧", True), ("+15551230001", "ヘルプ", True), ("+15551230001", "ＨＥＬＰ", True),
     ("+819012345678", "hello", False), ("+819012345678", "👋", True), ("+819012345678", "3", True),
     ("+15551230001", "hello", False), ("+15551230001", "Café ☕", False),
     ("+15551230001", "BOOK 3 Dec 20-23", False)],
)
def test_who_is_answered_in_japanese_from_the_first_text(phone: str, body: str, japanese: bool) -> None:
    assert speaks_japanese(phone, body) is japanese


def test_keyword_is_the_lone_word_as_typed() -> None:
    assert Text("停止。").keyword == "停止" and Text(" Stop. ").keyword == "STOP"
    assert Text("停止します").lone_word == "停止" and Text("停止します").keyword is None
