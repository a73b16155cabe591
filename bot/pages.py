"""Pages (BROWSE, STATUS, STAYS, LISTINGS, FREE...): as many items as fit the SMS budget, never a cut item.

A page template is rendered with the first n items for the largest n whose text fits `budget` SMS
segments, so one long title, or one Japanese name that turns the page into UCS-2, costs an item on this
page rather than another segment. The items left over are the caller's to offer with MORE.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from bot.catalog import sms_segments

T = TypeVar("T")


def fit_page(render: Callable[[Sequence[T], bool], str], items: Sequence[T], budget: int) -> tuple[str, int]:
    """Render `items[:n]` (with `more` True when items are left over) for the largest n >= 1 that fits
    `budget` segments; one item is shown even when it alone is over (`run.py check` makes sure a page
    template fits its budget with one sample item). Returns the text and n."""
    shown = len(items)
    text = render(items, False)
    while shown > 1 and sms_segments(text) > budget:
        shown -= 1
        text = render(items[:shown], True)
    return text, shown
