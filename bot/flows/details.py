"""A listing's details as a host answers them, for HOST and EDIT alike: the title, the price per night,
the most guests, the photo, the description, and what a guest needs after the yes (the address, check-in and
check-out times, how to get in, how to pay). Each reader says what was wrong, with an example of a good
answer, and returns None; the calling flow asks again."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal, get_args

from bot.answers import is_no, is_yes
from bot.context import Context
from bot.models import Listing, PaymentMethod, payment_method
from bot.money import Money, PriceError, example_price, parse_price, plausible
from bot.text import Text, fold, party_size
from bot.vocabulary import NO_PHOTO_WORDS, PAYMENT_WORDS, SKIP_WORDS

TITLE_MIN, TITLE_MAX = 3, 40
GUESTS_MIN, GUESTS_MAX = 1, 16
ADDRESS_MIN, ADDRESS_MAX = 5, 200
ACCESS_MIN, ACCESS_MAX = 3, 300
PAYMENT_NOTE_MAX = 100

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


def read_description(ctx: Context, text: Text) -> str | None:
    body = text.clean
    if len(body) < ctx.config.description_min:
        ctx.say("description_too_short", length=len(body), min_length=ctx.config.description_min)
        return None
    if len(body) > ctx.config.description_max:
        ctx.say("description_too_long", length=len(body), max_length=ctx.config.description_max)
        return None
    return body


# -- after the yes: arriving and paying --------------------------------------------------------------------


def skipped(text: Text) -> bool:
    """SKIP, "later", スキップ: the answer that leaves an arrival or payment question for another day."""
    return not text.media and text.plain in SKIP_WORDS


def arrival_limits() -> dict[str, Any]:
    return {"address_max": ADDRESS_MAX, "access_max": ACCESS_MAX, "note_max": PAYMENT_NOTE_MAX}


def _free_text(text: Text, least: int, most: int) -> tuple[str, bool]:
    """The answer with its spaces folded, and whether its length is within [least, most]."""
    value = " ".join(text.clean.split())
    return value, least <= len(value) <= most


def read_address(ctx: Context, text: Text) -> str | None:
    value, fits = _free_text(text, ADDRESS_MIN, ADDRESS_MAX)
    if not fits:
        ctx.say("address_invalid", length=len(value), min_length=ADDRESS_MIN, max_length=ADDRESS_MAX)
        return None
    return value


def read_access(ctx: Context, text: Text) -> str | None:
    value, fits = _free_text(text, ACCESS_MIN, ACCESS_MAX)
    if not fits:
        ctx.say("access_invalid", length=len(value), min_length=ACCESS_MIN, max_length=ACCESS_MAX)
        return None
    return value


# "15:00", "3pm", "3:30 p.m.", "15時", "15時半", "午後3時": an hour, maybe minutes, maybe a half of the day.
_TIME = re.compile(r"(?P<day_half>午前|午後)?\s*(?P<hour>\d{1,2})(?:\s*[:.]\s*(?P<minute>\d{2})"
                   r"|\s*時(?:\s*(?P<ja_minute>\d{1,2})\s*分|(?P<half>半))?)?\s*(?P<meridiem>[AP]\.?M\.?)?(?!\d)",
                   re.IGNORECASE)


def _clock_time(match: re.Match[str]) -> str | None:
    hour = int(match["hour"])
    minute = 30 if match["half"] else int(match["minute"] or match["ja_minute"] or 0)
    meridiem = (match["meridiem"] or "").upper()
    later = meridiem.startswith("P") or match["day_half"] == "午後"
    if meridiem or match["day_half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if later else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def clock_times(text: str) -> list[str] | None:
    """Every time of day in the text as "HH:MM" ("3pm to 11am" -> ["15:00", "11:00"]); None if one of them
    is not a time of day ("25:00")."""
    found = [_clock_time(match) for match in _TIME.finditer(unicodedata.normalize("NFKC", text))]
    return None if None in found else [time for time in found if time is not None]


def read_time(ctx: Context, text: Text) -> str | None:
    """One time of day (EDIT n CHECKIN 15:00)."""
    times = clock_times(text.clean)
    if not times or len(times) != 1:
        ctx.say("time_invalid")
        return None
    return times[0]


def read_times(ctx: Context, text: Text) -> tuple[str, str] | None:
    """Check-in and check-out, in that order ("15:00 11:00", "from 3pm, out by 11am", "15時 10時")."""
    times = clock_times(text.clean)
    if not times or len(times) != 2:
        ctx.say("times_invalid")
        return None
    return times[0], times[1]


_NUMBERED: dict[str, PaymentMethod] = {"1": "on_arrival", "2": "bank_transfer", "3": "payment_link"}
_NOTE_AFTER = re.compile(r"[,:;、：。(（]|\s-\s")


def payment_choice(text: str) -> tuple[PaymentMethod, str] | None:
    """The payment method a host chose and their note: "2 Mizuho Bank" (the number from the question, the
    rest is the note), or words ("cash on arrival", "bank transfer: Mizuho Bank", "振込、みずほ銀行"), the
    note after the first comma or colon. None when it names no method."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    head, _, rest = stripped.partition(" ")
    number = head.rstrip(".)")
    if number in _NUMBERED:
        return _NUMBERED[number], rest.strip()
    folded = fold(stripped)
    found = sorted((folded.find(word), method) for word, method in PAYMENT_WORDS.items() if word in folded)
    method = payment_method(found[0][1]) if found else None
    if method is None:
        return None
    parts = _NOTE_AFTER.split(stripped, maxsplit=1)
    return method, parts[1].strip(" )）") if len(parts) > 1 else ""


