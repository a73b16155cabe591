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

from bot.answers import is_no, is_yes
from bot.catalog import MAX_CHARACTERS
from bot.context import Context
from bot.flows import asking
from bot.models import Question, Reservation, User
from bot.presenting import excerpt
from bot.router import Router, StepGroup, StepName
from bot.store import REF_LENGTH
from bot.text import Text, fold, leading_number

log = logging.getLogger(__name__)

class Steps(StepGroup, flow="relay"):
    send_offer = StepName()  # "Send this to Maria?" about a text nothing else understood
    choose_stay = StepName()  # the same with several open stays: which one


router = Router("relay", Steps)

RATE_WINDOW = timedelta(hours=1)  # relay.max_per_hour counts this window
MAX_LISTED = 10  # open stays listed when a bare MSG must ask which one
LISTED_PLACE = 24  # characters of the place's description in that list


@router.command("MSG", "MESSAGE", "メッセージ", "連絡")
def message(ctx: Context, text: Text) -> None:
    rest = _after_command(text)
    ref, body = _ref_and_body(ctx, rest)
    if ref is None and (thread := _own_question(ctx, rest)) is not None:
        parts = rest.split(maxsplit=1)
        asking.answer(ctx, thread, parts[1].strip() if len(parts) > 1 else "")
        return
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


# -- words meant for the other party ----------------------------------------------------------------------
# Someone with a stay open for messages whose text nothing understood most likely wrote it for the other
# party ("Hi Ana, it's 12 Harbour St, flat 5"): the text is kept and offered to be sent, never lost.


def offer(ctx: Context, text: Text, stays: list[Reservation]) -> StepName | None:
    """Keep the text; ask whether to send it to the other party of the texter's one open stay, or (several
    `stays`, from `open_stays`) to whom."""
    ctx.state["relay_text"] = text.raw.strip()
    ctx.state["relay_media"] = list(text.media)
    if len(stays) == 1:
        ctx.state["stay"] = stays[0].id
        ctx.say("relay_offer", **_listed(ctx, stays[0]))
        return Steps.send_offer
    shown = stays[:MAX_LISTED]
    ctx.state["stays"] = [stay.id for stay in shown]
    ctx.say("relay_offer_choose", stays=[_listed(ctx, stay) for stay in shown])
    return Steps.choose_stay


def _kept(ctx: Context) -> tuple[str, tuple[str, ...]]:
    return str(ctx.state["relay_text"]), tuple(str(url) for url in ctx.state.get("relay_media", []))


def _send_kept(ctx: Context, stay_id: int) -> None:
    stay = ctx.store.reservation(stay_id)
    if not _is_open(ctx, stay):
        _say_closed(ctx, stay)
        return
    body, media = _kept(ctx)
    _relay(ctx, stay, body, media)


def _offer_help(ctx: Context) -> dict[str, Any]:
    return _listed(ctx, ctx.store.reservation(int(ctx.state["stay"])))


@router.step(Steps.send_offer, "relay_offer", asks="yes_or_no", help_variables=_offer_help)
def send_offer(ctx: Context, text: Text) -> StepName | None:
    if is_yes(text):
        _send_kept(ctx, int(ctx.state["stay"]))
        return None
    if is_no(text):
        ctx.say("relay_not_sent")
        return None
    ctx.say("relay_offer", **_offer_help(ctx))
    return Steps.send_offer


def _choose_help(ctx: Context) -> dict[str, Any]:
    return {"stays": [_listed(ctx, ctx.store.reservation(int(i))) for i in ctx.state["stays"]]}


def _chosen(ctx: Context, text: Text) -> int | None:
    """The stay picked by its number in the list ("2", "#2", "2番") or by its reference."""
    choices = [int(i) for i in ctx.state["stays"]]
    number = leading_number(text.clean)
    if number is not None and not number[1] and 1 <= number[0] <= len(choices):
        return choices[number[0] - 1]
    ref = fold(text.clean).lstrip("#")
    return next((i for i in choices if ctx.store.reservation(i).ref == ref), None)


@router.step(Steps.choose_stay, "relay_offer_choose", asks="yes_or_no", help_variables=_choose_help)
def choose_stay(ctx: Context, text: Text) -> StepName | None:
    chosen = _chosen(ctx, text)
    if chosen is not None:
        _send_kept(ctx, chosen)
        return None
    if is_no(text):
        ctx.say("relay_not_sent")
        return None
    ctx.say("relay_offer_choose", **_choose_help(ctx))
    return Steps.choose_stay


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


def _own_question(ctx: Context, rest: str) -> Question | None:
    """A leading reference of a question thread (ASK) the texter is one side of: its host answering, or its
    guest writing on. A stay of the texter's own with that reference comes first (`_ref_and_body`)."""
    first = rest.split(maxsplit=1)
    candidate = fold(first[0]).lstrip("#") if first else ""
    thread = ctx.store.question_by_ref(candidate) if len(candidate) == REF_LENGTH else None
    return thread if thread is not None and ctx.texter.id in (thread.guest_id, thread.host_id) else None


# -- which stay ------------------------------------------------------------------------------------------


def _last_open_day(ctx: Context, stay: Reservation) -> date:
    return stay.check_out + timedelta(days=ctx.config.relay_close_days_after_checkout)


def _is_open(ctx: Context, stay: Reservation) -> bool:
    return stay.status == "confirmed" and ctx.today() <= _last_open_day(ctx, stay)


def _first_open_check_out(ctx: Context) -> date:
    """The earliest check-out a stay can have today and still be open for messages."""
    return ctx.today() - timedelta(days=ctx.config.relay_close_days_after_checkout)


def open_stays(ctx: Context, user_id: int) -> list[Reservation]:
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
    # Nothing open. A request still waiting is what the texter has in mind: messages open once it is
    # accepted. Else the stay that closed last explains why (cancelled, or past its window), if any.
    waiting = next((r for r in ctx.store.guest_open(ctx.texter.id, ctx.today()) if r.status == "pending"), None)
    if waiting is not None:
        ctx.say("relay_opens_when_accepted", ref=waiting.ref, listing=waiting.listing_id,
                place=ctx.store.listing_title(waiting.listing_id), check_in=waiting.check_in,
                check_out=waiting.check_out)
        return None
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
    with_ref = len(open_stays(ctx, recipient.id)) > 1
    direction = "guest_to_host" if from_guest else "host_to_guest"
    first = not ctx.store.relayed_before(stay.id, direction)
    relayed = ctx.render(
        "relay_message", recipient.language, sender=sender.name or "", from_guest=from_guest, ref=stay.ref,
        check_in=stay.check_in, check_out=stay.check_out, text=body, with_ref=with_ref, first=first,
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
    for text, typed, media_url in outgoing:
        outbox_id = ctx.send(recipient, text, media_url)
        ctx.store.record_relay(stay.id, direction, typed, media_url, outbox_id, stay.check_out)
    if first:
        # The first message of a thread is confirmed; later ones are not (the answer stays empty), and the
        # sender hears back only if one cannot be delivered.
        ctx.say("relay_sent_first", name=recipient.name or "", is_guest=recipient.id == stay.guest_id,
                ref=stay.ref)
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
