"""How a text is read: the command word, its arguments, lone words, near-miss suggestions."""

from __future__ import annotations

import pytest

from bot.text import OPT_OUT_WORDS, YES_WORDS, Text, leading_number, suggest


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
