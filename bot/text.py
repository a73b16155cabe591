"""What a texter sent, normalised for matching commands."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Generic, TypeVar

from bot import vocabulary
from bot.vocabulary import EDGE_PUNCTUATION, Answer, Decision


def fold(word: str) -> str:
    """Fold for matching. NFKC folds full-width letters (ＹＥＳ) typed on Japanese keyboards into ASCII."""
    normal = unicodedata.normalize("NFKC", word)
    # A message of punctuation alone ("?") is kept as it is, so that "?" can mean HELP.
    return (normal.strip(EDGE_PUNCTUATION) or normal.strip()).upper()


# Katakana to hiragana: one code-point shift (ァ U+30A1 .. ヶ U+30F6 to ぁ U+3041 .. ゖ U+3096). Half-width
# katakana (ｲﾁﾗﾝ) is made full-width by NFKC first, so no library is needed for either.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def kana_fold(word: str) -> str:
    """A folded word (`fold`) with its katakana as hiragana: イチラン, ｲﾁﾗﾝ and いちらん are one spelling of
    一覧, ｼﾞｮｳｷｮｳ and じょうきょう one of 状況. Command words are matched in this form."""
    return word.translate(_KATAKANA_TO_HIRAGANA)


def search_fold(text: str) -> str:
    """Text as SEARCH compares it: NFKC (full-width letters to ASCII) then casefold, in every script
    ("ÉTÉ" and "été" match, as "Loft" and "LOFT" do)."""
    return unicodedata.normalize("NFKC", text).casefold()


# Japanese is written without spaces: "予約3" is "予約 3". A first word of non-ASCII letters glued to a
# number is split there (ASCII words are left alone: "B2B" stays one word).
_GLUED_NUMBER = re.compile(r"^([^\x00-\x7f\d#＃]+)([#＃]?\d.*)$")
# Japanese puts the object first and may add a verb ending: "1番を予約", "海を検索します", "予約する 1". The
# command is the verb without its ending; what comes before を is its argument.
_VERB_ENDING = re.compile(r"(?:をお願いします|お願いします|してください|したいです|したい|します|する)$")
_OBJECT_FIRST = re.compile(r"^(?P<object>[^を\s]+)を(?P<verb>[^を\s\x00-\x7f]+)$")


def _japanese_order(first: str) -> tuple[str, str]:
    """A non-ASCII first word as (command, argument taken from it): "1番を予約" -> ("予約", "1番"),
    "予約する" -> ("予約", "")."""
    if first.isascii():
        return first, ""
    moved = ""
    if (object_first := _OBJECT_FIRST.match(first)) is not None:
        first, moved = object_first.group("verb"), object_first.group("object")
    verb = _VERB_ENDING.sub("", first)
    return (verb or first), moved


# Hiragana, katakana, CJK ideographs, Japanese punctuation and full-width forms (a Japanese keyboard).
_JAPANESE_SCRIPT = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff9f]")


_LATIN_LETTER = re.compile(r"[A-Za-z]")


def speaks_japanese(phone: str, body: str) -> bool:
    """A first text in Japanese script (which every Japanese command is: 一覧, 予約 1, ヘルプ), or from a
    Japanese number (+81) unless it is written in Latin script ("Hi", "BROWSE", "help": a visitor with a
    Japanese SIM, answered in English): the person is answered in Japanese from their first text on."""
    if not body.isascii() and _JAPANESE_SCRIPT.search(body) is not None:
        return True
    return phone.startswith("+81") and _LATIN_LETTER.search(unicodedata.normalize("NFKC", body)) is None


T = TypeVar("T")


class once(Generic[T]):
    """`functools.cached_property` without its lock: Python 3.11's takes an RLock on every first read, which
    cost more than most of the forms it caches. A Text is read by the one unit of work it belongs to."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self._func = func
        self._name = func.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]  # read on the class (introspection)
        value = instance.__dict__[self._name] = self._func(instance)
        return value


