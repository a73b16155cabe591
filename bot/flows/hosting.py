"""Hosts: HOST (name -> title -> price -> most guests -> description -> photo -> "listed as #n"), LISTINGS,
UNLIST <n>."""

from __future__ import annotations

from typing import Any

from bot import outcomes
from bot.answers import is_no, is_yes
from bot.context import Context
from bot.flows import details, naming
from bot.flows.browse import clear_cursor, continues, set_cursor
from bot.money import Money
from bot.outcomes import unlist_listing
from bot.router import Router, StepGroup, StepName
from bot.text import Text, leading_number


class Steps(StepGroup, flow="hosting"):
    name = StepName()
    title = StepName()
    price = StepName()
    guests = StepName()
    description = StepName()
    photo = StepName()
    confirm_price = StepName()
    confirm_unlist = StepName()


router = Router("hosting", Steps)


def _length_limits(ctx: Context) -> dict[str, Any]:
    return {"min_length": ctx.config.description_min, "max_length": ctx.config.description_max}


def _ask_title(ctx: Context) -> StepName:
    ctx.say("ask_title", **details.title_limits())
    return Steps.title


@router.command("HOST")
@router.command("掲載", "けいさい", lone=True)
def host(ctx: Context, text: Text) -> StepName | None:
    if naming.needs_name(ctx):
        naming.ask_name(ctx)
        return Steps.name
    return _ask_title(ctx)


@router.step(Steps.name, "help_name", lone_commands_interrupt=True)
def name(ctx: Context, text: Text) -> StepName | None:
    if not naming.take_name(ctx, text):
        return Steps.name
    return _ask_title(ctx)


# A title may start with a command word ("Browse Inn"): only a command sent alone leaves the flow.
@router.step(Steps.title, "help_title", lone_commands_interrupt=True,
             help_variables=lambda ctx: details.title_limits())
def title(ctx: Context, text: Text) -> StepName | None:
    chosen = details.read_title(ctx, text)
    if chosen is None:
        return Steps.title
    ctx.state["title"] = chosen
    ctx.say("ask_price", **details.price_example(ctx))
    return Steps.price


@router.step(Steps.price, "help_price", commands_interrupt=True, help_variables=details.price_example)
def price(ctx: Context, text: Text) -> StepName | None:
    return _take_price(ctx, details.read_price(ctx, text))


# "1泊1,500,000円でよろしいですか？": YES keeps it, a new price replaces it, NO asks for it again.
@router.step(Steps.confirm_price, "price_confirm", commands_interrupt=True, asks="yes_or_no",
             help_variables=details.unsure_price)
def confirm_price(ctx: Context, text: Text) -> StepName | None:
    return _take_price(ctx, details.checked_price(ctx, text))


def _take_price(ctx: Context, nightly: Money | None) -> StepName:
    if nightly is None:
        return Steps.confirm_price if details.price_asked_back(ctx) else Steps.price
    ctx.state["price"], ctx.state["currency"] = nightly.minor, nightly.currency
    ctx.say("ask_capacity", **details.guest_limits())
    return Steps.guests


@router.step(Steps.guests, "help_capacity", commands_interrupt=True,
             help_variables=lambda ctx: details.guest_limits())
def guests(ctx: Context, text: Text) -> StepName | None:
    count = details.read_capacity(ctx, text)
    if count is None:
        return Steps.guests
    ctx.state["guests"] = count
    ctx.say("ask_description", **_length_limits(ctx))
    return Steps.description


@router.step(Steps.description, "help_description", help_variables=_length_limits)
def description(ctx: Context, text: Text) -> StepName | None:
    body = text.clean
    if len(body) < ctx.config.description_min:
        ctx.say("description_too_short", length=len(body), min_length=ctx.config.description_min)
        return Steps.description
    if len(body) > ctx.config.description_max:
        ctx.say("description_too_long", length=len(body), max_length=ctx.config.description_max)
        return Steps.description
    ctx.state["description"] = body
    ctx.say("ask_photo")
    return Steps.photo


