"""One request at a time, oldest first: what a host is asked to decide.

A host has at most one request presented (`conversations.presented_id`). A request is presented only when
nothing is and the host is not in the middle of a flow, so a "reply YES or NO" never lands while the host
is typing a description. The engine calls `present_next` for everyone a unit of work touched, after the
rules ran, so every decision, cancellation, expiry or finished flow moves the host on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import Context
from bot.models import Listing, Reservation


def excerpt(text: str, length: int) -> str:
    """The start of a text, cut at `length` characters. Three dots, not "…": that one character is
    outside GSM-7 and would turn the whole SMS into UCS-2 (70 characters a segment instead of 160)."""
    return text if len(text) <= length else text[: length - 3].rstrip() + "..."


def describe(ctx: Context, reservation: Reservation) -> dict[str, Any]:
    """The variables every message about a reservation gets. `price` (per night) and `total` (nights x
    price) are what the request was filed at, None for a place with no price; `guests` is None for a
    request filed before the party size was asked."""
    guest = ctx.person(reservation.guest_id)
    title = ctx.store.listing_title(reservation.listing_id)
    return {
        "ref": reservation.ref,
        "listing": reservation.listing_id,
        "place": title,
        "title": title,
        "guest": guest.name or guest.phone,
        "check_in": reservation.check_in,
        "check_out": reservation.check_out,
        "nights": reservation.nights,
        "guests": reservation.guests,
        "price": reservation.price,
        "total": reservation.total,
    }


def pay_terms(ctx: Context, listing: Listing | None, language: str) -> str:
    """How the place's guests pay, in `language`, with the host's note ('' when the host has not said).
    Beside a price, messages name the method alone (their `payment` variable)."""
    if listing is None or listing.payment is None:
        return ""
    return ctx.render("payment_terms", language, **listing.payment_variables())


def present_next(ctx: Context, host_id: int) -> None:
    if host_id in ctx.never_hosted:
        return  # most texters are guests: no query for a queue they cannot have
    conv = ctx.conversation(host_id)
    if not conv.idle or conv.presented_id is not None:
        return
    if not ctx.person(host_id).reachable:
        return  # the prompt could not reach them; the request expires and the guest is told
    reservation = ctx.store.oldest_pending_for_host(host_id, ctx.now() - request_ttl(ctx))
    if reservation is None:
        return
    conv.presented_id = reservation.id
    ctx.store.mark_presented(reservation.id)
    # One reminder, `reminder_hours` after the request was filed, if that is still ahead (a request that
    # waited in the queue is presented fresh; it needs no reminder on top).
    remind_at = reservation.created_at + timedelta(hours=ctx.config.reminder_hours)
    if ctx.config.reminder_hours > 0 and remind_at > ctx.now():
        ctx.store.add_job("remind", reservation.id, remind_at)
    # How the guest pays, beside the total; and whether they asked the host about the place first (ASK).
    listing = ctx.store.any_listing(reservation.listing_id)
    payment = listing.payment if listing is not None else None
    asked = ctx.store.asked_before(reservation.guest_id, reservation.listing_id)
    ctx.tell(host_id, "host_prompt", about=reservation.id, payment=payment or "", asked=asked,
             **describe(ctx, reservation))


def request_ttl(ctx: Context) -> timedelta:
    """How long a request may wait for the host's answer, counted from when it was filed."""
    return timedelta(hours=ctx.config.request_ttl_hours)


def withdraw_presentation(ctx: Context, reservation: Reservation) -> bool:
    """If this request is the one its host is looking at, take it away; True if it was."""
    conv = ctx.conversation(reservation.host_id)
    if conv.presented_id != reservation.id:
        return False
    conv.presented_id = None
    return True
