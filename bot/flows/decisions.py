"""Hosts deciding: a yes or a no decides the one request the host was shown, and only as the answer to its
own question.

Never another host's, never one the host was not shown. A lone "ok" decides only when the last thing the
host was sent was that request's prompt, reminder or question asked again (`Conversation.asked_about`);
after anything else (a guest's relayed message, a notice, a suggestion) the question is asked again first.
A no may carry the host's reason ("no, we have family staying"), which the guest is told.
"""

from __future__ import annotations

from bot import outcomes
from bot.context import Context
from bot.models import Reservation
from bot.presenting import describe, request_ttl
from bot.text import Text
from bot.vocabulary import Decision


def presented(ctx: Context) -> Reservation | None:
    """The request in front of the texter as a host, if any (still theirs and still waiting)."""
    conv = ctx.conv
    if conv.presented_id is None:
        return None
    reservation = ctx.store.reservation(conv.presented_id)
    if reservation.host_id != ctx.texter.id or reservation.status != "pending":
        conv.presented_id = None  # defensive: a presentation is cleared when its request leaves 'pending'
        return None
    return reservation


def answers_its_question(ctx: Context) -> bool:
    """The host's last message from us asked about the request in front of them: its question was put to
    them, no reply since said anything else, and no message since went to them through the outbox."""
    asked = ctx.conv.asked_about()
    if ctx.conv.presented_id is None or asked is None or asked[0] != ctx.conv.presented_id:
        return False
    return not ctx.store.sent_to_since(ctx.texter.phone, asked[1])


def decide(ctx: Context, text: Text) -> None:
    """A yes or no answering the question of the request in front of the host."""
    reservation = presented(ctx)
    answer = text.answer
    if reservation is None or answer is None:
        ctx.say("decision_nothing_pending")
        return
    variables = describe(ctx, reservation)
    if answer.decision is Decision.UNCLEAR:
        # "大丈夫です" / "結構です" can mean either: never guessed; asked again with the words that work.
        ctx.say("decision_unclear", about=reservation.id, **variables)
    elif answer.decision is Decision.YES:
        declined = outcomes.accept(ctx, reservation)
        ctx.say("host_accepted", declined=len(declined), told=outcomes.reaches(ctx, reservation.guest_id),
                **variables)
    else:
        outcomes.decline(ctx, reservation, "host", note=answer.reason)
        ctx.say("host_declined", note=answer.reason, told=outcomes.reaches(ctx, reservation.guest_id), **variables)


def ask_again(ctx: Context) -> None:
    """A yes or no from a host whose last message from us was not this request's question (a guest's
    message, a notice, a suggestion came in between): the question again, naming the request."""
    reservation = presented(ctx)
    if reservation is None:
        ctx.say("decision_nothing_pending")
        return
    ctx.say("decision_again", about=reservation.id, **describe(ctx, reservation))


def waiting_request(ctx: Context) -> Reservation | None:
    """The request a host will be asked about next: the one in front of them, or (in the middle of a flow,
    where nothing is presented) the oldest still waiting."""
    if ctx.texter.id in ctx.never_hosted:
        return None
    in_front = presented(ctx)
    if in_front is not None:
        return in_front
    return ctx.store.oldest_pending_for_host(ctx.texter.id, ctx.now() - request_ttl(ctx))


def finish_first(ctx: Context, reservation: Reservation) -> None:
    """A decision word in the middle of a step: it is not the step's answer, and no request is decided while
    the host is half-way through something else."""
    ctx.say("decision_after_flow", flow=ctx.conv.flow or "", **describe(ctx, reservation))
