"""What happens to a reservation, whoever causes it (host, guest, scheduler, opt-out), and who is told.

Every function runs inside the caller's unit of work; the engine presents each touched host's next
request afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.catalog import sms_segments
from bot.context import Context
from bot.models import AttentionMark, CancelledBy, DeclineReason, Reservation
from bot.presenting import describe, pay_terms, withdraw_presentation


def accept(ctx: Context, reservation: Reservation) -> list[Reservation]:
    """Confirm the stay; decline the other pending requests for the same place whose dates overlap.
    Returns the requests declined as a consequence."""
    if not ctx.store.set_status(reservation.id, "confirmed"):
        return []
    withdraw_presentation(ctx, reservation)
    host = ctx.person(reservation.host_id).name or ""  # named in how to write to them
    variables, details = with_details(ctx, reservation, "guest_accepted", host=host)
    ctx.tell(reservation.guest_id, "guest_accepted", about=reservation.id, **variables)
    if details:
        ctx.tell(reservation.guest_id, "stay_details", about=reservation.id, **details)
    mark_unreached(ctx, reservation, reservation.guest_id)
    schedule_stay_reminder(ctx, reservation)
    overlapping = ctx.store.pending_overlapping(reservation)
    for other in overlapping:
        decline(ctx, other, "overlap")
    return overlapping


def decline(ctx: Context, reservation: Reservation, reason: DeclineReason, *, note: str = "") -> bool:
    """Decline a pending request (reason: host, overlap, unlisted, opted_out, unreachable) and tell the guest;
    `note`: the host's own words with their no ("we have family staying"), passed on to the guest."""
    if not ctx.store.set_status(reservation.id, "declined", reason):
        return False
    withdraw_presentation(ctx, reservation)
    variables = describe(ctx, reservation)
    if reason == "host":
        variables["note"] = note
    ctx.tell(reservation.guest_id, f"guest_declined_{reason}", about=reservation.id, **variables)
    return True


def decline_all(ctx: Context, reservations: list[Reservation], reason: DeclineReason) -> int:
    return sum([decline(ctx, reservation, reason) for reservation in reservations])


def unlist_listing(ctx: Context, listing_id: int) -> int:
    """Take a place off the market (the host's UNLIST, or an operator hiding it in the console): its
    waiting requests are declined and those guests told. Returns how many were declined."""
    host_id = ctx.store.unlist(listing_id)
    ctx.store.close_questions(listing_id=listing_id)  # guests' questions about it before booking
    if host_id is not None:
        # The host's conversation is written back (`Dialect.write_touched`): a booking filed meanwhile at
        # another server, which presents to this host, then conflicts with this unit instead of slipping
        # past the decline.
        ctx.conversation(host_id)
    return decline_all(ctx, ctx.store.pending_for_listing(listing_id), "unlisted")


@dataclass(frozen=True)
class Unlisted:
    """What taking a place off the market did: waiting requests declined, stays to come cancelled, and of
    those stays' guests how many cannot be texted (their stays are marked for an operator)."""

    declined: int
    cancelled: int
    untold: int


def take_off_market(ctx: Context, listing_id: int) -> Unlisted:
    """UNLIST once its host said YES, or an operator's Hide (which the console shows first): its waiting
    requests declined and its stays to come (not begun) cancelled, those guests told. A stay under way
    stands."""
    declined = unlist_listing(ctx, listing_id)
    cancelled = [stay for stay in ctx.store.upcoming_stays_at(listing_id, ctx.today())
                 if cancel_stay(ctx, stay, "unlisted")]
    untold = sum(not reaches(ctx, stay.guest_id) for stay in cancelled)
    return Unlisted(declined, len(cancelled), untold)


