"""Time, injected so tests can move it."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

# FOR TESTS ONLY: the server's clock runs this many days ahead of (or, negative, behind) the real one, so
# that a test can prove it sends dates relative to the server's today rather than to a calendar day.
OFFSET_VARIABLE = "AIRTNG_CLOCK_OFFSET_DAYS"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def clock_offset(env: Mapping[str, str] | None = None) -> timedelta:
    """The test-only offset `OFFSET_VARIABLE` asks for (none when unset or empty)."""
    text = (os.environ if env is None else env).get(OFFSET_VARIABLE, "").strip()
    if not text:
        return timedelta(0)
    try:
        return timedelta(days=int(text))
    except ValueError:
        raise ValueError(f"{OFFSET_VARIABLE} must be a whole number of days, not {text!r}") from None


def clock_from_environment(env: Mapping[str, str] | None = None) -> SystemClock:
    """The clock a process of the service runs on: the real one, moved by the test-only offset if set.
    Read where each entry point makes its clock, so every part of one process shares the same today."""
    return SystemClock(clock_offset(env))


class FakeClock:
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def to_db(moment: datetime) -> str:
    """ISO-8601 UTC text that sorts correctly in SQLite ("2026-11-27T12:00:00.000000Z")."""
    # isoformat is several times cheaper than strftime, and this runs for every row written.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db(text: str) -> datetime:
    """The instant `to_db` wrote. fromisoformat reads the trailing "Z" (Python 3.11+) at a tenth of
    strptime's cost."""
    return datetime.fromisoformat(text).astimezone(UTC)


async def wait_until(event: asyncio.Event, seconds: float) -> None:
    """Wait for `event`, at most `seconds`. A background loop's pause: on Python 3.11, `asyncio.wait_for`
    returns normally when the task is cancelled in the same moment the event is set (the cancellation is
    lost, CPython gh-86296), and a loop that paused that way never ends, holding up the server's shutdown.
    `asyncio.timeout` keeps the cancellation."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
