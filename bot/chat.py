"""`.venv/bin/python run.py chat +15551230001` (`make chat`): text the bot from a terminal as any number, no
Twilio needed.

It runs what the server runs (`bot.app.wired` and `bot.app.running`: the engine, the outbox sender, the
scheduler, on the same database), without the HTTP side. The texter's direct answers are shown at once;
every message the sender delivers to the current number from now on is shown when it is done with it, marked
when it was skipped or failed (`<< (SMS, skipped: stale) ...`), including what arrives while the terminal
waits (a request expiring). Edits to messages/ are picked up as the server picks them up (validated first;
a broken edit keeps the last good texts).
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import Callable

from bot.app import GatewayFactory, default_gateway, running, wired
from bot.catalog import CatalogHolder
from bot.clock import Clock, clock_from_environment
from bot.config import Config
from bot.engine import Inbound
from bot.flows.general import carrier_reply
from bot.last_good import last_good_dir, starting_catalog
from bot.models import Settled
from bot.reload import CatalogReloader, files_signature
from bot.storage import Storage
from bot.text import Text
from bot.webhook import E164

PROMPT = "> "
HELP = "(type a text and press Enter; /as +15551230002 switches number; /quit or Ctrl-D leaves)"
# How the bot's words are marked: its own texts often begin "Airtng: ...", so the label is not a name.
ANSWER = "<< "
SMS = "<< (SMS) "
CARRIER = "<< (Twilio itself) "
# After a text or a switch, how long the chat waits for the sender to be done with the number's messages
# before it reads the next line (on the console gateway: milliseconds). Later ones show when they are done.
SETTLE_SECONDS = 5.0
# How often it looks for messages the sender is done with: one indexed query, cheap beside a person typing.
POLL_SECONDS = 0.05

Reader = Callable[[], str | None]
Printer = Callable[[str], None]


def _show(body: str, media: str | None, label: str) -> str:
    return label + body + (f"\n    [photo: {media}]" if media else "")


def _label(message: Settled) -> str:
    """A message never sent must not read like one that was: its status and reason say why."""
    if message.status == "sent":
        return SMS
    return f"<< (SMS, {message.status}: {message.reason or 'no reason recorded'}) "


class _Screen:
    """What the current number is shown of its outbox: each message the sender is done with, once, in the
    order written. Each number shows what arrives for it from `start` on, never its history."""

    def __init__(self, db: Storage, phone: str, start: int, out: Printer,
                 prompt_again: Callable[[], None] = lambda: None) -> None:
        self.phone = phone
        self._db = db
        self._start = start
        self._out = out
        self._prompt_again = prompt_again
        # Whether the terminal waits for a line: only then did a message shown now push its prompt up.
        self.reading = False
        self._seen: dict[str, int] = {}
        # The reader and the watcher both show messages: one at a time, so none shows twice.
        self._lock = asyncio.Lock()

    async def switch(self, phone: str) -> None:
        async with self._lock:
            self.phone = phone

    async def show_settled(self) -> int:
        """Show the current number's messages the sender is done with; returns how many."""
        async with self._lock:
            phone = self.phone
            after = self._seen.get(phone, self._start)
            messages = await self._db.run(lambda store: store.settled_after(phone, after))
            for message in messages:
                self._out(_show(message.body, message.media_url, _label(message)))
            if messages:
                self._seen[phone] = messages[-1].id
            return len(messages)

    def _shown_up_to(self, phone: str) -> int:
        return self._seen.get(phone, self._start)

    async def catch_up(self) -> None:
        """Show the messages queued for the current number so far, waiting (up to SETTLE_SECONDS) for the
        sender to be done with them, so they come before the next prompt."""
        phone = self.phone
        newest = await self._db.run(lambda store: store.last_outbox_id(phone))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        # Polled: the sender's progress is rows in the database (perhaps another process's), not an event here.
        await self.show_settled()
        while self._shown_up_to(phone) < newest and loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            await self.show_settled()

    async def read(self, read_line: Reader) -> str | None:
        """The next line typed (None at the end), read in a thread so messages show meanwhile."""
        self.reading = True
        try:
            return await asyncio.to_thread(read_line)
        finally:
            self.reading = False

    async def watch(self) -> None:
        """Show what arrives while the terminal waits for a line (an expiry, a reminder)."""
        while True:
            if await self.show_settled() and self.reading:
                self._prompt_again()  # the terminal's prompt scrolled up with the message
            await asyncio.sleep(POLL_SECONDS)


async def chat(config: Config, phone: str, *, read_line: Reader | None = None, out: Printer = print,
               clock: Clock | None = None, gateway: GatewayFactory = default_gateway) -> int:
    if not E164.match(phone):
        print(f"{phone} is not an E.164 number like +15551230001", file=sys.stderr)
        return 2
    terminal = read_line is None
    read_line = read_line or _read_line
    catalog = CatalogHolder(*starting_catalog(config))
    reloader = CatalogReloader(catalog, config.resolve_path(config.messages_dir), config.default_language,
                               config.warn_segments, config.page_segments, keep_in=last_good_dir(config))
    clock = clock or clock_from_environment()
    async with wired(config, clock, catalog, gateway) as parts, running(parts):
        out(f"Texting Airtng as {phone} {HELP}")
        start = await parts.db.run(lambda store: store.last_outbox_id())
        screen = _Screen(parts.db, phone, start, out, _prompt_again if terminal else lambda: None)
        watcher = asyncio.create_task(screen.watch(), name="chat-watcher")
        try:
            while (line := await screen.read(read_line)) is not None and line.strip() != "/quit":
                if line.startswith("/as "):
                    await _switch(screen, line[4:].strip(), out)
                    continue
                if files_signature(reloader.directory) != reloader.loaded:
                    await asyncio.to_thread(reloader.reload, "files changed")
                reply = await parts.engine.handle(Inbound(screen.phone, line, "CHAT" + secrets.token_hex(16)))
                for message in reply.messages:
                    out(_show(message.body, message.media_url, ANSWER))
                if (carrier := carrier_reply(catalog(), clock.now().date(), Text(line))) is not None:
                    out(CARRIER + carrier)
                await screen.catch_up()
            return 0
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)


async def _switch(screen: _Screen, phone: str, out: Printer) -> None:
    if not E164.match(phone):
        out("Use an E.164 number like +15551230002")
        return
    await screen.switch(phone)
    out(f"Now texting as {phone}")
    await screen.catch_up()


def _prompt_again() -> None:
    print(PROMPT, end="", flush=True)


def _read_line() -> str | None:
    try:
        return input(PROMPT)
    except EOFError:
        return None
