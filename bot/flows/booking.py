"""Guests booking: BOOK <n> [dates] -> dates -> name (if unknown) -> a pending request with a reference."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TypedDict

from bot.context import Context
from bot.dates import DateError, Stay, parse_stay
from bot.flows import naming
from bot.presenting import request_ttl
from bot.router import Router, StepGroup, StepName
from bot.text import Text, leading_number


class Steps(StepGroup, flow="booking"):
    dates = StepName()
    name = StepName()


router = Router("booking", Steps)


class ExampleStay(TypedDict):
    example_in: date
    example_out: date


def example_dates(today: date) -> ExampleStay:
    """A valid example stay for the date questions and refusals: two weeks out, three nights. Each template
    writes the two dates its own way (`{{ example_in|stay(example_out) }}` in English)."""
    check_in = today + timedelta(days=14)
    return ExampleStay(example_in=check_in, example_out=check_in + timedelta(days=3))


def _read_stay(ctx: Context, text: str) -> Stay | None:
    try:
        return parse_stay(text, ctx.today(), ctx.config.max_nights)
    except DateError as error:
        ctx.say(error.key, **example_dates(ctx.today()), **error.params)
        return None


@router.command("BOOK", "RESERVE", "予約", "よやく")
def book(ctx: Context, text: Text) -> StepName | None:
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("book_usage")
        return None
    number, rest = parsed
    listing = ctx.store.listing(number)
    if listing.host_id == ctx.texter.id:
        ctx.say("book_own_listing", number=number)
        return None
    if ctx.store.pending_count_for_guest(ctx.texter.id) >= ctx.config.max_pending_per_guest:
        ctx.say("book_too_many", limit=ctx.config.max_pending_per_guest)
        return None
    ctx.state["listing"] = number
    if rest:
        stay = _read_stay(ctx, rest)
        if stay is not None:
            return _with_stay(ctx, stay)
        return Steps.dates
    ctx.say("ask_dates", number=number, **example_dates(ctx.today()))
    return Steps.dates


@router.step(Steps.dates, "help_dates", commands_interrupt=True,
             help_variables=lambda ctx: {**example_dates(ctx.today())})
def dates(ctx: Context, text: Text) -> StepName | None:
    stay = _read_stay(ctx, text.clean)
    if stay is None:
        return Steps.dates
    return _with_stay(ctx, stay)


@router.step(Steps.name, "help_name", lone_commands_interrupt=True)
def name(ctx: Context, text: Text) -> StepName | None:
    if not naming.take_name(ctx, text):
        return Steps.name
    _file_request(ctx)
    return None


def _with_stay(ctx: Context, stay: Stay) -> StepName | None:
    if _refused(ctx, int(ctx.state["listing"]), stay.check_in, stay.check_out):
        return Steps.dates  # "try other dates": the next text is read as dates (a command still interrupts)
    ctx.state["check_in"] = stay.check_in.isoformat()
    ctx.state["check_out"] = stay.check_out.isoformat()
    if naming.needs_name(ctx):
        naming.ask_name(ctx)
        return Steps.name
    _file_request(ctx)
    return None


def _refused(ctx: Context, listing_id: int, check_in: date, check_out: date) -> bool:
    """Dates taken by a confirmed stay, or already asked for by this guest: say so; True if refused."""
    if ctx.store.overlaps_confirmed(listing_id, check_in, check_out):
        ctx.say("book_unavailable", number=listing_id, check_in=check_in, check_out=check_out)
        return True
    if ctx.store.guest_has_overlapping_request(ctx.texter.id, listing_id, check_in, check_out):
        ctx.say("book_duplicate", number=listing_id)
        return True
    return False


def _file_request(ctx: Context) -> None:
    """All answers are in: check the rules again (time has passed) and file the pending request."""
    listing = ctx.store.listing(int(ctx.state["listing"]))
    check_in = date.fromisoformat(ctx.state["check_in"])
    check_out = date.fromisoformat(ctx.state["check_out"])
    if _refused(ctx, listing.id, check_in, check_out):
        return
    if ctx.store.pending_count_for_guest(ctx.texter.id) >= ctx.config.max_pending_per_guest:
        ctx.say("book_too_many", limit=ctx.config.max_pending_per_guest)
        return
    reservation = ctx.store.create_reservation(listing, ctx.texter.id, check_in, check_out)
    ctx.store.add_job("expire", reservation.id, ctx.now() + request_ttl(ctx))
    ctx.say(
        "book_requested", ref=reservation.ref, number=listing.id, check_in=check_in, check_out=check_out,
        nights=reservation.nights,
    )
    # Load the host's conversation into this unit of work: the engine presents it if the host is free.
    ctx.conversation(listing.host_id)
