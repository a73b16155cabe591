"""What happens to a reservation, whoever causes it (host, guest, scheduler, opt-out), and who is told.

Every function runs inside the caller's unit of work; the engine presents each touched host's next
request afterwards.
"""

from __future__ import annotations

from bot.context import Context
from bot.models import Reservation
from bot.presenting import describe, withdraw_presentation


def accept(ctx: Context, reservation: Reservation) -> list[Reservation]:
    """Confirm the stay; decline the other pending requests for the same place whose dates overlap.
    Returns the requests declined as a consequence."""
    if not ctx.store.set_status(reservation.id, "confirmed"):
        return []
    withdraw_presentation(ctx, reservation)
    ctx.tell(reservation.guest_id, "guest_accepted", **describe(ctx, reservation))
    overlapping = ctx.store.pending_overlapping(reservation)
    for other in overlapping:
        decline(ctx, other, "overlap")
    return overlapping


def decline(ctx: Context, reservation: Reservation, reason: str) -> bool:
    """Decline a pending request (reason: host, overlap, unlisted, opted_out) and tell the guest."""
    if not ctx.store.set_status(reservation.id, "declined", reason):
        return False
    withdraw_presentation(ctx, reservation)
    ctx.tell(reservation.guest_id, f"guest_declined_{reason}", **describe(ctx, reservation))
    return True


def decline_all(ctx: Context, reservations: list[Reservation], reason: str) -> int:
    return sum([decline(ctx, reservation, reason) for reservation in reservations])


def unlist_listing(ctx: Context, listing_id: int) -> int:
    """Take a place off the market (the host's UNLIST, or an operator hiding it in the console): its
    waiting requests are declined and those guests told. Returns how many were declined."""
    ctx.store.unlist(listing_id)
    return decline_all(ctx, ctx.store.pending_for_listing(listing_id), "unlisted")


def cancel_by_guest(ctx: Context, reservation: Reservation) -> bool:
    """The guest withdraws a pending request or cancels a confirmed stay. The host hears of it when it
    concerns them: the request was in front of them, or the stay was confirmed."""
    if reservation.status == "pending":
        if not ctx.store.set_status(reservation.id, "cancelled", "guest"):
            return False
        host_was_asked = withdraw_presentation(ctx, reservation)
    elif reservation.status == "confirmed":
        if not ctx.store.cancel_confirmed(reservation.id):
            return False
        host_was_asked = True
    else:
        return False
    if host_was_asked:
        ctx.tell(reservation.host_id, "host_guest_cancelled", **describe(ctx, reservation))
    return True


def expire(ctx: Context, reservation: Reservation) -> bool:
    """The host did not answer in time: the guest is told, the host moved on."""
    if not ctx.store.set_status(reservation.id, "expired"):
        return False
    variables = describe(ctx, reservation)
    if withdraw_presentation(ctx, reservation):
        ctx.tell(reservation.host_id, "host_request_expired", **variables)
    ctx.tell(reservation.guest_id, "guest_expired", **variables)
    return True
