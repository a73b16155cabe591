"""Guests asking a host about a place before booking: ASK <n> <question> (質問 <n> ...), and a question that
names a place ("is there parking at #3?", "3番は駐車場ありますか") offered to be sent as one.

The question reaches the host masked, as MSG relays a stay's messages: the host reads the guest's name (or
"a guest"), the place and the thread's reference, never a number, and answers with MSG <ref>; the answer
reaches the guest the same way, who asks again with ASK <n>. A thread is one guest and one place, open for
`relay.ask_days` from the first question (an opt-out of either side or the place's unlisting closes it
sooner), rate limited as a stay's messages are. Each message is an outbox row written in the unit of work
of the text it comes from, and a `question_messages` row pointing at it. Booking is one BOOK away, and the
host's prompt for that request says the guest asked before.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from datetime import timedelta
from typing import Any

from bot.answers import is_no, is_yes
from bot.catalog import MAX_CHARACTERS
from bot.context import Context
from bot.errors import ListingNotFound
from bot.models import Direction, Listing, Question
from bot.router import Router, StepGroup, StepName
from bot.store import REF_LENGTH
from bot.text import Text, leading_number

log = logging.getLogger(__name__)


class Steps(StepGroup, flow="asking"):
    send_offer = StepName()  # "Send this question to the host of #3?"


router = Router("asking", Steps)

RATE_WINDOW = timedelta(hours=1)  # relay.max_per_hour counts this window, as for a stay
# A place named in a question: "#3", "place 3", "listing 3", "no. 3", "3番".
_PLACE = re.compile(r"(?:#|\b(?:PLACE|LISTING|NO\.?|NUMBER)\s*#?)\s*(\d{1,9})\b|(\d{1,9})\s*番")
# A question: a question mark, or a Japanese sentence ending in か (ありますか, いいですか).
_QUESTION_END = re.compile(r"[?？]|か[。.!！\s]*$")


@router.command("ASK", "QUESTION", "質問", "問い合わせ")
def ask(ctx: Context, text: Text) -> None:
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("ask_usage")
        return
    number, question = parsed
    listing = ctx.store.listing(number)  # not listed: "there's no place #n"
    if listing.host_id == ctx.texter.id:
        ctx.say("ask_own", number=number)
        return
    if not question:
        ctx.say("ask_empty", number=number)
        return
    send(ctx, listing, question)


# -- a question naming a place, offered -------------------------------------------------------------------


def named_place(text: Text) -> int | None:
    """The place a question names ("is there parking at #3?", "3番は駐車場ありますか"), or None when the text
    is not a question or names no place."""
    normal = unicodedata.normalize("NFKC", text.clean).upper()
    if not _QUESTION_END.search(normal):
        return None
    found = _PLACE.search(normal)
    return int(found.group(1) or found.group(2)) if found else None


def offer(ctx: Context, text: Text, number: int) -> StepName | None:
    """Keep the question and ask whether to send it to the place's host (a place not listed, or the
    texter's own, is not offered: the text is answered as it would be otherwise)."""
    try:
        listing = ctx.store.listing(number)
    except ListingNotFound:
        ctx.say("listing_not_found", number=number)
        return None
    if listing.host_id == ctx.texter.id:
        ctx.say("ask_own", number=number)
        return None
    ctx.state["question"] = text.clean
    ctx.state["listing"] = listing.id
    ctx.say("ask_offer", **_offer_variables(ctx))
    return Steps.send_offer


def _offer_variables(ctx: Context) -> dict[str, Any]:
    number = int(ctx.state["listing"])
    return {"number": number, "title": ctx.store.listing_title(number), "text": str(ctx.state["question"])}


@router.step(Steps.send_offer, "ask_offer", asks="yes_or_no", help_variables=_offer_variables)
def send_offer(ctx: Context, text: Text) -> StepName | None:
    if is_yes(text):
        send(ctx, ctx.store.listing(int(ctx.state["listing"])), str(ctx.state["question"]))
        return None
    if is_no(text):
        ctx.say("ask_not_sent", number=int(ctx.state["listing"]))
        return None
    ctx.say("ask_offer", **_offer_variables(ctx))
    return Steps.send_offer


# -- relaying ---------------------------------------------------------------------------------------------


