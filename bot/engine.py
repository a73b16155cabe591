"""The conversation engine: lock the sender, load their state, route the text, save, reply.

It knows no HTTP: the webhook, the terminal chat, the scheduler and the tests all drive this same engine.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from bot import routing
from bot.catalog import Catalog
from bot.clock import Clock
from bot.config import Config
from bot.context import Context, Outgoing
from bot.flows.general import OptOutType, mark_unreachable, opt_out_by_id
from bot.models import Conversation
from bot.presenting import present_next
from bot.storage import Storage
from bot.store import Store
from bot.text import Text, speaks_japanese
from bot.vocabulary import OPT_OUT_WORDS

log = logging.getLogger(__name__)

T = TypeVar("T")

@dataclass(frozen=True)
class Inbound:
    phone: str
    body: str
    message_sid: str
    media: tuple[str, ...] = ()
    opt_out_type: OptOutType | None = None  # Advanced Opt-Out's verdict (Twilio acted on the text), or None

    def text(self) -> Text:
        return Text(self.body, self.media)


# Made once: `json.dumps` with any option builds a new JSONEncoder on every call, in Python.
_REPLY_JSON = json.JSONEncoder(ensure_ascii=False)


@dataclass
class Reply:
    messages: list[Outgoing] = field(default_factory=list)
    duplicate: bool = False  # a retry of a MessageSid we already answered

    def to_json(self) -> str:
        return _REPLY_JSON.encode([[m.body, m.media_url] for m in self.messages])

    @classmethod
    def from_json(cls, stored: str, duplicate: bool) -> Reply:
        return cls([Outgoing(body, media) for body, media in json.loads(stored)], duplicate)


class KeyedLocks:
    """One asyncio.Lock per key, dropped when nobody holds or waits for it (no unbounded growth)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Engine:
    def __init__(
        self,
        db: Storage,
        catalog: Callable[[], Catalog],
        config: Config,
        clock: Clock,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._catalog = catalog  # called per text: hot reload swaps what it returns
        self._config = config
        self._clock = clock
        self._on_commit = on_commit
        self._locks = KeyedLocks()

    async def run(self, work: Callable[[Context], T], *, key: str | None = None, snapshot: bool = False) -> T:
        """Run `work` as one unit of work (`Storage.run`, with its `key` and `snapshot`): one transaction,
        after which every touched host is presented their next request and every touched conversation
        saved, in that transaction."""
        result = await self._db.run(lambda store: self._in_context(store, work), key=key, snapshot=snapshot)
        self._on_commit()
        return result

    def _in_context(self, store: Store, work: Callable[[Context], T]) -> T:
        ctx = Context(store, self._config, self._clock, self._catalog())
        result = work(ctx)
        if not ctx.finished:
            self._finish(ctx)
        return result

    async def handle(self, inbound: Inbound) -> Reply:
        """Apply one inbound text exactly once and return what to answer the texter."""
        # One text per phone at a time across every server (`key`), each on all its phone's previous texts
        # did; a snapshot is enough, since the unit writes back every conversation it read (`_settle`).
        async with self._locks.hold(inbound.phone):
            try:
                return await self.run(lambda ctx: self._apply(ctx, inbound), key=inbound.phone, snapshot=True)
            except Exception:
                log.exception("handling %s failed; answering with the generic error", inbound.message_sid)
            # Record the failure so Twilio's retries of this MessageSid get the same answer, not a rerun.
            return await self.run(lambda ctx: self._record_failure(ctx, inbound), key=inbound.phone, snapshot=True)

    def _record_failure(self, ctx: Context, inbound: Inbound) -> Reply:
        stored = ctx.store.inbound_reply(inbound.message_sid)
        if stored is not None:
            return Reply.from_json(stored, duplicate=True)
        user, _ = ctx.store.get_or_create_user(inbound.phone, self._config.default_language)
        reply = Reply([Outgoing(ctx.render("error_generic", user.language))])
        ctx.store.record_inbound(inbound.message_sid, inbound.phone, reply.to_json(), inbound.body)
        return reply

    def _apply(self, ctx: Context, inbound: Inbound) -> Reply:
        arrival = ctx.store.arrival(inbound.message_sid, inbound.phone, self._first_language(ctx, inbound),
                                    self._config.texts_per_window, timedelta(seconds=self._config.window_seconds))
        if arrival.reply is not None:
            return Reply.from_json(arrival.reply, duplicate=True)
        assert arrival.user is not None and arrival.conversation is not None
        user, created = arrival.user, arrival.created
        if user.unreachable is not None:
            ctx.store.clear_unreachable(user.id)
            user.unreachable = None
        ctx.user = user
        ctx.adopt(arrival.conversation)
        if not arrival.hosts:
            ctx.never_hosted.add(user.id)
        text = inbound.text()
        if arrival.rate == "ok" or text.keyword in OPT_OUT_WORDS or inbound.opt_out_type == "STOP":
            # STOP is honoured however fast someone texts: carriers require it.
            ctx.acted = True
            routing.route(ctx, text, first_contact=created, opt_out_type=inbound.opt_out_type)
        elif arrival.rate == "notice" and not user.opted_out:
            ctx.say("rate_limited")
        # Finish before recording the reply: a host's next request, presented by `_settle`, is part of
        # this answer and must be in the reply a retry replays.
        saving = self._settle(ctx)
        reply = Reply(list(ctx.replies))
        ctx.store.record_inbound(inbound.message_sid, inbound.phone, reply.to_json(), inbound.body,
                                 saving=saving, flow_timeout=ctx.flow_timeout)
        return reply

    def _first_language(self, ctx: Context, inbound: Inbound) -> str:
        """The language a new number is created in (used only on first contact): Japanese for a text in
        Japanese script or from +81, before anything is answered; else the configured default. It stays
        theirs until they switch (LANG EN / English)."""
        default = self._config.default_language
        if default != "ja" and speaks_japanese(inbound.phone, inbound.body) and ctx.catalog.has_language("ja"):
            return "ja"
        return default

    def _finish(self, ctx: Context) -> None:
        for conv, slide in self._settle(ctx):
            ctx.store.save_conversation(conv, ctx.flow_timeout, slide=slide)

    def _settle(self, ctx: Context) -> list[tuple[Conversation, bool]]:
        """Present every touched host their next request; the conversations to save, each with whether its
        flow timeout slides (a text saves them with its record, in one statement where it can)."""
        saving: list[tuple[Conversation, bool]] = []
        for conv in ctx.touched():
            if not conv.flow:
                # Out of any flow only the BROWSE cursor (so MORE keeps working) and the question last asked
                # (so a lone "ok" answers it, and only it) survive.
                conv.step = None
                conv.data = {key: conv.data[key] for key in KEPT_OUT_OF_FLOW if key in conv.data}
            present_next(ctx, conv.user_id)
        for conv in ctx.touched():
            # The texter's own flow timeout slides with each text they send; anyone else's is saved only
            # if this unit of work changed it, and keeps its timeout. Where units may run at a snapshot,
            # every conversation read is written back, changed or not: a unit that decided anything on
            # someone's conversation then conflicts with any other unit about them (`write_touched`).
            own = ctx.acted and ctx.user is not None and conv.user_id == ctx.user.id
            if conv.changed or (own and conv.flow is not None) or ctx.store.write_touched:
                saving.append((conv, own))
        ctx.finished = True
        return saving

    async def record_delivery(self, twilio_sid: str, status: str, error_code: int | None,
                              to_phone: str | None = None) -> None:
        """A status callback: record it; a carrier-side opt-out (21610) opts the user out here too. Keyed by
        the SID, as the sender's record of the send is (`Sender._deliver`): a report racing that record
        runs before or after it, never beside it, so one of them finds the other's row."""
        await self.run(lambda ctx: self._record_delivery(ctx, twilio_sid, status, error_code, to_phone),
                       key=twilio_sid)

    @staticmethod
    def _record_delivery(ctx: Context, twilio_sid: str, status: str, error_code: int | None,
                         to_phone: str | None) -> None:
        user_id = ctx.store.update_delivery(twilio_sid, status, error_code)
        if user_id is None and to_phone and error_code in CALLBACK_CONSEQUENCES:
            # The callback overtook our own record of the send (it can arrive between Twilio accepting the
            # message and our marking it sent): what it says about the number must not be lost.
            recipient = ctx.store.user_by_phone(to_phone)
            user_id = recipient.id if recipient else None
        if user_id is None:
            return
        if error_code in UNREACHABLE_CALLBACK_CODES:
            mark_unreachable(ctx, user_id, f"error {error_code}")
        elif error_code == 21610:
            opt_out_by_id(ctx, user_id)

    async def opt_out_user(self, user_id: int) -> None:
        """The carrier told us (error 21610) that this user opted out."""
        await self.run(lambda ctx: opt_out_by_id(ctx, user_id))

    async def mark_unreachable_user(self, user_id: int, reason: str) -> None:
        """Twilio told us (21211, 21614, 21612, 21408) that this user's number cannot take SMS."""
        await self.run(lambda ctx: mark_unreachable(ctx, user_id, reason))


# Delivery failures that mean the number cannot take SMS at all (unknown number, landline).
UNREACHABLE_CALLBACK_CODES = {30005, 30006}
CALLBACK_CONSEQUENCES = UNREACHABLE_CALLBACK_CODES | {21610}
# What a conversation keeps between texts out of any flow.
KEPT_OUT_OF_FLOW = ("browse", "asked")
