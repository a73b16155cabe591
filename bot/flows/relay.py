"""Guest and host texting each other through Airtng's one number: MSG [<ref>] <text> (メッセージ).

A stay is open for messages from the host's YES until `relay.close_days_after_checkout` days after
check-out, counted in `booking.timezone`; a cancelled stay is closed at once. Openness is read from the
stay's status and dates, never stored, so a cancellation needs no write of its own here.

A relayed message is an outbox row written in the unit of work of the text it comes from (so it goes out
exactly once per MessageSid, in order per recipient, retried and skipped like every other message) and a
`relay_messages` row pointing at that outbox row (the thread operators read, with its delivery status).
Neither number is ever shown: the recipient reads the sender's name (or the role word), the reference and
the dates. The sender hears back only when something is wrong; otherwise the answer is empty.
"""

from __future__ import annotations

import logging
import math
from datetime import date, timedelta
from typing import Any

from bot.catalog import MAX_CHARACTERS
from bot.context import Context
from bot.models import Reservation, User
from bot.presenting import excerpt
from bot.router import Router
from bot.store import REF_LENGTH
from bot.text import Text, fold

log = logging.getLogger(__name__)

router = Router("relay")

RATE_WINDOW = timedelta(hours=1)  # relay.max_per_hour counts this window
MAX_LISTED = 10  # open stays listed when a bare MSG must ask which one
LISTED_PLACE = 24  # characters of the place's description in that list


@router.command("MSG", "MESSAGE", "メッセージ", "連絡")
def message(ctx: Context, text: Text) -> None:
    ref, body = _ref_and_body(ctx, _after_command(text))
    stay = ref if ref is not None else _only_open_stay(ctx)
    if stay is None:
        return  # _only_open_stay said why
    if not _is_open(ctx, stay):
        _say_closed(ctx, stay)
        return
    if not body and not text.media:
        ctx.say("relay_empty", ref=stay.ref)
        return
    _relay(ctx, stay, body, text.media)


# -- reading the text ------------------------------------------------------------------------------------


def _after_command(text: Text) -> str:
    """What follows the command word, with the texter's line breaks kept (Text.args folds them)."""
    head = text.raw.strip().split(maxsplit=1)
    if head and fold(head[0]) == text.word:
        return head[1].strip() if len(head) > 1 else ""
    return text.args  # "メッセージ5DKKXJ ...": Text split a word glued to what follows it


def _ref_and_body(ctx: Context, rest: str) -> tuple[Reservation | None, str]:
    """A leading reference of one of the texter's own stays chooses it; anything else is the message
    ("MSG THANKS for everything" is not a reference, and nobody learns that another stay's exists)."""
    first = rest.split(maxsplit=1)
    if not first:
        return None, ""
    candidate = fold(first[0]).lstrip("#")
    stay = ctx.store.reservation_by_ref(candidate) if len(candidate) == REF_LENGTH else None
    if stay is None or ctx.texter.id not in (stay.guest_id, stay.host_id):
        return None, rest
    return stay, first[1].strip() if len(first) > 1 else ""


# -- which stay ------------------------------------------------------------------------------------------


def _last_open_day(ctx: Context, stay: Reservation) -> date:
    return stay.check_out + timedelta(days=ctx.config.relay_close_days_after_checkout)


def _is_open(ctx: Context, stay: Reservation) -> bool:
    return stay.status == "confirmed" and ctx.today() <= _last_open_day(ctx, stay)


def _first_open_check_out(ctx: Context) -> date:
    """The earliest check-out a stay can have today and still be open for messages."""
    return ctx.today() - timedelta(days=ctx.config.relay_close_days_after_checkout)


def _open_stays(ctx: Context, user_id: int) -> list[Reservation]:
    """The user's stays open for messages, as guest or host, by check-in."""
    return [stay for stay in ctx.store.relay_stays(user_id, _first_open_check_out(ctx))
            if stay.status == "confirmed"]


def _only_open_stay(ctx: Context) -> Reservation | None:
    """The texter's one open stay; with several, list them and return None; with none, say why."""
    first_check_out = _first_open_check_out(ctx)
    stays = ctx.store.relay_stays(ctx.texter.id, first_check_out)
    open_ = [stay for stay in stays if stay.status == "confirmed"]
    if len(open_) == 1:
        return open_[0]
    if open_:
        listed = [_listed(ctx, stay) for stay in open_[:MAX_LISTED]]
        ctx.say("relay_choose", stays=listed, more=len(open_) - len(listed))
        return None
    # Nothing open: the stay that closed last explains why (cancelled, or past its window), if any.
    closed = stays[-1] if stays else ctx.store.last_stay_ended_before(ctx.texter.id, first_check_out)
    if closed is None:
        ctx.say("relay_none", days=ctx.config.relay_close_days_after_checkout)
    else:
        _say_closed(ctx, closed)
    return None


