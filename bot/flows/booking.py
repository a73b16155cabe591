"""Guests booking: BOOK <n> [dates] [N guests] -> dates -> guests -> name (if unknown) -> (YES to dates read
from relative or incomplete words, if no question showed them back) -> (YES if it overlaps their own stay
elsewhere) -> a pending request with a reference and what it costs.

Dates the parser guessed ("next weekend", 明日から2泊, "the 20th": `Stay.guessed`) are shown back with their
weekdays before anything is filed: in the next question (guests, name) or, when nothing is left to ask, in a
confirmation. Written dates ("Dec 20-23") file as they always did. Half a stay ("3 nights", "Dec 20") is
kept while the other half is asked for.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any, TypedDict

from bot import availability
from bot.answers import is_no, is_yes
from bot.context import Context
from bot.dates import DateError, DayWithoutNights, NightsWithoutDay, Stay, WhichWeekend, parse_stay
from bot.flows import details, naming
from bot.models import BookingObstacles, Listing
from bot.presenting import describe, request_ttl
from bot.router import Router, StepGroup, StepName
from bot.text import Text, leading_number, party_size, trailing_party


class Steps(StepGroup, flow="booking"):
    dates = StepName()
    guests = StepName()
    name = StepName()
    confirm_dates = StepName()
    confirm = StepName()


router = Router("booking", Steps)

class ExampleStay(TypedDict):
    example_in: date
    example_out: date


def example_dates(today: date) -> ExampleStay:
    """A valid example stay for the date questions and refusals: two weeks out, three nights. Each template
    writes the two dates its own way (`{{ example_in|stay(example_out) }}` in English)."""
    check_in = today + timedelta(days=14)
    return ExampleStay(example_in=check_in, example_out=check_in + timedelta(days=3))


# The state keys of half a stay given (a day, a number of nights) while the other half is asked for, and
# of guessed dates not shown back yet.
_HALF_DAY, _HALF_NIGHTS, _UNSHOWN = "half_day", "half_nights", "dates_unshown"
# The stays a question offered ("Which weekend: 1 ... or 2 ...?"), which a short answer picks.
_OFFERED = "dates_offered"
# "1", "#2", "2番", "the first one", "2つ目", "後の方": which of the stays offered.
_PICK = re.compile(r"^(?:the\s+)?(?:#?([12])(?:番|つ目|st|nd)?|(first|second|1st|2nd)(?:\s+one)?"
                   r"|(最初|前|後|あと)の?方?)(?:\s*(?:one|weekend|please|の週末|でお願いします|で|です))*$",
                   re.IGNORECASE)


def _picked(ctx: Context, text: str) -> Stay | None:
    """The offered stay a short answer picks ("2", "the first one", 2つ目), or None."""
    offered = ctx.state.get(_OFFERED)
    match = _PICK.match(unicodedata.normalize("NFKC", text).strip(" .!。")) if offered else None
    if offered is None or match is None:
        return None
    digit, word, japanese = match.groups()
    second = digit == "2" or (word or "").lower() in ("second", "2nd") or japanese in ("後", "あと")
    check_in, check_out = offered[1 if second else 0]
    return Stay(date.fromisoformat(check_in), date.fromisoformat(check_out), guessed=False)


def _read_stay(ctx: Context, text: str) -> Stay | None:
    picked = _picked(ctx, text)
    if picked is not None:
        return picked  # shown with weekdays in the question: nothing to show back again
    half_day = ctx.state.get(_HALF_DAY)
    try:
        return parse_stay(text, ctx.today(), ctx.config.max_nights,
                          day=date.fromisoformat(half_day) if half_day else None, nights=ctx.state.get(_HALF_NIGHTS))
    except DateError as error:
        if isinstance(error, DayWithoutNights):
            ctx.state[_HALF_DAY] = error.day.isoformat()
        elif isinstance(error, NightsWithoutDay):
            ctx.state[_HALF_NIGHTS] = error.nights
        elif isinstance(error, WhichWeekend):
            ctx.state[_OFFERED] = [[error.first.check_in.isoformat(), error.first.check_out.isoformat()],
                                   [error.second.check_in.isoformat(), error.second.check_out.isoformat()]]
        ctx.say(error.key, **example_dates(ctx.today()), **error.params)
        return None


def _listing(ctx: Context) -> Listing:
    return ctx.store.listing(int(ctx.state["listing"]))


def _capacity(listing: Listing) -> int:
    return listing.max_guests if listing.max_guests is not None else details.GUESTS_MAX


def _take_guests(ctx: Context, listing: Listing, count: int | None) -> bool:
    """Keep the party size if the place sleeps that many; else say so (asking again). True if kept."""
    if count is None or count < 1:
        ctx.say("guest_count_invalid", number=listing.id, most=_capacity(listing))
        return False
    if count > _capacity(listing):
        ctx.say("book_over_capacity", number=listing.id, most=_capacity(listing), guests=count)
        return False
    ctx.state["guests"] = count
    return True


def _take_stay(ctx: Context, listing: Listing, text: str) -> bool:
    """Keep the dates if they can be asked for; else say why (with an example or free nights)."""
    stay = _read_stay(ctx, text)
    if stay is None or _refused(ctx, listing.id, stay.check_in, stay.check_out,
                                ctx.store.booking_obstacles(ctx.texter.id, listing.id, stay.check_in,
                                                            stay.check_out)):
        return False
    ctx.state["check_in"] = stay.check_in.isoformat()
    ctx.state["check_out"] = stay.check_out.isoformat()
    ctx.state.pop(_HALF_DAY, None)
    ctx.state.pop(_HALF_NIGHTS, None)
    ctx.state.pop(_OFFERED, None)
    if stay.guessed:
        ctx.state[_UNSHOWN] = True
    else:
        ctx.state.pop(_UNSHOWN, None)
    return True


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
    return _answers(ctx, listing, rest)


def _answers(ctx: Context, listing: Listing, text: str) -> StepName | None:
    """Dates and a party size given in one text ("Dec 20-23 2 guests"), either, or (after BOOK) neither."""
    dates, count = trailing_party(text)
    if dates and not _take_stay(ctx, listing, dates):
        if count is not None and 1 <= count <= _capacity(listing):
            ctx.state["guests"] = count  # asked again only for the dates
        return Steps.dates
    if count is not None and not _take_guests(ctx, listing, count):
        return Steps.guests
    return _next(ctx, listing)


def _next(ctx: Context, listing: Listing) -> StepName | None:
    """Ask the first thing still missing; with everything in, file the request."""
    missing = _ask_missing(ctx, listing)
    if missing is not None:
        return missing
    if not ctx.state.get("overlap_ok"):
        own = ctx.store.guest_stay_elsewhere(ctx.texter.id, listing.id, *_stay_asked(ctx))
        if own is not None:
            ctx.say("book_overlaps_own_stay", **_confirm_variables(ctx), own_ref=own.ref,
                    own_listing=own.listing_id, own_title=ctx.store.listing_title(own.listing_id),
                    own_check_in=own.check_in, own_check_out=own.check_out)
            return Steps.confirm
    _file_request(ctx, listing)
    return None


def _ask_missing(ctx: Context, listing: Listing) -> StepName | None:
    """Ask for the dates, the party, the name, or (when only guessed dates are unconfirmed) YES to them; None
    when nothing is missing. A question after guessed dates shows them back with their weekdays."""
    if "check_in" not in ctx.state:
        ctx.say("ask_dates", number=listing.id, **example_dates(ctx.today()))
        return Steps.dates
    if "guests" not in ctx.state:
        if ctx.state.pop(_UNSHOWN, False):
            ctx.say("ask_guest_count_dates", **_confirm_variables(ctx), most=_capacity(listing))
        else:
            ctx.say("ask_guest_count", number=listing.id, most=_capacity(listing))
        return Steps.guests
    if naming.needs_name(ctx):
        # The stay and party so far are shown before the name: a guest who meant other dates or more
        # people says so here rather than typing them as their name.
        ctx.state.pop(_UNSHOWN, None)
        ctx.say("book_ask_name", **_shown_variables(ctx))
        return Steps.name
    if ctx.state.get(_UNSHOWN):
        ctx.say("book_confirm_dates", **_shown_variables(ctx))
        return Steps.confirm_dates
    return None


def _stay_asked(ctx: Context) -> tuple[date, date]:
    return date.fromisoformat(ctx.state["check_in"]), date.fromisoformat(ctx.state["check_out"])


def _confirm_variables(ctx: Context) -> dict[str, Any]:
    check_in, check_out = _stay_asked(ctx)
    return {"number": int(ctx.state["listing"]), "check_in": check_in, "check_out": check_out}


def _shown_variables(ctx: Context) -> dict[str, Any]:
    return {**_confirm_variables(ctx), "guests": int(ctx.state["guests"])}


@router.step(Steps.dates, "help_dates", commands_interrupt=True,
             help_variables=lambda ctx: {**example_dates(ctx.today())})
def dates(ctx: Context, text: Text) -> StepName | None:
    return _answers(ctx, _listing(ctx), text.clean)


def _guest_help(ctx: Context) -> dict[str, Any]:
    listing = _listing(ctx)
    return {"number": listing.id, "most": _capacity(listing)}


@router.step(Steps.guests, "help_guest_count", commands_interrupt=True, help_variables=_guest_help)
def guests(ctx: Context, text: Text) -> StepName | None:
    listing = _listing(ctx)
    if not _take_guests(ctx, listing, party_size(text.clean)):
        return Steps.guests
    return _next(ctx, listing)


@router.step(Steps.name, "help_name", lone_commands_interrupt=True)
def name(ctx: Context, text: Text) -> StepName | None:
    if not naming.take_name(ctx, text):
        return Steps.name
    return _next(ctx, _listing(ctx))


# YES here is the guest's own answer (these dates), never a decision on a request they host.
@router.step(Steps.confirm_dates, "help_book_confirm_dates", commands_interrupt=True, asks="yes_or_no",
             help_variables=_shown_variables)
def confirm_dates(ctx: Context, text: Text) -> StepName | None:
    listing = _listing(ctx)
    if is_yes(text):
        ctx.state.pop(_UNSHOWN, None)
        return _next(ctx, listing)
    if is_no(text):
        for key in ("check_in", "check_out", _UNSHOWN):
            ctx.state.pop(key, None)
        return _next(ctx, listing)  # asks for the dates again
    step = _answers(ctx, listing, text.clean)
    # Other dates that could not be taken were answered with why; the dates shown still wait for YES.
    return Steps.confirm_dates if step is Steps.dates and "check_in" in ctx.state else step


# YES here is the guest's own answer (book anyway), never a decision on a request they host.
@router.step(Steps.confirm, "help_book_confirm", commands_interrupt=True, asks="yes_or_no",
             help_variables=_confirm_variables)
def confirm(ctx: Context, text: Text) -> StepName | None:
    if is_yes(text):
        ctx.state["overlap_ok"] = True
        return _next(ctx, _listing(ctx))
    if not is_no(text):
        ctx.say("help_book_confirm", **_confirm_variables(ctx))
        return Steps.confirm
    ctx.say("book_dropped", **_confirm_variables(ctx))
    return None


def _refused(ctx: Context, listing_id: int, check_in: date, check_out: date, obstacles: BookingObstacles) -> bool:
    """Dates taken by a confirmed stay (naming the nearest free nights), or already asked for by this
    guest: say so; True if refused."""
    if obstacles.taken:
        free = availability.nearest(ctx, listing_id, check_in, check_out)
        ctx.say("book_unavailable", number=listing_id, check_in=check_in, check_out=check_out,
                free=[r.item() for r in free])
        return True
    if obstacles.duplicate:
        ctx.say("book_duplicate", number=listing_id)
        return True
    return False


def _file_request(ctx: Context, listing: Listing) -> None:
    """All answers are in: check the rules again (time has passed) and file the pending request."""
    check_in, check_out = _stay_asked(ctx)
    obstacles = ctx.store.booking_obstacles(ctx.texter.id, listing.id, check_in, check_out)
    if _refused(ctx, listing.id, check_in, check_out, obstacles):
        return
    if obstacles.pending >= ctx.config.max_pending_per_guest:
        ctx.say("book_too_many", limit=ctx.config.max_pending_per_guest)
        return
    reservation = ctx.store.create_reservation(listing, ctx.texter.id, check_in, check_out,
                                               int(ctx.state["guests"]))
    ctx.store.add_job("expire", reservation.id, ctx.now() + request_ttl(ctx))
    ctx.say("book_requested", number=listing.id, **describe(ctx, reservation))
    # Load the host's conversation into this unit of work: the engine presents it if the host is free.
    ctx.conversation(listing.host_id)
