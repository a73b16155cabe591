"""How a texter's answer is read where the bot asked for YES (confirming a cancellation or an unlisting),
and what counts as small talk ("hi", "thanks!", "ok", "ありがとう").

`is_yes` is the one place that decides whether a text means yes: today the lone decision words of
`bot.text`; a richer recognizer ("はい、お願いします") can replace its body without touching the callers.
"""

from __future__ import annotations

from bot.text import NO_WORDS, YES_WORDS, Text


def is_yes(text: Text) -> bool:
    return text.lone_word in YES_WORDS


def is_no(text: Text) -> bool:
    return text.lone_word in NO_WORDS


# The words a confirmation step answers itself, before the engine would read them as a host's decision.
CONFIRM_WORDS = YES_WORDS | NO_WORDS

# Whole texts (folded: upper case, edge punctuation gone) that are greetings, thanks or a plain
# acknowledgement, by kind. Matched as the whole text, so "Thanks, BOOK 3" is not small talk.
SMALL_TALK: dict[str, str] = {
    **dict.fromkeys(("HI", "HELLO", "HEY", "HIYA", "HI THERE", "HELLO THERE", "GOOD MORNING", "GOOD EVENING",
                     "GOOD AFTERNOON", "こんにちは", "こんばんは", "おはよう", "おはようございます", "どうも",
                     "はじめまして", "もしもし"), "greeting"),
    **dict.fromkeys(("THANKS", "THANK YOU", "THANKS A LOT", "THANK YOU SO MUCH", "THX", "TY", "CHEERS",
                     "OK THANKS", "OK THANK YOU", "ありがとう", "ありがとうございます", "ありがとうございました",
                     "どうもありがとう", "サンキュー", "助かりました"), "thanks"),
    **dict.fromkeys(("OK", "OKAY", "K", "KK", "NOPE", "NAH", "NO THANKS", "NO THANK YOU", "COOL", "GREAT",
                     "ALRIGHT", "SURE", "わかりました", "了解です", "オーケー", "大丈夫です"), "ok"),
}


def small_talk(text: Text) -> str | None:
    """The kind of small talk the whole text is (greeting, thanks, ok), or None."""
    if text.media:
        return None
    return SMALL_TALK.get(text.folded.rstrip("!.?！。？ "))
