"""What a texter sent, normalised for matching commands."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

# Whole-message keywords carriers and Twilio act on themselves (see shared twilio facts). A lone one of
# these never means anything else in Airtng.
# The Japanese ones (停止, 配信停止, ストップ / 再開) are ours: operators add them as Advanced Opt-Out keywords at
# Twilio (README), so the carrier side agrees with what we do.
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
                           "停止", "配信停止", "ストップ"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "再開"})
HELP_WORDS = frozenset({"HELP", "INFO", "?", "ヘルプ", "使い方"})
MENU_WORDS = frozenset({"MENU", "メニュー", "最初から"})
YES_WORDS = frozenset({"YES", "Y", "ACCEPT", "OK", "OKAY", "CONFIRM", "はい", "承認", "承諾", "了解"})
NO_WORDS = frozenset({"NO", "N", "REJECT", "DECLINE", "いいえ", "拒否", "お断り", "断る"})

# -- decisions ------------------------------------------------------------------------------------------
# What `Text.decision` answers: a yes, a no, or a reply that sounds like an answer but could mean either.
# YES and NO are themselves members of YES_WORDS / NO_WORDS, so a step's `own_words=NO_WORDS` owns every
# way of saying no.
YES = "YES"
NO = "NO"
UNCLEAR = "UNCLEAR"

# Whole replies (folded) that decide, beyond the single words above.
_YES_PHRASES = frozenset({"はい、お願いします", "承諾します", "OKです", "オーケー", "ええ", "お願いします",
                          "お願いいたします", "いいですよ"})
_NO_PHRASES = frozenset({"お断りします", "無理です", "無理", "むり", "だめ", "ダメ", "駄目", "だめです",
                         "ダメです", "駄目です", "NG"})
# A reply that starts with one of these decides, whatever follows ("はい、大丈夫です", "いいえ、今回は").
_YES_STARTS = ("はい", "承諾")
_NO_STARTS = ("いいえ", "お断り")
# "大丈夫です" and "結構です" mean yes or no depending on the question and the tone: never a decision; the
# texter is asked again with the two words that work.
_UNCLEAR_PHRASES = frozenset({"大丈夫です", "大丈夫", "だいじょうぶです", "だいじょうぶ", "結構です", "結構",
                              "けっこうです", "いいです"})


def decision_of(clean: str, *, by_start: bool = True) -> str | None:
    """YES, NO or UNCLEAR for a reply that answers a yes/no question, else None. The one place that
    reads decisions: the engine's global routing, the steps that own a decision word, opting back in.
    `by_start=False` reads whole replies only (in a free-text step "はい、海の見える部屋です" is a description)."""
    return _decision_of_folded(fold(clean), by_start=by_start)


def _decision_of_folded(folded: str, *, by_start: bool) -> str | None:
    if folded in YES_WORDS or folded in _YES_PHRASES:
        return YES
    if folded in NO_WORDS or folded in _NO_PHRASES:
        return NO
    if folded in _UNCLEAR_PHRASES:
        return UNCLEAR
    if by_start and folded.startswith(_NO_STARTS):
        return NO
    if by_start and folded.startswith(_YES_STARTS):
        return YES
    return None

_EDGE_PUNCTUATION = " \t\r\n.,!?;:'\"()[]{}<>-_*~`。、！？「」"


def fold(word: str) -> str:
    """Fold for matching. NFKC folds full-width letters (ＹＥＳ) typed on Japanese keyboards into ASCII."""
    normal = unicodedata.normalize("NFKC", word)
    # A message of punctuation alone ("?") is kept as it is, so that "?" can mean HELP.
    return (normal.strip(_EDGE_PUNCTUATION) or normal.strip()).upper()


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


def speaks_japanese(phone: str, body: str) -> bool:
    """A first text in Japanese script (which every Japanese command is: 一覧, 予約 1, ヘルプ), or from a
    Japanese number (+81): the person is answered in Japanese from their first text on."""
    return phone.startswith("+81") or (not body.isascii() and _JAPANESE_SCRIPT.search(body) is not None)


T = TypeVar("T")


class _once(Generic[T]):
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

    @_once
    def clean(self) -> str:
        """The body without surrounding whitespace, inner runs of spaces folded."""
        return " ".join(self.raw.split())  # str.split's whitespace is exactly the regular expressions' \s

    @_once
    def _parts(self) -> tuple[str, ...]:
        parts = self.clean.split(" ", 1)
        glued = None if parts[0].isascii() else _GLUED_NUMBER.match(parts[0])
        if glued:
            parts = [glued.group(1), " ".join([glued.group(2), *parts[1:]])]
        command, moved = _japanese_order(parts[0])
        if moved or command != parts[0]:
            rest = " ".join(part for part in (moved, *parts[1:]) if part)
            return (command, rest) if rest else (command,)
        return tuple(parts)

    @_once
    def word(self) -> str:
        """The first word, folded for matching: ' book 3 ' -> 'BOOK', 'Yes!' -> 'YES', '予約3' -> '予約'."""
        return fold(self._parts[0]) if self._parts[0] else ""

    @_once
    def args(self) -> str:
        """Everything after the first word."""
        return self._parts[1].strip() if len(self._parts) > 1 else ""

    @_once
    def folded(self) -> str:
        """The whole text folded for matching (`fold`): decisions, small talk and keywords all read it."""
        return fold(self.clean)

    @_once
    def decision(self) -> str | None:
        """YES, NO or UNCLEAR if the text answers a yes/no question (`decision_of`), else None."""
        return _decision_of_folded(self.folded, by_start=True) if self.clean else None

    @_once
    def whole_decision(self) -> str | None:
        """`decision` for the whole reply only ("はい", "お願いします"; not "はい、..." followed by more)."""
        return _decision_of_folded(self.folded, by_start=False) if self.clean else None

    @_once
    def lone_word(self) -> str | None:
        """The folded message if it is a single word ('Stop.' -> 'STOP'), else None."""
        return self.word if self.clean and len(self._parts) == 1 else None

    @_once
    def keyword(self) -> str | None:
        """The lone word exactly as typed (folded), as carriers match opt-out keywords: '停止' is one, but
        '停止します' is not (it is 停止 only to our reading of commands, which drops verb endings)."""
        return self.lone_word if self.lone_word is not None and self.folded == self.lone_word else None


def split_glued(text: Text, commands: tuple[str, ...]) -> Text | None:
    """"検索海" read as "検索 海": the first of `commands` (longest first) the text starts with, followed by
    its argument without a space, as Japanese is written. None if it starts with none of them."""
    normal = unicodedata.normalize("NFKC", text.clean)
    for command in commands:
        if normal.startswith(command) and len(normal) > len(command):
            return Text(f"{command} {normal[len(command):]}", text.media)
    return None


@functools.lru_cache(maxsize=4096)
def suggest(word: str, commands: tuple[str, ...]) -> str | None:
    """A close spelling of a known command ('BROWZE' -> 'BROWSE'), if there is one. Never a decision word:
    a suggestion of YES or NO would be answered by a later YES as if it were a host's decision.

    Cached: difflib costs ~0.2 ms a call, and the same few misspellings ("hi", "BROWZE") come back."""
    if len(word) < 3 or len(word) > 20:
        return None
    candidates = [command for command in commands if decision_of(command) is None]
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