def cancel_by_guest(ctx: Context, reservation: Reservation) -> bool:
    """The guest withdraws a pending request or cancels a confirmed stay. The host hears of it when it
    concerns them: the request was in front of them, or the stay was confirmed."""
    if reservation.status == "pending":
        if not ctx.store.set_status(reservation.id, "cancelled", "guest"):
            return False
        host_was_asked = withdraw_presentation(ctx, reservation)
    elif reservation.status == "confirmed":
        if not ctx.store.cancel_confirmed(reservation.id, "guest"):
            return False
        host_was_asked = True
    else:
        return False
    if host_was_asked:
        ctx.tell(reservation.host_id, "host_guest_cancelled", about=reservation.id, **describe(ctx, reservation))
        if reservation.status == "confirmed":
            mark_unreached(ctx, reservation, reservation.host_id)
    return True


def expire(ctx: Context, reservation: Reservation) -> bool:
    """The host did not answer in time: the guest is told, the host moved on."""
    if not ctx.store.set_status(reservation.id, "expired"):
        return False
    variables = describe(ctx, reservation)
    if withdraw_presentation(ctx, reservation):
        ctx.tell(reservation.host_id, "host_request_expired", about=reservation.id, **variables)
    ctx.tell(reservation.guest_id, "guest_expired", about=reservation.id, **variables)
    return True


# -- stays after the yes ---------------------------------------------------------------------------------


def stay_reminder_due(ctx: Context, reservation: Reservation) -> datetime:
    """The day before check-in at `booking.reminder_local_hour`, in `booking.timezone`."""
    local = datetime.combine(reservation.check_in - timedelta(days=1), time(ctx.config.reminder_local_hour),
                             tzinfo=ZoneInfo(ctx.config.timezone))
    return local.astimezone(UTC)


def schedule_stay_reminder(ctx: Context, reservation: Reservation) -> None:
    """One reminder to guest and host the day before check-in, as a job row (a restart loses none); a stay
    confirmed after that moment gets none."""
    due = stay_reminder_due(ctx, reservation)
    if due > ctx.now():
        ctx.store.add_job("stay_reminder", reservation.id, due)


def remind_of_stay(ctx: Context, reservation: Reservation) -> None:
    """The stay reminder job: both sides, if the stay still stands."""
    if reservation.status != "confirmed":
        return
    variables, details = with_details(ctx, reservation, "stay_reminder_guest")
    ctx.tell(reservation.guest_id, "stay_reminder_guest", about=reservation.id, **variables)
    if details:
        ctx.tell(reservation.guest_id, "stay_details", about=reservation.id, **details)
    ctx.tell(reservation.host_id, "stay_reminder_host", **describe(ctx, reservation))


def stay_details(ctx: Context, stay: Reservation, language: str) -> dict[str, Any]:
    """What the guest of a confirmed stay needs (`stay_details`: how to pay, the arrival details), or {}
    when the host has given none of it. Only for that guest: the address and the way in are private."""
    listing = ctx.store.any_listing(stay.listing_id)
    if listing is None or not (listing.arrival.given or listing.payment):
        return {}
    return {**describe(ctx, stay), **listing.arrival.variables(), "pay": pay_terms(ctx, listing, language)}


