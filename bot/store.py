"""All SQL lives here: plain parameterised queries, one portable text each, inside one transaction.

A `Store` is only handed out by a storage backend's `run()` (`bot.storage`), inside an open transaction, so
every method runs inside the caller's unit of work (one transaction, or one savepoint of a group-committed
one on SQLite). The store knows nothing of flows, messages or HTTP, nor which database it talks to: its SQL
runs on SQLite and on PostgreSQL as written (`?` placeholders, `RETURNING id`, rows read by column name,
booleans stored as 0/1 integers, times as ISO-8601 UTC text), and the few statements that differ come
from the executor's `Dialect`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from bot.clock import Clock, from_db, to_db
from bot.errors import ListingNotFound, ReservationNotFound
from bot.models import (
    ArrivalDetails,
    AttentionMark,
    BookingObstacles,
    CancelledBy,
    ClosedReason,
    Conversation,
    Direction,
    Feed,
    JobKind,
    Listing,
    OutboxRow,
    OutboxStatus,
    Question,
    Reservation,
    ReservationStatus,
    Settled,
    User,
    encode_data,
    payment_method,
    reservation_status,
)
from bot.money import Money
from bot.storage.base import SCHEMA_VERSION, Executor, Row
from bot.text import search_fold

REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read back over SMS
REF_LENGTH = 6
# A server whose heartbeat is older than this is gone: the rows it leased are sent by the others at once.
# Heartbeats come every `HEARTBEAT_SECONDS` (bot/sender.py), so a live server misses two before it is taken
# for dead; and a row taken early from a live one whose call already reached Twilio is found in Twilio's log
# (`Sender._reconcile`), not sent again. Measured take-over in the README ("Running on several machines").
HOLDER_DEAD_SECONDS = 3
# Which open outbox rows wait for their first try and which have failed at least once and wait for (or are
# on) another. A claim counts its try (README, "kill -9"), so a row being sent for the first time has one; a
# row 'sending' held by nobody got no answer to a try and waits to ask Twilio's log (`mark_unsure`).
# The console's counts and lists and `run.py outbox` all use these.
OUTBOX_WAITING = ("((status = 'pending' AND attempts = 0)"
                  " OR (status = 'sending' AND attempts <= 1 AND lease_holder IS NOT NULL))")
OUTBOX_RETRYING = ("((status = 'pending' AND attempts > 0)"
                   " OR (status = 'sending' AND (attempts > 1 OR lease_holder IS NULL)))")

_RESERVATION_COLUMNS = ("id, ref, listing_id, host_id, guest_id, check_in, check_out, status, reason, created_at,"
                        " guests, price_per_night, currency")
_LISTING_FIELDS = ("id", "host_id", "description", "photo_url", "active", "title", "price_per_night", "currency",
                   "max_guests", "address", "check_in_time", "check_out_time", "access", "payment", "payment_note")
_LISTING_COLUMNS = ", ".join(_LISTING_FIELDS)


# A text against its sender's rate limit: within it, the first over it (told so), or further over (ignored).
RateVerdict = Literal["ok", "notice", "silent"]


def _user(row: Row) -> User:
    return User(row["id"], row["phone"], row["name"], row["language"], bool(row["opted_out"]), row["unreachable"])


@dataclass
class Arrival:
    """What one query knows when a text arrives: the reply already recorded for its MessageSid (a retry),
    else its sender, created on first contact, and their conversation."""

    reply: str | None
    user: User | None = None
    created: bool = False
    conversation: Conversation | None = None
    hosts: bool = False  # the sender has listed a place (else no request can be waiting for them)
    rate: RateVerdict = "ok"  # this text against the sender's rate limit

_FEED_COLUMNS = "id, listing_id, url, etag, last_modified, read_at, nights, error, error_told, report"
# busy_nights.feed_id of a night its host blocked (feeds' ids start at 1).
BLOCKED = 0
# Busy nights written per INSERT (three parameters each: far below either backend's limit).
_NIGHTS_PER_INSERT = 300

# What stands in a BOOK's way, in one statement (Store.booking_obstacles): a confirmed stay or a busy night
# takes one of the nights (busy_nights' primary key (listing_id, night, ...) is probed for the range), this
# guest asked for them already, and how many requests the guest has waiting. Parameters: listing, check-out,
# check-in; listing, check-in, check-out; guest, listing, check-out, check-in; guest.
BOOKING_OBSTACLES = (
    "SELECT (EXISTS (SELECT 1 FROM reservations WHERE listing_id = ? AND status = 'confirmed'"
    "  AND check_in < ? AND check_out > ?)"
    "  OR EXISTS (SELECT 1 FROM busy_nights WHERE listing_id = ? AND night >= ? AND night < ?)) AS taken,"
    " EXISTS (SELECT 1 FROM reservations WHERE guest_id = ? AND listing_id = ? AND status = 'pending'"
    "  AND check_in < ? AND check_out > ?) AS duplicate,"
    " (SELECT COUNT(*) FROM reservations WHERE guest_id = ? AND status = 'pending') AS pending"
)
# A place's confirmed stays and busy nights within [start, end) (Store.taken_nights). Parameters: listing,
# start, end; listing, start, end.
TAKEN_NIGHTS = (
    "SELECT check_in, check_out FROM reservations WHERE listing_id = ? AND status = 'confirmed'"
    " AND check_out > ? AND check_in < ?"
    " UNION ALL SELECT night AS check_in, NULL AS check_out FROM busy_nights"
    " WHERE listing_id = ? AND night >= ? AND night < ?"
)


# A text counted in its phone's fixed window (a new window restarts the count); `noticed` records the count
# at which the notice went out, so exactly one text per window gets it. A MessageSid already applied (a
# retry) counts nothing. Parameters: phone, now, MessageSid, window start x2, limit, window start.
_COUNT_TEXT = (
    "INSERT INTO rate_limits AS r (phone, window_start, count, noticed)"
    " SELECT ?, ?, 1, 0 WHERE NOT EXISTS (SELECT 1 FROM inbound WHERE message_sid = ?)"
    " ON CONFLICT (phone) DO UPDATE SET"
    "  count = CASE WHEN r.window_start <= ? THEN 1 ELSE r.count + 1 END,"
    "  noticed = CASE WHEN r.window_start <= ? THEN 0"
    "                 WHEN r.noticed = 0 AND r.count + 1 > ? THEN r.count + 1 ELSE r.noticed END,"
    "  window_start = CASE WHEN r.window_start <= ? THEN excluded.window_start ELSE r.window_start END"
    " RETURNING count, noticed"
)
# Whether a text's MessageSid was applied already and, if not, its sender, their conversation and whether
# they ever listed a place. Parameters: MessageSid, phone.
_ARRIVAL = (
    "SELECT (SELECT reply FROM inbound WHERE message_sid = ?) AS reply,"
    " u.id, u.phone, u.name, u.language, u.opted_out, u.unreachable,"
    " c.user_id, c.flow, c.step, c.data, c.presented_id, c.flow_expires_at,"
    " EXISTS (SELECT 1 FROM listings WHERE host_id = u.id) AS hosts{counted}"
    " FROM (SELECT ? AS phone) AS texter"
    " LEFT JOIN users u ON u.phone = texter.phone LEFT JOIN conversations c ON c.user_id = u.id"
)
_ARRIVAL_ALONE = _ARRIVAL.format(counted="")
# Where a write may sit in a WITH (PostgreSQL), the count travels with the lookup: one statement, not two.
_ARRIVAL_COUNTED = f"WITH counted AS ({_COUNT_TEXT}) " + _ARRIVAL.format(
    counted=", (SELECT count FROM counted) AS rate_count, (SELECT noticed FROM counted) AS rate_noticed")


# A conversation written whole; its flow's timeout restarts only when `slide` (the last parameter) is true.
_SAVE_CONVERSATION = (
    "INSERT INTO conversations (user_id, flow, step, data, presented_id, flow_expires_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
    " data = excluded.data, presented_id = excluded.presented_id,"
    " flow_expires_at = CASE WHEN excluded.flow IS NULL THEN NULL WHEN ? THEN excluded.flow_expires_at"
    " ELSE conversations.flow_expires_at END, updated_at = excluded.updated_at"
)


def _rate_verdict(count: int, noticed: int, limit: int) -> RateVerdict:
    if count <= limit:
        return "ok"
    return "notice" if count == noticed else "silent"


def _money(minor: int | None, currency: str | None) -> Money | None:
    return Money(int(minor), str(currency)) if minor is not None and currency else None


def _listing(row: Row) -> Listing:
    arrival = ArrivalDetails(row["address"], row["check_in_time"], row["check_out_time"], row["access"])
    return Listing(row["id"], row["host_id"], row["description"], row["photo_url"], bool(row["active"]),
                   row["title"] or "", _money(row["price_per_night"], row["currency"]), row["max_guests"],
                   arrival, payment_method(row["payment"]), row["payment_note"] or "")


def _reservation(row: Row) -> Reservation:
    return Reservation(
        row["id"], row["ref"], row["listing_id"], row["host_id"], row["guest_id"],
        date.fromisoformat(row["check_in"]), date.fromisoformat(row["check_out"]),
        reservation_status(row["status"]), row["reason"], from_db(row["created_at"]),
        row["guests"], _money(row["price_per_night"], row["currency"]),
    )


_QUESTION_COLUMNS = "id, ref, listing_id, guest_id, host_id, closes_at, closed_at"


def _question(row: Row) -> Question:
    return Question(row["id"], row["ref"], row["listing_id"], row["guest_id"], row["host_id"],
                    from_db(row["closes_at"]), from_db(row["closed_at"]) if row["closed_at"] else None)


def _new_ref() -> str:
    return "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))


def _feed(row: Row) -> Feed:
    return Feed(int(row["id"]), int(row["listing_id"]), str(row["url"]), row["etag"], row["last_modified"],
                from_db(row["read_at"]) if row["read_at"] else None, int(row["nights"]), row["error"],
                bool(row["error_told"]), bool(row["report"]))


def _search_text(listing: Listing) -> str:
    """The case-folded copy SEARCH matches (see migration 007): title and description, folded in every script."""
    return search_fold(f"{listing.title} {listing.description}")


# Twilio's message statuses in the order they can happen; the final ones rank highest.
_DELIVERY_RANK = {
    "accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "sent": 4,
    "delivered": 5, "undelivered": 5, "failed": 5, "read": 6, "canceled": 6,
}


def like_escape(word: str) -> str:
    """`word` as a LIKE pattern matches it literally (ESCAPE '\\' on both backends)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")



