"""The words that work anywhere: STOP and START (and their Japanese), HELP, MENU and the words that leave a
step, LANG, small talk, and the fallback for a text nothing else understood.

Opting out and in: a carrier's own keywords (STOP, CANCEL, START...) are answered by Twilio itself, so the
bot adds nothing; words Twilio does not act on (停止, 配信停止) are confirmed by the bot, in the person's
language, saying what changed and how to come back. `OptOutType` (Twilio's Advanced Opt-Out) means Twilio
acted, whatever the text said.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, Literal, get_args

from bot import outcomes
from bot.catalog import Catalog
from bot.context import Context
from bot.flows import decisions, relay, stays
from bot.models import User
from bot.presenting import describe
from bot.router import Step
from bot.text import Text, fold, suggest
from bot.vocabulary import CARRIER_OPT_IN_WORDS, CARRIER_OPT_OUT_WORDS, IME_SLIPS

log = logging.getLogger(__name__)

# What Twilio's Advanced Opt-Out may say a text was (`OptOutType`): each is acted on exactly as the built-in
# keyword of that name, whatever keyword the account defined ("配信停止") and whatever the body says.
OptOutType = Literal["STOP", "START", "HELP"]
OPT_OUT_TYPES: frozenset[OptOutType] = frozenset(get_args(OptOutType))

# What LANG accepts: codes and each language's name in English and in itself.
LANGUAGE_NAMES = {
    "EN": "en", "ENGLISH": "en", "英語": "en", "えいご": "en",
    "JA": "ja", "JP": "ja", "JAPANESE": "ja", "日本語": "ja", "にほんご": "ja",
}
LANG_WORDS = frozenset({"LANG", "LANGUAGE", "言語"})
# A lone language name (not a code like EN) switches too: someone who reads "LANG JA" in a text and answers
# just "日本語" means it.
LANGUAGE_BY_NAME = frozenset(name for name in LANGUAGE_NAMES if not (name.isascii() and len(name) <= 2))


def carrier_answers(text: Text, opt_out_type: OptOutType | None) -> bool:
    """Twilio answers this text itself (its standard keywords, or an Advanced Opt-Out verdict)."""
    return opt_out_type is not None or text.keyword in CARRIER_OPT_OUT_WORDS | CARRIER_OPT_IN_WORDS


def carrier_reply(catalog: Catalog, today: date, text: Text, opt_out_type: OptOutType | None = None) -> str | None:
    """What Twilio itself answers this text with, if it does, in its own words (English): the terminal chat
    and the console's dev phone show it, so a tester sees what the person's phone shows (Airtng never
    sends it)."""
    if opt_out_type == "STOP" or text.keyword in CARRIER_OPT_OUT_WORDS:
        return catalog.render_on(today, "carrier_opted_out", "en")
    if opt_out_type == "START" or text.keyword in ("START", "UNSTOP"):
        return catalog.render_on(today, "carrier_opted_in", "en")
    return None


# -- opting out and back in ---------------------------------------------------------------------------------


def opt_out_word(ctx: Context, twilio_confirms: bool) -> None:
    """STOP, 停止...: out, and one confirmation: Twilio's for its own keywords, ours for the rest."""
    withdrawn = opt_out(ctx, ctx.texter)
    if not twilio_confirms:
        ctx.say("opted_out", requests=withdrawn, listings=_hidden_listings(ctx, ctx.texter.id))


def _hidden_listings(ctx: Context, user_id: int) -> int:
    """How many places an opt-out hid (they stay listed, shown again at START: `outcomes.host_back`)."""
    if user_id in ctx.never_hosted:
        return 0
    return len(ctx.store.host_listings(user_id, ctx.today(), 0, 100))


def while_opted_out(ctx: Context, opting_in: bool, asking_help: bool) -> None:
    """An opted-out number hears nothing but the way back: exact keywords only, as the carrier matches them
    (a YES opts in at Twilio too)."""
    if opting_in:
        opt_in(ctx, ctx.texter)
    elif asking_help:
        ctx.say("help_opted_out")


def already_in(ctx: Context, first_contact: bool) -> None:
    ctx.say("welcome" if first_contact else "opted_in")


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


