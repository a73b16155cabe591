"""Time, injected so tests can move it."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


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
