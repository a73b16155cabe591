"""Hosts changing one detail of their own place: EDIT <n> PRICE 140, TITLE ..., GUESTS 4, DESCRIPTION ...,
PHOTO (then the picture), what guests need after the yes (ADDRESS ..., CHECKIN 15:00, CHECKOUT 11:00,
ACCESS ..., ARRIVAL: the address, times and way in one after another) and PAYMENT 2 <note>; EDIT <n> alone
asks which, a field without a value asks for it. Requests already filed keep the price they were filed at
(each reservation holds its own copy)."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.flows import details
from bot.models import Listing
from bot.money import example_price
from bot.presenting import pay_terms
from bot.router import Router, StepGroup, StepName
from bot.text import Text, leading_number


class Steps(StepGroup, flow="editing"):
    which = StepName()
    title = StepName()
    price = StepName()
    guests = StepName()
    photo = StepName()
    confirm_price = StepName()
    description = StepName()
    address = StepName()
    times = StepName()
    check_in = StepName()
    check_out = StepName()
    access = StepName()
    payment = StepName()


router = Router("editing", Steps)

# The word naming a field, in either language ("EDIT 3 PRICE 140", 「編集 3 料金 15000」).
FIELDS = {
    "PRICE": "price", "RATE": "price", "料金": "price", "価格": "price", "値段": "price",
    "TITLE": "title", "NAME": "title", "タイトル": "title", "名前": "title",
    "GUESTS": "guests", "GUEST": "guests", "CAPACITY": "guests", "SLEEPS": "guests", "人数": "guests",
    "定員": "guests",
    "PHOTO": "photo", "PICTURE": "photo", "PIC": "photo", "写真": "photo", "画像": "photo",
    "DESCRIPTION": "description", "DESC": "description", "ABOUT": "description", "説明": "description",
    "紹介": "description",
    "ADDRESS": "address", "住所": "address",
    "CHECKIN": "check_in", "CHECK-IN": "check_in", "チェックイン": "check_in",
    "CHECKOUT": "check_out", "CHECK-OUT": "check_out", "チェックアウト": "check_out",
    "ACCESS": "access", "ENTRY": "access", "KEY": "access", "KEYS": "access", "入り方": "access", "鍵": "access",
    "ARRIVAL": "arrival", "ARRIVING": "arrival", "到着": "arrival", "アクセス": "arrival",
    "PAYMENT": "payment", "PAY": "payment", "支払い": "payment", "支払": "payment", "お支払い": "payment",
}
STEP_OF = {"title": Steps.title, "price": Steps.price, "guests": Steps.guests, "photo": Steps.photo,
           "description": Steps.description, "address": Steps.address, "times": Steps.times,
           "check_in": Steps.check_in, "check_out": Steps.check_out, "access": Steps.access,
           "payment": Steps.payment}
# The fields `details.take` reads (the others are read here).
DETAILS = frozenset({"description", "address", "times", "check_in", "check_out", "access", "payment"})
# EDIT n ARRIVAL walks these in turn (SKIP keeps one as it is), then shows them all.
ARRIVAL_WALK: tuple[details.DetailField, ...] = ("address", "times", "access")


def summary(listing: Listing) -> dict[str, Any]:
    """What a message about one listing's details gets (the answer to EDIT)."""
    return {"number": listing.id, "title": listing.title, "price": listing.price, "sleeps": listing.max_guests,
            "has_photo": listing.photo_url is not None}


def _help_variables(ctx: Context) -> dict[str, Any]:
    return {"number": int(ctx.state.get("listing", 0)), "field": str(ctx.state.get("field", "")),
            **details.price_example(ctx), **details.guest_limits(), **details.title_limits()}


def _which_variables(ctx: Context) -> dict[str, Any]:
    """`edit_which`'s example price, as a bare number the host would type after PRICE."""
    return {"number": int(ctx.state["listing"]), "amount": int(example_price(ctx.config.currency).value)}


def _ask_which(ctx: Context) -> StepName:
    ctx.say("edit_which", **_which_variables(ctx))
    return Steps.which


def _ask_value(ctx: Context, field: str) -> StepName:
    ctx.state["field"] = field
    if field in DETAILS:
        _ask_detail(ctx, details.detail_field(field))
    elif field == "title":
        ctx.say("ask_title", **details.title_limits())
    elif field == "price":
        ctx.say("ask_price", **details.price_example(ctx))
    elif field == "guests":
        ctx.say("ask_capacity", **details.guest_limits())
    else:
        ctx.say("edit_ask_photo", number=int(ctx.state["listing"]))
    return STEP_OF[field]


def _ask_detail(ctx: Context, field: details.DetailField) -> None:
    """Ask for a new description, arrival detail or way to pay, showing what it is now (`current`)."""
    listing = ctx.store.listing(int(ctx.state["listing"]))
    variables = {"number": listing.id, "current": details.current(listing, field), "editing": True,
                 "field": field, **details.arrival_limits()}
    if field == "description":
        ctx.say("edit_ask_description", **variables)
    elif field == "address":
        ctx.say("ask_address", **variables)
    elif field == "times":
        ctx.say("ask_times", **variables)
    elif field in ("check_in", "check_out"):
        ctx.say("edit_ask_time", **variables)
    elif field == "access":
        ctx.say("ask_access", **variables)
    else:
        ctx.say("ask_payment", **variables)


