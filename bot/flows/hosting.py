"""Hosts: HOST (name -> description -> photo -> "listed as #n"), LISTINGS, UNLIST <n>."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.flows import naming
from bot.outcomes import unlist_listing
from bot.presenting import PLACE_EXCERPT, excerpt
from bot.router import Router, StepGroup, StepName
from bot.text import NO_WORDS, Text, leading_number


class Steps(StepGroup, flow="hosting"):
    name = StepName()
    description = StepName()
    photo = StepName()


router = Router("hosting", Steps)

SKIP_WORDS = frozenset({"SKIP", "NONE", "NO PHOTO", "スキップ", "なし", "写真なし"})


def _length_limits(ctx: Context) -> dict[str, Any]:
    return {"min_length": ctx.config.description_min, "max_length": ctx.config.description_max}


def _ask_description(ctx: Context) -> StepName:
    ctx.say("ask_description", **_length_limits(ctx))
    return Steps.description


@router.command("HOST", "掲載")
def host(ctx: Context, text: Text) -> StepName | None:
    if naming.needs_name(ctx):
        naming.ask_name(ctx)
        return Steps.name
    return _ask_description(ctx)


@router.step(Steps.name, "help_name", lone_commands_interrupt=True)
def name(ctx: Context, text: Text) -> StepName | None:
    if not naming.take_name(ctx, text):
        return Steps.name
    return _ask_description(ctx)


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


def _is_web_link(value: str) -> bool:
    lowered = value.lower()
    return (lowered.startswith(("http://", "https://")) and " " not in value and len(value) <= 500
            and "." in value.split("//", 1)[1])


@router.step(Steps.photo, "help_photo", own_words=NO_WORDS)
def photo(ctx: Context, text: Text) -> StepName | None:
    if text.media:
        photo_url: str | None = text.media[0]
    elif text.clean.upper() in SKIP_WORDS or text.word in SKIP_WORDS or text.lone_word in NO_WORDS:
        photo_url = None
    elif _is_web_link(text.clean):
        photo_url = text.clean
    else:
        ctx.say("photo_invalid")
        return Steps.photo
    listing = ctx.store.create_listing(ctx.texter.id, str(ctx.state["description"]), photo_url)
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
    declined = unlist_listing(ctx, listing.id)
    ctx.say("unlisted", number=listing.id, declined=declined)

