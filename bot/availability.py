"""Which nights of a place are free: for FREE <n>, VIEW <n>, and a BOOK refused for taken nights (a
confirmed stay, a busy night of one of its calendar feeds, or a night its host blocked).

Nights are named by their date (the night of Dec 1 is Dec 1 to Dec 2), so a free range "Dec 1-19" lists
its first and last free night; a stay of check-in Dec 1 to check-out Dec 20 fits it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.context import Context

# FREE looks this far ahead.
FREE_DAYS = 60
# A BOOK refused for taken nights names up to this many free ranges, the nearest to the dates asked.
NEAREST_RANGES = 2
# ... looking this far either side of them.
NEAREST_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class FreeRange:
    first: date  # the first free night
    last: date  # the last free night (inclusive)

    @property
    def nights(self) -> int:
        return (self.last - self.first).days + 1

    def item(self) -> dict[str, Any]:
        """What templates get: `{{ r.first|stay(r.last) }}`, or `{{ r.first|day }}` for one night."""
        return {"first": self.first, "last": self.last}


def free_ranges(taken: Iterable[tuple[date, date]], start: date, end: date) -> list[FreeRange]:
    """The runs of nights in [start, end) that no (check_in, check_out) stay in `taken` covers, in order."""
    ranges: list[FreeRange] = []
    cursor = start
    for check_in, check_out in sorted(taken):
        if check_in > cursor:
            ranges.append(FreeRange(cursor, min(check_in, end) - timedelta(days=1)))
        cursor = max(cursor, check_out)
        if cursor >= end:
            return [r for r in ranges if r.first <= r.last]
    if cursor < end:
        ranges.append(FreeRange(cursor, end - timedelta(days=1)))
    return [r for r in ranges if r.first <= r.last]


def upcoming(ctx: Context, listing_id: int, days: int = FREE_DAYS) -> list[FreeRange]:
    """The listing's free nights from today for `days` days."""
    start = ctx.today()
    end = start + timedelta(days=days)
    return free_ranges(ctx.store.taken_nights(listing_id, start, end), start, end)


def nearest(ctx: Context, listing_id: int, check_in: date, check_out: date) -> list[FreeRange]:
    """The free ranges nearest the nights asked for (within a month either side, from today on), in date
    order: what to suggest instead of a stay that overlaps another."""
    start = max(ctx.today(), check_in - NEAREST_WINDOW)
    end = check_out + NEAREST_WINDOW
    ranges = free_ranges(ctx.store.taken_nights(listing_id, start, end), start, end)

    def distance(free: FreeRange) -> int:
        if free.last < check_in:
            return (check_in - free.last).days
        return max(0, (free.first - check_in).days)

    return sorted(sorted(ranges, key=distance)[:NEAREST_RANGES], key=lambda free: free.first)


def example_stay(free: FreeRange, nights: int = 3) -> tuple[date, date]:
    """A stay that fits a free range: its first night, up to `nights` nights (check-in, check-out)."""
    return free.first, free.first + timedelta(days=min(nights, free.nights))