def with_details(ctx: Context, stay: Reservation, key: str, **variables: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A message about a confirmed stay to its guest (the confirmation, the day-before reminder) carries how
    to pay beside the total, and the stay's details: in that one message when it still fits one SMS, else
    in a second message (`stay_details`), so that neither costs more than one. Returns the message's
    variables and those of the second message ({} when there is none)."""
    guest = ctx.person(stay.guest_id)
    listing = ctx.store.any_listing(stay.listing_id)
    payment = listing.payment if listing is not None else None
    variables = {**describe(ctx, stay), **variables, "payment": payment or "", "details": ""}
    details = stay_details(ctx, stay, guest.language)
    if details:
        extra = ctx.render("stay_details", guest.language, **details)
        if sms_segments(ctx.render(key, guest.language, **{**variables, "details": extra})) == 1:
            return {**variables, "details": extra}, {}
    return variables, details


def has_begun(ctx: Context, reservation: Reservation) -> bool:
    return reservation.check_in <= ctx.today()


def cancel_stay(ctx: Context, reservation: Reservation, by: CancelledBy) -> bool:
    """Cancel a confirmed stay that has not begun (by: guest, host, unlisted) and tell the other side:
    the host when the guest cancels, the guest otherwise."""
    if not ctx.store.cancel_confirmed(reservation.id, by):
        return False
    variables = describe(ctx, reservation)
    if by == "guest":
        ctx.tell(reservation.host_id, "host_guest_cancelled", **variables)
        mark_unreached(ctx, reservation, reservation.host_id)
    else:
        ctx.tell(reservation.guest_id,
                 "guest_stay_cancelled_host" if by == "host" else "guest_stay_cancelled_unlisted", **variables)
        mark_unreached(ctx, reservation, reservation.guest_id)
    return True


# Why `host_gone` marks a stay: its guest was told the host cannot be reached.
HOST_GONE: tuple[AttentionMark, ...] = ("host_opted_out", "host_unreachable")


def host_gone(ctx: Context, host_id: int, why: AttentionMark) -> int:
    """The host opted out or cannot be reached by SMS (why: host_opted_out, host_unreachable): their
    confirmed stays still stand, so each guest is told the host cannot be reached by text through Airtng,
    and each stay is marked for an operator. A stay already marked is left alone (told once). Returns how
    many stays were marked."""
    stays = ctx.store.stays_needing_their_host(host_id, ctx.today())
    for stay in stays:
        ctx.store.mark_attention(stay.id, why)
        ctx.tell(stay.guest_id, "guest_host_unreachable", **describe(ctx, stay))
    return len(stays)


# -- who was really told ------------------------------------------------------------------------------------


def reaches(ctx: Context, user_id: int) -> bool:
    """Whether a text to this person gets to them: the outbox skips numbers that opted out or cannot take SMS.
    A reply saying someone was (or will be) told gets this as `told`."""
    return ctx.person(user_id).reachable


def unreached_mark(ctx: Context, stay: Reservation, user_id: int) -> AttentionMark | None:
    """The operator's mark for a stay whose side `user_id` cannot be texted ("guest_opted_out",
    "host_unreachable", ...), or None when they can."""
    person = ctx.person(user_id)
    if person.reachable:
        return None
    # Spelt out rather than built with an f-string, so that mypy checks each mark is one of AttentionMark.
    if user_id == stay.guest_id:
        return "guest_opted_out" if person.opted_out else "guest_unreachable"
    return "host_opted_out" if person.opted_out else "host_unreachable"


def mark_unreached(ctx: Context, stay: Reservation, user_id: int) -> None:
    """After telling one side of a stay what happened to it: one who cannot be texted was not told (the outbox
    skips them), so the stay is marked for an operator, who will tell them another way (a stay already marked
    keeps its first reason)."""
    if (mark := unreached_mark(ctx, stay, user_id)) is not None:
        ctx.store.mark_attention(stay.id, mark)


def host_back(ctx: Context, host_id: int) -> list[dict[str, Any]]:
    """The mirror of `host_gone`: a host who opted out (or could not be reached) can be texted again. Each
    guest of a stay to come who was told the host was gone hears they can text the host again, and the
    stay's mark is lifted, unless the guest cannot be texted either (then the mark says so: the stay still
    needs an operator). Returns the host's places (`number`, `title`), hidden from guests while the host was
    away (`Store.listing`, `Store.browse`) and live again, for the welcome back to name."""
    if host_id in ctx.never_hosted or not reaches(ctx, host_id):
        return []  # most who come back are guests: no query for places they never had
    for stay in ctx.store.stays_marked_for_host(host_id, ctx.today(), HOST_GONE):
        if reaches(ctx, stay.guest_id):
            ctx.tell(stay.guest_id, "guest_host_back", **describe(ctx, stay))
        ctx.store.set_attention(stay.id, unreached_mark(ctx, stay, stay.guest_id))
    return [{"number": listing.id, "title": listing.title}
            for listing, _, _ in ctx.store.host_listings(host_id, ctx.today())]
