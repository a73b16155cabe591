"""Plain records the store hands out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, get_args

from bot.money import Money

# -- the words the code passes around, as types mypy checks ----------------------------------------------
# Each is a string in the database or in a message key, so a misspelt one would otherwise pass silently.

# A reservation's state (reservations.status; the CHECK constraint of migration 001 allows exactly these).
ReservationStatus = Literal["pending", "confirmed", "declined", "cancelled", "expired"]
RESERVATION_STATUSES: tuple[ReservationStatus, ...] = get_args(ReservationStatus)

# Why a request was declined (reservations.reason); the guest is told with `guest_declined_<reason>`.
# "calendar": a feed from another platform (or the host's BLOCK) made some of its nights busy.
DeclineReason = Literal["host", "overlap", "unlisted", "opted_out", "unreachable", "calendar"]
DECLINE_REASONS: tuple[DeclineReason, ...] = get_args(DeclineReason)

# Who cancelled a request or a stay (reservations.reason): the guest, the host, or the host by unlisting the
# place; a guest is told with `guest_stay_cancelled_<by>`, a host with `host_guest_cancelled`.
CancelledBy = Literal["guest", "host", "unlisted"]
CANCELLED_BY: tuple[CancelledBy, ...] = get_args(CancelledBy)

# Everything reservations.reason may hold.
ClosedReason = DeclineReason | CancelledBy

# Why a stay is marked for an operator (reservations.attention): a side that cannot be texted was not told.
# "calendar_conflict": a feed from another platform holds a night of this confirmed stay (sold twice).
AttentionMark = Literal["guest_opted_out", "guest_unreachable", "host_opted_out", "host_unreachable",
                        "calendar_conflict"]
ATTENTION_MARKS: tuple[AttentionMark, ...] = get_args(AttentionMark)

# An outbox row's state (outbox.status): waiting its turn, leased to a sender (or sent without an answer, so
# unknown until Twilio's log is checked), sent (Twilio has it, with its SID), skipped (no attempt of it can
# have reached Twilio: its recipient opted out or is unreachable, or it went stale), failed (parked).
OutboxStatus = Literal["pending", "sending", "sent", "skipped", "failed"]
OUTBOX_STATUSES: tuple[OutboxStatus, ...] = get_args(OutboxStatus)

# Work due later (jobs.kind; bot/scheduler.py works each).
JobKind = Literal["expire", "remind", "stay_reminder", "plan_stay_reminder"]

# How a place's guests pay its host (listings.payment; migration 013's CHECK allows exactly these). Airtng
# itself takes no payment: this only says what the host asks for.
PaymentMethod = Literal["on_arrival", "bank_transfer", "payment_link"]
PAYMENT_METHODS: tuple[PaymentMethod, ...] = get_args(PaymentMethod)
JOB_KINDS: tuple[JobKind, ...] = get_args(JobKind)


def reservation_status(value: object) -> ReservationStatus:
    """A status read from the database, checked: a row holding anything else (a hand edit, a restore with
    the checks off) fails here, loudly, rather than flowing on as a state no branch of the code expects."""
    if value not in RESERVATION_STATUSES:
        raise ValueError(f"unknown reservation status {value!r}")
    return value


def payment_method(value: object) -> PaymentMethod | None:
    """A listing's payment method read from the database (NULL: not said), checked as `reservation_status`."""
    if value is None:
        return None
    if value not in PAYMENT_METHODS:
        raise ValueError(f"unknown payment method {value!r}")
    return value


def job_kind(value: object) -> JobKind:
    """A job's kind read from the database, checked (as `reservation_status`)."""
    if value not in JOB_KINDS:
        raise ValueError(f"unknown job kind {value!r}")
    return value


@dataclass
class User:
    id: int
    phone: str
    name: str | None
    language: str
    opted_out: bool
    unreachable: str | None = None  # why sends to this number fail for good (invalid, landline...)

    @property
    def reachable(self) -> bool:
        return not self.opted_out and self.unreachable is None


@dataclass
class ArrivalDetails:
    """What a guest of a confirmed stay needs to arrive (each None until the host gives it). Private: only
    that guest and the operator's console see the address and the way in; the times are public (VIEW)."""

    address: str | None = None
    check_in_time: str | None = None  # "15:00", the place's local time
    check_out_time: str | None = None
    access: str | None = None  # how to get in: a key box, who meets them

    @property
    def given(self) -> bool:
        return any((self.address, self.check_in_time, self.check_out_time, self.access))

    def variables(self) -> dict[str, Any]:
        """What a message showing them gets ('' for what was not given)."""
        return {"address": self.address or "", "check_in_time": self.check_in_time or "",
                "check_out_time": self.check_out_time or "", "access": self.access or ""}


@dataclass
class Listing:
    id: int
    host_id: int
    description: str
    photo_url: str | None
    active: bool
    title: str = ""
    price: Money | None = None  # per night; None: price on request (listed before prices were asked)
    max_guests: int | None = None  # None: not stated (listed before it was asked), no limit checked
    arrival: ArrivalDetails = field(default_factory=ArrivalDetails)
    payment: PaymentMethod | None = None  # None: the host has not said (guests are told to ask)
    payment_note: str = ""  # the host's own words beside the choice ("Mizuho Bank, details after booking")

    def payment_variables(self) -> dict[str, Any]:
        """What a message naming how to pay gets ('' when the host has not said)."""
        return {"payment": self.payment or "", "payment_note": self.payment_note}


