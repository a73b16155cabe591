"""What a texter sent, normalised for matching commands."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field

# Whole-message keywords carriers and Twilio act on themselves (see shared twilio facts). A lone one of
# these never means anything else in Airtng.
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO", "?", "ヘルプ", "使い方"})
MENU_WORDS = frozenset({"MENU", "メニュー", "最初から"})
YES_WORDS = frozenset({"YES", "Y", "ACCEPT", "OK", "OKAY", "CONFIRM", "はい", "承認", "承諾", "了解"})
NO_WORDS = frozenset({"NO", "N", "REJECT", "DECLINE", "いいえ", "拒否", "お断り", "断る"})

_EDGE_PUNCTUATION = " \t\r\n.,!?;:'\"()[]{}<>-_*~`。、！？「」"
_SPACES = re.compile(r"\s+")


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


@dataclass(frozen=True)
class Text:
    """One inbound text: its body, any MMS media, and the command word it starts with."""

    raw: str
    media: tuple[str, ...] = field(default=())

    # The derived forms are computed once per text (the engine and the flows ask for them many times).

    @functools.cached_property
    def clean(self) -> str:
        """The body without surrounding whitespace, inner runs of spaces folded."""
        return _SPACES.sub(" ", self.raw.strip())

    @functools.cached_property
    def _parts(self) -> tuple[str, ...]:
        parts = self.clean.split(" ", 1)
        glued = _GLUED_NUMBER.match(parts[0])
        if glued:
            return glued.group(1), " ".join([glued.group(2), *parts[1:]])
        return tuple(parts)

    @functools.cached_property
    def word(self) -> str:
        """The first word, folded for matching: ' book 3 ' -> 'BOOK', 'Yes!' -> 'YES', '予約3' -> '予約'."""
        return fold(self._parts[0]) if self._parts[0] else ""

    @functools.cached_property
    def args(self) -> str:
        """Everything after the first word."""
        return self._parts[1].strip() if len(self._parts) > 1 else ""

    @functools.cached_property
    def lone_word(self) -> str | None:
        """The folded message if it is a single word ('Stop.' -> 'STOP'), else None."""
        return self.word if self.clean and len(self._parts) == 1 else None


@functools.lru_cache(maxsize=4096)
def suggest(word: str, commands: tuple[str, ...]) -> str | None:
    """A close spelling of a known command ('BROWZE' -> 'BROWSE'), if there is one.

    Cached: difflib costs ~0.2 ms a call, and the same few misspellings ("hi", "BROWZE") come back."""
    if len(word) < 3 or len(word) > 20:
        return None
    matches = difflib.get_close_matches(word, commands, n=1, cutoff=0.75)
    return matches[0] if matches else None


_NUMBER = re.compile(r"^#?(\d{1,9})\b")


def leading_number(text: str) -> tuple[int, str] | None:
    """'#3 Dec 20-23' -> (3, 'Dec 20-23'); None without a number first."""
    match = _NUMBER.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)), text.strip()[match.end():].strip()
