"""The unit of work one inbound text (or one scheduled job) runs in: one transaction, the people it
touches, the reply to the texter, and the outbox for everyone else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.catalog import Catalog
from bot.clock import Clock
from bot.config import Config
from bot.cut import cap
from bot.models import Conversation, User
from bot.pages import fit_page
from bot.store import Store

# The messages that put a request's yes/no question to its host (with `about` = the request): a lone "ok"
# after one of these answers it. Any other message to the host in between means the question is asked again
# before anything is decided (bot/routing.py).
DECISION_QUESTIONS = frozenset({"host_prompt", "host_reminder", "decision_again", "decision_unclear",
                                "help_deciding", "small_talk_deciding"})


@dataclass
class Outgoing:
    body: str
    media_url: str | None = None


@dataclass
class Context:
    store: Store
    config: Config
    clock: Clock
    catalog: Catalog
    user: User | None = None  # the texter; None for scheduled work
    replies: list[Outgoing] = field(default_factory=list)
    finished: bool = False  # the engine presented next requests and saved conversations
    acted: bool = False  # the texter's text was acted on (not silenced by the rate limit)
    # People known to have never listed a place: no request can be waiting for them to decide.
    never_hosted: set[int] = field(default_factory=set)
    _conversations: dict[int, Conversation] = field(default_factory=dict)
    _users: dict[int, User] = field(default_factory=dict)
    _today: date | None = None
    _enqueued: int = 0  # the last outbox id this unit wrote

    @property
    def texter(self) -> User:
        assert self.user is not None, "only inbound texts have a texter"
        return self.user

    @property
    def conv(self) -> Conversation:
        """The texter's conversation (loaded by the engine before routing)."""
        return self._conversations[self.texter.id]

    @property
    def state(self) -> dict[str, Any]:
        """The texter's current flow data."""
        return self.conv.data

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """The date where the service runs, once per unit of work (every render asks: dates in messages
        are written with their year only when it is not this one)."""
        if self._today is None:
            self._today = self.clock.now().astimezone(ZoneInfo(self.config.timezone)).date()
        return self._today

    # -- people ------------------------------------------------------------------------------------

    def person(self, user_id: int) -> User:
        if self.user is not None and user_id == self.user.id:
            return self.user
        if user_id not in self._users:
            self._users[user_id] = self.store.user(user_id)
        return self._users[user_id]

    def conversation(self, user_id: int) -> Conversation:
        """Someone's conversation, loaded once per unit of work and saved by `finish`."""
        if user_id not in self._conversations:
            self._conversations[user_id] = self.store.conversation(user_id)
        return self._conversations[user_id]

    def adopt(self, conv: Conversation) -> None:
        """A conversation the caller loaded itself (with the texter, in one query): saved by `finish` too."""
        self._conversations.setdefault(conv.user_id, conv)

    def touched(self) -> list[Conversation]:
        return list(self._conversations.values())

    # -- words -------------------------------------------------------------------------------------

    def render(self, key: str, language: str | None = None, **variables: Any) -> str:
        return self.catalog.render_on(self.today(), key, language, **variables)

    def say(self, key: str, *, media_url: str | None = None, about: int | None = None, **variables: Any) -> None:
        """Reply to the texter (in the TwiML answer)."""
        self.replies.append(Outgoing(cap(self.render(key, self.texter.language, **variables)), media_url))
        self.note_sent(self.texter.id, key, about)

    def say_page(self, key: str, items_name: str, items: Sequence[Any], *, more: bool = False,
                 **variables: Any) -> int:
        """Reply with the page template `key`, its list variable `items_name` holding as many of `items` as
        fit `messages.page_segments` SMS segments; `more` (passed to the template) is True when items were
        left out or the caller has more beyond `items`. Returns how many items were shown."""
        language = self.texter.language

        def render(shown: Sequence[Any], cut: bool) -> str:
            return self.render(key, language, **{items_name: list(shown), "more": more or cut}, **variables)

        text, shown = fit_page(render, items, self.config.page_segments)
        self.replies.append(Outgoing(cap(text)))
        self.note_sent(self.texter.id, key, None)
        return shown

    def tell(self, user_id: int, key: str, *, media_url: str | None = None, about: int | None = None,
             **variables: Any) -> None:
        """Message someone: the texter in the reply, anyone else through the outbox (same transaction).
        `about`: the reservation the message concerns, kept with the outbox row so that the sender can tell
        a prompt that went stale while it waited (see `bot/sender.py` STALE_UNLESS)."""
        if self.user is not None and user_id == self.user.id:
            self.say(key, media_url=media_url, about=about, **variables)
            return
        person = self.person(user_id)
        body = cap(self.render(key, person.language, **variables))
        self.send(person, body, media_url, key=key, about=about)

    def send(self, person: User, body: str, media_url: str | None = None, *, key: str | None = None,
             about: int | None = None) -> int:
        """Queue a message already written (rendered, or a relayed text) to someone; the outbox row's id."""
        outbox_id = self.store.enqueue(person.id, person.phone, body, media_url, key=key, reservation_id=about)
        self._enqueued = max(self._enqueued, outbox_id)
        self.note_sent(person.id, key, about, outbox_id)
        return outbox_id

    def note_sent(self, user_id: int, key: str | None, about: int | None, outbox_id: int | None = None) -> None:
        """Remember when a request's question was put to someone (`DECISION_QUESTIONS`): a lone "ok" answers
        it only if nothing else reached them since. A reply to the texter clears it at once; a message to
        anyone else is an outbox row, compared when they answer (`Store.sent_to_since`)."""
        if key in DECISION_QUESTIONS and about is not None:
            mark = outbox_id if outbox_id is not None else self._outbox_mark()
            self.conversation(user_id).ask_decision(about, self.now(), mark)
        elif self.user is not None and user_id == self.user.id:
            self.conversation(user_id).forget_asked()

    def _outbox_mark(self) -> int:
        """An outbox id no later message can be at or under: the last one this unit wrote, else the newest."""
        return self._enqueued or self.store.last_outbox_id()

    @property
    def flow_timeout(self) -> timedelta:
        return timedelta(minutes=self.config.flow_timeout_minutes)
