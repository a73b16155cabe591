"""Stay dates typed by humans, in English and Japanese: '2026-12-20 to 2026-12-23', '12/20-12/23',
'Dec 20-23', 'Dec 30 - Jan 2', 'Dec 20 for 3 nights', 'next Friday to Sunday', '12月20日(日)〜23日(水)',
'十二月二十日から三泊', '明日から2泊', '今週末'.

A hand-written parser, on purpose: it runs for every answer to the dates question and costs microseconds;
a general date library costs milliseconds a call and knows nothing of stays (nights, check-out after
check-in, "this weekend" as Friday to Sunday). The text is first brought to one plain form (NFKC, lower
case, kanji numerals as digits, Japanese dates as m/d, one separator), then read as nights from a day, a
weekend, a range with a relative side, or a range of two written dates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

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

# A year-less date that fell this long ago or less is a mistake ("Nov 29-30" typed on Nov 30), refused as
# past; an older one means next year's.
RECENTLY_PAST = timedelta(days=60)

# One side of the range: ISO (or y/m/d), US numeric (with optional year), or month name + day (either order).
_ISO = r"(?P<{0}y>\d{{4}})[-/](?P<{0}m>\d{{1,2}})[-/](?P<{0}d>\d{{1,2}})"
_NUMERIC = r"(?P<{0}m>\d{{1,2}})/(?P<{0}d>\d{{1,2}})(?:/(?P<{0}y>\d{{2,4}}))?"
_NAMED = r"(?P<{0}n>[a-z]{{3,9}})\.?\s*(?P<{0}d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(?P<{0}y>\d{{4}}))?"
_NAMED_DAY_FIRST = r"(?P<{0}d>\d{{1,2}})(?:st|nd|rd|th)?\s*(?P<{0}n>[a-z]{{3,9}})\.?(?:,?\s*(?P<{0}y>\d{{4}}))?"
_DAY_ONLY = r"(?P<{0}d>\d{{1,2}})(?:st|nd|rd|th)?"
_DAY_YEAR = r"(?P<{0}d>\d{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<{0}y>\d{{4}})"
# Every dash, wave dash and arrow is made "-" first (`_DASHES`); a space alone separates too ("12/20 12/23").
_WORD_SEPARATOR = r"\s*(?:-|\bto\b|\buntil\b|\btill\b|\bthru\b|\bthrough\b)\s*"
_SEPARATOR = rf"(?:{_WORD_SEPARATOR}|\s+)"


def _side(pattern: str, prefix: str) -> str:
    return pattern.format(prefix)


_RANGES = [
    re.compile(rf"^{_side(a, 'a')}{_SEPARATOR}{_side(b, 'b')}$")
    for a, b in [
        (_ISO, _ISO),
        (_ISO, _NUMERIC),                         # 2026/12/20-12/23
        (_ISO, _DAY_ONLY),                        # 2026年12月20日〜23日
        (_NUMERIC, _NUMERIC),
        (_NUMERIC, _ISO),                         # 12月29日〜2027年1月1日, as the bot writes a stay into next year
        (_NAMED, _NAMED),
        (_NAMED, _DAY_ONLY),                      # Dec 20-23
        (_NAMED, _DAY_YEAR),                      # Jan 2-4, 2027, as the bot writes a stay in another year
        (_NAMED_DAY_FIRST, _NAMED_DAY_FIRST),     # 20 Dec - 23 Dec
        (_DAY_ONLY, _NAMED_DAY_FIRST),            # 20-23 Dec
        (_NUMERIC, _DAY_ONLY),                    # 12/20-23
        (_DAY_ONLY, _DAY_ONLY),                   # 20日〜23日: this month, or the next if the day is past
    ]
]
_SINGLES = [re.compile(rf"^{_side(pattern, 'a')}$") for pattern in (_ISO, _NUMERIC, _NAMED, _NAMED_DAY_FIRST,
                                                                       _DAY_ONLY)]

# -- one plain form ----------------------------------------------------------------------------------------

_DASHES = str.maketrans({ch: "-" for ch in "‐‑‒–—―−ー〜~→、"})
_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER = re.compile(r"[〇零一二三四五六七八九十]+")
_WEEKDAY_IN_BRACKETS = re.compile(r"\(\s*(?:[月火水木金土日](?:曜日?)?|[a-z]{3,9}\.?)\s*\)")
_TRAILING = re.compile(
    r"[\s。.!?]*(?:でお願い(?:いた)?します|でおねがいします|お願いします|したいです|したい|します|です|で)?[\s。.!?]*$"
)
_LEADING = re.compile(r"^(?:from|starting)\s+")
_JA_YEAR = re.compile(r"(\d{4})\s*年\s*")
_JA_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_JA_DAY = re.compile(r"(\d{1,2})\s*日")
_JA_SEPARATORS = re.compile(r"\s*(?:から|より|と)\s*")


def _kanji_number(match: re.Match[str]) -> str:
    """十二 -> 12, 二十 -> 20, 三十一 -> 31, 二〇二六 -> 2026 (positional)."""
    text = match.group()
    tens, ten, units = text.partition("十")
    if not ten:
        return "".join(str(_KANJI_DIGITS[ch]) for ch in text)
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return text  # not a day, month or count of nights: left for the parser to refuse
    return str(_KANJI_DIGITS.get(tens, 1) * 10 + _KANJI_DIGITS.get(units, 0))


def _plain(text: str) -> str:
    """One form for every way of writing: '十二月二十日(日)〜二十三日(水)です。' -> '12/20-23'."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_DASHES)
    japanese = not text.isascii()  # the Japanese forms below have no ASCII match: skipped for "Dec 20-23"
    if japanese:
        text = _KANJI_NUMBER.sub(_kanji_number, text)
    text = _WEEKDAY_IN_BRACKETS.sub("", text).replace("まで", "")
    text = _LEADING.sub("", _TRAILING.sub("", text.strip()))
    if japanese:
        text = _JA_SEPARATORS.sub("-", text)
        text = _JA_YEAR.sub(r"\1/", text)
        text = _JA_MONTH_DAY.sub(r"\1/\2", text)
        text = _JA_DAY.sub(r"\1", text)
    return " ".join(text.replace(",", " , ").split()).replace(" ,", ",")


