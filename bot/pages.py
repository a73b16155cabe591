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
    text = render(items, False)
    if len(items) <= 1 or sms_segments(text) <= budget:
        return text, len(items)
    # The largest n < len(items) that fits, by halving: a page's text only grows with its items, and each
    # try is a whole render (a STATUS page names each place, so its lines are long and few fit).
    low, high = 1, len(items) - 1
    fitting: dict[int, str] = {}
    while low < high:
        middle = (low + high + 1) // 2
        tried = render(items[:middle], True)
        if sms_segments(tried) <= budget:
            low, fitting[middle] = middle, tried
        else:
            high = middle - 1
    return fitting.get(low) or render(items[:low], True), low
