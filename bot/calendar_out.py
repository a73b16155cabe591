"""GET /calendar/<token>.ics: a place's own iCal feed, for the other platforms its host lists it on to
import (bot/calendars.py `own_feed`). The token is the only key: an unknown or replaced one answers 404."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from bot import calendars
from bot.keys import ENGINE

routes = web.RouteTableDef()


@routes.get(r"/calendar/{token:[A-Za-z0-9_-]{20,100}}.ics")
async def own_feed(request: web.Request) -> web.Response:
    body = await request.app[ENGINE].run(partial(calendars.own_feed, token=request.match_info["token"]))
    if body is None:
        raise web.HTTPNotFound()
    # Importers poll it; nothing in between should keep a copy (it is a secret URL's content).
    return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                        headers={"Cache-Control": "private, max-age=300"})