# -- days named relative to today ---------------------------------------------------------------------------

_DAYS_AHEAD = {
    "today": 0, "tonight": 0, "今日": 0, "きょう": 0, "本日": 0, "今夜": 0,
    "tomorrow": 1, "明日": 1, "あした": 1, "あす": 1,
    "day after tomorrow": 2, "the day after tomorrow": 2, "明後日": 2, "あさって": 2,
}
_EN_WEEKDAYS = {
    name: number
    for number, names in enumerate([
        ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"), ("thu", "thur", "thurs", "thursday"),
        ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday"),
    ])
    for name in names
}
_EN_WEEKDAY = re.compile(r"^(?:(?P<which>this|next|coming)\s+)?(?P<name>[a-z]{3,9})$")
_JA_WEEKDAY = re.compile(r"^(?P<which>今週|来週|次|今度)?の?(?P<name>[月火水木金土日])曜日?$")
_NEXT_WEEK = frozenset({"next", "来週"})
_WEEKEND = re.compile(
    r"^(?:(?:this|the)\s+weekend|weekend|今週末|週末|今度の週末|(?P<next>next\s+weekend|来週末|来週の週末))$"
)
# Worth trying the relative readings only when one of these appears (most answers are written dates).
_RELATIVE = re.compile(
    r"today|tonight|tomorrow|weekend|\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\b"
    r"|今日|きょう|本日|今夜|明日|あした|あす|明後日|あさって|週末|曜"
)
_NIGHTS = re.compile(r"^(?P<start>.+?)\s*(?:-|,|\bfor\b)?\s*(?P<n>\d{1,3})\s*(?:泊|nights?)(?:\s*\d{1,2})?$")
_NIGHTS_FIRST = re.compile(r"^(?P<n>\d{1,3})\s*(?:泊|nights?)\s*(?:-|\bfrom\b|\bstarting\b)?\s*(?P<start>.+)$")
_RANGE_SPLIT = re.compile(_WORD_SEPARATOR)


