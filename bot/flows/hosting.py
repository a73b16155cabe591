"""Hosts: HOST (name -> title -> price -> most guests -> description -> photo -> "listed as #n" -> what
guests need after the yes: address -> check-in/out times -> how to get in -> how to pay, each skippable),
LISTINGS, UNLIST <n>, RELIST <n>."""

from __future__ import annotations

from typing import Any

from bot import outcomes
from bot.answers import is_no, is_yes
from bot.context import Context
from bot.flows import details, naming
from bot.flows.browse import clear_cursor, continues, set_cursor
from bot.money import Money
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
    # After the place is listed (it is live from the photo on: a host who stops here loses nothing).
    address = StepName()
    times = StepName()
    access = StepName()
    payment = StepName()
    confirm_unlist = StepName()
    confirm_relist = StepName()


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
    body = details.read_description(ctx, text)
    if body is None:
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
    state["listing"] = listing.id
    ctx.say("listed", number=listing.id, has_photo=photo_url is not None)
    return Steps.address


# -- what guests need after the yes, asked once the place is live --------------------------------------------


def _after_listing(ctx: Context) -> dict[str, Any]:
    return {"number": int(ctx.state.get("listing", 0)), "current": "", "editing": False,
            **details.arrival_limits()}


def _answer(ctx: Context, text: Text, field: details.DetailField) -> bool | None:
    """Take the answer to one question after listing: True (taken), False (skipped), None (not understood:
    the reader said why; the step asks again)."""
    if details.skipped(text):
        return False
    listing = ctx.store.listing(int(ctx.state["listing"]))  # unlisted meanwhile: the engine ends the flow
    if not details.take(ctx, listing, field, text):
        return None
    ctx.store.update_listing(listing)
    return True


def _ask(ctx: Context, key: str, step: StepName) -> StepName:
    ctx.say(key, **_after_listing(ctx))
    return step


# The address and the way in are free text ("Browse St 5"): only a command sent alone leaves the flow.
@router.step(Steps.address, "help_after_listing", lone_commands_interrupt=True, help_variables=_after_listing)
def address(ctx: Context, text: Text) -> StepName | None:
    taken = _answer(ctx, text, "address")
    if taken is None:
        return Steps.address
    # SKIP here leaves all the arrival details for later (EDIT n ARRIVAL): on to how guests pay.
    return _ask(ctx, "ask_times", Steps.times) if taken else _ask(ctx, "ask_payment", Steps.payment)


@router.step(Steps.times, "help_after_listing", commands_interrupt=True, help_variables=_after_listing)
def times(ctx: Context, text: Text) -> StepName | None:
    if _answer(ctx, text, "times") is None:
        return Steps.times
    return _ask(ctx, "ask_access", Steps.access)


@router.step(Steps.access, "help_after_listing", lone_commands_interrupt=True, help_variables=_after_listing)
def access(ctx: Context, text: Text) -> StepName | None:
    if _answer(ctx, text, "access") is None:
        return Steps.access
    return _ask(ctx, "ask_payment", Steps.payment)


@router.step(Steps.payment, "help_after_listing", commands_interrupt=True, help_variables=_after_listing)
def payment(ctx: Context, text: Text) -> StepName | None:
    if _answer(ctx, text, "payment") is None:
        return Steps.payment
    ctx.say("host_setup_done", number=int(ctx.state["listing"]))
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
    done = outcomes.take_off_market(ctx, number)
    ctx.say("unlisted", number=number, declined=done.declined, cancelled=done.cancelled, untold=done.untold)


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


@router.command("RELIST", "掲載再開")
def relist(ctx: Context, text: Text) -> StepName | None:
    """Put a place the host unlisted back on the market, after saying what that does."""
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("relist_usage")
        return None
    listing = ctx.store.any_listing(parsed[0])
    if listing is None or listing.host_id != ctx.texter.id:
        ctx.say("relist_not_yours", number=parsed[0])
        return None
    if listing.active:
        ctx.say("relist_listed_already", number=listing.id, title=listing.title)
        return None
    ctx.state["relist"] = listing.id
    ctx.say("relist_confirm", **_relist_help(ctx))
    return Steps.confirm_relist


def _relist_help(ctx: Context) -> dict[str, Any]:
    listing = ctx.store.any_listing(int(ctx.state["relist"]))
    assert listing is not None
    return {"number": listing.id, "title": listing.title, "price": listing.price}


@router.step(Steps.confirm_relist, "relist_confirm", asks="yes_or_no", help_variables=_relist_help)
def confirm_relist(ctx: Context, text: Text) -> StepName | None:
    number = int(ctx.state["relist"])
    if is_no(text):
        ctx.say("relist_kept", number=number)
        return None
    if not is_yes(text):
        ctx.say("relist_confirm", **_relist_help(ctx))
        return Steps.confirm_relist
    if ctx.store.relist(number):
        ctx.say("relisted", number=number)
    else:
        ctx.say("relist_listed_already", **_relist_help(ctx))
    return None
