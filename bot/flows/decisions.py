"""Hosts deciding: YES / NO (and their plain synonyms) decide the one request the host was shown.

Never another host's, never one the host was not shown; YES with nothing awaiting touches nothing.
The engine routes a lone decision word here at any step, except where the step answers the word itself
(a lone NO at the photo step means "no photo"): no step asks a yes/no question of its own.
"""

from __future__ import annotations

from bot import outcomes
from bot.context import Context
from bot.models import Reservation
from bot.presenting import describe, request_ttl
from bot.text import YES, Text


def decide(ctx: Context, text: Text) -> None:
    accepting = text.decision == YES
    conv = ctx.conv
    if conv.presented_id is None:
        waiting = _waiting_behind_a_flow(ctx)
        if waiting is not None:
            ctx.say("decision_after_flow", flow=conv.flow or "", **describe(ctx, waiting))
        else:
            ctx.say("decision_nothing_pending")
        return
    reservation = ctx.store.reservation(conv.presented_id)
    if reservation.host_id != ctx.texter.id or reservation.status != "pending":
        # Defensive: the presentation is always cleared when a request leaves 'pending'.
        conv.presented_id = None
        ctx.say("decision_nothing_pending")
        return
    variables = describe(ctx, reservation)
    if accepting:
        declined = outcomes.accept(ctx, reservation)
        ctx.say("host_accepted", declined=len(declined), told=outcomes.reaches(ctx, reservation.guest_id), **variables)
    else:
        outcomes.decline(ctx, reservation, "host")
        ctx.say("host_declined", told=outcomes.reaches(ctx, reservation.guest_id), **variables)



def _waiting_behind_a_flow(ctx: Context) -> Reservation | None:
    """The request a host in the middle of a flow will be asked about once it is over (nothing is presented
    mid-flow, so a YES there must not read as "nothing waiting")."""
    if ctx.conv.flow is None or ctx.texter.id in ctx.never_hosted:
        return None
    return ctx.store.oldest_pending_for_host(ctx.texter.id, ctx.now() - request_ttl(ctx))