@dataclass(frozen=True)
class Text:
    """One inbound text: its body, any MMS media, and the command word it starts with."""

    raw: str
    media: tuple[str, ...] = field(default=())

    # The derived forms are computed once per text (the engine and the flows ask for them many times).

    @once
    def clean(self) -> str:
        """The body without surrounding whitespace, inner runs of spaces folded."""
        return " ".join(self.raw.split())  # str.split's whitespace is exactly the regular expressions' \s

    @once
    def _parts(self) -> tuple[str, ...]:
        parts = self.said.split(" ", 1)
        glued = None if parts[0].isascii() else _GLUED_NUMBER.match(parts[0])
        if glued:
            parts = [glued.group(1), " ".join([glued.group(2), *parts[1:]])]
        command, moved = _japanese_order(parts[0])
        if moved or command != parts[0]:
            rest = " ".join(part for part in (moved, *parts[1:]) if part)
            return (command, rest) if rest else (command,)
        return tuple(parts)

    @once
    def word(self) -> str:
        """The first word, folded for matching: ' book 3 ' -> 'BOOK', 'Yes!' -> 'YES', '予約3' -> '予約'."""
        return fold(self._parts[0]) if self._parts[0] else ""

    @once
    def command_word(self) -> str:
        """`word` with katakana as hiragana (`kana_fold`): the form command words are looked up in."""
        return kana_fold(self.word)

    @once
    def said(self) -> str:
        """`clean`, or the command a whole Japanese sentence says (`vocabulary.command_phrase`):
        "3番の掲載をやめたい" -> "UNLIST 3"."""
        return vocabulary.command_phrase(unicodedata.normalize("NFKC", self.clean)) or self.clean

    @once
    def args(self) -> str:
        """Everything after the first word."""
        return self._parts[1].strip() if len(self._parts) > 1 else ""

    @once
    def folded(self) -> str:
        """The whole text folded for matching (`fold`): decisions, small talk and keywords all read it."""
        return fold(self.clean)

    @once
    def plain(self) -> str:
        """`folded` without emoji (a 🙏 after dates, a 👍 after a yes): what words are matched against."""
        return vocabulary.strip_emoji(self.folded)

    @once
    def answer(self) -> Answer | None:
        """The text read as an answer to a yes/no question the bot asked (`vocabulary.read_answer`): "yes
        please", 👍, "no, we have family staying", お願いします. None if it is not one."""
        if not self.clean or self.media:
            return None
        found = vocabulary.read_answer(self.folded)
        if found is None or found.bare:
            return found
        if "?" in self.clean or "？" in self.clean:
            return None  # "sorry, what?", "はい、駐車場はありますか？": a question of its own, not an answer
        if not found.reason:
            return found
        # The reason as it was typed, not folded to upper case: the guest is told the host's own words.
        typed = unicodedata.normalize("NFKC", self.clean).strip(EDGE_PUNCTUATION)
        tail = typed[-len(found.reason):]
        return replace(found, reason=tail) if tail.upper() == found.reason else found

    @once
    def decision(self) -> Decision | None:
        """Yes, no or unclear, if the text answers a yes/no question, else None."""
        return self.answer.decision if self.answer is not None else None

    @once
    def bare_decision(self) -> Decision | None:
        """A decision said and nothing more ("ok", "yes please", "申し訳ないですが、お断りします"), not one that
        opens a sentence ("はい、海の見える部屋です" is a description): what a step that asked no yes/no
        question must not take as its own answer."""
        answer = self.answer
        if answer is None:
            return None
        if answer.bare or (answer.decision is Decision.NO and vocabulary.ends_with_no(self.plain)):
            return answer.decision
        return None

    @once
    def small_talk(self) -> str | None:
        """The kind of small talk the whole text is (greeting, thanks, ok), or None."""
        return None if self.media else vocabulary.small_talk_kind(self.folded)

    @once
    def lone_word(self) -> str | None:
        """The folded message if it is a single word ('Stop.' -> 'STOP'), else None."""
        return self.word if self.clean and len(self._parts) == 1 else None

    @once
    def keyword(self) -> str | None:
        """The lone word exactly as typed (folded), as carriers match opt-out keywords: '停止' is one, but
        '停止します' is not (it is 停止 only to our reading of commands, which drops verb endings)."""
        return self.lone_word if self.lone_word is not None and self.folded == self.lone_word else None


def split_glued(text: Text, commands: tuple[str, ...]) -> Text | None:
    """"検索海" read as "検索 海": the first of `commands` (longest first) the text starts with, followed by
    its argument without a space, as Japanese is written. None if it starts with none of them. `commands`
    are kana-folded (`kana_fold`), and so is the text compared with them (kana_fold keeps its length)."""
    normal = unicodedata.normalize("NFKC", text.clean)
    folded = kana_fold(normal)
    for command in commands:
        if folded.startswith(command) and len(normal) > len(command):
            return Text(f"{command} {normal[len(command):]}", text.media)
    return None


@functools.lru_cache(maxsize=4096)
def suggest(word: str, commands: tuple[str, ...]) -> str | None:
    """A close spelling of a known command ('BROWZE' -> 'BROWSE'), if there is one. Never a decision word:
    a suggestion of YES or NO would be answered by a later YES as if it were a host's decision.

    Cached: difflib costs ~0.2 ms a call, and the same few misspellings ("hi", "BROWZE") come back."""
    if len(word) < 3 or len(word) > 20:
        return None
    candidates = [command for command in commands if vocabulary.read_answer(fold(command)) is None]
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.75)
    return matches[0] if matches else None


# "3", "#3", "＃３" (NFKC folds the full-width forms), "3番" (Japanese counts places with 番).
_NUMBER = re.compile(r"^#?(\d{1,9})(?:番|\b)")


def leading_number(text: str) -> tuple[int, str] | None:
    """'#3 Dec 20-23' -> (3, 'Dec 20-23'), '＃３番' -> (3, ''); None without a number first."""
    normal = unicodedata.normalize("NFKC", text).strip()
    match = _NUMBER.match(normal)
    if match is None:
        return None
    return int(match.group(1)), normal[match.end():].strip()


