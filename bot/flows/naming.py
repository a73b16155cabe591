"""Asking a person's name the first time a flow needs it (listing or booking), then remembering it.

People answer the way they talk ("My name is Dave Smith, thanks!", "It's Dave", "私は山田です"): the name
is taken out of the sentence. A command word, a date, a number or booking words ("next weekend", "2 guests",
来週末に2人, 3泊) are refused with a hint, since they are far more likely a text meant for something else
than a name: stored, they would be shown to hosts as the guest's name.
"""

from __future__ import annotations

import functools
import re

from bot import vocabulary
from bot.context import Context
from bot.router import command_words
from bot.text import Text, fold

NAME_MAX = 40

# "My name is Dave", "I'm Dave", "It's Dave", "This is Dave", "Call me Dave", "Dave here".
_LEAD_IN = re.compile(
    r"^(?:(?:hi|hello|hey)[,!.]?\s+)?(?:my\s+name\s+is|my\s+name'?s|name'?s|name\s+is|i\s+am|i'?m|it\s+is|it'?s|"
    r"this\s+is|call\s+me)\s+",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"(?:[\s,.;!-]+(?:thanks|thank\s+you|thx|please|here))+[\s.!]*$", re.IGNORECASE)
# 「私は山田です」「山田と申します」「名前は山田です」
_JA_LEAD_IN = re.compile(r"^(?:私|わたし|わたくし|僕|ぼく|俺|おれ|名前|なまえ|わたしの名前|私の名前)(?:は|の名前は)")
_JA_TRAILER = re.compile(r"(?:です|と申します|といいます|と言います|だよ|よろしくお願いします|よろしく)+[。！!.\s]*$")
_EDGES = " \t,.;:!?-。、！？「」\"'"
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
# "Dec 20", "20 Dec", "12/20", "2026-12-20", "12月20日": a date sent where the name was asked.
_DATE = re.compile(rf"(?:\b{_MONTH}\s*\d|\d\s*{_MONTH}\b|\d+\s*[/-]\s*\d+|\d+\s*[月日])", re.IGNORECASE)
_COMMAND_AND_NUMBER = re.compile(r"^(\S+)\s+#?\d+$")
# Words of a stay or a party, in either language. Only words no name is made of: not 人 alone (直人, 人見),
# nor a kanji numeral alone (一郎, 健二), nor "May", "Sun", "Guest" or "Night", which are names (a digit
# before them is refused anyway).
_BOOKING_WORDS = re.compile(
    r"\b(?:weekends?|tonight|tomorrow|today|nights|guests|people|persons|adults|pax|next\s+week|this\s+week)\b"
    r"|週末|来週|今週|明日|明後日|あした|あさって|今日|今夜|本日|泊|予約|曜日|名様|[一二三四五六七八九十\d]\s*[人名]",
    re.IGNORECASE,
)
# A number standing on its own ("2 guests", "Dave 2", "予約 3"): a count or a listing, never part of a name.
# Digits inside a word ("Host1", "R2D2") are left to the person: a handle some people go by.
_NUMBER_ALONE = re.compile(r"(?<!\w)\d+(?!\w)")


def needs_name(ctx: Context) -> bool:
    return not ctx.texter.name


def ask_name(ctx: Context) -> None:
    """Ask; the calling flow goes on at its own name step."""
    ctx.say("ask_name")


def name_in(text: str) -> str:
    """The name in what someone answered to "What's your name?"."""
    name = text.strip(_EDGES)
    name = _TRAILER.sub("", name).strip(_EDGES)
    name = _LEAD_IN.sub("", name).strip(_EDGES)
    name = _JA_TRAILER.sub("", name).strip(_EDGES)
    name = _JA_LEAD_IN.sub("", name).strip(_EDGES)
    return name


@functools.cache
def _command_words() -> frozenset[str]:
    """Every word that means something on its own: joined once, at the first name read (when every flow has
    registered its commands), since the union of a dozen sets costs more than the rest of reading a name."""
    return frozenset(command_words() | vocabulary.SMALL_TALK.keys() | vocabulary.HELP_WORDS
                     | vocabulary.MENU_WORDS | vocabulary.LEAVE_WORDS | vocabulary.OPT_IN_WORDS
                     | vocabulary.OPT_OUT_WORDS)


def _command_word(name: str) -> str | None:
    """The command word a would-be name is ("Browse", "BOOK 3", "Yes", "Thanks"), or None."""
    with_number = _COMMAND_AND_NUMBER.match(name)
    word = fold(with_number.group(1) if with_number else name)
    if word in _command_words() or vocabulary.read_answer(word, strict=True) is not None:
        return word
    return None


def _looks_like_a_date(name: str) -> bool:
    letters = any(ch.isalpha() for ch in name)
    return bool(_DATE.search(name)) or (not letters and any(ch.isdigit() for ch in name))


def take_name(ctx: Context, text: Text) -> bool:
    """Store the name if it looks like one; otherwise ask again with a hint. True when the name is set."""
    name = name_in(text.clean)
    if _looks_like_a_date(name):
        ctx.say("name_not_a_date", max_length=NAME_MAX)
        return False
    word = _command_word(name)
    if word is not None:
        ctx.say("name_is_a_command", word=word, max_length=NAME_MAX)
        return False
    if _BOOKING_WORDS.search(name) or _NUMBER_ALONE.search(name):
        ctx.say("name_not_booking", max_length=NAME_MAX)
        return False
    if not name or len(name) > NAME_MAX or not any(ch.isalpha() for ch in name):
        ctx.say("name_invalid", max_length=NAME_MAX)
        return False
    ctx.store.set_name(ctx.texter.id, name)
    ctx.texter.name = name
    return True
