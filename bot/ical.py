"""iCal in and out, through the `icalendar` library (never by hand): the busy nights a platform's feed
holds, and a place's own feed of its confirmed stays and blocked nights.

Nights are named by their date, as in `bot/availability.py`: an all-day event Dec 20 to Dec 23 (DTEND is
exclusive) makes the nights of Dec 20, 21 and 22 busy. An event with times covers the nights from its local
start date up to its local end date, and at least the night it starts (a stay 14:00 Dec 20 to 11:00 Dec 23
is the same three nights). Recurring events (RRULE, RDATE, EXDATE, moved occurrences) are expanded by
`recurring-ical-events`, within the window asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events


class MalformedFeed(Exception):
    """The text is no iCal calendar (or an event in it has no readable dates)."""


@dataclass(frozen=True)
class OutEvent:
    """One all-day event of a place's own feed: `uid` stays the same between reads (importers match on it)."""

    uid: str
    first: date  # the first night
    end: date  # the day after the last night (DTEND, exclusive)
    summary: str


def _night_span(start: date | datetime, end: date | datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The nights [first, end) an event covers."""
    if isinstance(start, datetime):
        # Floating times (no TZID, no Z) are the place's own local time.
        local_start = (start if start.tzinfo else start.replace(tzinfo=zone)).astimezone(zone)
        local_end = local_start
        if isinstance(end, datetime):
            local_end = (end if end.tzinfo else end.replace(tzinfo=zone)).astimezone(zone)
        return local_start.date(), max(local_end.date(), local_start.date() + timedelta(days=1))
    last = end if not isinstance(end, datetime) else end.date()
    return start, max(last, start + timedelta(days=1))


def _parse(data: bytes) -> icalendar.Calendar:
    # utf-8-sig drops a BOM; icalendar unfolds lines and reads CRLF or LF alike.
    try:
        text = data.decode("utf-8-sig")
        calendar = icalendar.Calendar.from_ical(text)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedFeed(str(error)) from error
    if not isinstance(calendar, icalendar.Calendar):
        raise MalformedFeed("no VCALENDAR")
    return calendar


# What makes an event recur, or move one occurrence of another: the feed is then expanded.
_RECURRING = ("RRULE", "RDATE", "RECURRENCE-ID")


def busy_nights(data: bytes, start: date, end: date, zone: ZoneInfo) -> set[date]:
    """The nights in [start, end) that the feed's events (not cancelled, not marked free) cover."""
    calendar = _parse(data)
    for event in calendar.walk("VEVENT"):
        if any(name in ("DTSTART", "DTEND", "RRULE") for name, _ in event.errors):
            raise MalformedFeed(f"unreadable event dates: {event.errors}")
        if "DTSTART" not in event:
            raise MalformedFeed("an event without DTSTART")
    # Events, or their occurrences (recurring_ical_events is untyped): each has .start and .end (icalendar's).
    events: list[Any] = calendar.walk("VEVENT")
    if any(name in event for event in events for name in _RECURRING):
        try:
            events = list(recurring_ical_events.of(calendar, components=["VEVENT"]).between(start, end))
        except (ValueError, TypeError, recurring_ical_events.InvalidCalendar) as error:
            raise MalformedFeed(str(error)) from error
    # Else (the platforms' usual feed: one event per booking) the events are their own occurrences, and
    # expanding them would cost most of the read for nothing.
    nights: set[date] = set()
    for event in events:
        if str(event.get("STATUS", "")).upper() == "CANCELLED" or str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        try:
            # icalendar derives the end: DTEND, or DTSTART + DURATION, or a date's one day.
            first, last = _night_span(event.start, event.end, zone)
        except (ValueError, TypeError, KeyError) as error:
            raise MalformedFeed(f"unreadable event dates: {error}") from error
        day = max(first, start)
        while day < min(last, end):
            nights.add(day)
            day += timedelta(days=1)
    return nights


def night_runs(nights: Iterable[date]) -> list[tuple[date, date]]:
    """Nights as runs (first night, day after the last), in order: Dec 20, 21, 22 -> (Dec 20, Dec 23)."""
    runs: list[tuple[date, date]] = []
    for night in sorted(set(nights)):
        if runs and runs[-1][1] == night:
            runs[-1] = (runs[-1][0], night + timedelta(days=1))
        else:
            runs.append((night, night + timedelta(days=1)))
    return runs


def write_feed(name: str, events: Iterable[OutEvent], stamp: datetime) -> bytes:
    """A calendar of all-day events, as importers (Airbnb, Vrbo, Google) read them."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Airtng//calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for out in events:
        event = icalendar.Event()
        event.add("uid", out.uid)
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", out.first)  # a date: written DTSTART;VALUE=DATE
        event.add("dtend", out.end)
        event.add("summary", out.summary)
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