@dataclass
class Reservation:
    id: int
    ref: str
    listing_id: int
    host_id: int
    guest_id: int
    check_in: date
    check_out: date
    status: ReservationStatus
    reason: str | None
    created_at: datetime
    guests: int | None = None  # None: filed before the party size was asked
    price: Money | None = None  # per night, as it was when the request was filed

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    @property
    def total(self) -> Money | None:
        """Nights x price per night, exact (integers), or None when the place had no price."""
        return self.price.times(self.nights) if self.price else None


# Who wrote a relayed message: a stay's (relay_messages.direction) or a question thread's.
Direction = Literal["guest_to_host", "host_to_guest"]


@dataclass
class Question:
    """A guest's thread with a host about one place before booking (ASK): open until `closes_at` unless
    closed sooner (`closed_at`: an opt-out, an unlisting)."""

    id: int
    ref: str
    listing_id: int
    guest_id: int
    host_id: int
    closes_at: datetime
    closed_at: datetime | None = None

    def open_at(self, now: datetime) -> bool:
        return self.closed_at is None and now < self.closes_at


@dataclass
class Feed:
    """An iCal feed from another platform that makes nights of a place busy (calendar_feeds)."""

    id: int
    listing_id: int
    url: str
    etag: str | None
    last_modified: str | None
    read_at: datetime | None  # the last good read (None: never read yet)
    nights: int  # busy nights that read held
    error: str | None  # why the last read failed (None: it worked, or it was not tried yet)
    error_told: bool  # the host was texted about that failure
    report: bool  # the host waits to hear what the first read found


@dataclass(frozen=True)
class BookingObstacles:
    """What stands in the way of a guest's request for dates at a place, read in one statement."""

    taken: bool  # a confirmed stay there has a night in common
    duplicate: bool  # this guest already asked for some of these nights there and is waiting
    pending: int  # the guest's requests waiting for an answer, anywhere


# Made once: `json.dumps` with any option builds a new JSONEncoder on every call, in Python.
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def encode_data(data: dict[str, Any]) -> str:
    """A conversation's data as it is stored: one canonical JSON text, so the text loaded from the database
    tells whether the data changed without encoding it again."""
    return _CANONICAL_JSON.encode(data)


@dataclass
class Conversation:
    user_id: int
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    presented_id: int | None = None
    # What the database held when this was loaded; saving an idle conversation that still matches it
    # is skipped (most texts leave the conversation as it was).
    stored: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)

    # -- the question the bot last asked this person --------------------------------------------------------
    # Kept in `data` (one column, saved with the rest): {"asked": {"about": <reservation id>, "at": iso,
    # "outbox": <id>}} once a request's question was put to them (its prompt, reminder, or the question
    # asked again). A reply to them clears it (their own conversation is at hand); a message through the
    # outbox is a row with a greater id than "outbox" (`Store.sent_to_since`), so a lone "ok" answers only
    # the question it follows without every message to anyone loading that person's conversation.

    def ask_decision(self, reservation_id: int, at: datetime, outbox_id: int) -> None:
        self.data["asked"] = {"about": reservation_id, "at": at.isoformat(), "outbox": outbox_id}

    def asked_about(self) -> tuple[int, int] | None:
        """The request whose question was put to this person last, and the outbox id as of then."""
        asked = self.data.get("asked")
        return (int(asked["about"]), int(asked.get("outbox", 0))) if isinstance(asked, dict) else None

    def forget_asked(self) -> None:
        self.data.pop("asked", None)

    @property
    def idle(self) -> bool:
        """Not in the middle of any flow."""
        return self.flow is None

    def fingerprint(self) -> tuple[Any, ...]:
        """What a row of `conversations` holds for this: flow, step, data as stored, presented_id."""
        return (self.flow, self.step, encode_data(self.data), self.presented_id)

    @property
    def changed(self) -> bool:
        """Different from what the database held when this was loaded."""
        return self.fingerprint() != self.stored


@dataclass(frozen=True)
class Settled:
    """An outbox row the sender is done with: `status` 'sent', or 'skipped' / 'failed' with the `reason`
    (its last_error: opted_out, stale, an invalid number...)."""

    id: int
    body: str
    media_url: str | None
    status: str
    reason: str | None


@dataclass
class OutboxRow:
    id: int
    user_id: int | None
    to_phone: str
    body: str
    media_url: str | None
    attempts: int
    # The lease the claim set: the sender renews it just before sending, only if it is still this value.
    lease_until: datetime | None = None
    key: str | None = None  # the message key it was rendered from
    reservation_id: int | None = None  # the reservation it is about, if any
    created_at: datetime | None = None
    last_error: str | None = None
    # An earlier call for it may have reached Twilio with no outcome recorded (its sender died, or the call
    # timed out): Twilio's log is asked before it is sent again (`Sender._reconcile`).
    in_doubt: bool = False