@router.command("EDIT", "編集", "変更")
def edit(ctx: Context, text: Text) -> StepName | None:
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("edit_usage")
        return None
    number, rest = parsed
    listing = ctx.store.listing(number)
    if listing.host_id != ctx.texter.id:
        ctx.say("edit_not_yours", number=number)
        return None
    ctx.state["listing"] = number
    if not rest:
        return _ask_which(ctx)
    return _field(ctx, Text(rest, text.media))


def _field(ctx: Context, text: Text) -> StepName | None:
    """"PRICE 140" changes the price; "PRICE" alone asks for it; anything else asks which field."""
    field = FIELDS.get(text.word)
    if field is None:
        return _ask_which(ctx)
    if field == "arrival":
        ctx.state["walk"] = True
        return _ask_value(ctx, ARRIVAL_WALK[0])
    ctx.state["field"] = field
    value = Text(text.args, text.media)
    if not value.clean and not value.media:
        return _ask_value(ctx, field)
    return _apply(ctx, field, value)


def _apply(ctx: Context, field: str, value: Text) -> StepName | None:
    """Change one field if the answer is good (else the reader said why: ask again)."""
    if field in DETAILS:
        listing = ctx.store.listing(int(ctx.state["listing"]))  # unlisted meanwhile: the engine ends the flow
        return _apply_detail(ctx, listing, details.detail_field(field), value)
    if field == "title":
        title = details.read_title(ctx, value)
        return Steps.title if title is None else _save(ctx, field, title)
    if field == "price":
        price = details.read_price(ctx, value)
        if price is None:
            return Steps.confirm_price if details.price_asked_back(ctx) else Steps.price
        return _save(ctx, field, price)
    if field == "guests":
        count = details.read_capacity(ctx, value)
        return Steps.guests if count is None else _save(ctx, field, count)
    answered, photo_url = details.read_photo(ctx, value)
    return _save(ctx, field, photo_url) if answered else Steps.photo


# The Listing attribute each field sets.
_ATTRIBUTE = {"title": "title", "price": "price", "guests": "max_guests", "photo": "photo_url"}


def _save(ctx: Context, field: str, value: object) -> StepName | None:
    """Keep the new value and say so; the edit is over (None)."""
    listing = ctx.store.listing(int(ctx.state["listing"]))  # unlisted meanwhile: the engine ends the flow
    setattr(listing, _ATTRIBUTE[field], value)
    ctx.store.update_listing(listing)
    ctx.say("edited", field=field, **summary(listing))
    return None


def _apply_detail(ctx: Context, listing: Listing, field: details.DetailField, value: Text) -> StepName | None:
    """Description, arrival details, payment: changed, or kept by SKIP (the questions offer it)."""
    walking = bool(ctx.state.get("walk"))
    if not details.skipped(value):
        if not details.take(ctx, listing, field, value):
            return STEP_OF[field]
        ctx.store.update_listing(listing)
    if walking and field != ARRIVAL_WALK[-1]:
        return _ask_value(ctx, ARRIVAL_WALK[ARRIVAL_WALK.index(field) + 1])
    if field == "description":
        ctx.say("edited", field=field, **summary(listing))
    elif field == "payment":
        ctx.say("edited_payment", number=listing.id, pay=pay_terms(ctx, listing, ctx.texter.language))
    else:
        ctx.say("edited_arrival", number=listing.id, **listing.arrival.variables())
    return None


@router.step(Steps.which, "edit_which", commands_interrupt=True, help_variables=_which_variables)
def which(ctx: Context, text: Text) -> StepName | None:
    return _field(ctx, text)


# "1泊1,500,000円でよろしいですか？": YES keeps it, a new price replaces it, NO asks for it again.
@router.step(Steps.confirm_price, "price_confirm", commands_interrupt=True, asks="yes_or_no",
             help_variables=details.unsure_price)
def confirm_price(ctx: Context, text: Text) -> StepName | None:
    price = details.checked_price(ctx, text)
    if price is None:
        return Steps.confirm_price if details.price_asked_back(ctx) else Steps.price
    return _save(ctx, "price", price)


# A no-photo word here ("NO", "なし") removes the photo (as at HOST's photo step); a decision word meant for a
# guest's request is not this step's answer.
@router.step(Steps.photo, "help_edit", asks="photo", help_variables=_help_variables)
def photo(ctx: Context, text: Text) -> StepName | None:
    return _apply(ctx, "photo", text)


# Each field's own step takes the answer to "the new ...?". Free text (a title, a description, the address, the
# way in) leaves the step only for a command sent alone; the other answers for any command.
FREE_TEXT = frozenset({"title", "description", "address", "access"})


def _answer_step(field: str) -> None:
    def answer(ctx: Context, text: Text) -> StepName | None:
        return _apply(ctx, field, text)

    free = field in FREE_TEXT
    router.step(STEP_OF[field], "help_edit", commands_interrupt=not free, lone_commands_interrupt=free,
                help_variables=_help_variables)(answer)


for _field_name in ("title", "price", "guests", "description", "address", "times", "check_in", "check_out",
                    "access", "payment"):
    _answer_step(_field_name)
