"""The one guard on every message we produce: never over Twilio's 1,600 characters (error 21617).

Twilio counts the body in characters and, for UCS-2 text, in UTF-16 code units (an emoji is two); the guard
holds both. What grows a message past the limit is nearly always something the texter typed and we echo
(a 1,700-character SEARCH), so the middle goes and the ending stays: the last sentence is the next step.
"""

from __future__ import annotations

from bot.catalog import MAX_CHARACTERS

ELLIPSIS = "..."  # GSM-7, unlike "…", so a cut English text stays in one encoding
# The ending kept whole when a message must be cut: its last sentence, if that is no longer than this.
ENDING_MAX = 320


def units(text: str) -> int:
    """UTF-16 code units: what Twilio counts for UCS-2 text (never fewer than the characters). Every
    message passes here (`cap`): text without a character beyond the BMP is counted without encoding it."""
    if text.isascii() or max(text) <= "\uffff":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _head(text: str, budget: int) -> str:
    """The start of `text` in at most `budget` UTF-16 units, cut after a whole word where there is one."""
    end = min(len(text), budget)
    while end > 0 and (excess := units(text[:end]) - budget) > 0:
        end -= excess  # each character is at least one unit: this never cuts more than it must by much
    cut = text[:end]
    if end < len(text) and not text[end].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"))
        if space > budget // 2:  # one giant "word" (a URL, Japanese without spaces): cut it where it falls
            cut = cut[:space]
    return cut.rstrip()


def _ending(text: str) -> str:
    """The message's last sentence or line, when it is short enough to be worth keeping whole."""
    body = text.rstrip()[:-1]  # a mark ending the message itself starts no sentence (Japanese "。" at the end)
    starts = [body.rfind(mark) + len(mark) for mark in (". ", "! ", "? ", "\n", "。", "！", "？") if mark in body]
    start = max(starts, default=-1)
    tail = text[start:].strip() if start > 0 else ""
    return tail if 0 < units(tail) <= ENDING_MAX else ""


def cap(text: str, limit: int = MAX_CHARACTERS) -> str:
    """`text` itself when it fits `limit` UTF-16 units; else its start cut at a word, "...", and its last
    sentence."""
    if units(text) <= limit:
        return text
    ending = _ending(text)
    if ending:
        return _head(text[: len(text) - len(ending)], limit - units(ending) - len(ELLIPSIS) - 1) + \
            ELLIPSIS + " " + ending
    return _head(text, limit - len(ELLIPSIS)) + ELLIPSIS