def _weekday(text: str) -> tuple[str | None, int] | None:
    """('next', 4) for 'next friday' / '来週の金曜日'; None if the text is no weekday."""
    english = _EN_WEEKDAY.match(text)
    if english and english.group("name") in _EN_WEEKDAYS:
        return english.group("which"), _EN_WEEKDAYS[english.group("name")]
    japanese = _JA_WEEKDAY.match(text)
    if japanese:
        return japanese.group("which"), "月火水木金土日".index(japanese.group("name"))
    return None


def _on_weekday(which: str | None, weekday: int, base: date, strictly_after: bool) -> date:
    """'next friday' is the Friday of next week (Monday to Sunday), as 来週の金曜日 is; a plain or 'this'
    weekday is the next one on or after `base` (after it, for a check-out)."""
    if which in _NEXT_WEEK:
        next_monday = base + timedelta(days=7 - base.weekday())
        return next_monday + timedelta(days=weekday)
    ahead = (weekday - base.weekday()) % 7
    return base + timedelta(days=ahead or (7 if strictly_after else 0))


def _weekend(text: str, today: date) -> Stay | None:
    """'this weekend' / 今週末: Friday to Sunday (from today on a Saturday); 'next weekend' / 来週末 a week on."""
    match = _WEEKEND.match(text)
    if match is None:
        return None
    if match.group("next"):
        friday = today + timedelta(days=7 - today.weekday() + 4)
    elif today.weekday() == 5:
        return Stay(today, today + timedelta(days=1))
    else:
        friday = _on_weekday(None, 4, today, strictly_after=False)
    return Stay(friday, friday + timedelta(days=2))


# -- reading -------------------------------------------------------------------------------------------------


class DateError(DomainError):
    """Dates we cannot accept; `key` says why, and the template shows a valid example."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(**params)
        self.key = key


class _RecentlyPast(Exception):
    """A year-less date that passed a few weeks ago at most: refused as past, never read as next year."""


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


def _next_occurrence(month: int, day: int, today: date) -> date:
    """A year-less date means its next occurrence on or after `today`, unless it passed in the last
    `RECENTLY_PAST` (then it is a mistake: `_RecentlyPast`)."""
    candidates = []
    for year in range(today.year - 1, today.year + 5):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue  # Feb 29 in a non-leap year
    past = [candidate for candidate in candidates if candidate < today]
    if past and today - past[-1] <= RECENTLY_PAST:
        raise _RecentlyPast
    upcoming = [candidate for candidate in candidates if candidate >= today]
    if not upcoming:
        raise ValueError(f"no date {month}/{day}")
    return upcoming[0]


def needs_year(value: date, today: date) -> bool:
    """Whether a date must be written with its year to be read back as itself: it is not in today's year,
    or its month and day a year earlier passed within `RECENTLY_PAST` (on Feb 28, "Dec 30" reads as the
    Dec 30 just gone, refused as past; "Dec 30, 2027" does not)."""
    if value.year != today.year:
        return True
    try:
        year_earlier = value.replace(year=value.year - 1)
    except ValueError:
        return False  # Feb 29: a year earlier had none
    return year_earlier < today and today - year_earlier <= RECENTLY_PAST


def _day_in_month_from(day: int, base: date, strictly_after: bool) -> date:
    """A day of the month without a month (20日): in `base`'s month if it has not passed, else the next."""
    year, month = base.year, base.month
    for _ in range(3):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None  # the 31st of a 30-day month: the next month that has one
        if candidate is not None and (candidate > base or (candidate == base and not strictly_after)):
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise ValueError(f"no day {day}")


def _written_day(text: str, today: date, check_in: date | None) -> date | None:
    """One written date; a check-out (with `check_in`) takes its missing month and year from the check-in."""
    for pattern in _SINGLES:
        match = pattern.match(text)
        if match:
            break
    else:
        return None
    groups = match.groupdict()
    day, month, year = int(groups["ad"] or 0), _month(groups, "a"), _year(groups.get("ay"))
    if year is not None and month is not None:
        return date(year, month, day)
    if month is None:
        if groups.get("an"):  # a word that is no month
            raise ValueError("not a month")
        return _day_in_month_from(day, check_in or today, strictly_after=check_in is not None)
    if check_in is not None:
        return _check_out(month, day, check_in)
    return _next_occurrence(month, day, today)


