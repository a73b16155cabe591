"""A stand-in for Twilio's Messages REST API on loopback, run as its own process by the benchmark.

`POST /2010-04-01/Accounts/<sid>/Messages.json` answers 201 with a Twilio-shaped JSON body, as Twilio
does, and counts the delivery; `GET` on the same path (the Messages list a sender reads before sending a
row in doubt again) answers one empty page; `GET /stats` says how many it took.

    python -m bench.fake_twilio_server --port 18081
"""

from __future__ import annotations

import argparse

from aiohttp import web

DELIVERED = web.AppKey("delivered", list[int])


async def create_message(request: web.Request) -> web.Response:
    form = await request.post()
    counter = request.app[DELIVERED]
    counter[0] += 1
    sid = f"SM{counter[0]:032x}"
    return web.json_response(
        {"sid": sid, "status": "queued", "to": str(form.get("To", "")), "from": str(form.get("From", "")),
         "body": str(form.get("Body", "")), "account_sid": request.match_info["account"],
         "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01"},
        status=201,
    )


async def list_messages(request: web.Request) -> web.Response:
    """An empty page of Twilio's Messages list: the message in doubt never reached it."""
    return web.json_response({"messages": [], "page": 0, "page_size": int(request.query.get("PageSize", "50")),
                              "start": 0, "end": -1, "uri": request.path_qs, "first_page_uri": request.path_qs,
                              "next_page_uri": None, "previous_page_uri": None})


async def stats(request: web.Request) -> web.Response:
    return web.json_response({"delivered": request.app[DELIVERED][0]})


def make_app() -> web.Application:
    app = web.Application()
    app[DELIVERED] = [0]
    app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", create_message)
    app.router.add_get("/2010-04-01/Accounts/{account}/Messages.json", list_messages)
    app.router.add_get("/stats", stats)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    web.run_app(make_app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