@router.step(Steps.photo, "help_photo", asks="photo")
def photo(ctx: Context, text: Text) -> StepName | None:
    answered, photo_url = details.read_photo(ctx, text)
    if not answered:
        return Steps.photo
    state = ctx.state
    description = str(state["description"])
    # A flow begun before titles and prices were asked (a deploy while a host was half-way) lists the place
    # as migration 007 left older ones: a title from the description, no price, no stated capacity.
    price = Money(int(state["price"]), str(state["currency"])) if "price" in state else None
    guests = int(state["guests"]) if "guests" in state else None
    listing = ctx.store.create_listing(ctx.texter.id, description, photo_url,
                                       title=str(state.get("title") or details.title_from(description)),
                                       price=price, max_guests=guests)
    ctx.say("listed", number=listing.id, has_photo=photo_url is not None)
    return None


def _listings_page(ctx: Context, after_id: int) -> None:
    size = ctx.config.browse_page_size * 2
    found = ctx.store.host_listings(ctx.texter.id, ctx.today(), after_id, size + 1)
    page, more = found[:size], len(found) > size
    if not page:
        clear_cursor(ctx)
        ctx.say("listings_none" if after_id == 0 else "listings_end")
        return
    items = [{"number": listing.id, "title": listing.title, "pending": pending, "stays": stays}
             for listing, pending, stays in page]
    shown = ctx.say_page("listings", "listings", items, more=more)
    if shown == len(page) and not more:
        clear_cursor(ctx)
    else:
        set_cursor(ctx, "listings", after=page[shown - 1][0].id)


@router.command("LISTINGS", "MYLISTINGS", "PLACES", "掲載中", "自分の宿")
def listings(ctx: Context, text: Text) -> None:
    _listings_page(ctx, 0)


@continues("listings")
def _more_listings(ctx: Context, cursor: dict[str, Any]) -> None:
    _listings_page(ctx, int(cursor["after"]))


@router.command("UNLIST", "REMOVE", "掲載終了", "掲載停止", "掲載中止", "掲載取消", "非公開")
def unlist(ctx: Context, text: Text) -> StepName | None:
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("unlist_usage")
        return None
    listing = ctx.store.listing(parsed[0])
    if listing.host_id != ctx.texter.id:
        ctx.say("unlist_not_yours", number=listing.id)
        return None
    stays = ctx.store.upcoming_stays_at(listing.id, ctx.today())
    if stays:
        # Guests with stays to come lose them: say how many and ask first (it cannot be undone).
        ctx.state["unlist"] = listing.id
        ctx.say("unlist_confirm", number=listing.id, stays=len(stays), first=stays[0].check_in,
                first_out=stays[0].check_out)
        return Steps.confirm_unlist
    _unlist(ctx, listing.id)
    return None


def _unlist(ctx: Context, number: int) -> None:
    declined = unlist_listing(ctx, number)
    cancelled = [stay for stay in ctx.store.upcoming_stays_at(number, ctx.today())
                 if outcomes.cancel_stay(ctx, stay, "unlisted")]
    untold = sum(not outcomes.reaches(ctx, stay.guest_id) for stay in cancelled)
    ctx.say("unlisted", number=number, declined=declined, cancelled=len(cancelled), untold=untold)


def _unlist_help(ctx: Context) -> dict[str, Any]:
    number = int(ctx.state["unlist"])
    return {"number": number, "stays": len(ctx.store.upcoming_stays_at(number, ctx.today()))}


@router.step(Steps.confirm_unlist, "help_unlist_confirm", asks="yes_or_no",
             help_variables=_unlist_help)
def confirm_unlist(ctx: Context, text: Text) -> StepName | None:
    number = int(ctx.state["unlist"])
    if is_no(text):
        ctx.say("unlist_kept", number=number)
        return None
    if not is_yes(text):
        ctx.say("help_unlist_confirm", **_unlist_help(ctx))
        return Steps.confirm_unlist
    listing = ctx.store.listing(number)  # unlisted meanwhile (or the host left): ListingNotFound ends the flow
    if listing.host_id == ctx.texter.id:
        _unlist(ctx, listing.id)
    return None
