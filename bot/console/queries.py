"""The console's SQL: what operators look at and the few things they change, over the same `Store`.

Part of the storage layer (plain parameterised, portable SQL, run inside a unit of work), kept apart from
`bot/store.py` because nothing on the texting path uses it. Each query says which index serves it; pages
read at most a few hundred rows. Rows go to the templates as plain dicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

from bot.clock import from_db, to_db
from bot.console import auth
from bot.gateway import CONSOLE_SID_PREFIX
from bot.models import RESERVATION_STATUSES
from bot.store import OUTBOX_RETRYING, OUTBOX_WAITING, REF_ALPHABET, REF_LENGTH, Store, like_escape

PAGE_ROWS = 200
# Words of a search that count: more would build a query SQLite refuses (its expression trees are at most
# 1000 deep), and nobody types twenty words to find one thing.
MAX_SEARCH_WORDS = 20
# Ids are 64-bit integers: a number of up to 18 digits always fits one; a longer one names nothing.
ID_DIGITS = 18
T = TypeVar("T")
Work = Callable[[Store], T]


def _rows(store: Store, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
    return store.report_rows(sql, params)


def _one(store: Store, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> dict[str, Any] | None:
    return store.report_row(sql, params)


def _count(store: Store, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> int:
    """The one figure a `SELECT COUNT(*) AS n ...` reads (by column name, as rows are on both backends)."""
    row = store.report_row(sql, params)
    return int(row["n"]) if row is not None and row["n"] is not None else 0


def _contains(store: Store, column: str) -> str:
    """A case-insensitive "contains" test of `column` against one LIKE pattern, the same on both backends
    (SQLite's LIKE folds ASCII letters, PostgreSQL's does not: its dialect lowers the column, so the
    pattern is given in lower case, see `_pattern`)."""
    return store.contains_ci(column)


def search_words(query: str) -> list[str]:
    return query.split()[:MAX_SEARCH_WORDS]


def number_in(word: str) -> int | None:
    """A listing's or reservation's number as typed, `12` or `#12` (ASCII digits only: `²` is a digit to
    Python but no number), or None."""
    digits = word.removeprefix("#")
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= ID_DIGITS else None


_PHONE_TYPED = re.compile(r"[+0-9 ().-]+\Z")
_REF_TYPED = re.compile(rf"[{REF_ALPHABET}]{{{REF_LENGTH}}}\Z")


def booking_ref(query: str) -> str | None:
    """A booking reference as a caller reads it out (`rn7zmw`, ` RN7ZMW `), or None."""
    word = query.strip().upper()
    return word if _REF_TYPED.match(word) and not word.isdigit() else None


def phone_digits(query: str) -> str | None:
    """The digits of a phone as a caller says it: all of it or its last 4, with or without `+`, spaces,
    dashes or brackets (`0100`, `555 0100`, `+1 (555) 123-0001`); None when it is not that."""
    text = query.strip()
    digits = "".join(ch for ch in text if ch in "0123456789")
    return digits if _PHONE_TYPED.match(text) and len(digits) >= 4 else None


def _pattern(word: str) -> str:
    """The LIKE pattern for `_contains`: the word anywhere, ASCII letters in lower case (those are the
    letters both backends fold; others match as typed)."""
    folded = "".join(ch.lower() if ch.isascii() else ch for ch in word)
    return f"%{like_escape(folded)}%"


# -- operators, sessions, audit ---------------------------------------------------------------------------


def operator_count(store: Store) -> int:
    return _count(store, "SELECT COUNT(*) AS n FROM operators")


def operators(store: Store) -> list[dict[str, Any]]:
    return _rows(store, "SELECT o.name, o.created_at, (SELECT COUNT(*) AS n FROM operator_sessions s"
                        " WHERE s.operator_id = o.id) AS sessions FROM operators o ORDER BY o.name")


def operator_by_name(store: Store, name: str) -> dict[str, Any] | None:
    return _one(store, "SELECT id, name, password_hash FROM operators WHERE name = ?", (name,))


def add_operator(store: Store, name: str, password_hash: str, now: datetime) -> bool:
    """False when the name is taken."""
    if operator_by_name(store, name) is not None:
        return False
    store.report_change("INSERT INTO operators (name, password_hash, created_at) VALUES (?, ?, ?)",
                        (name, password_hash, to_db(now)))
    return True


def remove_operator(store: Store, name: str) -> bool:
    """Remove an operator and end their sessions (ON DELETE CASCADE). False when there is none."""
    return store.report_change("DELETE FROM operators WHERE name = ?", (name,)) > 0


def set_password_hash(store: Store, operator_id: int, password_hash: str) -> None:
    store.report_change("UPDATE operators SET password_hash = ? WHERE id = ?", (password_hash, operator_id))


def create_session(store: Store, token_hash: str, operator_id: int, csrf_token: str, now: datetime) -> None:
    store.report_change("INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, created_at, last_seen_at)"
                        " VALUES (?, ?, ?, ?, ?)", (token_hash, operator_id, csrf_token, to_db(now), to_db(now)))


def session(store: Store, token_hash: str, now: datetime, idle: timedelta, lifetime: timedelta, *,
            touch: bool = True) -> dict[str, Any] | None:
    """The live session with this token, or None: unknown, idle too long, or too old (an expired row is
    deleted on the spot). `touch`: a person used it (a page, a form), which restarts its idle time; a live
    page refreshing itself does not. Served by the primary key."""
    row = _one(store, "SELECT s.token_hash, s.csrf_token, s.created_at, s.last_seen_at, o.id AS operator_id,"
                      " o.name AS operator FROM operator_sessions s JOIN operators o ON o.id = s.operator_id"
                      " WHERE s.token_hash = ?", (token_hash,))
    if row is None:
        return None
    if row["last_seen_at"] <= to_db(now - idle) or row["created_at"] <= to_db(now - lifetime):
        end_session(store, token_hash)
        return None
    if touch:
        store.report_change("UPDATE operator_sessions SET last_seen_at = ? WHERE token_hash = ?",
                            (to_db(now), token_hash))
    return row


def forget_expired_sessions(store: Store, now: datetime, idle: timedelta, lifetime: timedelta) -> None:
    """Sessions nobody will use again (closed browsers never log out); run at each sign-in."""
    store.report_change("DELETE FROM operator_sessions WHERE last_seen_at <= ? OR created_at <= ?",
                        (to_db(now - idle), to_db(now - lifetime)))


def end_session(store: Store, token_hash: str) -> None:
    store.report_change("DELETE FROM operator_sessions WHERE token_hash = ?", (token_hash,))


# What an operator did, as the audit log stores it (words.yaml `audit_actions` names each on the audit page).
AuditAction = Literal["login", "logout", "sign_in_failed", "lift_sign_in_wait", "hide", "unhide", "retry",
                      "give_up", "template_save", "template_restore", "dev_phone_text"]


def audit(store: Store, operator: str, action: AuditAction, target: str | None, detail: str | None,
          now: datetime, previous: str | None = None) -> None:
    """`previous`: what a change replaced (a template's text before it was saved), beside `detail`, the new."""
    store.report_change("INSERT INTO audit_log (operator, action, target, detail, at, previous)"
                        " VALUES (?, ?, ?, ?, ?, ?)", (operator, action, target, detail, to_db(now), previous))


def audit_log(store: Store, limit: int = PAGE_ROWS) -> list[dict[str, Any]]:
    return _rows(store, "SELECT id, operator, action, target, detail, previous, at FROM audit_log"
                        " ORDER BY id DESC LIMIT ?", (limit,))


# -- message templates' history: each save or restore keeps the text it replaced --------------------------

TEMPLATE_CHANGES: tuple[AuditAction, ...] = ("template_save", "template_restore")
HISTORY_ROWS = 20


def template_change(store: Store, audit_id: int) -> dict[str, Any] | None:
    """One save or restore of a template that replaced a text (primary key), or None."""
    return _one(store, "SELECT id, operator, action, target, detail, previous, at FROM audit_log"
                       " WHERE id = ? AND action IN (?, ?) AND previous IS NOT NULL", (audit_id, *TEMPLATE_CHANGES))


def template_history(store: Store, target: str, limit: int = HISTORY_ROWS) -> list[dict[str, Any]]:
    """A template's saves and restores, newest first (audit_log_target index)."""
    return _rows(store, "SELECT id, operator, action, target, detail, previous, at FROM audit_log"
                        " WHERE target = ? AND action IN (?, ?) ORDER BY id DESC LIMIT ?",
                 (target, *TEMPLATE_CHANGES, limit))


# Sign-in tries: a row of login_failures is one try of a name from a client that has not yet been followed by
# a success (a failure, or a check under way); a success deletes its client's rows for the name.


def claim_sign_in(store: Store, name: str, client: str, now: datetime) -> auth.Verdict:
    """Count a try before its password is checked, or refuse it: allowed when its wait (`auth.wait_after`
    the tries before it) is over. Run keyed on the name, so tries at once are counted one after another
    (login_failures_operator index)."""
    rows = _rows(store, "SELECT at FROM login_failures WHERE operator = ? AND address = ? ORDER BY at",
                 (name, client))
    tries = [from_db(row["at"]) for row in rows]
    if tries:
        retry_at = tries[-1] + auth.wait_after(len(tries))
        if now - auth.TRY_WINDOW > retry_at:
            forget_sign_in_tries(store, name, client)  # quiet for a whole window after its wait: afresh
            tries = []
        elif now < retry_at:
            return auth.Verdict(False, len(tries), retry_at)
    store.report_change("INSERT INTO login_failures (operator, address, at) VALUES (?, ?, ?)",
                        (name, client, to_db(now)))
    return auth.Verdict(True, len(tries) + 1, now + auth.wait_after(len(tries) + 1))


def forget_sign_in_tries(store: Store, name: str, client: str | None = None) -> int:
    """A success (its own client's tries), or an operator lifting a wait (one client's, or all)."""
    if client is None:
        return store.report_change("DELETE FROM login_failures WHERE operator = ?", (name,))
    return store.report_change("DELETE FROM login_failures WHERE operator = ? AND address = ?", (name, client))


def forget_old_sign_in_tries(store: Store, now: datetime) -> None:
    """Tries of a name and client whose last is so old that the next would start afresh anyway."""
    store.report_change("DELETE FROM login_failures WHERE (operator, address) IN (SELECT operator, address"
                        " FROM login_failures GROUP BY operator, address HAVING MAX(at) < ?)",
                        (to_db(now - auth.TRY_WINDOW - auth.LONGEST_WAIT),))


def slowed_sign_ins(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Names and clients with failed tries still counted, most tries first: who is being slowed, until when."""
    rows = _rows(store, "SELECT operator, address, COUNT(*) AS tries, MAX(at) AS last_at FROM login_failures"
                        " GROUP BY operator, address HAVING MAX(at) > ? ORDER BY tries DESC, last_at DESC LIMIT ?",
                 (to_db(now - auth.TRY_WINDOW - auth.LONGEST_WAIT), PAGE_ROWS))
    for row in rows:
        row["retry_at"] = to_db(from_db(row["last_at"]) + auth.wait_after(int(row["tries"])))
        row["waiting"] = row["retry_at"] > to_db(now)
    return rows


# -- dashboard --------------------------------------------------------------------------------------------

_BLOCKED = "(u.opted_out = 1 OR u.unreachable IS NOT NULL)"
# The SMS of the last 24 hours are counted among the newest this many outbox rows (an id range: ids grow with
# time, so no index on created_at costs every send a write); a busier day shows as this many.
RECENT_SMS = 100_000
Query = tuple[str, tuple[Any, ...]]


def dashboard_counts(now: datetime, today: date) -> dict[str, Query]:
    """The figures on the dashboard, which refreshes itself every few seconds: each reads an index range
    (db/*/011_console_counts.sql), never a whole table; tests/console/test_query_plans.py checks the plans on
    both backends."""
    day_ago = to_db(now - timedelta(hours=24))
    open_rows = "status IN ('pending', 'sending')"
    return {
        "listings_live": ("SELECT COUNT(*) AS n FROM listings l JOIN users u ON u.id = l.host_id"
                          f" WHERE l.active = 1 AND NOT {_BLOCKED}", ()),
        "listings_hidden": ("SELECT COUNT(*) AS n FROM listings WHERE active = 0", ()),
        "requests_waiting": ("SELECT COUNT(*) AS n FROM reservations WHERE status = 'pending'", ()),
        "upcoming_stays": ("SELECT COUNT(*) AS n FROM reservations WHERE status = 'confirmed' AND check_out > ?",
                           (today.isoformat(),)),
        "texts_in_24h": ("SELECT COUNT(*) AS n FROM inbound WHERE received_at > ?", (day_ago,)),
        "replies_24h": ("SELECT COUNT(*) AS n FROM inbound WHERE received_at > ? AND reply <> '[]'", (day_ago,)),
        "sms_out_24h": ("SELECT COUNT(*) AS n FROM outbox WHERE id > (SELECT MAX(id) FROM outbox) - ?"
                        " AND created_at > ?", (RECENT_SMS, day_ago)),
        "outbox_waiting": (f"SELECT COUNT(*) AS n FROM outbox WHERE {open_rows} AND {OUTBOX_WAITING}", ()),
        "outbox_retrying": (f"SELECT COUNT(*) AS n FROM outbox WHERE {open_rows} AND {OUTBOX_RETRYING}", ()),
        "outbox_failed": ("SELECT COUNT(*) AS n FROM outbox WHERE status = 'failed'", ()),
        # Only a sent message gets a delivery report: the partial index outbox_undelivered holds just these.
        "outbox_undelivered": ("SELECT COUNT(*) AS n FROM outbox WHERE delivery_status IN ('undelivered', 'failed')",
                               ()),
        "opted_out": ("SELECT COUNT(*) AS n FROM users WHERE opted_out = 1", ()),
        "unreachable": ("SELECT COUNT(*) AS n FROM users WHERE unreachable IS NOT NULL", ()),
    }


def dashboard(store: Store, now: datetime, today: date) -> dict[str, Any]:
    return {name: _count(store, sql, params) for name, (sql, params) in dashboard_counts(now, today).items()}


def stays_needing_attention_query(today: date, limit: int = 20) -> Query:
    """Confirmed stays not yet over whose guest or host can no longer be texted (opted out, unreachable), or
    that another platform's calendar shows sold there too (attention `calendar_conflict`)."""
    return (f"SELECT {_RESERVATION_FIELDS} FROM reservations r {_RESERVATION_JOINS}"
            " WHERE r.status = 'confirmed' AND r.check_out > ?"
            " AND (g.opted_out = 1 OR g.unreachable IS NOT NULL"
            "      OR h.opted_out = 1 OR h.unreachable IS NOT NULL OR r.attention = 'calendar_conflict')"
            " ORDER BY r.check_in LIMIT ?", (today.isoformat(), limit))


def upcoming_stays_query(today: date, limit: int = 10) -> Query:
    return (f"SELECT {_RESERVATION_FIELDS} FROM reservations r {_RESERVATION_JOINS}"
            " WHERE r.status = 'confirmed' AND r.check_out > ? ORDER BY r.check_in LIMIT ?",
            (today.isoformat(), limit))


def stays_needing_attention(store: Store, today: date, limit: int = 20) -> list[dict[str, Any]]:
    return _rows(store, *stays_needing_attention_query(today, limit))


def upcoming_stays(store: Store, today: date, limit: int = 10) -> list[dict[str, Any]]:
    return _rows(store, *upcoming_stays_query(today, limit))


# -- listings ---------------------------------------------------------------------------------------------

_LISTING_FIELDS = ("l.id, l.title, l.description, l.photo_url, l.active, l.created_at, l.host_id, u.name AS host_name,"
                   " u.phone AS host_phone, u.opted_out AS host_opted_out, u.unreachable AS host_unreachable,"
                   " (SELECT COUNT(*) AS n FROM reservations r WHERE r.listing_id = l.id AND r.status = 'pending')"
                   " AS pending")


def listings(store: Store, query: str = "", limit: int = PAGE_ROWS) -> list[dict[str, Any]]:
    """Listings newest first; `query` is a listing number, a booking reference (its place), a phone (the
    host's, or its last 4 digits), or words found in the title, the description, the host's name or phone."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    words = search_words(query)
    if (ref := booking_ref(query)) is not None:
        where.append("l.id IN (SELECT listing_id FROM reservations WHERE ref = ?)")
        params.append(ref)
    elif (digits := phone_digits(query)) is not None:
        where.append(f"(l.id = ? OR {_contains(store, 'u.phone')})")
        params += [number_in(digits) or 0, _pattern(digits)]
    elif len(words) == 1 and (number := number_in(words[0])) is not None:
        where.append("l.id = ?")
        params.append(number)
    else:
        for word in words:
            where.append(f"({_contains(store, 'l.title')} OR {_contains(store, 'l.description')}"
                         f" OR {_contains(store, 'u.name')} OR {_contains(store, 'u.phone')})")
            params += [_pattern(word)] * 4
    params.append(limit)
    return _rows(store, f"SELECT {_LISTING_FIELDS} FROM listings l JOIN users u ON u.id = l.host_id"
                        f" WHERE {' AND '.join(where)} ORDER BY l.id DESC LIMIT ?", params)


def listing(store: Store, listing_id: int) -> dict[str, Any] | None:
    """One listing with what only its confirmed guests are told besides (the arrival details, the payment
    terms): the operator sees them here, and only here."""
    return _one(store, f"SELECT {_LISTING_FIELDS}, l.address, l.check_in_time, l.check_out_time, l.access,"
                       " l.payment, l.payment_note FROM listings l JOIN users u ON u.id = l.host_id"
                       " WHERE l.id = ?", (listing_id,))


def listing_calendars(store: Store, listing_id: int, today: date) -> dict[str, Any]:
    """A listing's calendar feeds (site, last good read, busy nights, why the last read failed, next read),
    and its busy nights from today as runs, each with where it comes from (a feed's number, or blocked)."""
    feeds = _rows(store, "SELECT id, url, read_at, nights, error, next_read_at FROM calendar_feeds"
                         " WHERE listing_id = ? ORDER BY id", (listing_id,))
    nights = _rows(store, "SELECT night, feed_id FROM busy_nights WHERE listing_id = ? AND night >= ?"
                          " ORDER BY feed_id, night", (listing_id, today.isoformat()))
    number = {feed["id"]: index for index, feed in enumerate(feeds, 1)}
    runs: list[dict[str, Any]] = []
    for row in nights:
        night = date.fromisoformat(row["night"])
        source = f"calendar {number.get(row['feed_id'], '?')}" if row["feed_id"] else "blocked by the host"
        if runs and runs[-1]["source"] == source and runs[-1]["end"] == night:
            runs[-1]["end"] = night + timedelta(days=1)
        else:
            runs.append({"first": night, "end": night + timedelta(days=1), "source": source})
    return {"feeds": feeds, "busy": sorted(runs, key=lambda run: (run["first"], run["source"]))}


# -- reservations -----------------------------------------------------------------------------------------

_RESERVATION_FIELDS = ("r.id, r.ref, r.listing_id, r.status, r.reason, r.check_in, r.check_out, r.created_at,"
                       " r.presented_at, r.decided_at, r.host_id, r.guest_id, l.title AS place,"
                       " g.name AS guest_name, g.phone AS guest_phone, h.name AS host_name,"
                       " h.phone AS host_phone, r.attention, g.opted_out AS guest_opted_out,"
                       " g.unreachable AS guest_unreachable, h.opted_out AS host_opted_out,"
                       " h.unreachable AS host_unreachable")
_RESERVATION_JOINS = ("JOIN listings l ON l.id = r.listing_id JOIN users g ON g.id = r.guest_id"
                      " JOIN users h ON h.id = r.host_id")


def reservations(store: Store, *, status: str = "", place: str = "", start: date | None = None,
                 end: date | None = None, listing_id: int | None = None,
                 limit: int = PAGE_ROWS) -> list[dict[str, Any]]:
    """Reservations newest first. `place`: a listing number, a booking reference, a guest's or host's phone
    (or its last 4 digits), or words of the place's title or description; `start`/`end`:
    stays that overlap those dates. A listing's own (listing_id) are served by `reservations_listing`."""
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if status in RESERVATION_STATUSES:
        where.append("r.status = ?")
        params.append(status)
    if listing_id is not None:
        where.append("r.listing_id = ?")
        params.append(listing_id)
    words = search_words(place)
    if (ref := booking_ref(place)) is not None:
        where.append("r.ref = ?")
        params.append(ref)
    elif (digits := phone_digits(place)) is not None:
        where.append(f"(r.listing_id = ? OR {_contains(store, 'g.phone')} OR {_contains(store, 'h.phone')})")
        params += [number_in(digits) or 0, _pattern(digits), _pattern(digits)]
    elif len(words) == 1 and (number := number_in(words[0])) is not None:
        where.append("r.listing_id = ?")
        params.append(number)
    else:
        for word in words:
            where.append(f"({_contains(store, 'l.title')} OR {_contains(store, 'l.description')})")
            params += [_pattern(word)] * 2
    if start is not None:
        where.append("r.check_out > ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("r.check_in < ?")
        params.append(end.isoformat())
    params.append(limit)
    return _rows(store, f"SELECT {_RESERVATION_FIELDS} FROM reservations r {_RESERVATION_JOINS}"
                        f" WHERE {' AND '.join(where)} ORDER BY r.id DESC LIMIT ?", params)


def reservation(store: Store, reservation_id: int) -> dict[str, Any] | None:
    return _one(store, f"SELECT {_RESERVATION_FIELDS} FROM reservations r {_RESERVATION_JOINS} WHERE r.id = ?",
                (reservation_id,))


def reservation_jobs(store: Store, reservation_id: int) -> list[dict[str, Any]]:
    """Reminders and expiries scheduled for it (jobs_reservation index)."""
    return _rows(store, "SELECT id, kind, due_at, done_at FROM jobs WHERE reservation_id = ? ORDER BY due_at",
                 (reservation_id,))


def _about(column: str, moments: list[str]) -> tuple[str, list[Any]]:
    """A condition: the row was written at one of `moments` (the unit of work that presented, decided or
    reminded about the reservation wrote its messages with that same timestamp)."""
    if not moments:
        return "", []
    return f" OR {column} IN ({','.join('?' * len(moments))})", list(moments)


def messages_about(store: Store, phones: list[str], ref: str, moments: list[str],
                   limit: int = 50) -> list[dict[str, Any]]:
    """REST messages to these people that name the reference or were written by a unit of work that changed
    the reservation (outbox_recipient index, then a filter)."""
    marks = ",".join("?" * len(phones))
    also, times = _about("created_at", moments)
    return _rows(store, f"SELECT {_OUTBOX_FIELDS} FROM outbox WHERE to_phone IN ({marks})"
                        f" AND ({_contains(store, 'body')}{also}) ORDER BY id LIMIT ?",
                 (*phones, _pattern(ref), *times, limit))


def texts_about(store: Store, phones: list[str], ref: str, moments: list[str],
                limit: int = 50) -> list[dict[str, Any]]:
    """These people's texts that name the reference, got an answer naming it, or changed the reservation
    (inbound_phone_time index)."""
    marks = ",".join("?" * len(phones))
    pattern = _pattern(ref)
    also, times = _about("received_at", moments)
    rows = _rows(store, f"SELECT message_sid, phone, body, reply, received_at FROM inbound"
                        f" WHERE phone IN ({marks}) AND ({_contains(store, 'reply')} OR {_contains(store, 'body')}"
                        f"{also}) ORDER BY received_at LIMIT ?", (*phones, pattern, pattern, *times, limit))
    for row in rows:
        row["replies"] = _reply_bodies(row["reply"])
    return rows


# -- people and their threads -----------------------------------------------------------------------------


def people(store: Store, query: str, limit: int = 50) -> list[dict[str, Any]]:
    """People whose phone or name contains `query` (a phone's digits with or without spaces, or its last 4),
    or the guest and host of the booking reference it is."""
    text = query.strip()
    if not text:
        return _rows(store, f"SELECT {_PERSON_FIELDS} FROM users u ORDER BY u.id DESC LIMIT ?", (limit,))
    if (ref := booking_ref(text)) is not None:
        return _rows(store, f"SELECT {_PERSON_FIELDS} FROM users u WHERE u.id IN (SELECT guest_id FROM reservations"
                            " WHERE ref = ? UNION SELECT host_id FROM reservations WHERE ref = ?)"
                            " ORDER BY u.id DESC LIMIT ?", (ref, ref, limit))
    digits = "".join(ch for ch in text if ch.isdigit())
    pattern = _pattern(text)
    phone_pattern = _pattern(digits) if digits else pattern
    return _rows(store, f"SELECT {_PERSON_FIELDS} FROM users u WHERE {_contains(store, 'u.phone')}"
                        f" OR {_contains(store, 'u.name')} ORDER BY u.id DESC LIMIT ?", (phone_pattern, pattern, limit))


_PERSON_FIELDS = "u.id, u.phone, u.name, u.language, u.opted_out, u.unreachable, u.created_at"


def person(store: Store, user_id: int) -> dict[str, Any] | None:
    row = _one(store, f"SELECT {_PERSON_FIELDS}, c.flow, c.step, c.data, c.presented_id, c.flow_expires_at"
                      " FROM users u LEFT JOIN conversations c ON c.user_id = u.id WHERE u.id = ?", (user_id,))
    if row is not None and row["flow_expires_at"] and row["flow_expires_at"] <= store.now_text():
        row["flow"], row["step"] = None, None  # forgotten: the engine will treat it as over
    return row


# An outbox row's state as operators see it, one name each (bot/console/words.yaml `outbox_states`): the
# outbox tabs' own conditions first, then what Twilio reported of a sent one. A row the console gateway kept
# (no Twilio configured) reached no phone, whatever it was marked.
OUTBOX_STATE = (f"CASE WHEN {OUTBOX_WAITING} THEN 'waiting' WHEN {OUTBOX_RETRYING} THEN 'retrying'"
                f" WHEN status = 'sent' AND twilio_sid LIKE '{CONSOLE_SID_PREFIX}%' THEN 'kept'"
                " WHEN status = 'sent' AND delivery_status IN ('undelivered', 'failed') THEN 'undelivered'"
                " WHEN status = 'sent' AND delivery_status IN ('delivered', 'read') THEN 'delivered'"
                " ELSE status END AS state")
_OUTBOX_FIELDS = ("id, user_id, to_phone, body, media_url, status, attempts, next_attempt_at, last_error,"
                  " twilio_sid, delivery_status, error_code, created_at, sent_at, message_key, reservation_id, "
                  + OUTBOX_STATE)
# The later copy "Retry now" made of an undelivered message: the same text to the same phone after it
# (outbox_recipient index), only looked for where one could have been made.
_COPIED_AS = ("CASE WHEN o.status = 'sent' AND o.delivery_status IN ('undelivered', 'failed') THEN"
              " (SELECT MIN(c.id) FROM outbox c WHERE c.to_phone = o.to_phone AND c.id > o.id AND c.body = o.body)"
              " END AS copied_as")


def _reply_bodies(stored: str) -> list[str]:
    try:
        return [str(body) for body, _media in json.loads(stored)]
    except (ValueError, TypeError):
        return []


def thread_queries(phone: str, limit: int = PAGE_ROWS) -> tuple[Query, Query]:
    """A phone's latest texts, and its latest REST messages. Indexes: inbound_phone_time (no other index on
    inbound leads with the phone: the one index write per text the conversation page costs),
    outbox_recipient."""
    return (("SELECT message_sid, body, reply, received_at FROM inbound WHERE phone = ?"
             " ORDER BY received_at DESC LIMIT ?", (phone, limit)),
            (f"SELECT {_OUTBOX_FIELDS} FROM outbox WHERE to_phone = ? ORDER BY id DESC LIMIT ?", (phone, limit)))


def thread(store: Store, phone: str, limit: int = PAGE_ROWS) -> list[dict[str, Any]]:
    """A phone's latest texts (with the answers they got) and REST messages to it, oldest first."""
    texts_query, sent_query = thread_queries(phone, limit)
    texts, sent = _rows(store, *texts_query), _rows(store, *sent_query)
    items: list[dict[str, Any]] = []
    for text in texts:
        items.append({"kind": "in", "at": text["received_at"], "body": text["body"], "sid": text["message_sid"]})
        items.extend({"kind": "reply", "at": text["received_at"], "body": body, "sid": text["message_sid"]}
                     for body in _reply_bodies(text["reply"]))
    items.extend({"kind": "sms", "at": row["created_at"], **row} for row in sent)
    order = {"in": 0, "reply": 1, "sms": 2}
    items.sort(key=lambda item: (item["at"], order[item["kind"]], item.get("id", 0)))
    return items[-limit:]


# -- outbox -----------------------------------------------------------------------------------------------

OUTBOX_VIEWS = {
    "retrying": OUTBOX_RETRYING,
    "waiting": OUTBOX_WAITING,
    "failed": "status = 'failed'",
    "undelivered": "status = 'sent' AND delivery_status IN ('undelivered', 'failed')",
    "skipped": "status = 'skipped'",
    "sent": "status = 'sent'",
}


def outbox(store: Store, view: str, limit: int = PAGE_ROWS) -> list[dict[str, Any]]:
    condition = OUTBOX_VIEWS.get(view, OUTBOX_VIEWS["retrying"])
    rows = _rows(store, f"SELECT {_OUTBOX_FIELDS}, {_COPIED_AS} FROM outbox o WHERE {condition}"
                        " ORDER BY id DESC LIMIT ?", (limit,))
    for row in rows:
        row["retry"] = retry_offered(row)
    return rows


def outbox_row(store: Store, outbox_id: int) -> dict[str, Any] | None:
    return _one(store, f"SELECT {_OUTBOX_FIELDS}, {_COPIED_AS} FROM outbox o WHERE id = ?", (outbox_id,))


RetryDone = Literal["requeued", "copied", "blocked", "already", "unchanged"]


def retry_offered(row: dict[str, Any]) -> bool:
    """Whether "Retry now" means anything for this row: one that failed or is between retries goes again
    now; one Twilio accepted and could not deliver is sent as a new copy, once (none made yet). A row on
    its first try, or being sent, is simply waiting its turn."""
    if row["status"] == "failed" or (row["status"] == "pending" and row["attempts"] > 0):
        return True
    return (row["status"] == "sent" and row["delivery_status"] in ("undelivered", "failed")
            and row.get("copied_as") is None)


def retry_now(store: Store, outbox_id: int) -> tuple[RetryDone, int | None, str | None]:
    """Send a message again now (see `retry_offered`): what was done, the row that will go (itself or its
    new copy; the copy made before, for "already") and, for "blocked", why its recipient cannot be texted."""
    row = outbox_row(store, outbox_id)
    if row is None or not retry_offered(row):
        copied = row.get("copied_as") if row is not None else None
        return ("already", int(copied), None) if copied is not None else ("unchanged", None, None)
    blocked = store.recipient_blocked(row["user_id"])
    if blocked is not None:
        return "blocked", outbox_id, blocked
    if row["status"] != "sent":
        store.report_change("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?,"
                            " lease_until = NULL WHERE id = ?", (store.now_text(), outbox_id))
        return "requeued", outbox_id, None
    new_id = store.enqueue(row["user_id"], row["to_phone"], row["body"], row["media_url"], key=row["message_key"],
                           reservation_id=row["reservation_id"])
    return "copied", new_id, None


def outbox_states(store: Store, outbox_ids: list[int]) -> dict[int, str]:
    """The state (`OUTBOX_STATE`) of each of these outbox rows (by primary key)."""
    if not outbox_ids:
        return {}
    marks = ",".join("?" * len(outbox_ids))
    rows = _rows(store, f"SELECT id, {OUTBOX_STATE} FROM outbox WHERE id IN ({marks})", outbox_ids)
    return {int(row["id"]): str(row["state"]) for row in rows}


def give_up(store: Store, outbox_id: int, operator: str) -> bool:
    """Stop retrying a message: parked as failed, saying who gave up on it."""
    return store.report_change("UPDATE outbox SET status = 'failed', lease_until = NULL, last_error ="
                               " ? || COALESCE(': ' || last_error, '') WHERE id = ? AND status = 'pending'",
                               (f"given up by {operator}", outbox_id)) > 0


# -- facts on a page: a person's places and stays, what Hide will touch -------------------------------------


def person_listings(store: Store, user_id: int, limit: int = PAGE_ROWS) -> list[dict[str, Any]]:
    """A person's places, listed or hidden, newest first (listings_host index)."""
    return _rows(store, "SELECT id, title, active, created_at FROM listings WHERE host_id = ?"
                        " ORDER BY id DESC LIMIT ?", (user_id, limit))


def person_reservations(store: Store, user_id: int, limit: int = PAGE_ROWS) -> dict[str, list[dict[str, Any]]]:
    """A person's reservations as guest and as host, newest first (reservations_guest and
    reservations_host_queue indexes, each led by the person)."""
    return {f"as_{side}": _rows(store, f"SELECT {_RESERVATION_FIELDS} FROM reservations r {_RESERVATION_JOINS}"
                                      f" WHERE r.{side}_id = ? ORDER BY r.id DESC LIMIT ?", (user_id, limit))
            for side in ("guest", "host")}


def _reservations_by_id(store: Store, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return _rows(store, f"SELECT {_RESERVATION_FIELDS} FROM reservations r {_RESERVATION_JOINS}"
                        f" WHERE r.id IN ({marks}) ORDER BY r.check_in, r.id", ids)


def hide_preview(store: Store, listing_id: int, today: date) -> dict[str, list[dict[str, Any]]]:
    """What Hide will do to a place's reservations: its waiting requests (declined, guests told), its stays
    to come (cancelled, guests told), of those the guests who cannot be texted, and its stays under way (they
    stand). The requests and stays are exactly the rows `outcomes.take_off_market` acts on (the Store's own
    methods pick them), read with the names an operator needs."""
    requests = _reservations_by_id(store, [r.id for r in store.pending_for_listing(listing_id)])
    stays = _reservations_by_id(store, [r.id for r in store.upcoming_stays_at(listing_id, today)])
    under_way = _rows(store, f"SELECT {_RESERVATION_FIELDS} FROM reservations r {_RESERVATION_JOINS}"
                             " WHERE r.listing_id = ? AND r.status = 'confirmed' AND r.check_out > ?"
                             " AND r.check_in <= ? ORDER BY r.check_in", (listing_id, today.isoformat(),
                                                                          today.isoformat()))
    untold = [r for r in requests + stays if r["guest_opted_out"] or r["guest_unreachable"]]
    return {"requests": requests, "stays": stays, "untold": untold, "under_way": under_way}