class Store:
    def __init__(self, executor: Executor, clock: Clock) -> None:
        self._sql = executor
        self._clock = clock
        self._now_text: str | None = None
        # Titles this unit of work already read or wrote, by listing: messages about a reservation name
        # its place (`listing_title`) right after the flow loaded the listing, and often twice (the guest's
        # message and the host's). Within one transaction a title read stays true.
        self._titles: dict[int, str] = {}
        # Listings this unit read whole, by id (`any_listing`): the same holds for them.
        self._listings: dict[int, Listing] = {}
        # The low level: the executor's own methods, bound once rather than wrapped (every statement of
        # every unit of work goes through them). `_one` reads a row or None, `_all` every row, `_run`
        # executes a write whose result nobody needs (an INSERT whose id is wanted: `_insert`), and
        # `_changed` one whose count of changed rows is wanted.
        self._one = executor.one
        self._all = executor.all
        self._run = executor.changed
        self._changed = executor.changed

    # -- low level ---------------------------------------------------------------------------------

    def _insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute an INSERT into a table with an `id` column; returns the new row's id."""
        row = self._sql.one(sql + " RETURNING id", params)
        assert row is not None
        return int(row["id"])

    def _now(self) -> str:
        """The unit of work's timestamp: one instant for all it writes (and formatted once)."""
        if self._now_text is None:
            self._now_text = to_db(self._clock.now())
        return self._now_text

    @property
    def write_touched(self) -> bool:
        """Whether a unit writes back every conversation it read (`Dialect.write_touched`)."""
        return self._sql.dialect.write_touched

    def schema_version(self) -> int:
        row = self._one(SCHEMA_VERSION)
        return int(row["version"]) if row else 0

    # -- for reports: the console's own SQL (bot/console/queries.py) -------------------------------
    # Operators' pages read and change things no texting path does; their queries (plain parameterised,
    # portable SQL) are kept beside those pages and run here, in this unit of work, through these.

    def report_rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row a query reads, as plain dicts."""
        return [dict(row) for row in self._all(sql, params)]

    def report_row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        row = self._one(sql, params)
        return dict(row) if row is not None else None

    def report_change(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute an INSERT, UPDATE or DELETE; returns how many rows it changed."""
        return self._changed(sql, params)

    def contains_ci(self, column: str) -> str:
        """A case-insensitive "contains" test of `column` against one LIKE pattern (one parameter), the same
        on both backends (`Dialect.contains`)."""
        return self._sql.dialect.contains_ci(column)

    def now_text(self) -> str:
        """The unit of work's timestamp as stored (`to_db`)."""
        return self._now()

    # -- users -------------------------------------------------------------------------------------

    def arrival(self, message_sid: str, phone: str, language: str, limit: int, window: timedelta) -> Arrival:
        """A text arrives: whether its MessageSid was applied already, and if not its sender (created on
        first contact, in `language`), their conversation, whether they have ever listed a place, and the
        text counted against their rate limit (`limit` texts per `window`). Every text needs all of it: one
        query instead of five on PostgreSQL, two on SQLite (which has no writes in a WITH)."""
        now = self._clock.now()
        started = to_db(now - window)
        counting = (phone, to_db(now), message_sid, started, started, limit, started)
        counted_here = self._sql.dialect.writes_in_with
        if counted_here:
            row = self._one(_ARRIVAL_COUNTED, (*counting, message_sid, phone))
        else:
            row = self._one(_ARRIVAL_ALONE, (message_sid, phone))
        assert row is not None  # one row, whatever the joins find
        if row["reply"] is not None:
            return Arrival(str(row["reply"]))
        if counted_here:
            rate = _rate_verdict(int(row["rate_count"]), int(row["rate_noticed"]), limit)
        else:
            counted = self._one(_COUNT_TEXT, counting)
            assert counted is not None  # not a retry: the count is written
            rate = _rate_verdict(int(counted["count"]), int(counted["noticed"]), limit)
        if row["id"] is None:
            user, created = self._create_user(phone, language), True
        else:
            user, created = _user(row), False
        return Arrival(None, user, created, self._conversation(user.id, row), bool(row["hosts"]), rate)

    def get_or_create_user(self, phone: str, language: str) -> tuple[User, bool]:
        row = self._one("SELECT * FROM users WHERE phone = ?", (phone,))
        if row is not None:
            return _user(row), False
        return self._create_user(phone, language), True

    def _create_user(self, phone: str, language: str) -> User:
        user_id = self._insert(
            "INSERT INTO users (phone, language, created_at) VALUES (?, ?, ?)", (phone, language, self._now())
        )
        return User(user_id, phone, None, language, False)

    def user(self, user_id: int) -> User:
        row = self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        if row is None:
            raise LookupError(f"user {user_id}")
        return _user(row)

    def user_by_phone(self, phone: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE phone = ?", (phone,))
        return _user(row) if row else None

    def set_name(self, user_id: int, name: str) -> None:
        self._run("UPDATE users SET name = ? WHERE id = ?", (name, user_id))

    def set_language(self, user_id: int, language: str) -> None:
        self._run("UPDATE users SET language = ? WHERE id = ?", (language, user_id))

    def set_opted_out(self, user_id: int, opted_out: bool) -> None:
        """Opting out records when (START later tells what changed from then on); opting in keeps it."""
        # The choice is made here, not in SQL: an integer parameter is no CASE condition on PostgreSQL.
        if opted_out:
            self._run("UPDATE users SET opted_out = 1, opted_out_at = ? WHERE id = ?", (self._now(), user_id))
        else:
            self._run("UPDATE users SET opted_out = 0 WHERE id = ?", (user_id,))

    def opted_out_at(self, user_id: int) -> datetime | None:
        row = self._one("SELECT opted_out_at FROM users WHERE id = ?", (user_id,))
        return from_db(row["opted_out_at"]) if row and row["opted_out_at"] else None

    def clear_unreachable(self, user_id: int) -> None:
        """The number just texted us: it can take SMS after all."""
        self._run("UPDATE users SET unreachable = NULL WHERE id = ?", (user_id,))

    def mark_unreachable(self, user_id: int, reason: str) -> None:
        self._run("UPDATE users SET unreachable = ? WHERE id = ?", (reason, user_id))

    # -- conversations -----------------------------------------------------------------------------

    def conversation(self, user_id: int) -> Conversation:
        row = self._one(
            "SELECT user_id, flow, step, data, presented_id, flow_expires_at FROM conversations WHERE user_id = ?",
            (user_id,),
        )
        return self._conversation(user_id, row)

    def _conversation(self, user_id: int, row: Row | None) -> Conversation:
        """The conversation from its row's columns (a row with NULL `user_id`: there is none yet)."""
        if row is None or row["user_id"] is None:
            conv = Conversation(user_id)
            conv.stored = conv.fingerprint()
            return conv
        conv = Conversation(user_id, row["flow"], row["step"], json.loads(row["data"]), row["presented_id"])
        conv.stored = (row["flow"], row["step"], row["data"], row["presented_id"])
        if conv.flow and row["flow_expires_at"] and row["flow_expires_at"] <= self._now():
            # A stale half-finished flow must never eat a later text, even before the scheduler runs.
            conv.flow, conv.step, conv.data = None, None, {}
        return conv

    def save_conversation(self, conv: Conversation, flow_timeout: timedelta, *, slide: bool) -> None:
        """Save a conversation. `slide` restarts a flow's timeout: only the person's own text does that;
        a guest's booking or the scheduler touching a host's conversation must not keep a flow the host
        walked away from alive."""
        self._run(_SAVE_CONVERSATION, self._conversation_values(conv, flow_timeout, slide))

    def _conversation_values(self, conv: Conversation, flow_timeout: timedelta, slide: bool) -> tuple[Any, ...]:
        expires = to_db(self._clock.now() + flow_timeout) if conv.flow else None
        return (conv.user_id, conv.flow, conv.step, encode_data(conv.data), conv.presented_id, expires,
                self._now(), slide)

    def expired_flows(self, limit: int = 100) -> list[int]:
        rows = self._all(
            "SELECT user_id FROM conversations WHERE flow_expires_at IS NOT NULL AND flow_expires_at <= ?"
            " ORDER BY flow_expires_at LIMIT ?",
            (self._now(), limit),
        )
        return [row["user_id"] for row in rows]

    def create_listing(self, host_id: int, description: str, photo_url: str | None, *, title: str,
                       price: Money | None, max_guests: int | None) -> Listing:
        listing = Listing(0, host_id, description, photo_url, True, title, price, max_guests)
        listing.id = self._insert(
            "INSERT INTO listings (host_id, description, photo_url, title, price_per_night, currency, max_guests,"
            " search_text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (host_id, description, photo_url, title, price.minor if price else None,
             price.currency if price else None, max_guests, _search_text(listing), self._now()),
        )
        self._titles[listing.id] = title
        return listing

    def update_listing(self, listing: Listing) -> None:
        """Write a listing's editable fields (EDIT, and HOST's questions after the place is listed), and its
        search copy with them (the arrival details and payment terms are never searched)."""
        arrival = listing.arrival
        self._run(
            "UPDATE listings SET title = ?, description = ?, photo_url = ?, price_per_night = ?, currency = ?,"
            " max_guests = ?, search_text = ?, address = ?, check_in_time = ?, check_out_time = ?, access = ?,"
            " payment = ?, payment_note = ? WHERE id = ?",
            (listing.title, listing.description, listing.photo_url, listing.price.minor if listing.price else None,
             listing.price.currency if listing.price else None, listing.max_guests, _search_text(listing),
             arrival.address, arrival.check_in_time, arrival.check_out_time, arrival.access, listing.payment,
             listing.payment_note or None, listing.id),
        )
        self._titles[listing.id] = listing.title or ""
        self._listings[listing.id] = listing

    def any_listing(self, listing_id: int) -> Listing | None:
        """A listing whether listed or not (a stay's arrival details and payment terms, RELIST); the one this
        unit of work already read, if any (a request's prompt names the terms of the place just booked)."""
        if (known := self._listings.get(listing_id)) is not None:
            return known
        row = self._one(f"SELECT {_LISTING_COLUMNS} FROM listings WHERE id = ?", (listing_id,))
        if row is None:
            return None
        listing = self._listings[listing_id] = _listing(row)
        return listing

    def relist(self, listing_id: int) -> bool:
        """Put an unlisted place back on the market; False if it was listed already (or is not there)."""
        self._listings.pop(listing_id, None)
        return self._changed("UPDATE listings SET active = 1 WHERE id = ? AND active = 0", (listing_id,)) > 0

    def listing(self, listing_id: int) -> Listing:
        """An active listing whose host can be reached, or ListingNotFound."""
        row = self._one(
            f"SELECT {_LISTING_COLUMNS} FROM listings WHERE id = ? AND active = 1"
            " AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = listings.host_id"
            " AND (u.opted_out = 1 OR u.unreachable IS NOT NULL))",
            (listing_id,),
        )
        if row is None:
            raise ListingNotFound(number=listing_id)
        listing = _listing(row)
        self._titles[listing.id] = listing.title or ""
        self._listings[listing.id] = listing
        return listing

    def stay_at(self, listing_id: int, guest_id: int, today: date) -> Reservation | None:
        """The guest's confirmed stay not yet over at this place, listed or not (`reservations_listing`)."""
        row = self._one(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE listing_id = ? AND status = 'confirmed'"
            " AND check_out > ? AND guest_id = ? ORDER BY check_in LIMIT 1",
            (listing_id, today.isoformat(), guest_id),
        )
        return _reservation(row) if row else None

    def stay_cancelled_by_unlisting(self, listing_id: int, guest_id: int) -> Reservation | None:
        """The guest's latest stay at this place that its host cancelled by unlisting it, if any
        (`reservations_listing`: the place's cancelled rows)."""
        row = self._one(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE listing_id = ? AND status = 'cancelled'"
            " AND reason = 'unlisted' AND guest_id = ? ORDER BY id DESC LIMIT 1",
            (listing_id, guest_id),
        )
        return _reservation(row) if row else None

    def browse(self, after_id: int, words: Sequence[str], limit: int) -> list[Listing]:
        """Active listings after `after_id` (keyset paging, never OFFSET) whose title or description has
        every word, in any case: words folded as `search_text` was (in every script), matched through the
        dialect's `contains` (ASCII-folding on both backends, so the same listings on either)."""
        where = ["l.active = 1", "l.id > ?", "u.opted_out = 0", "u.unreachable IS NULL"]
        params: list[Any] = [after_id]
        for word in words:
            where.append(self._sql.dialect.contains_ci("l.search_text"))
            params.append(f"%{like_escape(search_fold(word))}%")
        params.append(limit)
        rows = self._all(
            f"SELECT {', '.join('l.' + name for name in _LISTING_FIELDS)} FROM listings l"
            f" JOIN users u ON u.id = l.host_id WHERE {' AND '.join(where)} ORDER BY l.id LIMIT ?",
            params,
        )
        return [_listing(row) for row in rows]

    def listing_description(self, listing_id: int) -> str:
        """Any listing's description, listed or not (a guest whose stay there stands may look it up)."""
        row = self._one("SELECT description FROM listings WHERE id = ?", (listing_id,))
        if row is None:
            raise ListingNotFound(number=listing_id)
        return str(row["description"])

    def listing_title(self, listing_id: int) -> str:
        """Any listing's title, listed or not (messages about old requests name the place)."""
        if (known := self._titles.get(listing_id)) is not None:
            return known
        row = self._one("SELECT title FROM listings WHERE id = ?", (listing_id,))
        if row is None:
            raise ListingNotFound(number=listing_id)
        title = self._titles[listing_id] = str(row["title"] or "")
        return title

    def taken_nights(self, listing_id: int, start: date, end: date) -> list[tuple[date, date]]:
        """(check_in, check_out) of what takes the listing's nights in [start, end): its confirmed stays
        (`reservations_listing` (listing_id, status, check_out, check_in): the walk starts at `start`) and
        its busy nights, each as a one-night stay (busy_nights' key: the range [start, end) of the place)."""
        rows = self._all(
            TAKEN_NIGHTS,
            (listing_id, start.isoformat(), end.isoformat(), listing_id, start.isoformat(), end.isoformat()),
        )
        taken = []
        for row in rows:
            check_in = date.fromisoformat(row["check_in"])
            check_out = date.fromisoformat(row["check_out"]) if row["check_out"] else check_in + timedelta(days=1)
            taken.append((check_in, check_out))
        return sorted(taken)

    def guest_stay_elsewhere(self, guest_id: int, listing_id: int, check_in: date,
                             check_out: date) -> Reservation | None:
        """The guest's own confirmed stay at another place with a night in common, if any. Served by
        `reservations_guest` (guest_id, status, id): only this guest's confirmed stays are read."""
        row = self._one(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE guest_id = ? AND status = 'confirmed'"
            " AND listing_id <> ? AND check_in < ? AND check_out > ? ORDER BY check_in LIMIT 1",
            (guest_id, listing_id, check_out.isoformat(), check_in.isoformat()),
        )
        return _reservation(row) if row else None

    def host_listings(self, host_id: int, today: date, after_id: int = 0,
                      limit: int = 1000) -> list[tuple[Listing, int, int]]:
        """The host's listed places after `after_id` (keyset paging), each with its waiting requests and its
        confirmed stays not yet over (both counts walk `reservations_listing`)."""
        rows = self._all(
            f"SELECT {_LISTING_COLUMNS},"
            " (SELECT COUNT(*) FROM reservations r WHERE r.listing_id = listings.id AND r.status = 'pending')"
            " AS pending,"
            " (SELECT COUNT(*) FROM reservations r WHERE r.listing_id = listings.id AND r.status = 'confirmed'"
            " AND r.check_out > ?) AS stays"
            " FROM listings WHERE host_id = ? AND active = 1 AND id > ? ORDER BY id LIMIT ?",
            (today.isoformat(), host_id, after_id, limit),
        )
        return [(_listing(row), int(row["pending"]), int(row["stays"])) for row in rows]

    def unlist(self, listing_id: int) -> int | None:
        """Take the listing off the market; returns its host's id (None: no such listing)."""
        self._listings.pop(listing_id, None)
        row = self._one("UPDATE listings SET active = 0 WHERE id = ? RETURNING host_id", (listing_id,))
        return int(row["host_id"]) if row else None

    # -- reservations ------------------------------------------------------------------------------

    def create_reservation(
        self, listing: Listing, guest_id: int, check_in: date, check_out: date, guests: int | None = None
    ) -> Reservation:
        """A pending request; it keeps the listing's price per night as it is now (a later EDIT of the
        price changes no filed request)."""
        while True:
            # A reference already taken inserts nothing (and comes back empty): draw another.
            ref = "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))
            row = self._one(
                "INSERT INTO reservations (ref, listing_id, host_id, guest_id, check_in, check_out, created_at,"
                " guests, price_per_night, currency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (ref) DO NOTHING RETURNING id",
                (ref, listing.id, listing.host_id, guest_id, check_in.isoformat(), check_out.isoformat(),
                 self._now(), guests, listing.price.minor if listing.price else None,
                 listing.price.currency if listing.price else None),
            )
            if row is not None:
                break
        reservation_id = int(row["id"])
        return Reservation(reservation_id, ref, listing.id, listing.host_id, guest_id, check_in, check_out,
                           "pending", None, self._clock.now(), guests, listing.price)

    def reservation(self, reservation_id: int) -> Reservation:
        row = self._one(f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE id = ?", (reservation_id,))
        if row is None:
            raise ReservationNotFound(ref=str(reservation_id))
        return _reservation(row)

    def guest_reservation_by_ref(self, guest_id: int, ref: str) -> Reservation:
        """The guest's own reservation with this reference; another guest's is as good as missing."""
        row = self._one(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE ref = ? AND guest_id = ?",
            (ref.upper(), guest_id),
        )
        if row is None:
            raise ReservationNotFound(ref=ref.upper())
        return _reservation(row)

    def booking_obstacles(self, guest_id: int, listing_id: int, check_in: date,
                          check_out: date) -> BookingObstacles:
        """Whether a confirmed stay or a busy night (a feed's, or one the host blocked) takes a night of
        these dates at the place, whether this guest already
        asked for one of them there, and how many of the guest's requests wait: one statement (each part
        walks its own index range, as three would)."""
        row = self._one(
            BOOKING_OBSTACLES,
            (listing_id, check_out.isoformat(), check_in.isoformat(),
             listing_id, check_in.isoformat(), check_out.isoformat(),
             guest_id, listing_id, check_out.isoformat(), check_in.isoformat(), guest_id),
        )
        assert row is not None
        return BookingObstacles(bool(row["taken"]), bool(row["duplicate"]), int(row["pending"]))

    def pending_count_for_guest(self, guest_id: int) -> int:
        row = self._one(
            "SELECT COUNT(*) AS n FROM reservations WHERE guest_id = ? AND status = 'pending'", (guest_id,)
        )
        return int(row["n"]) if row else 0

    def oldest_pending_for_host(self, host_id: int, filed_after: datetime) -> Reservation | None:
        """The host's oldest pending request filed after `filed_after`: older ones are about to expire
        unseen, and a host must not be asked about a request that is already out of time."""
        row = self._one(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE host_id = ? AND status = 'pending'"
            " AND created_at > ? ORDER BY id LIMIT 1",
            (host_id, to_db(filed_after)),
        )
        return _reservation(row) if row else None

    def pending_overlapping(self, reservation: Reservation) -> list[Reservation]:
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE listing_id = ? AND status = 'pending'"
            " AND id != ? AND check_in < ? AND check_out > ? ORDER BY id",
            (reservation.listing_id, reservation.id, reservation.check_out.isoformat(),
             reservation.check_in.isoformat()),
        )
        return [_reservation(row) for row in rows]

    def pending_for_listing(self, listing_id: int) -> list[Reservation]:
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE listing_id = ? AND status = 'pending'"
            " ORDER BY id",
            (listing_id,),
        )
        return [_reservation(row) for row in rows]

    def pending_for(self, *, host_id: int | None = None, guest_id: int | None = None) -> list[Reservation]:
        column, value = ("host_id", host_id) if host_id is not None else ("guest_id", guest_id)
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE {column} = ? AND status = 'pending'"
            " ORDER BY id",
            (value,),
        )
        return [_reservation(row) for row in rows]

    def guest_open(self, guest_id: int, today: date) -> list[Reservation]:
        """The guest's requests waiting for a host and stays not yet over, soonest first (`reservations_guest`:
        a guest's own rows)."""
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE guest_id = ?"
            " AND (status = 'pending' OR (status = 'confirmed' AND check_out > ?)) ORDER BY check_in, id",
            (guest_id, today.isoformat()),
        )
        return [_reservation(row) for row in rows]

    def guest_past(self, guest_id: int, today: date, before_id: int | None, limit: int) -> list[Reservation]:
        """The guest's stays that are over and requests that were closed, newest first, before `before_id`
        (keyset paging for MORE)."""
        before = "" if before_id is None else " AND id < ?"
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE guest_id = ?{before}"
            " AND (status IN ('declined', 'cancelled', 'expired') OR (status = 'confirmed' AND check_out <= ?))"
            " ORDER BY id DESC LIMIT ?",
            (guest_id, *([] if before_id is None else [before_id]), today.isoformat(), limit),
        )
        return [_reservation(row) for row in rows]

    def host_stays(self, host_id: int, today: date, after: tuple[date, int] | None,
                   limit: int) -> list[Reservation]:
        """Confirmed stays at the host's places not yet over, soonest first, after `after` (check-in, id):
        `reservations_host_upcoming` starts the walk at today, past stays are never read."""
        after_in, after_id = after if after is not None else (date.min, 0)
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE host_id = ? AND status = 'confirmed'"
            " AND check_out > ? AND (check_in > ? OR (check_in = ? AND id > ?)) ORDER BY check_in, id LIMIT ?",
            (host_id, today.isoformat(), after_in.isoformat(), after_in.isoformat(), after_id, limit),
        )
        return [_reservation(row) for row in rows]

    def stays_needing_their_host(self, host_id: int, today: date) -> list[Reservation]:
        """The host's confirmed stays not yet over and not yet marked for an operator
        (`reservations_host_upcoming`)."""
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE host_id = ? AND status = 'confirmed'"
            " AND check_out > ? AND attention IS NULL ORDER BY check_in, id",
            (host_id, today.isoformat()),
        )
        return [_reservation(row) for row in rows]

    def mark_attention(self, reservation_id: int, reason: AttentionMark) -> bool:
        """Mark a stay for the operator's attention, unless it is marked already: the first reason stands
        (its side was told once, and an operator looks at the stay either way). True if marked now."""
        return self._changed("UPDATE reservations SET attention = ? WHERE id = ? AND attention IS NULL",
                             (reason, reservation_id)) > 0

    def set_attention(self, reservation_id: int, reason: AttentionMark | None) -> None:
        """Replace a stay's mark (None: the stay needs no operator any more)."""
        self._run("UPDATE reservations SET attention = ? WHERE id = ?", (reason, reservation_id))

    def stays_marked_for_host(self, host_id: int, today: date,
                              reasons: Sequence[AttentionMark]) -> list[Reservation]:
        """The host's confirmed stays not yet over marked for one of `reasons` (`reservations_host_upcoming`)."""
        marks = ", ".join("?" for _ in reasons)
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE host_id = ? AND status = 'confirmed'"
            f" AND check_out > ? AND attention IN ({marks}) ORDER BY check_in, id",
            (host_id, today.isoformat(), *reasons),
        )
        return [_reservation(row) for row in rows]

    def upcoming_stays_at(self, listing_id: int, today: date) -> list[Reservation]:
        """Confirmed stays at a place that have not begun (`reservations_listing`: by check-out, then the
        check-in it covers)."""
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE listing_id = ? AND status = 'confirmed'"
            " AND check_out > ? AND check_in > ? ORDER BY check_in, id",
            (listing_id, today.isoformat(), today.isoformat()),
        )
        return [_reservation(row) for row in rows]

    def reservation_by_ref(self, ref: str) -> Reservation | None:
        row = self._one(f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE ref = ?", (ref.upper(),))
        return _reservation(row) if row else None

    def closed_since(self, user_id: int, since: datetime) -> list[tuple[str, bool]]:
        """Requests and stays of this person (as guest or host) closed at or after `since`: (ref, was a
        confirmed stay), oldest first. Two look-ups by the person's own indexes (`reservations_guest`,
        `reservations_host_queue`)."""
        found: list[tuple[int, str, bool]] = []
        for column in ("guest_id", "host_id"):
            rows = self._all(
                f"SELECT id, ref, confirmed_at FROM reservations WHERE {column} = ?"
                " AND status IN ('declined', 'cancelled', 'expired') AND decided_at >= ?",
                (user_id, to_db(since)),
            )
            found += [(int(r["id"]), str(r["ref"]), r["confirmed_at"] is not None) for r in rows]
        return [(ref, stay) for _, ref, stay in sorted(set(found))]

    def mark_presented(self, reservation_id: int) -> None:
        self._run("UPDATE reservations SET presented_at = ? WHERE id = ?", (self._now(), reservation_id))

    def set_status(self, reservation_id: int, status: ReservationStatus, reason: ClosedReason | None = None) -> bool:
        """Move a pending reservation on; False if it was no longer pending (decided elsewhere)."""
        now = self._now()
        changed = self._changed(
            "UPDATE reservations SET status = ?, reason = ?, decided_at = ?,"
            " confirmed_at = COALESCE(?, confirmed_at) WHERE id = ? AND status = 'pending'",
            # Only a yes sets `confirmed_at`; decided in Python so no parameter needs a type guessed in SQL.
            (status, reason, now, now if status == "confirmed" else None, reservation_id),
        )
        return changed == 1

    def cancel_confirmed(self, reservation_id: int, by: CancelledBy = "guest") -> bool:
        """Cancel a confirmed stay (by: guest, host, unlisted; kept as its reason); False if it was no longer
        confirmed."""
        changed = self._changed(
            "UPDATE reservations SET status = 'cancelled', reason = ?, decided_at = ?"
            " WHERE id = ? AND status = 'confirmed'",
            (by, self._now(), reservation_id),
        )
        return changed == 1

    # -- inbound (exactly-once) --------------------------------------------------------------------

    def inbound_reply(self, message_sid: str) -> str | None:
        row = self._one("SELECT reply FROM inbound WHERE message_sid = ?", (message_sid,))
        return str(row["reply"]) if row else None

    def record_inbound(self, message_sid: str, phone: str, reply: str, body: str | None = None, *,
                       saving: Sequence[tuple[Conversation, bool]] = (),
                       flow_timeout: timedelta = timedelta(0)) -> None:
        """Record a text as applied, with the reply it got and what it said (the console shows both), and
        save the conversations in `saving` (each with whether its flow timeout slides: `save_conversation`).
        Where writes may sit in a WITH, all of it is one statement: the conversations are other rows of
        another table, so none of these writes needs to see another."""
        record = "INSERT INTO inbound (message_sid, phone, reply, received_at, body) VALUES (?, ?, ?, ?, ?)"
        values = (message_sid, phone, reply, self._now(), body)
        if not saving or not self._sql.dialect.writes_in_with:
            for conv, slide in saving:
                self.save_conversation(conv, flow_timeout, slide=slide)
            self._run(record, values)
            return
        saves = ", ".join(f"saved{number} AS ({_SAVE_CONVERSATION})" for number in range(len(saving)))
        saved = [value for conv, slide in saving for value in self._conversation_values(conv, flow_timeout, slide)]
        self._run(f"WITH {saves} {record}", (*saved, *values))

    def forget_replies_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to `limit` of the oldest recorded replies received before `cutoff`; returns how many.

        How it finds them cheaply differs by backend (`Dialect.forget_replies`)."""
        return self._changed(self._sql.dialect.forget_replies, (to_db(cutoff), limit))

    # -- outbox ------------------------------------------------------------------------------------

    def enqueue(self, user_id: int | None, to_phone: str, body: str, media_url: str | None = None, *,
                key: str | None = None, reservation_id: int | None = None) -> int:
        """Queue a message; `key` and `reservation_id` say what it is about (the sender checks those that
        describe a state are still true when it goes out)."""
        now = self._now()
        return self._insert(
            "INSERT INTO outbox (user_id, to_phone, body, media_url, next_attempt_at, created_at, message_key,"
            " reservation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (user_id, to_phone, body, media_url, now, now, key, reservation_id),
        )

    def claim_due(self, lease: timedelta, limit: int, holder: str | None = None) -> list[OutboxRow]:
        """Lease due rows to this sender (`holder`: its boot id): pending ones, and those being sent by a
        sender that crashed: its lease ran out, or its heartbeat stopped (`heartbeat`), whichever is first.
        A claim is not an attempt: each row's is counted by the last commit before its call to Twilio
        (`count_attempts`, `renew_lease`), so rows a crash cut off before their call keep every try.

        One recipient's messages go out in order: a row is not due while an earlier row to the same phone
        waits for a retry or is being sent.

        A row taken while 'sending' that has used a try (`attempts`) is `in_doubt`: that call may have reached
        Twilio with nobody left to record it (or it timed out: `mark_unsure`)."""
        now = self._clock.now()
        dialect = self._sql.dialect
        rows = self._all(
            "SELECT id, user_id, to_phone, body, media_url, attempts, message_key, reservation_id, status,"
            " created_at, last_error FROM outbox o"
            " WHERE ((o.status = 'pending' AND o.next_attempt_at <= ?)"
            " OR (o.status = 'sending' AND (o.lease_until <= ? OR (o.lease_holder IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM servers s WHERE s.boot_id = o.lease_holder"
            f" AND s.heartbeat_at > {dialect.clock_ago.format(seconds=HOLDER_DEAD_SECONDS)})))))"
            " AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.to_phone = o.to_phone AND e.id < o.id"
            " AND e.status IN ('pending', 'sending')"
            " AND (CASE e.status WHEN 'pending' THEN e.next_attempt_at ELSE e.lease_until END) > ?)"
            " ORDER BY o.id LIMIT ?",
            (to_db(now), to_db(now), to_db(now), limit),
        )
        until = now + lease
        claimed = [OutboxRow(r["id"], r["user_id"], r["to_phone"], r["body"], r["media_url"], r["attempts"], until,
                             key=r["message_key"], reservation_id=r["reservation_id"],
                             created_at=from_db(r["created_at"]), last_error=r["last_error"],
                             in_doubt=r["status"] == "sending" and r["attempts"] > 0) for r in rows]
        if claimed:
            marks = ",".join("?" * len(claimed))
            self._run(
                f"UPDATE outbox SET status = 'sending', lease_until = ?, lease_holder = ?"
                f" WHERE id IN ({marks})",
                (to_db(until), holder, *[row.id for row in claimed]),
            )
        return claimed

    def heartbeat(self, boot_id: str) -> None:
        """This server process is alive (stamped with the database's clock, one clock for every machine)."""
        self._run(
            f"INSERT INTO servers (boot_id, heartbeat_at) VALUES (?, {self._sql.dialect.clock_now})"
            " ON CONFLICT (boot_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
            (boot_id,),
        )

    def forget_dead_servers(self) -> int:
        """Drop the heartbeats of processes gone for a day (one row per start otherwise, forever)."""
        return self._changed(
            f"DELETE FROM servers WHERE heartbeat_at < {self._sql.dialect.clock_ago.format(seconds=86400)}")

    def renew_lease(self, outbox_id: int, held: datetime, until: datetime, *, attempt: bool = False) -> bool:
        """Extend a claimed row's lease to `until` if it is still the lease `held` this sender set; False
        when the row is no longer ours (the lease ran out and another sender claimed it, or it was settled).
        `attempt`: and count the call to Twilio about to be made (`count_attempts`), in the same statement."""
        return self._changed(
            f"UPDATE outbox SET lease_until = ?, attempts = attempts + {int(attempt)}"
            " WHERE id = ? AND status = 'sending' AND lease_until = ?",
            (to_db(until), outbox_id, to_db(held)),
        ) > 0

    def count_attempts(self, outbox_ids: Sequence[int]) -> None:
        """Calls to Twilio for these rows are about to be made: committed before the calls, so that a server
        that dies after calling (the double-send window) has still used a try, and a crash loop there
        cannot send a message without end."""
        if outbox_ids:
            marks = ",".join("?" * len(outbox_ids))
            self._run(f"UPDATE outbox SET attempts = attempts + 1 WHERE id IN ({marks})", tuple(outbox_ids))

    def next_outbox_due(self, holder: str = "") -> tuple[datetime | None, bool]:
        """When the next row falls due (a retry, or the lease of a row a crashed sender left 'sending'), and
        whether another sender than `holder` is sending any: those fall due as soon as it dies."""
        row = self._one(
            "SELECT MIN(CASE status WHEN 'pending' THEN next_attempt_at ELSE lease_until END) AS due,"
            " MAX(CASE WHEN status = 'sending' AND lease_holder <> ? THEN 1 ELSE 0 END) AS others FROM outbox"
            " WHERE status IN ('pending', 'sending')",
            (holder,),
        )
        if row is None:
            return None, False
        return (from_db(row["due"]) if row["due"] else None), bool(row["others"])

    def recipient_blocked(self, user_id: int | None) -> str | None:
        """Why this recipient must not be texted (opted out / unreachable), or None."""
        if user_id is None:
            return None
        row = self._one("SELECT opted_out, unreachable FROM users WHERE id = ?", (user_id,))
        if row is None:
            return None
        if row["opted_out"]:
            return "opted_out"
        return str(row["unreachable"]) if row["unreachable"] else None

    def reservation_state(self, reservation_id: int,
                          host_id: int | None) -> tuple[ReservationStatus | None, int | None]:
        """A reservation's status and the request `host_id` has in front of them (primary keys only)."""
        row = self._one(
            "SELECT r.status, c.presented_id FROM reservations r LEFT JOIN conversations c ON c.user_id = ?"
            " WHERE r.id = ?",
            (host_id, reservation_id),
        )
        return (reservation_status(row["status"]), row["presented_id"]) if row else (None, None)

    def mark_sent(self, outbox_id: int, twilio_sid: str, status: str) -> None:
        """Record the send; a delivery report that arrived ahead of this record (by SID) is applied now."""
        early = self._one(
            "DELETE FROM early_deliveries WHERE twilio_sid = ? RETURNING status, error_code", (twilio_sid,)
        )
        code = None
        if early is not None:
            code = early["error_code"]
            if _DELIVERY_RANK.get(early["status"], 0) >= _DELIVERY_RANK.get(status, 0):
                status = str(early["status"])
        self._run(
            "UPDATE outbox SET status = 'sent', twilio_sid = ?, delivery_status = ?, sent_at = ?,"
            " lease_until = NULL, last_error = NULL, error_code = COALESCE(?, error_code) WHERE id = ?",
            (twilio_sid, status, self._now(), code, outbox_id),
        )

    def mark_retry(self, outbox_id: int, next_attempt: datetime, error: str) -> None:
        self._run(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_until = NULL"
            " WHERE id = ?",
            (to_db(next_attempt), error, outbox_id),
        )

    def release(self, outbox_ids: Sequence[int], next_attempt: datetime, reason: str) -> None:
        """Hand claimed rows back untried (they waited behind a failed one): no attempt was counted for them."""
        if outbox_ids:
            marks = ",".join("?" * len(outbox_ids))
            self._run(
                f"UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_until = NULL"
                f" WHERE id IN ({marks}) AND status = 'sending'",
                (to_db(next_attempt), reason, *outbox_ids),
            )

    def mark_unsure(self, outbox_id: int, next_attempt: datetime, error: str) -> None:
        """A call that got no answer (timed out, connection dropped): Twilio may have the message. The row
        stays 'sending', held by nobody, until `next_attempt`; whoever takes it then asks Twilio's log first
        (`claim_due`'s `in_doubt`), so it is neither sent twice nor called skipped."""
        self._run(
            "UPDATE outbox SET lease_until = ?, lease_holder = NULL, last_error = ?"
            " WHERE id = ? AND status = 'sending'",
            (to_db(next_attempt), error, outbox_id),
        )

    def known_sids(self, twilio_sids: Sequence[str], but: int) -> set[str]:
        """Which of these Twilio SIDs an outbox row other than `but` already carries (a message in Twilio's
        log that is another row's is not this row's)."""
        if not twilio_sids:
            return set()
        marks = ",".join("?" * len(twilio_sids))
        rows = self._all(f"SELECT twilio_sid FROM outbox WHERE twilio_sid IN ({marks}) AND id <> ?",
                         (*twilio_sids, but))
        return {str(r["twilio_sid"]) for r in rows}

    def mark_final(self, outbox_id: int, status: OutboxStatus, error: str, code: int | None = None) -> None:
        """Park a row for good: 'failed' (with the reason) or 'skipped' (recipient opted out)."""
        self._run(
            "UPDATE outbox SET status = ?, last_error = ?, error_code = ?, lease_until = NULL WHERE id = ?",
            (status, error, code, outbox_id),
        )

    def update_delivery(self, twilio_sid: str, status: str, error_code: int | None) -> int | None:
        """Record a status callback; returns the recipient's user id if the message was ours. A report for a
        SID no row has yet is kept until the send is recorded (`mark_sent`): it may have overtaken it."""
        row = self._one("SELECT user_id, delivery_status FROM outbox WHERE twilio_sid = ?", (twilio_sid,))
        if row is None:
            self._keep_early_delivery(twilio_sid, status, error_code)
            return None
        # Callbacks can arrive out of order: a late 'sent' never overwrites 'delivered'.
        if _DELIVERY_RANK.get(status, 0) >= _DELIVERY_RANK.get(row["delivery_status"] or "", 0):
            self._run(
                "UPDATE outbox SET delivery_status = ?, error_code = COALESCE(?, error_code) WHERE twilio_sid = ?",
                (status, error_code, twilio_sid),
            )
        return int(row["user_id"]) if row["user_id"] is not None else None

    def _keep_early_delivery(self, twilio_sid: str, status: str, error_code: int | None) -> None:
        kept = self._one("SELECT status FROM early_deliveries WHERE twilio_sid = ?", (twilio_sid,))
        if kept is None:
            self._run(
                "INSERT INTO early_deliveries (twilio_sid, status, error_code, received_at) VALUES (?, ?, ?, ?)",
                (twilio_sid, status, error_code, self._now()),
            )
        elif _DELIVERY_RANK.get(status, 0) >= _DELIVERY_RANK.get(kept["status"], 0):
            self._run(
                "UPDATE early_deliveries SET status = ?, error_code = COALESCE(?, error_code) WHERE twilio_sid = ?",
                (status, error_code, twilio_sid),
            )

    def unclaimed_reports(self, received_after: datetime, received_before: datetime, limit: int) -> list[str]:
        """The SIDs of delivery reports no row has claimed, received in this span (`Sender.claim_reports`)."""
        rows = self._all("SELECT twilio_sid FROM early_deliveries WHERE received_at >= ? AND received_at < ?"
                         " ORDER BY received_at LIMIT ?", (to_db(received_after), to_db(received_before), limit))
        return [str(r["twilio_sid"]) for r in rows]

    def claim_report(self, twilio_sid: str, to_phone: str, body: str, created: datetime, status: str,
                     window: timedelta) -> int | None:
        """Give the message Twilio logged under `twilio_sid` (to `to_phone`, saying `body`, created at
        `created`, give or take `window`) to the one row it can be: same recipient and words, written before
        it, a try made and no SID recorded. That row is 'sent' with the SID (and the report kept for it);
        None when no row or several fit: the report stays for the operator (`run.py outbox`)."""
        rows = self._all(
            "SELECT id FROM outbox WHERE to_phone = ? AND body = ? AND twilio_sid IS NULL AND attempts > 0"
            " AND status <> 'sent' AND created_at <= ? AND created_at >= ? ORDER BY id LIMIT 2",
            (to_phone, body, to_db(created + window), to_db(created - timedelta(days=1))),
        )
        if len(rows) != 1:
            return None
        outbox_id = int(rows[0]["id"])
        self.mark_sent(outbox_id, twilio_sid, status)
        return outbox_id

    def unclaimed_report_list(self, limit: int) -> list[dict[str, Any]]:
        """Delivery reports no row claims, newest first, for the operator."""
        rows = self._all("SELECT twilio_sid, status, error_code, received_at FROM early_deliveries"
                         " ORDER BY received_at DESC LIMIT ?", (limit,))
        return [dict(row) for row in rows]

    def forget_early_deliveries_before(self, cutoff: datetime) -> int:
        """Delete delivery reports no send claimed by `cutoff` (a month: the operator has seen them in
        `run.py outbox`); returns how many."""
        return self._changed("DELETE FROM early_deliveries WHERE received_at < ?", (to_db(cutoff),))

    def outbox_problems(self, limit: int) -> list[dict[str, Any]]:
        """Rows operators should look at: parked as failed, or delivered to nobody (undelivered/failed)."""
        rows = self._all(
            "SELECT id, to_phone, status, attempts, last_error, error_code, delivery_status, created_at"
            " FROM outbox WHERE status = 'failed' OR delivery_status IN ('undelivered', 'failed')"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [dict(row) for row in rows]

    def outbox_retrying(self, limit: int) -> list[dict[str, Any]]:
        """Rows that failed and wait for another try (or are on it: a claim counts its try), with the last
        reason (outbox_due index)."""
        rows = self._all(
            "SELECT id, to_phone, status, attempts, last_error, next_attempt_at, created_at, lease_until,"
            f" lease_holder FROM outbox WHERE {OUTBOX_RETRYING} ORDER BY id LIMIT ?",
            (limit,),
        )
        return [dict(row) for row in rows]

    def settled_after(self, phone: str, after_id: int) -> list[Settled]:
        """Messages for `phone` after `after_id` that the sender is done with (sent, skipped or failed), up
        to the first it is not: the terminal chat shows each as it is delivered, in the order written."""
        rows = self._all(
            "SELECT id, body, media_url, status, last_error FROM outbox WHERE to_phone = ? AND id > ? ORDER BY id",
            (phone, after_id),
        )
        settled: list[Settled] = []
        for r in rows:
            if r["status"] in ("pending", "sending"):
                break
            settled.append(Settled(int(r["id"]), str(r["body"]), r["media_url"], str(r["status"]), r["last_error"]))
        return settled

    def sent_to_since(self, phone: str, after_id: int) -> bool:
        """Whether any message was queued for this phone after outbox row `after_id` (`outbox_recipient`)."""
        return self._one("SELECT 1 AS one FROM outbox WHERE to_phone = ? AND id > ? LIMIT 1",
                         (phone, after_id)) is not None

    def last_outbox_id(self, phone: str | None = None) -> int:
        """The newest outbox row's id, of all or those for `phone` (0 when none): the terminal chat shows
        only what comes after it, and waits for a number's messages up to it."""
        if phone is None:
            row = self._one("SELECT MAX(id) AS last_id FROM outbox")
        else:
            row = self._one("SELECT MAX(id) AS last_id FROM outbox WHERE to_phone = ?", (phone,))
        return int(row["last_id"]) if row and row["last_id"] is not None else 0

    def outbox_summary(self) -> dict[str, int]:
        rows = self._all("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}

    # -- jobs (work due later) ---------------------------------------------------------------------

    def add_job(self, kind: JobKind, reservation_id: int, due: datetime) -> None:
        self._run(
            "INSERT INTO jobs (kind, reservation_id, due_at) VALUES (?, ?, ?)", (kind, reservation_id, to_db(due))
        )

    def due_jobs(self, limit: int) -> list[tuple[int, str, int]]:
        """Due jobs as (id, kind, reservation id), the kind as stored: the scheduler checks it (`job_kind`)
        in each job's own unit of work, so one bad row is set aside alone rather than failing every poll."""
        rows = self._all(
            "SELECT id, kind, reservation_id FROM jobs WHERE done_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?",
            (self._now(), limit),
        )
        return [(int(r["id"]), str(r["kind"]), int(r["reservation_id"])) for r in rows]

    def finish_jobs(self, job_ids: Iterable[int]) -> int:
        """Mark jobs done; returns how many were still open (another worker may have taken one)."""
        ids = list(job_ids)
        if not ids:
            return 0
        return self._changed(
            f"UPDATE jobs SET done_at = ? WHERE done_at IS NULL AND id IN ({','.join('?' * len(ids))})",
            (self._now(), *ids),
        )

    # -- calendars (iCal feeds in, the place's own feed out, nights the host blocked) --------------------

    def add_feed(self, listing_id: int, url: str) -> int:
        """A feed for the place, due to be read at once (the host hears what its first read found)."""
        now = self._now()
        return self._insert(
            "INSERT INTO calendar_feeds (listing_id, url, next_read_at, created_at) VALUES (?, ?, ?, ?)",
            (listing_id, url, now, now),
        )

    def feeds(self, listing_id: int) -> list[Feed]:
        """The place's feeds in the order they were added (CALENDAR <n> numbers them so)."""
        rows = self._all(f"SELECT {_FEED_COLUMNS} FROM calendar_feeds WHERE listing_id = ? ORDER BY id",
                         (listing_id,))
        return [_feed(row) for row in rows]

    def feed(self, feed_id: int) -> Feed | None:
        row = self._one(f"SELECT {_FEED_COLUMNS} FROM calendar_feeds WHERE id = ?", (feed_id,))
        return _feed(row) if row else None

    def remove_feed(self, feed: Feed) -> None:
        """The feed and the nights it made busy."""
        self._run("DELETE FROM busy_nights WHERE feed_id = ? AND listing_id = ?", (feed.id, feed.listing_id))
        self._run("DELETE FROM calendar_feeds WHERE id = ?", (feed.id,))

    def claim_due_feeds(self, limit: int, lease: timedelta) -> list[Feed]:
        """Feeds due to be read that no other server is reading, claimed for `lease` (one server reads a
        feed at a time; a server that dies mid-read leaves it to the others when the claim runs out)."""
        now = self._now()
        rows = self._all(
            f"SELECT {_FEED_COLUMNS} FROM calendar_feeds f WHERE next_read_at <= ?"
            " AND (claimed_until IS NULL OR claimed_until <= ?)"
            " AND EXISTS (SELECT 1 FROM listings l WHERE l.id = f.listing_id AND l.active = 1)"
            " ORDER BY next_read_at LIMIT ?",
            (now, now, limit),
        )
        until = to_db(self._clock.now() + lease)
        return [_feed(row) for row in rows if self._changed(
            "UPDATE calendar_feeds SET claimed_until = ? WHERE id = ?"
            " AND (claimed_until IS NULL OR claimed_until <= ?)",
            (until, row["id"], now))]

    def record_feed_read(self, feed: Feed, nights: Iterable[date] | None, etag: str | None,
                         last_modified: str | None, next_read: datetime) -> int:
        """A good read: its busy nights replace the feed's (None: not modified, the nights stand); returns
        how many busy nights the feed holds now."""
        count = feed.nights
        if nights is not None:
            found = sorted(set(nights))
            self._run("DELETE FROM busy_nights WHERE feed_id = ? AND listing_id = ?", (feed.id, feed.listing_id))
            self._insert_nights(feed.listing_id, found, feed.id)
            count = len(found)
        self._run(
            "UPDATE calendar_feeds SET etag = ?, last_modified = ?, read_at = ?, nights = ?, error = NULL,"
            " error_told = 0, report = 0, next_read_at = ?, claimed_until = NULL WHERE id = ?",
            (etag, last_modified, self._now(), count, to_db(next_read), feed.id),
        )
        return count

    def record_feed_failure(self, feed: Feed, why: str, next_read: datetime) -> None:
        """A failed read: the feed keeps its last good nights; the host is told once (`error_told`)."""
        self._run(
            "UPDATE calendar_feeds SET error = ?, error_told = 1, report = 0, next_read_at = ?,"
            " claimed_until = NULL WHERE id = ?",
            (why, to_db(next_read), feed.id),
        )

    def _insert_nights(self, listing_id: int, nights: Sequence[date], feed_id: int) -> None:
        for start in range(0, len(nights), _NIGHTS_PER_INSERT):
            chunk = nights[start:start + _NIGHTS_PER_INSERT]
            self._run(
                "INSERT INTO busy_nights (listing_id, night, feed_id) VALUES "
                + ", ".join("(?, ?, ?)" for _ in chunk) + " ON CONFLICT DO NOTHING",
                [value for night in chunk for value in (listing_id, night.isoformat(), feed_id)],
            )

    def block_nights(self, listing_id: int, nights: Sequence[date]) -> None:
        """Nights the host closed (BLOCK): busy nights of source 0."""
        self._insert_nights(listing_id, nights, BLOCKED)

    def unblock_nights(self, listing_id: int, first: date, end: date) -> int:
        """Open the host's blocked nights in [first, end) again; returns how many were blocked."""
        return self._changed(
            "DELETE FROM busy_nights WHERE listing_id = ? AND feed_id = ? AND night >= ? AND night < ?",
            (listing_id, BLOCKED, first.isoformat(), end.isoformat()),
        )

    def busy_nights(self, listing_id: int, start: date, end: date, *, blocked_only: bool = False) -> list[date]:
        """The place's busy nights in [start, end), each once, in order (the primary key's range)."""
        only = " AND feed_id = 0" if blocked_only else ""
        rows = self._all(
            f"SELECT DISTINCT night FROM busy_nights WHERE listing_id = ? AND night >= ? AND night < ?{only}"
            " ORDER BY night",
            (listing_id, start.isoformat(), end.isoformat()),
        )
        return [date.fromisoformat(row["night"]) for row in rows]

    def reservations_on_busy_nights(self, listing_id: int, status: ReservationStatus,
                                    today: date) -> list[Reservation]:
        """The place's reservations in `status`, not yet over, with a busy night (`reservations_listing`,
        then one probe of busy_nights' key per reservation)."""
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations r WHERE listing_id = ? AND status = ?"
            " AND check_out > ? AND EXISTS (SELECT 1 FROM busy_nights b WHERE b.listing_id = r.listing_id"
            " AND b.night >= r.check_in AND b.night < r.check_out) ORDER BY id",
            (listing_id, status, today.isoformat()),
        )
        return [_reservation(row) for row in rows]

    def calendar_token(self, listing_id: int) -> str | None:
        row = self._one("SELECT token FROM calendar_tokens WHERE listing_id = ?", (listing_id,))
        return str(row["token"]) if row else None

    def set_calendar_token(self, listing_id: int, token: str) -> None:
        """The place's feed token, replacing any before (the old URL then finds nothing)."""
        self._run("INSERT INTO calendar_tokens (listing_id, token) VALUES (?, ?)"
                  " ON CONFLICT (listing_id) DO UPDATE SET token = excluded.token", (listing_id, token))

    def upcoming_stays_of(self, listing_id: int, today: date) -> list[Reservation]:
        """The place's confirmed stays not yet over, begun or not (`reservations_listing`)."""
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE listing_id = ? AND status = 'confirmed'"
            " AND check_out > ? ORDER BY check_in, id",
            (listing_id, today.isoformat()),
        )
        return [_reservation(row) for row in rows]

    def stay_overlapping(self, listing_id: int, first: date, end: date) -> Reservation | None:
        """The place's first confirmed stay with a night in [first, end) (`reservations_listing`)."""
        row = self._one(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE listing_id = ? AND status = 'confirmed'"
            " AND check_out > ? AND check_in < ? ORDER BY check_in LIMIT 1",
            (listing_id, first.isoformat(), end.isoformat()),
        )
        return _reservation(row) if row else None

    def listing_host(self, listing_id: int) -> int:
        """Any listing's host, listed or not."""
        row = self._one("SELECT host_id FROM listings WHERE id = ?", (listing_id,))
        if row is None:
            raise ListingNotFound(number=listing_id)
        return int(row["host_id"])

    def listing_by_calendar_token(self, token: str) -> Listing | None:
        """The listed place whose own feed has this token (calendar_tokens' UNIQUE index)."""
        row = self._one(f"SELECT {_LISTING_COLUMNS} FROM listings WHERE active = 1"
                        " AND id = (SELECT listing_id FROM calendar_tokens WHERE token = ?)", (token,))
        return _listing(row) if row else None

    # -- relay (guest and host texting each other) -------------------------------------------------

    def relay_stays(self, user_id: int, ending_on_or_after: date) -> list[Reservation]:
        """The user's stays, as guest or host, that are confirmed or cancelled and check out on or after
        the given day: the ones whose relay may be open (the caller splits confirmed from cancelled).
        Served by the partial indexes reservations_guest_stays / reservations_host_stays."""
        since = ending_on_or_after.isoformat()
        rows = self._all(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE guest_id = ?"
            " AND status IN ('confirmed', 'cancelled') AND check_out >= ?"
            f" UNION ALL SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE host_id = ?"
            " AND status IN ('confirmed', 'cancelled') AND check_out >= ?",
            (user_id, since, user_id, since),
        )
        return sorted((_reservation(row) for row in rows), key=lambda r: (r.check_in, r.id))

    def last_stay_ended_before(self, user_id: int, before: date) -> Reservation | None:
        """The user's confirmed stay (as guest or host) with the latest check-out before `before`: the one
        whose relay closed last. Each side walks its partial index backwards and stops at the first."""
        day = before.isoformat()
        rows = self._all(
            f"SELECT * FROM (SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE guest_id = ?"
            " AND status IN ('confirmed', 'cancelled') AND status = 'confirmed' AND check_out < ?"
            " ORDER BY check_out DESC LIMIT 1) AS as_guest"
            f" UNION ALL SELECT * FROM (SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE host_id = ?"
            " AND status IN ('confirmed', 'cancelled') AND status = 'confirmed' AND check_out < ?"
            " ORDER BY check_out DESC LIMIT 1) AS as_host",
            (user_id, day, user_id, day),
        )
        found = [_reservation(row) for row in rows]
        return max(found, key=lambda r: (r.check_out, r.id)) if found else None

    def relayed_since(self, reservation_id: int, since: datetime) -> tuple[int, datetime | None]:
        """How many messages the stay relayed after `since`, and when the oldest of them was (the rate
        limit; at most `relay.max_per_hour` rows are in range, through relay_messages_stay)."""
        row = self._one(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM relay_messages"
            " WHERE reservation_id = ? AND created_at > ?",
            (reservation_id, to_db(since)),
        )
        assert row is not None
        return int(row["n"]), from_db(row["oldest"]) if row["oldest"] else None

    def record_relay(self, reservation_id: int, direction: str, body: str, media_url: str | None,
                     outbox_id: int, check_out: date) -> int:
        return self._insert(
            "INSERT INTO relay_messages (reservation_id, direction, body, media_url, outbox_id, check_out,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (reservation_id, direction, body, media_url, outbox_id, check_out.isoformat(), self._now()),
        )

    def relayed_before(self, reservation_id: int, direction: str) -> bool:
        """Whether this stay relayed anything in this direction yet (the first message of a thread is
        confirmed to its sender). One probe of relay_messages_stay."""
        return self._one("SELECT 1 AS one FROM relay_messages WHERE reservation_id = ? AND direction = ? LIMIT 1",
                         (reservation_id, direction)) is not None

    def relay_notice_due(self, reservation_id: int, user_id: int, quiet_since: datetime) -> bool:
        """Whether to tell this sender the stay's rate limit tripped: not if they were told after
        `quiet_since`. Records the telling in the same statement (True means: tell them now)."""
        return self._changed(
            "INSERT INTO relay_notices AS n (reservation_id, user_id, told_at) VALUES (?, ?, ?)"
            " ON CONFLICT (reservation_id, user_id) DO UPDATE SET told_at = excluded.told_at"
            " WHERE n.told_at <= ?",
            (reservation_id, user_id, self._now(), to_db(quiet_since)),
        ) > 0

    def forget_relays_before(self, check_out_before: date, limit: int) -> int:
        """Delete up to `limit` relayed messages of stays that checked out before the given day (oldest
        stays first, through relay_messages_check_out); returns how many."""
        return self._changed(
            "DELETE FROM relay_messages WHERE id IN ("
            " SELECT id FROM relay_messages WHERE check_out < ? ORDER BY check_out LIMIT ?)",
            (check_out_before.isoformat(), limit),
        )

    def forget_relay_notices_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to `limit` rate-limit notices older than `cutoff` (long past any hour they silence)."""
        return self._changed(
            "DELETE FROM relay_notices WHERE (reservation_id, user_id) IN ("
            " SELECT reservation_id, user_id FROM relay_notices WHERE told_at < ? ORDER BY told_at LIMIT ?)",
            (to_db(cutoff), limit),
        )

    def relay_thread(self, ref: str) -> list[dict[str, Any]]:
        """Every message relayed for the stay with this reference, oldest first, with each one's delivery as
        the outbox knows it (reservations' ref index, then relay_messages_stay, then outbox by id)."""
        rows = self._all(
            "SELECT m.id, m.direction, m.body, m.media_url, m.created_at, m.outbox_id, o.status,"
            " o.delivery_status, o.error_code, o.last_error FROM reservations r"
            " JOIN relay_messages m ON m.reservation_id = r.id JOIN outbox o ON o.id = m.outbox_id"
            " WHERE r.ref = ? ORDER BY m.created_at, m.id",
            (ref.upper(),),
        )
        return [dict(row) for row in rows]

    # -- questions before booking (ASK) ------------------------------------------------------------

    def open_question(self, guest_id: int, listing_id: int, now: datetime) -> Question | None:
        """The guest's thread about this place still open at `now` (`questions_guest`)."""
        row = self._one(
            f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE guest_id = ? AND listing_id = ? AND closes_at > ?"
            " AND closed_at IS NULL ORDER BY id DESC LIMIT 1",
            (guest_id, listing_id, to_db(now)),
        )
        return _question(row) if row else None

    def open_new_question(self, listing: Listing, guest_id: int, closes_at: datetime) -> Question:
        """A new thread about the listing; its reference is one no stay and no other thread has."""
        while True:
            ref = _new_ref()
            if self.reservation_by_ref(ref) is not None:
                continue
            row = self._one(
                "INSERT INTO questions (ref, listing_id, guest_id, host_id, opened_at, closes_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ref) DO NOTHING RETURNING id",
                (ref, listing.id, guest_id, listing.host_id, self._now(), to_db(closes_at)),
            )
            if row is not None:
                return Question(int(row["id"]), ref, listing.id, guest_id, listing.host_id, closes_at)

    def question_by_ref(self, ref: str) -> Question | None:
        row = self._one(f"SELECT {_QUESTION_COLUMNS} FROM questions WHERE ref = ?", (ref.upper(),))
        return _question(row) if row else None

    def asked_before(self, guest_id: int, listing_id: int) -> bool:
        """Whether the guest ever asked the host about this place (one probe of `questions_guest`)."""
        return self._one("SELECT 1 AS one FROM questions WHERE guest_id = ? AND listing_id = ? LIMIT 1",
                         (guest_id, listing_id)) is not None

    def close_questions(self, *, user_id: int | None = None, listing_id: int | None = None) -> int:
        """Close the open threads of a person (as guest or host: they opted out) or of a place (unlisted)."""
        now = self._now()
        if listing_id is not None:
            return self._changed("UPDATE questions SET closed_at = ? WHERE listing_id = ? AND closes_at > ?"
                                 " AND closed_at IS NULL", (now, listing_id, now))
        return self._changed("UPDATE questions SET closed_at = ? WHERE (guest_id = ? OR host_id = ?)"
                             " AND closes_at > ? AND closed_at IS NULL", (now, user_id, user_id, now))

    def record_question_message(self, question_id: int, direction: Direction, body: str, outbox_id: int) -> int:
        return self._insert(
            "INSERT INTO question_messages (question_id, direction, body, outbox_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (question_id, direction, body, outbox_id, self._now()),
        )

    def question_messages_since(self, question_id: int, since: datetime) -> tuple[int, datetime | None]:
        """How many messages the thread carried after `since`, and the oldest of them (its rate limit)."""
        row = self._one(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM question_messages"
            " WHERE question_id = ? AND created_at > ?",
            (question_id, to_db(since)),
        )
        assert row is not None
        return int(row["n"]), from_db(row["oldest"]) if row["oldest"] else None

    def question_notice_due(self, question_id: int, direction: Direction, quiet_since: datetime) -> bool:
        """Whether to tell this side the thread's rate limit tripped (not if told after `quiet_since`);
        records the telling in the same statement."""
        column = "guest_told_at" if direction == "guest_to_host" else "host_told_at"
        return self._changed(
            f"UPDATE questions SET {column} = ? WHERE id = ? AND ({column} IS NULL OR {column} <= ?)",
            (self._now(), question_id, to_db(quiet_since)),
        ) > 0

    def forget_questions_before(self, cutoff: datetime, limit: int) -> int:
        """Delete up to `limit` messages of threads that closed before `cutoff` (kept as long as a stay's)."""
        return self._changed(
            "DELETE FROM question_messages WHERE id IN (SELECT m.id FROM question_messages m"
            " JOIN questions q ON q.id = m.question_id WHERE q.closes_at < ? ORDER BY m.id LIMIT ?)",
            (to_db(cutoff), limit),
        )
