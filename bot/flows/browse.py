"""Guests looking around: BROWSE, MORE, SEARCH <words>, VIEW <n>, FREE <n>. Paging is by key, never
OFFSET."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import availability
from bot.context import Context
from bot.errors import ListingNotFound
from bot.models import Listing
from bot.presenting import describe
from bot.router import Router
from bot.text import Text, leading_number

router = Router("browse")

# VIEW names this many of the next free ranges (FREE <n> lists them all).
VIEW_RANGES = 2


def line(listing: Listing) -> dict[str, Any]:
    """One listing as a page shows it: what a guest decides on (title, price, capacity)."""
    return {"number": listing.id, "title": listing.title, "price": listing.price, "sleeps": listing.max_guests}


# MORE goes on with whichever page was shown last: BROWSE/SEARCH here, or another flow's page (STATUS,
# STAYS, LISTINGS), whose cursor carries its `kind` and whose flow registers how to go on with it.
Continuation = Callable[[Context, dict[str, Any]], None]
CONTINUATIONS: dict[str, Continuation] = {}


def continues(kind: str) -> Callable[[Continuation], Continuation]:
    """Register what MORE does after a page of `kind` (its cursor: `{"kind": kind, ...}`)."""
    def register(function: Continuation) -> Continuation:
        CONTINUATIONS[kind] = function
        return function

    return register


def set_cursor(ctx: Context, kind: str, **position: Any) -> None:
    """Where MORE goes on after the page just shown (the engine keeps this key between texts)."""
    ctx.conv.data["browse"] = {"kind": kind, **position}


def clear_cursor(ctx: Context) -> None:
    ctx.conv.data.pop("browse", None)

EXCERPT = 60


def _page(ctx: Context, words: list[str], after: int, first: bool) -> None:
    size = ctx.config.browse_page_size
    # One extra row tells whether MORE will find anything.
    found = ctx.store.browse(after, words, size + 1)
    page, more = found[:size], len(found) > size
    if not page:
        ctx.conv.data.pop("browse", None)
        if first:
            ctx.say("browse_empty_search" if words else "browse_empty", query=" ".join(words))
        else:
            ctx.say("browse_end")
        return
    items = [line(listing) for listing in page]
    shown = ctx.say_page("browse_page", "listings", items, more=more, query=" ".join(words))
    # MORE goes on after the last listing this page could fit.
    ctx.conv.data["browse"] = {"after": page[shown - 1].id, "words": words}


@router.command("BROWSE", "LIST", "一覧", "物件", "宿一覧", "リスト", "いちらん")
def browse(ctx: Context, text: Text) -> None:
    _page(ctx, [], 0, first=True)


@router.command("SEARCH", "FIND", "検索", "探す", "さがす", "けんさく")
def search(ctx: Context, text: Text) -> None:
    words = text.args.split()[:5]
    if not words:
        ctx.say("search_usage")
        return
    _page(ctx, words, 0, first=True)


@router.command("MORE", "次", "つぎ", "続き", "もっと")
def more(ctx: Context, text: Text) -> None:
    cursor = ctx.conv.data.get("browse")
    if not cursor:
        ctx.say("more_nothing")
        return
    if cursor.get("kind") in CONTINUATIONS:
        CONTINUATIONS[cursor["kind"]](ctx, cursor)
        return
    _page(ctx, list(cursor["words"]), int(cursor["after"]), first=False)


@router.command("VIEW", "SHOW", "詳細", "見る", "しょうさい")
def view(ctx: Context, text: Text) -> None:
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("view_usage")
        return
    try:
        listing = ctx.store.listing(parsed[0])
    except ListingNotFound:
        _not_listed(ctx, parsed[0])
        return
    host = ctx.person(listing.host_id)
    free = availability.upcoming(ctx, listing.id)
    # The check-in and check-out times are public (a guest plans by them); the address and the way in
    # are not, and are never shown here.
    ctx.say(
        "listing_view", media_url=listing.photo_url, **line(listing), description=listing.description,
        host=(host.name or "").split(" ")[0], own=listing.host_id == ctx.texter.id,
        free=[r.item() for r in free[:VIEW_RANGES]], days=availability.FREE_DAYS,
        payment=listing.payment or "",
        check_in_time=listing.arrival.check_in_time or "", check_out_time=listing.arrival.check_out_time or "",
    )


def _not_listed(ctx: Context, number: int) -> None:
    """VIEW of a place not listed: a guest whose stay there still stands may look it up (its host left
    Airtng); a guest whose stay was cancelled because the host unlisted it is told so; anyone else hears
    there is no such place."""
    stay = ctx.store.stay_at(number, ctx.texter.id, ctx.today())
    if stay is not None:
        ctx.say("listing_view_stay", description=ctx.store.listing_description(stay.listing_id),
                **describe(ctx, stay))
        return
    cancelled = ctx.store.stay_cancelled_by_unlisting(number, ctx.texter.id)
    listing = ctx.store.any_listing(number) if cancelled is not None else None
    if cancelled is None or listing is None or listing.active:
        raise ListingNotFound(number=number)
    ctx.say("listing_unlisted", **describe(ctx, cancelled))


@router.command("FREE", "AVAILABILITY", "空き", "空室")
def free(ctx: Context, text: Text) -> None:
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("free_usage")
        return
    listing = ctx.store.listing(parsed[0])
    ranges = availability.upcoming(ctx, listing.id)
    if not ranges:
        ctx.say("free_none", number=listing.id, title=listing.title, days=availability.FREE_DAYS)
        return
    example_in, example_out = availability.example_stay(ranges[0])
    ctx.say_page("free_nights", "ranges", [r.item() for r in ranges], number=listing.id, title=listing.title,
                 days=availability.FREE_DAYS, example_in=example_in, example_out=example_out)
