"""After the yes, the guest's two questions: where to go and how to pay. ARRIVAL [<ref>] (住所, 到着), "what's
the address?", "how do I get in?" give a confirmed stay's arrival details (the address, check-in and
check-out times, how to get in); PAY (支払い), "how do I pay?", 支払い方法は？ give the place's payment terms
with the total.

The address and the way in are private: they are told only to the guest of a confirmed stay not yet over
(never in BROWSE, SEARCH or VIEW), so a cancelled stay's guest no longer gets them. Airtng takes no payment
itself; the terms say what the host asks for.
"""

from __future__ import annotations

from bot.context import Context
from bot.models import Reservation
from bot.outcomes import stay_details
from bot.presenting import describe, pay_terms
from bot.router import Router
from bot.store import REF_ALPHABET, REF_LENGTH
from bot.text import Text, fold

router = Router("arriving")
REF_CHARACTERS = frozenset(REF_ALPHABET)


def _own_stay_by_ref(ctx: Context, text: Text) -> Reservation | bool | None:
    """The texter's own stay named by a reference in the text; False for a stay that is not theirs as guest
    (told as a reference that is not theirs, whoever's it is); None when no word is a reference ("ARRIVAL
    please", a mistyped one: their one stay to come is meant)."""
    for word in text.args.split():
        candidate = fold(word).lstrip("#")
        if len(candidate) != REF_LENGTH or not set(candidate) <= REF_CHARACTERS:
            continue
        stay = ctx.store.reservation_by_ref(candidate)
        if stay is not None:
            return stay if stay.guest_id == ctx.texter.id else False
    return None


def _stays_to_come(ctx: Context) -> list[Reservation]:
    return [r for r in ctx.store.guest_open(ctx.texter.id, ctx.today()) if r.status == "confirmed"]


@router.command("ARRIVAL", "ADDRESS", "住所", "到着")
def arrival(ctx: Context, text: Text) -> None:
    named = _own_stay_by_ref(ctx, text)
    if named is False:
        ctx.say("arrival_unknown_ref")
        return
    if isinstance(named, Reservation):
        _arrival_of(ctx, named)
        return
    answer_arrival(ctx)


def answer_arrival(ctx: Context) -> None:
    """The arrival details of the texter's one stay to come; with several, which one; with none, why."""
    stays = _stays_to_come(ctx)
    if len(stays) == 1:
        _arrival_of(ctx, stays[0])
    elif stays:
        ctx.say("arrival_which", stays=[describe(ctx, stay) for stay in stays[:5]])
    else:
        ctx.say("arrival_none")


def _arrival_of(ctx: Context, stay: Reservation) -> None:
    if stay.status != "confirmed" or stay.check_out <= ctx.today():
        ctx.say("arrival_not_open", status=stay.status, **describe(ctx, stay))
        return
    details = stay_details(ctx, stay, ctx.texter.language)
    if details:
        ctx.say("stay_details", about=stay.id, **details)
    else:
        ctx.say("arrival_not_given", **describe(ctx, stay))


@router.command("PAY", "PAYMENT", "支払い", "支払", "お支払い")
def pay(ctx: Context, text: Text) -> None:
    answer_payment(ctx)


def answer_payment(ctx: Context) -> None:
    """How to pay for the texter's soonest stay to come or request (each place's own terms), with its total;
    with none, that Airtng takes no payment and where each host says how."""
    trips = ctx.store.guest_open(ctx.texter.id, ctx.today())
    if not trips:
        ctx.say("pay_none")
        return
    trip = next((r for r in trips if r.status == "confirmed"), trips[0])
    listing = ctx.store.any_listing(trip.listing_id)
    ctx.say("pay_answer", pay=pay_terms(ctx, listing, ctx.texter.language), confirmed=trip.status == "confirmed",
            **describe(ctx, trip))
