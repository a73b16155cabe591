"""Hosts: HOST (name -> title -> price -> most guests -> description -> photo -> "listed as #n"), LISTINGS,
UNLIST <n>."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.flows import details, naming
from bot.money import Money
from bot.outcomes import decline_all
from bot.presenting import PLACE_EXCERPT, excerpt
from bot.router import Router, StepGroup, StepName
from bot.text import NO_WORDS, Text, leading_number


class Steps(StepGroup, flow="hosting"):
    name = StepName()
    title = StepName()
    price = StepName()
    guests = StepName()
    description = StepName()
    photo = StepName()


router = Router("hosting", Steps)


def _length_limits(ctx: Context) -> dict[str, Any]:
    return {"min_length": ctx.config.description_min, "max_length": ctx.config.description_max}


def _ask_title(ctx: Context) -> StepName:
    ctx.say("ask_title", **details.title_limits())
    return Steps.title


@router.command("HOST", "掲載", "けいさい")
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
    nightly = details.read_price(ctx, text)
    if nightly is None:
        return Steps.price
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


@router.step(Steps.photo, "help_photo", own_words=NO_WORDS)
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


@router.command("LISTINGS", "MYLISTINGS", "PLACES", "掲載中", "自分の宿")
def listings(ctx: Context, text: Text) -> None:
    mine = ctx.store.host_listings(ctx.texter.id)
    if not mine:
        ctx.say("listings_none")
        return
    items = [{"number": listing.id, "text": excerpt(listing.description, PLACE_EXCERPT), "pending": pending}
             for listing, pending in mine]
    ctx.say("listings", listings=items)


@router.command("UNLIST", "REMOVE", "掲載終了")
def unlist(ctx: Context, text: Text) -> None:
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("unlist_usage")
        return
    listing = ctx.store.listing(parsed[0])
    if listing.host_id != ctx.texter.id:
        ctx.say("unlist_not_yours", number=listing.id)
        return
    ctx.store.unlist(listing.id)
    declined = decline_all(ctx, ctx.store.pending_for_listing(listing.id), "unlisted")
    ctx.say("unlisted", number=listing.id, declined=declined)