def send(ctx: Context, listing: Listing, body: str) -> None:
    """The guest's question to the place's host, in the thread open for them (a new one if none is); the
    guest is told it went with the first question of a thread, and hears nothing more unless it could not
    go (as MSG)."""
    thread = ctx.store.open_question(ctx.texter.id, listing.id, ctx.now())
    host = ctx.person(listing.host_id)
    # Measured before a new thread is opened (its reference has the same length as this stand-in), so a
    # question too long to send opens none.
    ref = thread.ref if thread is not None else "-" * REF_LENGTH
    variables = {"guest": ctx.texter.name or "", "number": listing.id, "title": listing.title, "text": body}
    relayed = ctx.render("ask_relayed", host.language, ref=ref, **variables)
    if len(relayed) > MAX_CHARACTERS:
        ctx.say("relay_too_long", length=len(body), limit=MAX_CHARACTERS - (len(relayed) - len(body)))
        return
    first = thread is None
    if thread is None:
        thread = ctx.store.open_new_question(listing, ctx.texter.id, ctx.now() + _open_for(ctx))
        relayed = ctx.render("ask_relayed", host.language, ref=thread.ref, **variables)
    if _rate_limited(ctx, thread, "guest_to_host"):
        return
    outbox_id = ctx.send(host, relayed)
    ctx.store.record_question_message(thread.id, "guest_to_host", body, outbox_id)
    if first:
        ctx.say("ask_sent", number=listing.id, days=ctx.config.relay_ask_days)
    log.info("relayed a question about listing %s (thread %s)", listing.id, thread.id)


def answer(ctx: Context, thread: Question, body: str) -> None:
    """MSG <ref> <text> naming a question thread: the host's answer to the guest, or the guest's reply to
    the host (the texter is one of the two: `relay.message` checked)."""
    if not thread.open_at(ctx.now()):
        ctx.say("ask_closed", ref=thread.ref, number=thread.listing_id)
        return
    from_guest = ctx.texter.id == thread.guest_id
    recipient = ctx.person(thread.host_id if from_guest else thread.guest_id)
    if not recipient.reachable:
        ctx.say("relay_recipient_opted_out" if recipient.opted_out else "relay_recipient_unreachable",
                name=recipient.name or "", is_guest=not from_guest, ref=thread.ref)
        return
    if not body:
        ctx.say("relay_empty", ref=thread.ref)
        return
    title = ctx.store.listing_title(thread.listing_id)
    key_variables = {"number": thread.listing_id, "title": title, "ref": thread.ref, "text": body}
    if from_guest:
        relayed = ctx.render("ask_relayed", recipient.language, guest=ctx.texter.name or "", **key_variables)
    else:
        relayed = ctx.render("ask_answered", recipient.language, host=ctx.texter.name or "", **key_variables)
    if len(relayed) > MAX_CHARACTERS:
        ctx.say("relay_too_long", length=len(body), limit=MAX_CHARACTERS - (len(relayed) - len(body)))
        return
    direction: Direction = "guest_to_host" if from_guest else "host_to_guest"
    if _rate_limited(ctx, thread, direction):
        return
    outbox_id = ctx.send(recipient, relayed)
    ctx.store.record_question_message(thread.id, direction, body, outbox_id)


def _open_for(ctx: Context) -> timedelta:
    return timedelta(days=ctx.config.relay_ask_days)


def _rate_limited(ctx: Context, thread: Question, direction: Direction) -> bool:
    """Over `relay.max_per_hour` for the thread (both ways together)? Then nothing is relayed, and the
    sender is told once in the hour, with how long to wait."""
    limit = ctx.config.relay_max_per_hour
    since = ctx.now() - RATE_WINDOW
    count, oldest = ctx.store.question_messages_since(thread.id, since)
    if count < limit:
        return False
    if ctx.store.question_notice_due(thread.id, direction, since):
        frees_at = (oldest or ctx.now()) + RATE_WINDOW
        minutes = max(1, math.ceil((frees_at - ctx.now()).total_seconds() / 60))
        ctx.say("relay_rate_limited", ref=thread.ref, limit=limit, minutes=minutes)
    log.info("question rate limit for thread %s: %d in the last hour", thread.id, count)
    return True