def _other_party(ctx: Context, stay: Reservation) -> User:
    return ctx.person(stay.host_id if ctx.texter.id == stay.guest_id else stay.guest_id)


def _listed(ctx: Context, stay: Reservation) -> dict[str, Any]:
    other = _other_party(ctx, stay)
    return {
        "ref": stay.ref, "name": other.name or "", "is_guest": other.id == stay.guest_id,
        "place": excerpt(ctx.store.listing_title(stay.listing_id), LISTED_PLACE),
        "check_in": stay.check_in, "check_out": stay.check_out,
    }


def _say_closed(ctx: Context, stay: Reservation) -> None:
    if stay.status == "cancelled":
        ctx.say("relay_closed_cancelled", ref=stay.ref, check_in=stay.check_in, check_out=stay.check_out)
    elif stay.status == "confirmed":
        ctx.say("relay_closed", ref=stay.ref, check_in=stay.check_in, check_out=stay.check_out,
                closed_after=_last_open_day(ctx, stay), days=ctx.config.relay_close_days_after_checkout)
    else:  # a request still waiting, declined or expired: there was never anyone to write to
        ctx.say("relay_not_confirmed", ref=stay.ref)


# -- relaying --------------------------------------------------------------------------------------------


def _relay(ctx: Context, stay: Reservation, body: str, media: tuple[str, ...]) -> None:
    sender = ctx.texter
    recipient = _other_party(ctx, stay)
    if recipient.opted_out or recipient.unreachable is not None:
        # Nothing is queued: the sender must not believe it was delivered.
        ctx.say("relay_recipient_opted_out" if recipient.opted_out else "relay_recipient_unreachable",
                name=recipient.name or "", is_guest=recipient.id == stay.guest_id, ref=stay.ref)
        return
    from_guest = sender.id == stay.guest_id
    # A recipient with several open stays must name this one when they answer.
    with_ref = len(_open_stays(ctx, recipient.id)) > 1
    relayed = ctx.render(
        "relay_message", recipient.language, sender=sender.name or "", from_guest=from_guest, ref=stay.ref,
        check_in=stay.check_in, check_out=stay.check_out, text=body, with_ref=with_ref,
    )
    if len(relayed) > MAX_CHARACTERS:
        ctx.say("relay_too_long", length=len(body), limit=MAX_CHARACTERS - (len(relayed) - len(body)))
        return
    # The outbox holds one picture a message: further pictures follow as messages of their own.
    outgoing = [(relayed, body, media[0] if media else None)]
    for number, url in enumerate(media[1:], start=2):
        caption = ctx.render("relay_photo", recipient.language, sender=sender.name or "", from_guest=from_guest,
                             ref=stay.ref, number=number, count=len(media))
        outgoing.append((caption, "", url))
    if _rate_limited(ctx, stay, len(outgoing)):
        return
    direction = "guest_to_host" if from_guest else "host_to_guest"
    for text, typed, media_url in outgoing:
        outbox_id = ctx.store.enqueue(recipient.id, recipient.phone, text, media_url)
        ctx.store.record_relay(stay.id, direction, typed, media_url, outbox_id, stay.check_out)
    log.info("relayed %d message(s) for reservation %s, %s", len(outgoing), stay.id, direction)


def _rate_limited(ctx: Context, stay: Reservation, messages: int) -> bool:
    """Over `relay.max_per_hour` for the stay (both ways together)? Then nothing is relayed, and the
    sender is told once in the hour, with how long to wait."""
    limit = ctx.config.relay_max_per_hour
    since = ctx.now() - RATE_WINDOW
    count, oldest = ctx.store.relayed_since(stay.id, since)
    if count + messages <= limit:
        return False
    if ctx.store.relay_notice_due(stay.id, ctx.texter.id, since):
        frees_at = (oldest or ctx.now()) + RATE_WINDOW
        minutes = max(1, math.ceil((frees_at - ctx.now()).total_seconds() / 60))
        ctx.say("relay_rate_limited", ref=stay.ref, limit=limit, minutes=minutes)
    log.info("relay rate limit for reservation %s: %d in the last hour", stay.id, count)
    return True
