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
from bot.models import Reservation

PLACE_EXCERPT = 40


def excerpt(text: str, length: int) -> str:
    """The start of a text, cut at `length` characters. Three dots, not "…": that one character is
    outside GSM-7 and would turn the whole SMS into UCS-2 (70 characters a segment instead of 160)."""
    return text if len(text) <= length else text[: length - 3].rstrip() + "..."


def describe(ctx: Context, reservation: Reservation) -> dict[str, Any]:
    """The variables every message about a reservation gets."""
    guest = ctx.person(reservation.guest_id)
    return {
        "ref": reservation.ref,
        "listing": reservation.listing_id,
        "place": excerpt(ctx.store.listing_description(reservation.listing_id), PLACE_EXCERPT),
        "guest": guest.name or guest.phone,
        "check_in": reservation.check_in,
        "check_out": reservation.check_out,
        "nights": reservation.nights,
    }


def present_next(ctx: Context, host_id: int) -> None:
    conv = ctx.conversation(host_id)
    if not conv.idle or conv.presented_id is not None:
        return
    host = ctx.person(host_id)
    if host.opted_out:
        return
    reservation = ctx.store.oldest_pending_for_host(host_id)
    if reservation is None:
        return
    conv.presented_id = reservation.id
    ctx.store.mark_presented(reservation.id)
    if ctx.config.reminder_hours > 0:
        ctx.store.add_job("remind", reservation.id, ctx.now() + timedelta(hours=ctx.config.reminder_hours))
    ctx.tell(host_id, "host_prompt", **describe(ctx, reservation))


def withdraw_presentation(ctx: Context, reservation: Reservation) -> bool:
    """If this request is the one its host is looking at, take it away; True if it was."""
    conv = ctx.conversation(reservation.host_id)
    if conv.presented_id != reservation.id:
        return False
    conv.presented_id = None
    return True
