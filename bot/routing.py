"""What a text means, as one ordered table: each rule a small named predicate and its handler; the first
rule whose predicate holds handles the text (as aiogram's routers are tried in order, with PTB's
`fallbacks` last).

The order is the precedence, read top to bottom:
1. the carrier's words (STOP, START) and what an opted-out number may still say;
2. words that work anywhere: HELP, MENU and "not this" (中止, never mind), LANG;
3. the current step, which answers its own question first; a decision word it did not ask for is meant
   for a request and waits until the step is done; a command may interrupt where the step allows it;
4. a yes or no from a host: it decides the request in front of them only as the answer to that request's
   question, else the question is asked again;
5. commands, small talk;
6. questions (one naming a place is offered to its host as ASK; "how do I pay?" and "what's the address?"
   are answered), then words meant for the other party of an open stay (kept, and offered to be sent);
7. the fallback, which names what is waiting for the texter.

Each text is read once (`Text`: its command word and arguments, decision, small talk, keyword, emoji-free
form, each computed on first use) and the rules share that reading. A new global word is a row here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.context import Context
from bot.errors import DomainError
from bot.flows import (
    arriving,
    asking,
    booking,
    browse,
    calendars,
    decisions,
    details,
    editing,
    general,
    hosting,
    relay,
    stays,
)
from bot.flows.general import LANG_WORDS, LANGUAGE_BY_NAME, OptOutType
from bot.models import Reservation
from bot.router import Handler, Router, Step, StepName
from bot.text import Text, kana_fold, once, split_glued
from bot.vocabulary import (
    ARRIVAL_QUESTION,
    BACK_IN_WORDS,
    CHANGE_OF_MIND_WORDS,
    HELP_WORDS,
    LEAVE_WORDS,
    MENU_WORDS,
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    PAY_QUESTION,
)

log = logging.getLogger(__name__)

# The flows with commands or steps, joined here. A command word may belong to one flow only.
ROUTERS: tuple[Router, ...] = (browse.router, booking.router, hosting.router, editing.router, stays.router,
                               relay.router, arriving.router, asking.router, calendars.router)


def _command_table(routers: tuple[Router, ...]) -> dict[str, tuple[Router, Handler]]:
    table: dict[str, tuple[Router, Handler]] = {}
    for router in routers:
        for word, handler in router.commands.items():
            if word in table:
                raise RuntimeError(f"command {word} is claimed by {table[word][0].flow} and {router.flow}")
            table[word] = (router, handler)
    return table


COMMANDS = _command_table(ROUTERS)
# The table as texts are looked up in it: katakana as hiragana (`kana_fold`), so that イチラン, ｲﾁﾗﾝ and
# いちらん are one word.
FOLDED_COMMANDS = {kana_fold(word): entry for word, entry in COMMANDS.items()}
# Words that are their command only when sent alone (`Router.command(lone=True)`).
LONE_COMMANDS = frozenset(kana_fold(word) for router in ROUTERS for word in router.lone_words)
FLOWS = {router.flow: router for router in ROUTERS}
for _router in ROUTERS:
    _router.check()
# Shown as suggestions for near-miss spellings. Never a decision word: a suggestion is not a question, and
# `suggest` leaves them out as well.
KNOWN_WORDS = tuple(sorted({*COMMANDS, "HELP", "MENU", "LANG"}))
# Japanese commands may be glued to their argument ("検索海"): tried longest first when no command matched.
# One-character words are left out ("次の金曜日" is not MORE).
GLUED_COMMANDS = tuple(sorted((word for word in FOLDED_COMMANDS
                               if not word.isascii() and len(word) >= 2 and word not in LONE_COMMANDS),
                              key=len, reverse=True))
_HELP_WORDS = frozenset(map(kana_fold, HELP_WORDS))
_MENU_WORDS = frozenset(map(kana_fold, MENU_WORDS))


@dataclass
class Turn:
    """One text in front of the rules: the unit of work, the text as read once, and where the texter is."""

    ctx: Context
    text: Text
    first_contact: bool
    opt_out_type: OptOutType | None = None

    @once
    def router(self) -> Router | None:
        flow = self.ctx.conv.flow
        return FLOWS.get(flow) if flow else None

    @once
    def step(self) -> Step | None:
        return self.router.steps.get(self.ctx.conv.step or "") if self.router else None

    @once
    def command(self) -> tuple[Router, Handler, Text] | None:
        """The command the text starts with, its handler, and the text it reads ("検索海" as "検索 海")."""
        text = self.text
        entry = FOLDED_COMMANDS.get(text.command_word)
        if entry is not None and text.command_word in LONE_COMMANDS and text.args:
            return None  # "掲載 料金はいくらですか": a question about listing, not HOST
        if entry is None and not text.word.isascii():
            glued = split_glued(text, GLUED_COMMANDS)
            if glued is not None and (entry := FOLDED_COMMANDS.get(glued.command_word)) is not None:
                text = glued
        return (*entry, text) if entry is not None else None

    @once
    def open_stays(self) -> list[Reservation]:
        """The texter's stays open for messages (read once: the rule that offers a text to the other party
        asks, and its handler uses them)."""
        return relay.open_stays(self.ctx, self.ctx.texter.id)

    @once
    def place_asked_about(self) -> int | None:
        """The place a question names ("is there parking at #3?"), offered to be sent to its host."""
        return asking.named_place(self.text)

    @once
    def waiting(self) -> Reservation | None:
        """The request this texter, as a host, will be asked about next."""
        return decisions.waiting_request(self.ctx)


@dataclass(frozen=True)
class Rule:
    name: str
    applies: Callable[[Turn], bool]
    handle: Callable[[Turn], None]


# -- the predicates ------------------------------------------------------------------------------------------


def _opt_out_word(turn: Turn) -> bool:
    return turn.opt_out_type == "STOP" or turn.text.keyword in OPT_OUT_WORDS


def _opted_out(turn: Turn) -> bool:
    return turn.ctx.texter.opted_out


def _opt_in_word(turn: Turn) -> bool:
    return turn.opt_out_type == "START" or turn.text.keyword in OPT_IN_WORDS


def _help(turn: Turn) -> bool:
    return turn.opt_out_type == "HELP" or (turn.text.lone_word is not None and turn.text.command_word in _HELP_WORDS)


def _menu(turn: Turn) -> bool:
    text = turn.text
    if text.lone_word is not None and text.command_word in _MENU_WORDS:
        return True
    # "やっぱりやめます" leaves a step; outside one it is the guest's change of mind (`_change_of_mind`).
    return text.folded in LEAVE_WORDS and not (_change_of_mind(turn) and not _in_flow(turn))


def _change_of_mind(turn: Turn) -> bool:
    """"やっぱりやめます" outside a step: CANCEL of the one request or stay the texter could cancel."""
    return turn.text.plain in CHANGE_OF_MIND_WORDS and stays.cancellable_ref(turn.ctx, only=True) != ""


def _language(turn: Turn) -> bool:
    lone = turn.text.lone_word
    return turn.text.word in LANG_WORDS or (lone is not None and lone in LANGUAGE_BY_NAME)


def _step_asked_yes_or_no(turn: Turn) -> bool:
    return turn.step is not None and turn.step.asks == "yes_or_no" and not _interrupted(turn)


def _photo_answer(turn: Turn) -> bool:
    return turn.step is not None and turn.step.asks == "photo" and details.no_photo(turn.text)


def _decision_meant_for_a_request(turn: Turn) -> bool:
    """A lone yes or no typed in the middle of a step that asked no such question, while a request waits."""
    return (turn.step is not None and turn.step.asks != "yes_or_no" and turn.text.bare_decision is not None
            and turn.waiting is not None)


def _interrupted(turn: Turn) -> bool:
    """A command word abandons the step where the step allows it (never a free-text one's answer)."""
    step, text = turn.step, turn.text
    if step is None:
        return False
    # A command glued to more words ("検索海") does not interrupt: in a step, "次の金曜日" is an answer.
    typed = turn.command is not None and turn.command[2] is text
    return typed and (step.commands_interrupt or (step.lone_commands_interrupt and text.lone_word is not None))


def _small_talk_in_step(turn: Turn) -> bool:
    return turn.step is not None and turn.text.small_talk is not None


def _in_flow(turn: Turn) -> bool:
    return turn.ctx.conv.flow is not None


# The cheap test first: most texters have no request in front of them, and their text need not be read as
# an answer at all.
def _answers_the_request(turn: Turn) -> bool:
    return (turn.ctx.conv.presented_id is not None and turn.text.decision is not None
            and decisions.answers_its_question(turn.ctx))


def _decision_after_something_else(turn: Turn) -> bool:
    return turn.ctx.conv.presented_id is not None and turn.text.decision is not None


def _command(turn: Turn) -> bool:
    return turn.command is not None


def _small_talk(turn: Turn) -> bool:
    return turn.text.small_talk is not None


def _decision(turn: Turn) -> bool:
    return turn.text.decision is not None


def _as_guest(turn: Turn) -> bool:
    """A question about arriving or paying is the texter's own as a guest, unless every stay open to them is
    one they host (then "what's the address?" is meant for their guest, and offered to be sent)."""
    stays = turn.open_stays
    return not stays or any(stay.guest_id == turn.ctx.texter.id for stay in stays)


def _question_about_a_place(turn: Turn) -> bool:
    return turn.place_asked_about is not None


# A longer text that asks about the address among other things is written for the host: it is offered to
# be sent, not answered in part.
QUESTION_MAX = 80


def _arrival_question(turn: Turn) -> bool:
    return (len(turn.text.clean) <= QUESTION_MAX and ARRIVAL_QUESTION.search(turn.text.folded) is not None
            and _as_guest(turn))


def _pay_question(turn: Turn) -> bool:
    return (len(turn.text.clean) <= QUESTION_MAX and PAY_QUESTION.search(turn.text.folded) is not None
            and _as_guest(turn))


def _words_for_the_other_party(turn: Turn) -> bool:
    return not turn.first_contact and bool(turn.open_stays)


def _always(turn: Turn) -> bool:
    return True


# -- the handlers ------------------------------------------------------------------------------------------


def _run_step(turn: Turn) -> None:
    ctx, router, step = turn.ctx, turn.router, turn.step
    conv = ctx.conv
    if router is None or step is None:
        log.warning("dropping unknown step %s/%s", conv.flow, conv.step)
        conv.flow, conv.step, conv.data = None, None, {}
        _first_rule(turn, RULES_OUT_OF_FLOW).handle(turn)
        return
    try:
        conv.step = _step_name(router, step.handler(ctx, turn.text))
    except DomainError:
        # What the flow was about is gone (the place was unlisted meanwhile): end the flow, or every later
        # text would be read as this step's answer and fail again.
        conv.flow, conv.step, conv.data = None, None, {}
        raise
    if conv.step is None:
        conv.flow = None


def _leave_step_for_command(turn: Turn) -> None:
    conv = turn.ctx.conv
    conv.flow, conv.step, conv.data = None, None, {}
    _run_command(turn)


def _run_command(turn: Turn) -> None:
    assert turn.command is not None
    router, handler, text = turn.command
    _start(turn, router, handler, text)


def _start(turn: Turn, router: Router, handler: Handler, text: Text) -> None:
    """Run a flow's entry; the step it returns is where the texter now is."""
    next_step = _step_name(router, handler(turn.ctx, text))
    if next_step is not None:
        turn.ctx.conv.flow, turn.ctx.conv.step = router.flow, next_step


def _finish_first(turn: Turn) -> None:
    assert turn.waiting is not None
    decisions.finish_first(turn.ctx, turn.waiting)


def _step_name(router: Router, step: StepName | None) -> str | None:
    """What a conversation stores for the step a handler returned (None: the flow is over)."""
    if step is None:
        return None
    if not router.owns(step):
        raise RuntimeError(f"flow {router.flow} returned {step!r}, a step of another flow")
    return step.name


def _say_small_talk(turn: Turn) -> None:
    assert turn.text.small_talk is not None
    general.small_talk(turn.ctx, turn.text.small_talk, turn.step, turn.first_contact)


# -- the table ---------------------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    # 1. The carrier's words, whatever else is going on: STOP is honoured at any step.
    Rule("opt-out word", _opt_out_word,
         lambda t: general.opt_out_word(t.ctx, general.carrier_answers(t.text, t.opt_out_type))),
    Rule("opted out: only the way back", _opted_out,
         lambda t: general.while_opted_out(t.ctx, _opt_in_word(t) or t.text.keyword in BACK_IN_WORDS, _help(t))),
    Rule("opt-in word while in", _opt_in_word, lambda t: general.already_in(t.ctx, t.first_contact)),
    # 2. Words that work anywhere.
    Rule("help", _help, lambda t: general.help_here(t.ctx, t.step)),
    Rule("menu, or leave the step", _menu, lambda t: general.menu(t.ctx)),
    Rule("language", _language, lambda t: general.language(t.ctx, t.text, LANG_WORDS)),
    # 3. The current step.
    Rule("the step's own yes/no question", _step_asked_yes_or_no, _run_step),
    Rule("no photo, at a photo step", _photo_answer, _run_step),
    Rule("a decision meant for a waiting request", _decision_meant_for_a_request, _finish_first),
    Rule("a command that leaves the step", _interrupted, _leave_step_for_command),
    Rule("small talk mid-step", _small_talk_in_step, _say_small_talk),
    Rule("the step's answer", _in_flow, _run_step),
)

