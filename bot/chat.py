"""`python run.py chat +15551230001`: text the bot from a terminal as any number, no Twilio needed.

It drives the same engine as the webhook, on the same database, and shows every message that number
receives: the direct answers and anything queued for it by others' actions.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import sys

from bot.catalog import CatalogHolder, load_catalog_or_raise
from bot.clock import SystemClock
from bot.config import Config
from bot.engine import Engine, Inbound
from bot.storage import Storage, open_storage
from bot.webhook import E164

PROMPT = "> "
HELP = "(type a text and press Enter; /as +15551230002 switches number; /quit or Ctrl-D leaves)"


async def _queued_for(db: Storage, phone: str, after: int) -> tuple[list[str], int]:
    rows = await db.run(lambda store: store.outbox_after(phone, after))
    lines = [body + (f"\n    [photo: {media}]" if media else "") for _, body, media in rows]
    return lines, rows[-1][0] if rows else after


async def chat(config: Config, phone: str) -> int:
    if not E164.match(phone):
        print(f"{phone} is not an E.164 number like +15551230001", file=sys.stderr)
        return 2
    clock = SystemClock()
    catalog = CatalogHolder(load_catalog_or_raise(config.resolve_path(config.messages_dir),
                                                  config.default_language, config.page_segments))
    db = await open_storage(config.storage_url, clock)
    engine = Engine(db, catalog, config, clock)
    seen: dict[str, int] = {}
    try:
        print(f"Texting Airtng as {phone} {HELP}")
        # Start after everything already queued; each number then sees what arrives for it from now on.
        _, start = await _queued_for(db, phone, 0)
        seen[phone] = start
        for _ in itertools.count():
            line = await asyncio.to_thread(_read_line)
            if line is None or line.strip() == "/quit":
                return 0
            if line.startswith("/as "):
                candidate = line[4:].strip()
                if E164.match(candidate):
                    phone = candidate
                    print(f"Now texting as {phone}")
                    queued, seen[phone] = await _queued_for(db, phone, seen.get(phone, start))
                    for body in queued:
                        print(f"Airtng (SMS): {body}")
                else:
                    print("Use an E.164 number like +15551230002")
                continue
            reply = await engine.handle(Inbound(phone, line, "CHAT" + secrets.token_hex(16)))
            for message in reply.messages:
                print(f"Airtng: {message.body}" + (f"\n    [photo: {message.media_url}]" if message.media_url else ""))
            queued, seen[phone] = await _queued_for(db, phone, seen[phone])
            for body in queued:
                print(f"Airtng (SMS): {body}")
    finally:
        await db.close()
    return 0


def _read_line() -> str | None:
    try:
        return input(PROMPT)
    except EOFError:
        return None
