"""A listing's details as a host answers them, for HOST and EDIT alike: the title, the price per night,
the most guests, the photo. Each reader says what was wrong, with an example of a good answer, and returns
None; the calling flow asks again."""

from __future__ import annotations

import re
from typing import Any

from bot.answers import is_no, is_yes
from bot.context import Context
from bot.money import Money, PriceError, example_price, parse_price, plausible
from bot.text import Text, party_size
from bot.vocabulary import NO_PHOTO_WORDS

TITLE_MIN, TITLE_MAX = 3, 40
GUESTS_MIN, GUESTS_MAX = 1, 16

def title_from(description: str) -> str:
    """A title for a place listed without one: its description, cut after the last whole word that fits
    (as migration 007 titles older places), with three dots (GSM-7, unlike "…")."""
    if len(description) <= TITLE_MAX:
        return description
    cut = description[: TITLE_MAX - 3]
    if description[len(cut)] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.") + "..."


def title_limits() -> dict[str, Any]:
    return {"min_length": TITLE_MIN, "max_length": TITLE_MAX}


def guest_limits() -> dict[str, Any]:
    return {"most": GUESTS_MAX}


def price_example(ctx: Context) -> dict[str, Any]:
    return {"currency": ctx.config.currency, "example": example_price(ctx.config.currency)}


def read_title(ctx: Context, text: Text) -> str | None:
    title = text.clean
    if not TITLE_MIN <= len(title) <= TITLE_MAX or not any(ch.isalpha() for ch in title):
        ctx.say("title_invalid", length=len(title), **title_limits())
        return None
    return title


# A price far from what a night usually costs, asked back ("1泊1,500,000円でよろしいですか？"), in minor units.
_UNSURE_PRICE = "unsure_price"


def read_price(ctx: Context, text: Text) -> Money | None:
    """The price, or None after saying why not: unreadable (with an example), or asked back when it is far
    from what a night costs (`price_asked_back` then holds, and `checked_price` reads the answer)."""
    try:
        price = parse_price(text.clean, ctx.config.currency)
    except PriceError as error:
        ctx.say(error.key, **price_example(ctx))
        return None
    if not plausible(price):
        ctx.state[_UNSURE_PRICE] = price.minor
        ctx.say("price_confirm", price=price)
        return None
    return price


def price_asked_back(ctx: Context) -> bool:
    return _UNSURE_PRICE in ctx.state


def unsure_price(ctx: Context) -> dict[str, Any]:
    """`price_confirm`'s variables: the price asked back."""
    return {"price": Money(int(ctx.state.get(_UNSURE_PRICE, 0)), ctx.config.currency)}


def checked_price(ctx: Context, text: Text) -> Money | None:
    """The answer to a price asked back: YES keeps it; NO asks for the price again; a price is read afresh
    (and may be asked back in turn); anything else asks the question again. None unless a price is taken."""
    if is_yes(text):
        return Money(int(ctx.state.pop(_UNSURE_PRICE)), ctx.config.currency)
    if is_no(text):
        ctx.state.pop(_UNSURE_PRICE, None)
        ctx.say("ask_price", **price_example(ctx))
        return None
    try:
        parse_price(text.clean, ctx.config.currency)
    except PriceError:
        ctx.say("price_confirm", **unsure_price(ctx))
        return None
    ctx.state.pop(_UNSURE_PRICE, None)
    return read_price(ctx, text)


def read_capacity(ctx: Context, text: Text) -> int | None:
    count = party_size(text.clean)
    if count is None or not GUESTS_MIN <= count <= GUESTS_MAX:
        ctx.say("capacity_invalid", **guest_limits())
        return None
    return count


def _is_web_link(value: str) -> bool:
    lowered = value.lower()
    return (lowered.startswith(("http://", "https://")) and " " not in value and len(value) <= 500
            and "." in value.split("//", 1)[1])


_PARTS = re.compile(r"[,、。.!！]\s*")


def no_photo(text: Text) -> bool:
    """SKIP, "no photo", なし: the answer to "send a photo" that means none (`NO_PHOTO_WORDS`, and only those)."""
    if text.media:
        return False
    # "いいえ、写真はありません", "no, no photo": every part a no-photo word.
    parts = [part for part in _PARTS.split(text.plain) if part]
    return text.word in NO_PHOTO_WORDS or (bool(parts) and all(part in NO_PHOTO_WORDS for part in parts))


def read_photo(ctx: Context, text: Text) -> tuple[bool, str | None]:
    """(answered, photo_url): a picture (MMS), an http(s) link, or SKIP/NO for none; else (False, None)
    after saying what works."""
    if text.media:
        return True, text.media[0]
    if no_photo(text):
        return True, None
    if _is_web_link(text.clean):
        return True, text.clean
    ctx.say("photo_invalid")
    return False, None
