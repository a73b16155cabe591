"""The floor: the least an aiohttp webhook can do. It parses the form and answers a TwiML reply, with no
signature check, no database and no access log. No aiohttp webhook can be faster than this.

    python -m bench.floor --port 18082          # the aiohttp floor
    python -m bench.floor --port 18083 --raw    # a bare asyncio protocol: the load generator's ceiling

`--raw` answers every request with a fixed TwiML reply straight from an asyncio protocol, with no HTTP
framework at all. Measured with the same generator it shows how fast the generator itself can go: if that
is well above the aiohttp floor, the floor (and so every ratio) is measured with the server, not the client,
as the bottleneck.

`--durable DB` is the durable floor: the least a signed, durable, exactly-once webhook can do on this stack.
It checks `X-Twilio-Signature` (TWILIO_AUTH_TOKEN) as the server does, and records each MessageSid with its
reply through the server's own `Database` (migrated SQLite file, WAL, `synchronous=FULL`, group commit, a
checkpointer beside the writer) before it answers; a MessageSid seen before gets its recorded reply. No
conversation, no flow, no template, no outbound message: the booking workflow can only be slower than this.

    TWILIO_AUTH_TOKEN=... python -m bench.floor --port 18084 --durable /tmp/durable.db
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast
from xml.sax.saxutils import escape

from aiohttp import web
from multidict import MultiDictProxy

from bot.clock import clock_from_environment
from bot.signatures import TwilioSignatures
from bot.storage.sqlite import Checkpointer
from bot.storage.sqlite import SqliteStorage as Database
from bot.store import Store


async def sms(request: web.Request) -> web.Response:
    form = await request.post()
    body = escape(str(form.get("Body", "")))
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?><Response><Message><Body>{body}</Body></Message></Response>',
        content_type="text/xml", charset="utf-8",
    )


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/sms", sms)
    return app


DURABLE_DB = web.AppKey("durable_db", Database)
_DURABLE_REPLY = '{"messages": [["ok", null]]}'


def make_durable_app(db_path: Path, auth_token: str) -> web.Application:
    """The durable floor (see the module docstring)."""
    signatures = TwilioSignatures(auth_token)

    async def database(app: web.Application) -> AsyncIterator[None]:
        # As the server runs it: a checkpointer beside the writer.
        app[DURABLE_DB] = await Database.open(db_path, clock_from_environment())
        checkpoints = asyncio.create_task(Checkpointer(db_path).run_forever())
        yield
        checkpoints.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await checkpoints
        await app[DURABLE_DB].close()

    async def durable_sms(request: web.Request) -> web.Response:
        form = cast("MultiDictProxy[str]", await request.post())  # url-encoded: text fields only
        if not signatures.validate(str(request.url), form, request.headers.get("X-Twilio-Signature", "")):
            raise web.HTTPForbidden()
        sid, phone = str(form["MessageSid"]), str(form["From"])

        def exactly_once(store: Store) -> str:
            recorded = store.inbound_reply(sid)
            if recorded is None:
                store.record_inbound(sid, phone, _DURABLE_REPLY)
            return recorded or _DURABLE_REPLY

        await request.app[DURABLE_DB].run(exactly_once)
        return web.Response(text=_RAW_BODY.decode(), content_type="text/xml", charset="utf-8")

    app = web.Application()
    app.cleanup_ctx.append(database)
    app.router.add_post("/sms", durable_sms)
    return app


_RAW_BODY = b'<?xml version="1.0" encoding="UTF-8"?><Response><Message><Body>ok</Body></Message></Response>'
_RAW_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: "
    + str(len(_RAW_BODY)).encode() + b"\r\n\r\n" + _RAW_BODY
)


class RawResponder(asyncio.Protocol):
    """Answers each complete request (headers + Content-Length body) with the fixed response."""

    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer + data
        out = []
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            at = buffer.lower().find(b"content-length:", 0, end)
            length = int(buffer[at + 15:buffer.index(b"\r\n", at)]) if at >= 0 else 0
            if len(buffer) < end + 4 + length:
                break
            buffer = buffer[end + 4 + length:]
            out.append(_RAW_RESPONSE)
        self._buffer = buffer
        if out and self._transport is not None:
            self._transport.write(b"".join(out))


async def _serve_raw(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(RawResponder, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the benchmark's floor endpoint")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--raw", action="store_true", help="bare asyncio responder (generator ceiling)")
    parser.add_argument("--durable", type=Path, default=None,
                        help="the durable floor on this SQLite file (signature checked with TWILIO_AUTH_TOKEN)")
    args = parser.parse_args(argv)
    if args.raw:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve_raw(args.port))
        return
    app = make_app() if args.durable is None else make_durable_app(args.durable, os.environ["TWILIO_AUTH_TOKEN"])
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
