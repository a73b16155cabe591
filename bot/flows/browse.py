"""Guests looking around: BROWSE, MORE, SEARCH <words>, VIEW <n>. Paging is by key, never OFFSET."""

from __future__ import annotations

from bot.context import Context
from bot.presenting import excerpt
from bot.router import Router
from bot.text import Text, leading_number

router = Router("browse")

EXCERPT = 60


def _page(ctx: Context, words: list[str], after: int, first: bool) -> None:
    size = ctx.config.browse_page_size
    # One extra row tells whether MORE will find anything.
    found = ctx.store.browse(after, words, size + 1)
    page, more = found[:size], len(found) > size
    if not page:
        ctx.conv.data.pop("browse", None)
        if first:
            ctx.say("browse_empty_search" if words else "browse_empty", query=" ".join(words))
        else:
            ctx.say("browse_end")
        return
    ctx.conv.data["browse"] = {"after": page[-1].id, "words": words}
    items = [{"number": listing.id, "text": excerpt(listing.description, EXCERPT)} for listing in page]
    ctx.say("browse_page", listings=items, more=more, query=" ".join(words))


@router.command("BROWSE", "LIST", "一覧", "物件", "宿一覧", "リスト", "いちらん")
def browse(ctx: Context, text: Text) -> None:
    _page(ctx, [], 0, first=True)


@router.command("SEARCH", "FIND", "検索", "探す", "さがす", "けんさく")
def search(ctx: Context, text: Text) -> None:
    words = text.args.split()[:5]
    if not words:
        ctx.say("search_usage")
        return
    _page(ctx, words, 0, first=True)


@router.command("MORE", "次", "つぎ", "続き", "もっと")
def more(ctx: Context, text: Text) -> None:
    cursor = ctx.conv.data.get("browse")
    if not cursor:
        ctx.say("more_nothing")
        return
    _page(ctx, list(cursor["words"]), int(cursor["after"]), first=False)


@router.command("VIEW", "SHOW", "詳細", "見る", "しょうさい")
def view(ctx: Context, text: Text) -> None:
    parsed = leading_number(text.args)
    if parsed is None:
        ctx.say("view_usage")
        return
    listing = ctx.store.listing(parsed[0])
    host = ctx.person(listing.host_id)
    ctx.say(
        "listing_view", media_url=listing.photo_url, number=listing.id, description=listing.description,
        host=host.name or "", own=listing.host_id == ctx.texter.id,
    )