def opt_out(ctx: Context, user: User) -> int:
    """STOP and friends: nothing more is sent; the host's requests are declined (guests told), the guest's
    requests withdrawn (hosts moved on); flows forgotten. Returns how many of the guest's were withdrawn."""
    ctx.store.set_opted_out(user.id, True)
    user.opted_out = True
    conv = ctx.conversation(user.id)
    conv.flow, conv.step, conv.data, conv.presented_id = None, None, {}, None
    outcomes.decline_all(ctx, ctx.store.pending_for(host_id=user.id), "opted_out")
    withdrawn = ctx.store.pending_for(guest_id=user.id)
    for reservation in withdrawn:
        ctx.conversation(reservation.host_id)
        outcomes.cancel_by_guest(ctx, reservation)
    # Confirmed stays at their places still stand: their guests are told, an operator will look.
    outcomes.host_gone(ctx, user.id, "host_opted_out")
    ctx.store.close_questions(user_id=user.id)  # their questions before booking, either side
    return len(withdrawn)


def opt_in(ctx: Context, user: User) -> None:
    """START (or UNSTOP, YES, 再開) from an opted-out number: welcome back, with what changed while away
    (requests closed when they left or meanwhile, stays cancelled meanwhile) in the same one message."""
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


# -- help, menu, language -----------------------------------------------------------------------------------


def help_here(ctx: Context, step: Step | None) -> None:
    """HELP: the words that work where the texter is now."""
    conv = ctx.conv
    if step is not None:
        ctx.say(step.help_key, **step_help_variables(ctx, step))
        return
    waiting = decisions.presented(ctx)
    if waiting is not None:
        ctx.say("help_deciding", about=waiting.id, **describe(ctx, waiting))
        return
    ctx.say("help", more="browse" in conv.data, ref=stays.cancellable_ref(ctx),
            host=ctx.texter.id not in ctx.never_hosted, msg_ref=_open_stay_ref(ctx))


def _open_stay_ref(ctx: Context) -> str:
    """A reference MSG works with now ('' when no stay is open for messages)."""
    open_stays = relay.open_stays(ctx, ctx.texter.id)
    return open_stays[0].ref if open_stays else ""


def step_help_variables(ctx: Context, step: Step) -> dict[str, Any]:
    """What a step's HELP text needs (HELP itself, and small talk in the middle of a flow)."""
    return step.help_variables(ctx) if step.help_variables else {}


def menu(ctx: Context) -> None:
    """MENU, or a word that leaves a step (中止, never mind): the flow is dropped, nothing else changes."""
    conv = ctx.conv
    conv.flow, conv.step, conv.data = None, None, {}
    ctx.say("menu")


def language(ctx: Context, text: Text, lang_words: frozenset[str]) -> None:
    """"LANG JA", "言語 日本語", or just the language's name ("日本語", "English")."""
    wanted = LANGUAGE_NAMES.get(fold(text.args) if text.word in lang_words else text.word)
    if wanted is None or wanted not in ctx.catalog.languages:
        ctx.say("language_unknown", languages=ctx.catalog.languages)
        return
    ctx.store.set_language(ctx.texter.id, wanted)
    ctx.texter.language = wanted
    ctx.say("language_set")


# -- small talk and the fallback ----------------------------------------------------------------------------


def small_talk(ctx: Context, kind: str, step: Step | None, first_contact: bool) -> None:
    """Hi, thanks, ok: a kind word back, and the next useful step from where the texter is."""
    if first_contact:
        ctx.say("welcome")  # a first "hello" is best answered by what Airtng is
        return
    waiting = decisions.presented(ctx) if step is None else None
    if waiting is not None:
        ctx.say("small_talk_deciding", kind=kind, about=waiting.id, **describe(ctx, waiting))
    elif step is not None:
        hint = ctx.render(step.help_key, ctx.texter.language, **step_help_variables(ctx, step))
        ctx.say("small_talk_in_flow", kind=kind, hint=hint)
    else:
        ctx.say("small_talk", kind=kind)


def not_understood(ctx: Context, text: Text, first_contact: bool, known_words: tuple[str, ...]) -> None:
    """Nothing understood the text: say what is waiting for the texter, if anything, else what works."""
    if first_contact:
        ctx.say("welcome")
        return
    suggestion = IME_SLIPS.get(text.word) or suggest(text.word, known_words) or ""
    waiting = decisions.presented(ctx)
    if waiting is not None and not suggestion:
        ctx.say("decision_again", about=waiting.id, **describe(ctx, waiting))
        return
    pending = next((r for r in ctx.store.guest_open(ctx.texter.id, ctx.today()) if r.status == "pending"), None)
    if pending is not None and not suggestion:
        host = ctx.person(pending.host_id)
        ctx.say("unknown_request_waiting", host=host.name or "", **describe(ctx, pending))
        return
    ctx.say("unknown", suggestion=suggestion)
