"""`python run.py chat +15551230001`: text the bot from a terminal as any number, no Twilio needed.

It drives the same engine as the webhook, on the same database, and shows every message that number
receives from now on: the direct answers and anything queued for it by others' actions. Edits to messages/
are picked up as the server picks them up (validated first; a broken edit keeps the last good texts).
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import Callable

from bot.catalog import CatalogHolder
from bot.clock import Clock, clock_from_environment
from bot.config import Config
from bot.engine import Engine, Inbound
from bot.last_good import last_good_dir, starting_catalog
from bot.reload import CatalogReloader, files_signature
from bot.storage import Storage, open_storage
from bot.webhook import E164

PROMPT = "> "
HELP = "(type a text and press Enter; /as +15551230002 switches number; /quit or Ctrl-D leaves)"
# How the bot's words are marked: its own texts often begin "Airtng: ...", so the label is not a name.
ANSWER = "<< "
SMS = "<< (SMS) "

Reader = Callable[[], str | None]
Printer = Callable[[str], None]


def _show(body: str, media: str | None, label: str) -> str:
    return label + body + (f"\n    [photo: {media}]" if media else "")


async def _queued_for(db: Storage, phone: str, after: int) -> tuple[list[str], int]:
    rows = await db.run(lambda store: store.outbox_after(phone, after))
    lines = [_show(body, media, SMS) for _, body, media in rows]
    return lines, rows[-1][0] if rows else after


async def chat(config: Config, phone: str, *, read_line: Reader | None = None, out: Printer = print,
               clock: Clock | None = None) -> int:
    if not E164.match(phone):
        print(f"{phone} is not an E.164 number like +15551230001", file=sys.stderr)
        return 2
    read_line = read_line or _read_line
    clock = clock or clock_from_environment()
    catalog = CatalogHolder(*starting_catalog(config))
    messages = config.resolve_path(config.messages_dir)
    reloader = CatalogReloader(catalog, messages, config.default_language, config.warn_segments,
                               config.page_segments, keep_in=last_good_dir(config))
    db = await open_storage(config.storage_url, clock)
    engine = Engine(db, catalog, config, clock)
    try:
        out(f"Texting Airtng as {phone} {HELP}")
        # Every number shows what arrives for it from now on, never its history.
        start = await db.run(lambda store: store.last_outbox_id())
        seen: dict[str, int] = {phone: start}
        while True:
            line = await asyncio.to_thread(read_line)
            if line is None or line.strip() == "/quit":
                return 0
            if line.startswith("/as "):
                candidate = line[4:].strip()
                if E164.match(candidate):
                    phone = candidate
                    out(f"Now texting as {phone}")
                    queued, seen[phone] = await _queued_for(db, phone, seen.get(phone, start))
                    for text in queued:
                        out(text)
                else:
                    out("Use an E.164 number like +15551230002")
                continue
            if files_signature(messages) != reloader.loaded:
                await asyncio.to_thread(reloader.reload, "files changed")
            reply = await engine.handle(Inbound(phone, line, "CHAT" + secrets.token_hex(16)))
            for message in reply.messages:
                out(_show(message.body, message.media_url, ANSWER))
            queued, seen[phone] = await _queued_for(db, phone, seen.setdefault(phone, start))
            for text in queued:
                out(text)
    finally:
        await db.close()


def _read_line() -> str | None:
    try:
        return input(PROMPT)
    except EOFError:
        return None
