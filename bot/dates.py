"""Stay dates typed by humans: '2026-12-20 to 2026-12-23', '12/20-12/23', 'Dec 20-23', 'Dec 30 - Jan 2'."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.errors import DomainError

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<{0}>[a-z]{{3,9}})\.?"

# One side of the range: ISO, US numeric (with optional year), or month name + day (either order).
_ISO = r"(?P<{0}y>\d{{4}})-(?P<{0}m>\d{{1,2}})-(?P<{0}d>\d{{1,2}})"
_NUMERIC = r"(?P<{0}m>\d{{1,2}})/(?P<{0}d>\d{{1,2}})(?:/(?P<{0}y>\d{{2,4}}))?"
_NAMED = r"(?P<{0}n>[a-z]{{3,9}})\.?\s*(?P<{0}d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(?P<{0}y>\d{{4}}))?"
_NAMED_DAY_FIRST = r"(?P<{0}d>\d{{1,2}})(?:st|nd|rd|th)?\s*(?P<{0}n>[a-z]{{3,9}})\.?(?:,?\s*(?P<{0}y>\d{{4}}))?"
_DAY_ONLY = r"(?P<{0}d>\d{{1,2}})(?:st|nd|rd|th)?"
_SEPARATOR = r"\s*(?:-|–|—|~|to|until|till|thru|through)\s*"


def _side(pattern: str, prefix: str) -> str:
    return pattern.format(prefix)


_RANGES = [
    re.compile(rf"^{_side(a, 'a')}{_SEPARATOR}{_side(b, 'b')}$")
    for a, b in [
        (_ISO, _ISO),
        (_NUMERIC, _NUMERIC),
        (_NAMED, _NAMED),
        (_NAMED, _DAY_ONLY),                      # Dec 20-23
        (_NAMED_DAY_FIRST, _NAMED_DAY_FIRST),     # 20 Dec - 23 Dec
        (_DAY_ONLY, _NAMED_DAY_FIRST),            # 20-23 Dec
        (_NUMERIC, _DAY_ONLY),                    # 12/20-23
    ]
]

# Japanese ranges as the bot itself writes them ("12月20日〜12月23日", "12月20日から23日まで") become the
# numeric form above ("12/20-12/23", "12/20-23").
_JA_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_JA_DAY = re.compile(r"(\d{1,2})\s*日")
_JA_SEPARATORS = re.compile(r"\s*(?:〜|～|から|ー|－)\s*")


def _from_japanese(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("まで", "")
    text = _JA_SEPARATORS.sub("-", text)
    text = _JA_MONTH_DAY.sub(r"\1/\2", text)
    return _JA_DAY.sub(r"\1", text)


class DateError(DomainError):
    """Dates we cannot accept; `key` says why, and the template shows a valid example."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(**params)
        self.key = key


@dataclass(frozen=True)
class Stay:
    check_in: date
    check_out: date

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _month(groups: dict[str, str | None], side: str) -> int | None:
    if groups.get(f"{side}m"):
        return int(groups[f"{side}m"] or 0)
    name = groups.get(f"{side}n")
    if name:
        return _MONTHS.get(name.lower().rstrip("."))
    return None


def _check_out(month: int, day: int, check_in: date) -> date:
    """A year-less check-out: in the check-in's year, or the next one when its month comes earlier
    ("Dec 30 - Jan 2"). A same-month day before check-in ("Dec 23-20") stays a wrong order, never a stay
    ending next year."""
    year = check_in.year + 1 if month < check_in.month else check_in.year
    return date(year, month, day)


def _next_occurrence(month: int, day: int, on_or_after: date) -> date:
    """A year-less date means its next occurrence on or after `on_or_after`."""
    for year in (on_or_after.year, on_or_after.year + 1, on_or_after.year + 2):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # Feb 29 in a non-leap year
        if candidate >= on_or_after:
            return candidate
    raise ValueError(f"no date {month}/{day}")


def parse_stay(text: str, today: date, max_nights: int) -> Stay:
    """Parse a check-in/check-out range and apply the booking rules; raises DateError with a reason."""
    cleaned = " ".join(_from_japanese(text).lower().replace(",", " , ").split()).replace(" ,", ",")
    for pattern in _RANGES:
        match = pattern.match(cleaned)
        if match:
            break
    else:
        raise DateError("dates_unreadable", text=text)
    groups = match.groupdict()
    month_a, month_b = _month(groups, "a"), _month(groups, "b")
    month_a = month_a or month_b  # "20-23 Dec"
    month_b = month_b or month_a  # "Dec 20-23"
    if month_a is None or month_b is None:
        raise DateError("dates_unreadable", text=text)
    try:
        day_a, day_b = int(groups["ad"] or 0), int(groups["bd"] or 0)
        year_a, year_b = _year(groups.get("ay")), _year(groups.get("by"))
        check_in = date(year_a, month_a, day_a) if year_a else _next_occurrence(month_a, day_a, today)
        check_out = date(year_b, month_b, day_b) if year_b else _check_out(month_b, day_b, check_in)
    except ValueError:
        raise DateError("dates_unreadable", text=text) from None
    if check_in < today:
        raise DateError("dates_past", text=text)
    if check_out <= check_in:
        raise DateError("dates_order", text=text)
    stay = Stay(check_in, check_out)
    if stay.nights > max_nights:
        raise DateError("dates_too_long", text=text, nights=stay.nights, max_nights=max_nights)
    return stay
