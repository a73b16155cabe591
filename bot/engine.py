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
from typing import Any, TypeVar

from bot import outcomes
from bot.answers import small_talk
from bot.catalog import Catalog
from bot.clock import Clock
from bot.config import Config
from bot.context import Context, Outgoing
from bot.errors import DomainError
from bot.flows import booking, browse, decisions, editing, hosting, relay, stays
from bot.models import Conversation, User
from bot.presenting import describe, present_next
from bot.router import Handler, Router, Step, StepName
from bot.storage import Storage
from bot.store import Store
from bot.text import (
    HELP_WORDS,
    MENU_WORDS,
    NO,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    UNCLEAR,
    YES,
    YES_WORDS,
    Text,
    fold,
    speaks_japanese,
    split_glued,
    suggest,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# The flows, joined in one place. A command word may belong to one flow only.
ROUTERS: tuple[Router, ...] = (browse.router, booking.router, hosting.router, editing.router, stays.router,
                               relay.router)


def _command_table(routers: tuple[Router, ...]) -> dict[str, tuple[Router, Handler]]:
    table: dict[str, tuple[Router, Handler]] = {}
    for router in routers:
        for word, handler in router.commands.items():
            if word in table:
                raise RuntimeError(f"command {word} is claimed by {table[word][0].flow} and {router.flow}")
            table[word] = (router, handler)
    return table


COMMANDS = _command_table(ROUTERS)
FLOWS = {router.flow: router for router in ROUTERS}
for _router in ROUTERS:
    _router.check()
# Shown as suggestions for near-miss spellings. Never YES or NO (nor はい, いいえ): a suggested decision word
# would be answered by a later "yes" as a host's decision (`suggest` leaves them out as well).
KNOWN_WORDS = tuple(sorted({*COMMANDS, "HELP", "MENU", "LANG"}))
# Japanese commands may be glued to their argument ("検索海"): tried longest first when no command matched.
# One-character words are left out ("次の金曜日" is not MORE).
GLUED_COMMANDS = tuple(sorted((word for word in COMMANDS if not word.isascii() and len(word) >= 2),
                              key=len, reverse=True))


# What Twilio's Advanced Opt-Out may say a text was (`OptOutType`): each is acted on exactly as the
# built-in keyword of that name, whatever keyword the account defined ("配信停止") and whatever the body says.
OPT_OUT_TYPES = frozenset({"STOP", "START", "HELP"})


@dataclass(frozen=True)
class Inbound:
    phone: str
    body: str
    message_sid: str
    media: tuple[str, ...] = ()
    opt_out_type: str | None = None  # Advanced Opt-Out's verdict: one of OPT_OUT_TYPES, or None

    def text(self) -> Text:
        """The text as the engine reads it: with an opt-out type, that built-in keyword."""
        if self.opt_out_type is not None and self.opt_out_type in OPT_OUT_TYPES:
            return Text(self.opt_out_type)
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
        if arrival.rate == "ok" or text.keyword in OPT_OUT_WORDS:
            # STOP is honoured however fast someone texts: carriers require it.
            ctx.acted = True
            self._route(ctx, text, created)
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
                # Out of any flow only the BROWSE cursor survives (so MORE keeps working).
                conv.step = None
                conv.data = {"browse": conv.data["browse"]} if "browse" in conv.data else {}
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

    # -- routing -----------------------------------------------------------------------------------

    def _route(self, ctx: Context, text: Text, first_contact: bool) -> None:
        """Global commands first, then the current step, then top-level commands."""
        lone = text.lone_word
        user = ctx.texter
        if text.keyword in OPT_OUT_WORDS:
            opt_out(ctx, user)  # Twilio confirms opt-outs itself: we say nothing
            return
        if user.opted_out:
            # Exact keywords only, as the carrier matches them (a YES opts in at Twilio too).
            if text.keyword in OPT_IN_WORDS or text.keyword in YES_WORDS:
                opt_in(ctx, user)
            elif lone in HELP_WORDS:
                ctx.say("help_opted_out")
            return  # an opted-out number hears nothing else until it opts back in
        if text.keyword in OPT_IN_WORDS:
            ctx.say("welcome" if first_contact else "opted_in")
            return
        try:
            self._dispatch(ctx, text, first_contact)
        except DomainError as error:
            ctx.say(error.key, **error.params)

    def _dispatch(self, ctx: Context, text: Text, first_contact: bool) -> None:
        conv = ctx.conv
        word, lone = text.word, text.lone_word
        if lone in HELP_WORDS:
            self._help(ctx)
            return
        if lone in MENU_WORDS:
            conv.flow, conv.step, conv.data = None, None, {}
            ctx.say("menu")
            return
        if word in LANG_WORDS or (lone is not None and lone in LANGUAGE_BY_NAME):
            self._language(ctx, text)
            return
        router = FLOWS.get(conv.flow) if conv.flow else None
        step = router.steps.get(conv.step or "") if router else None
        # In a step only a whole-reply decision counts ("はい、海の見える部屋です" is a description).
        decision = text.decision if step is None else text.whole_decision
        own = step is not None and decision in step.own_words
        # A step that takes YES itself ("Reply YES to cancel ...") reads every other text as "keep it".
        confirming = step is not None and step.own_words >= YES_WORDS
        chat = None if own or confirming else small_talk(text)
        if decision in (YES, NO) and not own and not (chat and conv.presented_id is None):
            # A lone "ok" decides the request in front of a host; anywhere else it is small talk.
            decisions.decide(ctx, text)
            return
        if decision == UNCLEAR and step is None and conv.presented_id is not None:
            # "大丈夫です" / "結構です" can mean either: never guessed; asked again with the words that work.
            ctx.say("decision_unclear", **describe(ctx, ctx.store.reservation(conv.presented_id)))
            return
        if chat is not None:
            if first_contact:
                ctx.say("welcome")  # a first "hello" is best answered by what Airtng is
            else:
                self._small_talk(ctx, chat, step)
            return
        if conv.flow is not None:
            if router is None or step is None:
                log.warning("dropping unknown step %s/%s", conv.flow, conv.step)
                conv.flow, conv.step, conv.data = None, None, {}
            elif not ((step.commands_interrupt and word in COMMANDS)
                      or (step.lone_commands_interrupt and lone in COMMANDS)):
                try:
                    conv.step = _step_name(router, step.handler(ctx, text))
                except DomainError:
                    # What the flow was about is gone (the place was unlisted meanwhile): end the flow, or
                    # every later text would be read as this step's answer and fail again.
                    conv.flow, conv.step, conv.data = None, None, {}
                    raise
                if conv.step is None:
                    conv.flow = None
                return
            else:
                conv.flow, conv.step, conv.data = None, None, {}
        entry = COMMANDS.get(word)
        if entry is None and not word.isascii():
            glued = split_glued(text, GLUED_COMMANDS)
            if glued is not None and (entry := COMMANDS.get(glued.word)) is not None:
                text = glued
        if entry is None:
            self._unknown(ctx, text, first_contact)
            return
        router, handler = entry
        next_step = _step_name(router, handler(ctx, text))
        if next_step is not None:
            conv.flow, conv.step = router.flow, next_step

    def _unknown(self, ctx: Context, text: Text, first_contact: bool) -> None:
        if first_contact:
            ctx.say("welcome")
            return
        ctx.say("unknown", suggestion=suggest(text.word, KNOWN_WORDS) or "")

    def _help(self, ctx: Context) -> None:
        conv = ctx.conv
        if conv.flow and (router := FLOWS.get(conv.flow)) and (step := router.steps.get(conv.step or "")):
            ctx.say(step.help_key, **_help_variables(ctx, step))
        elif conv.presented_id is not None:
            ctx.say("help_deciding", **describe(ctx, ctx.store.reservation(conv.presented_id)))
        else:
            # The words that work here: MORE after a page, CANCEL with one of the guest's own references.
            ctx.say("help", more="browse" in conv.data, ref=stays.cancellable_ref(ctx))

    @staticmethod
    def _small_talk(ctx: Context, kind: str, step: Step | None) -> None:
        """Hi, thanks, ok: a kind word back, and the next useful step from where the texter is."""
        conv = ctx.conv
        if conv.presented_id is not None:
            ctx.say("small_talk_deciding", kind=kind, **describe(ctx, ctx.store.reservation(conv.presented_id)))
        elif step is not None:
            hint = ctx.render(step.help_key, ctx.texter.language, **_help_variables(ctx, step))
            ctx.say("small_talk_in_flow", kind=kind, hint=hint)
        else:
            ctx.say("small_talk", kind=kind)

    def _language(self, ctx: Context, text: Text) -> None:
        # "LANG JA", "言語 日本語", or just the language's name ("日本語", "English").
        wanted = LANGUAGE_NAMES.get(fold(text.args) if text.word in LANG_WORDS else text.word)
        if wanted is None or wanted not in ctx.catalog.languages:
            ctx.say("language_unknown", languages=ctx.catalog.languages)
            return
        ctx.store.set_language(ctx.texter.id, wanted)
        ctx.texter.language = wanted
        ctx.say("language_set")

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


def _step_name(router: Router, step: StepName | None) -> str | None:
    """What a conversation stores for the step a handler returned (None: the flow is over)."""
    if step is None:
        return None
    if not router.owns(step):
        raise RuntimeError(f"flow {router.flow} returned {step!r}, a step of another flow")
    return step.name


def _help_variables(ctx: Context, step: Step) -> dict[str, Any]:
    """What the step's HELP text needs (HELP itself, and small talk in the middle of a flow)."""
    return step.help_variables(ctx) if step.help_variables else {}


def opt_out_by_id(ctx: Context, user_id: int) -> None:
    user = ctx.person(user_id)
    if not user.opted_out:
        opt_out(ctx, user)


def mark_unreachable(ctx: Context, user_id: int, reason: str) -> None:
    """The number cannot take SMS: recorded against the user (later messages skipped, listings hidden, no
    request presented) and, as for a host who opted out, the requests waiting on them as a host are
    declined at once and their guests told, instead of waiting out the request's time."""
    ctx.store.mark_unreachable(user_id, reason)
    ctx.person(user_id).unreachable = reason
    ctx.conversation(user_id)  # written back: a booking for this host filed meanwhile conflicts (write_touched)
    outcomes.decline_all(ctx, ctx.store.pending_for(host_id=user_id), "unreachable")
    # Confirmed stays at their places still stand: their guests are told, an operator will look.
    outcomes.host_gone(ctx, user_id, "host_unreachable")


def opt_out(ctx: Context, user: User) -> None:
    """STOP and friends: nothing more is sent; the host's requests are declined (guests told), the
    guest's requests withdrawn (hosts moved on); flows forgotten."""
    ctx.store.set_opted_out(user.id, True)
    user.opted_out = True
    conv = ctx.conversation(user.id)
    conv.flow, conv.step, conv.data, conv.presented_id = None, None, {}, None
    outcomes.decline_all(ctx, ctx.store.pending_for(host_id=user.id), "opted_out")
    for reservation in ctx.store.pending_for(guest_id=user.id):
        ctx.conversation(reservation.host_id)
        outcomes.cancel_by_guest(ctx, reservation)
    # Confirmed stays at their places still stand: their guests are told, an operator will look.
    outcomes.host_gone(ctx, user.id, "host_opted_out")


def opt_in(ctx: Context, user: User) -> None:
    """START (or UNSTOP, YES) from an opted-out number: welcome back, with what changed while away (requests
    closed when they left or meanwhile, stays cancelled meanwhile) in the same one message."""
    since = ctx.store.opted_out_at(user.id)
    closed = ctx.store.closed_since(user.id, since) if since is not None else []
    ctx.store.set_opted_out(user.id, False)
    user.opted_out = False
    live = outcomes.host_back(ctx, user.id)  # their places, live again (their guests told)
    if not closed and not live:
        ctx.say("opted_in")
        return
    ctx.say_page("opted_in_changes", "listings", live, requests=[ref for ref, stay in closed if not stay],
                 stays=[ref for ref, stay in closed if stay])


# Delivery failures that mean the number cannot take SMS at all (unknown number, landline).
UNREACHABLE_CALLBACK_CODES = {30005, 30006}
CALLBACK_CONSEQUENCES = UNREACHABLE_CALLBACK_CODES | {21610}

# What LANG accepts: codes and each language's name in English and in itself.
LANGUAGE_NAMES = {
    "EN": "en", "ENGLISH": "en", "英語": "en", "えいご": "en",
    "JA": "ja", "JP": "ja", "JAPANESE": "ja", "日本語": "ja", "にほんご": "ja",
}
LANG_WORDS = frozenset({"LANG", "LANGUAGE", "言語"})
# A lone language name (not a code like EN) switches too: someone who reads "LANG JA" in a text and
# answers just "日本語" means it.
LANGUAGE_BY_NAME = frozenset(name for name in LANGUAGE_NAMES if not (name.isascii() and len(name) <= 2))