def read_payment(ctx: Context, text: Text) -> tuple[PaymentMethod, str] | None:
    choice = payment_choice(text.clean)
    if choice is None:
        ctx.say("payment_invalid")
        return None
    if len(choice[1]) > PAYMENT_NOTE_MAX:
        ctx.say("payment_note_too_long", length=len(choice[1]), max_length=PAYMENT_NOTE_MAX)
        return None
    return choice


# The details a host may give or change one at a time (HOST asks them after the place is listed, EDIT
# changes each); "times" is check-in and check-out together.
DetailField = Literal["description", "address", "times", "check_in", "check_out", "access", "payment"]
_DETAIL_FIELDS: dict[str, DetailField] = {name: name for name in get_args(DetailField)}


def detail_field(name: str) -> DetailField:
    """A field name from a flow's state, checked."""
    return _DETAIL_FIELDS[name]


def take(ctx: Context, listing: Listing, field: DetailField, text: Text) -> bool:
    """Read the host's answer for one field into `listing` (the caller writes it); False after saying what
    was wrong."""
    arrival = listing.arrival
    if field == "description":
        value = read_description(ctx, text)
        if value is not None:
            listing.description = value
    elif field == "address":
        value = read_address(ctx, text)
        if value is not None:
            arrival.address = value
    elif field == "access":
        value = read_access(ctx, text)
        if value is not None:
            arrival.access = value
    elif field in ("check_in", "check_out"):
        value = read_time(ctx, text)
        if value is not None:
            setattr(arrival, f"{field}_time", value)
    else:
        return _take_pair(ctx, listing, field, text)
    return value is not None


def _take_pair(ctx: Context, listing: Listing, field: DetailField, text: Text) -> bool:
    if field == "times":
        times = read_times(ctx, text)
        if times is not None:
            listing.arrival.check_in_time, listing.arrival.check_out_time = times
        return times is not None
    choice = read_payment(ctx, text)
    if choice is not None:
        listing.payment, listing.payment_note = choice
    return choice is not None


def current(listing: Listing, field: DetailField) -> str:
    """What the field holds now, as the host typed it ('' when not given): shown when EDIT asks for it."""
    arrival = listing.arrival
    values = {"description": listing.description, "address": arrival.address or "",
              "access": arrival.access or "", "check_in": arrival.check_in_time or "",
              "check_out": arrival.check_out_time or "", "payment": listing.payment_note,
              "times": " ".join(time for time in (arrival.check_in_time, arrival.check_out_time) if time)}
    return values[field]