RULES_OUT_OF_FLOW: tuple[Rule, ...] = (
    # 4. A host's yes or no.
    Rule("the answer to the request's question", _answers_the_request,
         lambda t: decisions.decide(t.ctx, t.text)),
    Rule("a yes or no after something else", _decision_after_something_else,
         lambda t: decisions.ask_again(t.ctx)),
    # 5. Commands and small talk.
    Rule("a change of mind about one's booking", _change_of_mind,
         lambda t: _start(t, stays.router, lambda ctx, text: stays.cancel_only(ctx), t.text)),
    Rule("command", _command, _run_command),
    Rule("small talk", _small_talk, _say_small_talk),
    Rule("a question about a place", _question_about_a_place,
         lambda t: _start(t, asking.router, lambda ctx, text: asking.offer(ctx, text, t.place_asked_about or 0),
                          t.text)),
    Rule("how do I pay?", _pay_question, lambda t: arriving.answer_payment(t.ctx)),
    Rule("where do I go?", _arrival_question, lambda t: arriving.answer_arrival(t.ctx)),
    Rule("a yes or no with nothing to decide", _decision,
         lambda t: t.ctx.say("decision_nothing_pending")),
    # 6. Words meant for the other party of an open stay: kept, and offered.
    Rule("words for the other party", _words_for_the_other_party,
         lambda t: _start(t, relay.router, lambda ctx, text: relay.offer(ctx, text, t.open_stays), t.text)),
    # 7. The fallback.
    Rule("not understood", _always,
         lambda t: general.not_understood(t.ctx, t.text, t.first_contact, KNOWN_WORDS)),
)


ALL_RULES = RULES + RULES_OUT_OF_FLOW


def _first_rule(turn: Turn, rules: tuple[Rule, ...]) -> Rule:
    """The first rule that takes the text (the last rule takes every text)."""
    return next(rule for rule in rules if rule.applies(turn))


def route(ctx: Context, text: Text, *, first_contact: bool, opt_out_type: OptOutType | None = None) -> str:
    """Apply one text by the first rule that takes it; the rule's name (for logs and tests)."""
    turn = Turn(ctx, text, first_contact, opt_out_type)
    rule = _first_rule(turn, ALL_RULES)
    try:
        rule.handle(turn)
    except DomainError as error:
        ctx.say(error.key, **error.params)
    return rule.name