# -- numbers as Japanese writes them ------------------------------------------------------------------------

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_LARGE_UNITS = {"万": 10_000, "億": 100_000_000}
# One run of a number: digits (a decimal point only before a unit: 1.5万), kanji digits, or a unit.
_NUMBER_PART = re.compile(r"\d+(?:\.\d+)?|[〇零一二三四五六七八九]+|[十百千万億]")


def japanese_number(written: str) -> int | None:
    """A whole number written as Japanese does, after NFKC: 一万五千, 1万5000, 1万5千, 1.5万, 三, 十二, 15000.
    None when `written` is anything else (or not whole: 1.25千)."""
    parts = _NUMBER_PART.findall(written)
    if not parts or "".join(parts) != written:
        return None
    total, section, pending = Decimal(0), Decimal(0), None
    for part in parts:
        if part in _LARGE_UNITS:
            total += (section + (pending or 0) or 1) * _LARGE_UNITS[part]
            section, pending = Decimal(0), None
        elif part in _SMALL_UNITS:
            section += (pending if pending is not None else 1) * _SMALL_UNITS[part]
            pending = None
        elif pending is not None:
            return None  # two numbers in a row ("15 000"): not one number
        else:
            pending = Decimal("".join(str(_KANJI_DIGITS[ch]) for ch in part) if part[0] in _KANJI_DIGITS else part)
    value = total + section + (pending or 0)
    if pending is not None and pending != pending.to_integral_value():
        return None  # "1.5" with no unit after it is no whole number
    return int(value) if value == value.to_integral_value() else None


# -- party sizes --------------------------------------------------------------------------------------------

# Words for a number of people that are not a numeral: "two", "ふたり", "a couple of us", "just me".
_PARTY_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "a couple of us": 2, "a couple": 2, "couple": 2, "just me": 1, "only me": 1, "me": 1, "myself": 1,
    "just us two": 2, "the two of us": 2, "both of us": 2,
    "ひとり": 1, "ふたり": 2, "二人": 2, "一人": 1, "お一人": 1, "おひとり": 1, "お二人": 2, "おふたり": 2,
}
# Words around a count that say nothing about it: "sleeps 4", "up to 4 people", "4人", "大人2名で", "子供1名".
_PARTY_FILLER = re.compile(
    r"\b(?:sleeps|up|to|max|maximum|for|of|us|guests?|people|persons?|adults?|kids?|child(?:ren)?|pax|total|"
    r"in|we|are|there|will|be)\b|人|名|様|まで|最大|大人|子供|子ども|こども|小人|幼児|お願いします|お願いいたします|です|で|合計|全部|計")
# A party told in parts, each counted: "大人2名、子供1名" (3), "2 adults and 1 child".
_PARTY_PARTS = re.compile(r"[、,+＋・/]|\band\b")


def party_size(text: str) -> int | None:
    """The number of people in "4", "4 guests", "sleeps 4", "４人", "三名", "二人", "ふたり", "two", "a couple of
    us", "大人2名、子供1名" (3, the parts added); None if it says no number of people."""
    normal = unicodedata.normalize("NFKC", text).lower().strip(" .!。")
    parts = [part for part in _PARTY_PARTS.split(normal) if part.strip()]
    counts = [_party_part(part) for part in parts]
    if not counts or any(count is None for count in counts):
        return None
    return sum(count for count in counts if count is not None)


def _party_part(part: str) -> int | None:
    words = " ".join(part.split())
    if words in _PARTY_NUMBER_WORDS:
        return _PARTY_NUMBER_WORDS[words]
    plain = "".join(_PARTY_FILLER.sub(" ", words).split())
    if plain in _PARTY_NUMBER_WORDS:
        return _PARTY_NUMBER_WORDS[plain]
    count = japanese_number(plain) if len(plain) <= 3 else None
    return count if count is not None and count < 1000 else None


# A party size at the end of a BOOK or of the dates answer: "... 2 guests", "... 2人", "... 大人2名、子供1名で".
_TRAILING_PARTY = re.compile(
    r"(?:^|[\s,、])(?P<party>(?:for\s+)?(?:(?:大人|子供|子ども|こども)\s*)?(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*"
    r"(?:guests?|people|persons?|adults?|pax|人|名)(?:\s*[、,]\s*(?:大人|子供|子ども|こども)\s*"
    r"(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*(?:人|名))*)(?:\s*で(?:す)?)?\s*$",
    re.IGNORECASE)


def trailing_party(text: str) -> tuple[str, int | None]:
    """'Dec 20-23 2 guests' -> ('Dec 20-23', 2), '12月20日〜23日 大人2名、子供1名' -> ('12月20日〜23日', 3); text
    without a party size at its end is returned whole."""
    normal = unicodedata.normalize("NFKC", text).strip()
    match = _TRAILING_PARTY.search(normal)
    count = party_size(match.group("party")) if match is not None else None
    if match is None or count is None:
        return text.strip(), None
    return normal[: match.start()].strip(" ,、"), count
