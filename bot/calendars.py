"""Calendars in and out: what a read of a place's feed does (its busy nights replaced, waiting requests on
them declined, confirmed stays on them marked as conflicts, the host told what they need to know), the
nights a host blocks, and the place's own feed for other platforms to import.

Each function runs inside the caller's unit of work; the reading itself (HTTP, parsing) happens outside
one, in the scheduler (`bot/scheduler.py`), so no transaction waits on someone else's server.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from bot import outcomes
from bot.context import Context
from bot.ical import OutEvent, night_runs, write_feed
from bot.models import Feed
from bot.presenting import describe

# Busy nights are kept from today this far ahead (a recurring block without an end is expanded so far).
HORIZON = timedelta(days=730)
# The most feeds one place may have.
MOST_FEEDS = 10
# The token of a place's own feed URL: 32 random bytes (256 bits), URL-safe.
TOKEN_BYTES = 32


def window(ctx: Context) -> tuple[date, date]:
    """The nights a feed's busy nights are read for: [today, today + HORIZON)."""
    return ctx.today(), ctx.today() + HORIZON


def _next_read(ctx: Context) -> datetime:
    return ctx.now() + timedelta(minutes=ctx.config.calendar_refresh_minutes)


def position(ctx: Context, feed: Feed) -> int:
    """The feed's number among its place's feeds, as CALENDAR <n> lists them (1, 2, ...)."""
    return 1 + [other.id for other in ctx.store.feeds(feed.listing_id)].index(feed.id)


def read_done(ctx: Context, feed_id: int, nights: set[date] | None, etag: str | None,
              last_modified: str | None) -> None:
    """A good read of a feed (`nights` None: not modified since the last one)."""
    feed = ctx.store.feed(feed_id)
    if feed is None:
        return  # removed while it was being read
    count = ctx.store.record_feed_read(feed, nights, etag, last_modified, _next_read(ctx))
    host_id = ctx.store.listing_host(feed.listing_id)
    if feed.report or feed.error_told:
        # The first read, or the first good one after the host heard it failed: say what it holds now.
        runs = night_runs(ctx.store.busy_nights(feed.listing_id, *window(ctx))) if count else []
        ctx.tell(host_id, "calendar_read", number=feed.listing_id, feed=position(ctx, feed), nights=count,
                 runs=[{"first": first, "end": end} for first, end in runs[:2]])
    settle(ctx, feed.listing_id)


def read_failed(ctx: Context, feed_id: int, why: str) -> None:
    """A read that failed: the feed keeps its last good nights; its host is told once, not at every try."""
    feed = ctx.store.feed(feed_id)
    if feed is None:
        return
    ctx.store.record_feed_failure(feed, why, _next_read(ctx))
    if not feed.error_told:
        ctx.tell(ctx.store.listing_host(feed.listing_id), "calendar_failed", number=feed.listing_id,
                 feed=position(ctx, feed), why=why, kept=feed.nights, first=feed.report,
                 minutes=int(ctx.config.calendar_refresh_minutes))


def settle(ctx: Context, listing_id: int) -> int:
    """After busy nights changed: waiting requests on them are declined (the guest told why, the host
    moved on to their next request); a confirmed stay on them is a conflict: marked for an operator and
    its host texted, once; nothing is cancelled. Returns how many requests were declined."""
    today = ctx.today()
    declined = outcomes.decline_all(
        ctx, ctx.store.reservations_on_busy_nights(listing_id, "pending", today), "calendar")
    for stay in ctx.store.reservations_on_busy_nights(listing_id, "confirmed", today):
        if ctx.store.mark_attention(stay.id, "calendar_conflict"):
            ctx.tell(stay.host_id, "calendar_conflict", **describe(ctx, stay))
    if declined:
        ctx.conversation(ctx.store.listing_host(listing_id))  # presented their next request, if any
    return declined


def nights_of(first: date, end: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((end - first).days)]


def link(ctx: Context, listing_id: int, *, new: bool = False) -> str:
    """The place's own feed URL, its token made on first use or replaced (`new`: the old URL then 404s)."""
    token = None if new else ctx.store.calendar_token(listing_id)
    if token is None:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        ctx.store.set_calendar_token(listing_id, token)
    return f"{ctx.config.public_url}/calendar/{token}.ics"


def own_feed(ctx: Context, token: str) -> bytes | None:
    """The place's feed for other platforms: its confirmed stays not yet over and the nights its host
    blocked, as all-day events. No names, numbers or references: a stay is only its nights."""
    listing = ctx.store.listing_by_calendar_token(token)
    if listing is None:
        return None
    today = ctx.today()
    language = ctx.config.default_language
    events = [OutEvent(f"stay-{stay.id}-{listing.id}@airtng", stay.check_in, stay.check_out,
                       ctx.render("calendar_event_stay", language))
              for stay in ctx.store.upcoming_stays_of(listing.id, today)]
    blocked = ctx.store.busy_nights(listing.id, today, today + HORIZON, blocked_only=True)
    events += [OutEvent(f"blocked-{listing.id}-{first.isoformat()}@airtng", first, end,
                        ctx.render("calendar_event_blocked", language))
               for first, end in night_runs(blocked)]
    return write_feed(f"Airtng #{listing.id}", events, ctx.now())