def _one_day(text: str, today: date, check_in: date | None = None) -> date | None:
    """A check-in (or, given `check_in`, a check-out) written as a date, a day relative to today, or a
    weekday (a check-out weekday is the first one after check-in)."""
    if text in _DAYS_AHEAD:
        return today + timedelta(days=_DAYS_AHEAD[text])
    weekday = _weekday(text)
    if weekday is not None:
        which, number = weekday
        return _on_weekday(which, number, check_in or today, strictly_after=check_in is not None)
    return _written_day(text, today, check_in)


def _relative_range(text: str, today: date) -> Stay | None:
    """'next friday to sunday', '明日-12/23', 'tomorrow - dec 23': split at each separator, first that reads."""
    for separator in _RANGE_SPLIT.finditer(text):
        check_in = _one_day(text[: separator.start()], today)
        if check_in is None:
            continue
        check_out = _one_day(text[separator.end():], today, check_in)
        if check_out is not None:
            return Stay(check_in, check_out)
    return None


def _nights(text: str, today: date) -> Stay | None:
    """'dec 20 for 3 nights', '12/20-3泊' (12月20日から3泊), '明日-2泊', '3 nights from dec 20'."""
    if "night" not in text and "泊" not in text:
        return None  # both patterns need one of them, and trying them on any other stay backtracks a lot
    match = _NIGHTS.match(text) or _NIGHTS_FIRST.match(text)
    if match is None:
        return None
    check_in = _one_day(match.group("start").strip(" ,-"), today)
    if check_in is None:
        return None
    return Stay(check_in, check_in + timedelta(days=int(match.group("n"))))


def _written_range(text: str, today: date) -> Stay | None:
    for pattern in _RANGES:
        match = pattern.match(text)
        if match:
            break
    else:
        return None
    groups = match.groupdict()
    month_a, month_b = _month(groups, "a"), _month(groups, "b")
    if (groups.get("an") and month_a is None) or (groups.get("bn") and month_b is None):
        return None  # "Foo 20-23": a word that is no month
    month_a = month_a or month_b  # "20-23 Dec"
    month_b = month_b or month_a  # "Dec 20-23"
    day_a, day_b = int(groups["ad"] or 0), int(groups["bd"] or 0)
    if month_a is None or month_b is None:
        check_in = _day_in_month_from(day_a, today, strictly_after=False)  # "20日〜23日"
        return Stay(check_in, _check_out(check_in.month, day_b, check_in))
    year_a, year_b = _year(groups.get("ay")), _year(groups.get("by"))
    if year_a is None and year_b is not None:  # "Dec 30-Jan 2, 2027": the year written once, at the end
        year_a = year_b - 1 if month_a > month_b else year_b
    check_in = date(year_a, month_a, day_a) if year_a else _next_occurrence(month_a, day_a, today)
    check_out = date(year_b, month_b, day_b) if year_b else _check_out(month_b, day_b, check_in)
    return Stay(check_in, check_out)


def read_stay(text: str, today: date) -> Stay | None:
    """The stay a text names, before the booking rules; None if it names none. Raises `_RecentlyPast`
    and ValueError (an impossible date)."""
    plain = _plain(text)
    stay = _nights(plain, today)
    if stay is None and _RELATIVE.search(plain):
        stay = _weekend(plain, today) or _relative_range(plain, today)
    return stay or _written_range(plain, today)


def parse_stay(text: str, today: date, max_nights: int) -> Stay:
    """Parse a check-in/check-out range and apply the booking rules; raises DateError with a reason."""
    try:
        stay = read_stay(text, today)
    except _RecentlyPast:
        raise DateError("dates_past", text=text) from None
    except ValueError:
        raise DateError("dates_unreadable", text=text) from None
    if stay is None:
        raise DateError("dates_unreadable", text=text)
    if stay.check_in < today:
        raise DateError("dates_past", text=text)
    if stay.check_out <= stay.check_in:
        raise DateError("dates_order", text=text)
    if stay.nights > max_nights:
        raise DateError("dates_too_long", text=text, nights=stay.nights, max_nights=max_nights)
    return stay
