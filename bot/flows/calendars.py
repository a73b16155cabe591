"""Hosts' calendars: CALENDAR <n> <url> (a feed from another platform), CALENDAR <n> (the feeds, when each
was last read and what it held), CALENDAR <n> REMOVE <k>, CALENDAR <n> LINK / NEW LINK (the place's own
feed), and BLOCK / UNBLOCK <n> <dates> (nights the host closes themselves). A feed is read by the scheduler,
not here: this unit of work answers at once, and the read follows within `scheduler.poll_seconds`."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot import calendars
from bot.context import Context
from bot.dates import DateError, DayWithoutNights, parse_stay
from bot.fetching import FetchFailed, check_url
from bot.flows.booking import example_dates
from bot.models import Listing
from bot.router import Router
from bot.text import Text, leading_number

router = Router("calendars")

# The words after CALENDAR <n>, in either language.
LINK_WORDS = frozenset({"LINK", "URL", "リンク"})
NEW_LINK_WORDS = frozenset({"NEW LINK", "NEWLINK", "NEW URL", "新しいリンク", "リンク再発行", "リンク更新"})
REMOVE_WORDS = frozenset({"REMOVE", "DELETE", "DEL", "削除"})
# A feed URL longer than this is no platform's.
URL_MAX = 2000
# BLOCK takes up to a year of nights in one text.
BLOCK_MAX_NIGHTS = 366


def _own_listing(ctx: Context, text: Text) -> tuple[Listing, str] | None:
    """The texter's place named first in the arguments (the caller checked one is), and what follows; None,
    said so, when the place is someone else's."""
    parsed = leading_number(text.args)
    if parsed is None:
        return None
    listing = ctx.store.listing(parsed[0])
    if listing.host_id != ctx.texter.id:
        ctx.say("calendar_not_yours", number=listing.id)
        return None
    return listing, parsed[1].strip()


@router.command("CALENDAR", "CALENDARS", "ICAL", "カレンダー")
def calendar(ctx: Context, text: Text) -> None:
    if leading_number(text.args) is None:
        ctx.say("calendar_usage")
        return
    found = _own_listing(ctx, text)
    if found is None:
        return
    listing, rest = found
    word = " ".join(unicodedata.normalize("NFKC", rest).upper().split())
    if not rest:
        _list(ctx, listing)
    elif word in LINK_WORDS or word in NEW_LINK_WORDS:
        new = word in NEW_LINK_WORDS
        ctx.say("calendar_link", number=listing.id, url=calendars.link(ctx, listing.id, new=new), new=new)
    elif word.split(" ", 1)[0] in REMOVE_WORDS:
        _remove(ctx, listing, word.split(" ", 1)[1] if " " in word else "")
    else:
        _add(ctx, listing, rest)


def _list(ctx: Context, listing: Listing) -> None:
    feeds = ctx.store.feeds(listing.id)
    zone = ZoneInfo(ctx.config.timezone)
    items = []
    for number, feed in enumerate(feeds, 1):
        read = feed.read_at.astimezone(zone) if feed.read_at else None
        items.append({"feed": number, "site": _site(feed.url), "read_day": read.date() if read else None,
                      "read_time": read.strftime("%H:%M") if read else "", "nights": feed.nights,
                      "error": feed.error})
    if not items:
        ctx.say("calendar_none", number=listing.id)
        return
    ctx.say_page("calendar_list", "feeds", items, number=listing.id)


def _site(url: str) -> str:
    """What a list shows of a feed URL: its host name (the rest is often a secret of its own)."""
    try:
        return check_url(url)
    except FetchFailed:
        return url[:30]


def _add(ctx: Context, listing: Listing, url: str) -> None:
    try:
        check_url(url)
    except FetchFailed:
        ctx.say("calendar_bad_url", number=listing.id)
        return
    if len(url) > URL_MAX or any(char.isspace() for char in url):
        ctx.say("calendar_bad_url", number=listing.id)
        return
    feeds = ctx.store.feeds(listing.id)
    if len(feeds) >= calendars.MOST_FEEDS:
        ctx.say("calendar_too_many", number=listing.id, most=calendars.MOST_FEEDS)
        return
    ctx.store.add_feed(listing.id, url)
    ctx.say("calendar_added", number=listing.id, feed=len(feeds) + 1)


def _remove(ctx: Context, listing: Listing, which: str) -> None:
    feeds = ctx.store.feeds(listing.id)
    number = int(which) if which.isdigit() else 0
    if not 1 <= number <= len(feeds):
        ctx.say("calendar_no_such_feed", number=listing.id, feeds=len(feeds))
        return
    ctx.store.remove_feed(feeds[number - 1])
    ctx.say("calendar_removed", number=listing.id, feed=number)


def _needs_usage(text: Text) -> bool:
    """BLOCK / UNBLOCK without a place number or without dates after it."""
    parsed = leading_number(text.args)
    return parsed is None or not parsed[1].strip()


def _nights(ctx: Context, words: str) -> tuple[date, date] | None:
    """The nights [first, end) a BLOCK or UNBLOCK names (one day alone: that night); else says why (None)."""
    try:
        stay = parse_stay(words, ctx.today(), BLOCK_MAX_NIGHTS)
    except DayWithoutNights as one_day:
        return one_day.day, one_day.day + timedelta(days=1)
    except DateError as error:
        ctx.say(error.key, **example_dates(ctx.today()), **error.params)
        return None
    return stay.check_in, stay.check_out


def _own_nights(ctx: Context, text: Text) -> tuple[Listing, date, date] | None:
    """BLOCK's and UNBLOCK's "<n> <dates>": the host's own place and the nights from `first` to `end`, or
    None once the host was told what was wrong."""
    found = _own_listing(ctx, text)
    read = _nights(ctx, found[1]) if found else None
    if found is None or read is None:
        return None
    return found[0], read[0], read[1]


@router.command("BLOCK", "ブロック")
def block(ctx: Context, text: Text) -> None:
    if _needs_usage(text):
        ctx.say("block_usage", **example_dates(ctx.today()))
        return
    asked = _own_nights(ctx, text)
    if asked is None:
        return
    listing, first, end = asked
    nights = calendars.nights_of(first, end)
    stay = ctx.store.stay_overlapping(listing.id, first, end)
    if stay is not None:
        ctx.say("block_over_stay", number=listing.id, check_in=first, check_out=end, ref=stay.ref,
                stay_in=stay.check_in, stay_out=stay.check_out)
        return
    ctx.store.block_nights(listing.id, nights)
    declined = calendars.settle(ctx, listing.id)
    ctx.say("blocked", number=listing.id, check_in=first, check_out=end, nights=len(nights), declined=declined)


@router.command("UNBLOCK", "ブロック解除")
def unblock(ctx: Context, text: Text) -> None:
    if _needs_usage(text):
        ctx.say("unblock_usage", **example_dates(ctx.today()))
        return
    asked = _own_nights(ctx, text)
    if asked is None:
        return
    listing, first, end = asked
    opened = ctx.store.unblock_nights(listing.id, first, end)
    ctx.say("unblocked", number=listing.id, check_in=first, check_out=end, nights=opened)
