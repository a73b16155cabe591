"""Stay dates typed by humans, in English and Japanese: '2026-12-20 to 2026-12-23', '12/20-12/23',
'Dec 20-23', 'Dec 30 - Jan 2', 'Dec 20 for 3 nights', 'next Friday to Sunday', '12月20日(日)〜23日(水)',
'十二月二十日から三泊', '明日から2泊', '今週末'.

A hand-written parser, on purpose: it runs for every answer to the dates question and costs microseconds;
a general date library costs milliseconds a call and knows nothing of stays (nights, check-out after
check-in, "this weekend" as Friday to Sunday). The text is first brought to one plain form (NFKC, lower
case, kanji numerals as digits, Japanese dates as m/d, one separator), then read as nights from a day, a
weekend, a range with a relative side, a list of nights, or a range of two written dates.

A stay is read only when the text names one: half of one (a length alone, "3泊4日"; a day alone, "Dec 20"), a
weekday that is not its date's ("12月19日(日)" when the 19th is a Saturday) or "next weekend" said at a
weekend raise a `DateQuestion`, asked rather than guessed. A stay read from relative or incomplete words
(a weekend, a weekday, 明日, "the 20th", a year taken for a month-day that passed lately) is `guessed`: the
booking flow shows it back with weekdays before filing it.
"""

from __future__ import annotations

import itertools
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
# A year-less date read as next year's whose month-day passed this lately is shown back before filing
# (`Stay.guessed`): "Sep 20" on Nov 27 may be a slip; "Jan 4" on Nov 27 is next January's.
GUESSED_YEAR = timedelta(days=183)

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
_JA_WEEKDAYS = "月火水木金土日"
_EN_WEEKDAY_NAMES = (r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|"
                     r"sat(?:urday)?|sun(?:day)?")
_MONTH_NAMES = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
                r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
# A weekday written with a date: after it in brackets ("12月20日(日)", "Dec 20 (Sun)"), or before it in
# English ("Fri Dec 11", "sun, 12/20", "Sat the 19th"), as the bot writes stays back.
_WEEKDAY_IN_BRACKETS = re.compile(r"\(\s*(?:(?P<ja>[月火水木金土日])(?:曜日?)?|(?P<en>[a-z]{3,9})\.?)\s*\)")
_WEEKDAY_BEFORE_DATE = re.compile(
    rf"\b(?P<en>{_EN_WEEKDAY_NAMES})\b\.?,?\s*(?=(?:the\s+)?(?:(?:{_MONTH_NAMES})\b\.?\s*\d|\d{{1,4}}(?:[/-]\d|st\b|nd\b|rd\b|th\b)))")
_DIGIT = re.compile(r"\d")
# Days listed as nights ("12月20日と21日", "Dec 20 and 21", "12/20, 12/21", "明日と明後日"): joined by "&". A
# comma, 、 or と lists only between two days, so "Dec 20, 2027" (a year), "Dec 20, 3 nights" and
# "12月20日から" keep their meaning.
_LISTED_EN = re.compile(
    rf"\s+(?:and|&)\s+(?=\d|the\s+\d|(?:{_MONTH_NAMES}|{_EN_WEEKDAY_NAMES})\b)"
    rf"|(?:(?<=\d)|(?<=st)|(?<=nd)|(?<=rd)|(?<=th))\s*,\s*(?=\d{{1,2}}(?:st|nd|rd|th)?\b(?!\s*nights?)"
    rf"|(?:{_MONTH_NAMES})\b)")
_LISTED_JA = re.compile(
    r"(?<=[\d日)])\s*(?:と|、)\s*(?=\d{1,2}(?!\d)(?!\s*泊)|明後日|あさって|明日|あした|[月火水木金土日]曜)")
_TRAILING = re.compile(
    r"[\s。.!?]*(?:(?:で|に)?(?:予約|宿泊|リクエスト)?(?:を)?(?:お願い(?:いた)?します|おねがいします|したいです|したい|します"
    r"|です)|泊まりたいです|泊まりたい|で)?[\s。.!?]*$"
)
# Emoji and pictographs after (or among) the dates: "12月20日〜23日🙏".
_PICTOGRAPHS = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]+")
# Check-in and check-out named as such: "12月20日チェックイン、23日チェックアウト",
# "チェックイン12/20、チェックアウト12/23".
_CHECK_IN_OUT = re.compile(
    r"^(?:チェックイン\s*[:は]?\s*(?P<a>.+?)|(?P<b>.+?)\s*(?:に)?チェックイン)\s*[、,\s]\s*"
    r"(?:チェックアウト\s*[:は]?\s*(?P<c>.+?)|(?P<d>.+?)\s*(?:に)?チェックアウト)$")
# A length in weeks or days, as nights: "1週間" is 7 nights, "3日間" (three days) is 2 nights.
_WEEKS = re.compile(r"(\d{1,2})\s*週間")
_DAYS_LONG = re.compile(r"(\d{1,3})\s*日間")
# 土日 is Saturday to Sunday; 来週の土日 the next week's.
_SAT_SUN = re.compile(r"(今週|来週|次|今度)?の?土日")
# A month named from today: "来月20日" is the 20th of next month.
_MONTH_FROM_NOW = {"今月": 0, "来月": 1, "再来月": 2}
_MONTH_FROM_NOW_PATTERN = re.compile(r"(再来月|来月|今月)の?\s*(?=\d|[〇一二三四五六七八九十])")
_LEADING = re.compile(r"^(?:from|starting|on)\s+")
_THE_DAY = re.compile(r"\bthe\s+(?=\d)")  # "the 20th"
# 3泊4日 is one length said twice (nights, days): the days are no date ("4日" is not the 4th).
_NIGHTS_AND_DAYS = re.compile(r"(\d{1,3})\s*泊\s*\d{1,3}\s*日(?!\s*(?:から|より))")
_JA_YEAR = re.compile(r"(\d{4})\s*年\s*")
_JA_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_JA_DAY = re.compile(r"(\d{1,2})\s*日")
_JA_SEPARATORS = re.compile(r"\s*(?:から|より)\s*")


def _kanji_number(match: re.Match[str]) -> str:
    """十二 -> 12, 二十 -> 20, 三十一 -> 31, 二〇二六 -> 2026 (positional)."""
    text = match.group()
    tens, ten, units = text.partition("十")
    if not ten:
        return "".join(str(_KANJI_DIGITS[ch]) for ch in text)
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return text  # not a day, month or count of nights: left for the parser to refuse
    return str(_KANJI_DIGITS.get(tens, 1) * 10 + _KANJI_DIGITS.get(units, 0))


@dataclass(frozen=True)
class _Weekday:
    """A weekday written with a date, and whether that date is the first one of the text (the check-in)."""

    weekday: int
    first: bool


def _weekdays_taken_out(text: str) -> tuple[str, tuple[_Weekday, ...]]:
    """The text without the weekdays written with its dates, and those weekdays in order. A weekday in
    brackets follows its date, so it is the first date's when more digits follow; one before a date in
    English is the first date's when no digit precedes it."""
    found: list[_Weekday] = []

    def bracketed(match: re.Match[str]) -> str:
        name = match.group("ja") or match.group("en")
        number = _JA_WEEKDAYS.index(name) if match.group("ja") else _EN_WEEKDAYS.get(name)
        if number is not None:
            found.append(_Weekday(number, bool(_DIGIT.search(match.string, match.end()))))
        return ""

    def before(match: re.Match[str]) -> str:
        found.append(_Weekday(_EN_WEEKDAYS[match.group("en")], not _DIGIT.search(match.string, 0, match.start())))
        return ""

    text = _WEEKDAY_IN_BRACKETS.sub(bracketed, text)
    if text.isascii():
        text = _WEEKDAY_BEFORE_DATE.sub(before, text)
    return text, tuple(found)


def _plain(text: str) -> tuple[str, tuple[_Weekday, ...]]:
    """One form for every way of writing: '十二月二十日(日)〜二十三日(水)です。' -> '12/20-23', with the
    weekdays written beside the dates."""
    text = _PICTOGRAPHS.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()
    japanese = not text.isascii()  # the Japanese forms below have no ASCII match: skipped for "Dec 20-23"
    if japanese:
        text = _japanese_lengths(_KANJI_NUMBER.sub(_kanji_number, text))
    text = (_LISTED_JA if japanese else _LISTED_EN).sub(" & ", text).translate(_DASHES)
    text, weekdays = _weekdays_taken_out(text)
    text = _THE_DAY.sub("", text.replace("まで", ""))
    text = _LEADING.sub("", _TRAILING.sub("", text.strip()))
    if japanese:
        text = _NIGHTS_AND_DAYS.sub(r"\1泊", text)
        text = _JA_SEPARATORS.sub("-", text)
        text = _JA_YEAR.sub(r"\1/", text)
        text = _JA_MONTH_DAY.sub(r"\1/\2", text)
        text = _JA_DAY.sub(r"\1", text)
    return " ".join(text.replace(",", " , ").split()).replace(" ,", ","), weekdays


def _japanese_lengths(text: str) -> str:
    """Japanese ways of saying a stay brought to the forms read below: "1週間" -> "7泊", "3日間" -> "2泊",
    "土日" -> "土曜日-日曜日", "12/20チェックイン、23日チェックアウト" -> "12/20-23日"."""
    text = _WEEKS.sub(lambda match: f"{int(match.group(1)) * 7}泊", text)
    text = _DAYS_LONG.sub(lambda match: f"{max(int(match.group(1)) - 1, 1)}泊", text)
    text = _SAT_SUN.sub(lambda match: f"{match.group(1) or ''}の土曜日-日曜日".lstrip("の"), text)
    sides = _CHECK_IN_OUT.match(text)
    if sides is not None:
        text = f"{sides.group('a') or sides.group('b')}-{sides.group('c') or sides.group('d')}"
    return text.replace("チェックイン", "").replace("チェックアウト", "").strip()


def _months_from_now(text: str, today: date) -> str:
    """"来月20日" -> "1月20日" said in December: a month named from today, written as its number."""
    def month(match: re.Match[str]) -> str:
        ahead = today.month - 1 + _MONTH_FROM_NOW[match.group(1)]
        return f"{ahead % 12 + 1}月"

    return _MONTH_FROM_NOW_PATTERN.sub(month, text) if "月" in text else text


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
_LENGTH_ALONE = re.compile(r"^(?:for\s+)?(\d{1,3})\s*(?:泊|nights?)$")  # "3 nights", "3泊" (from 3泊4日)
_BARE_COUNT = re.compile(r"^\s*(\d{1,2})\s*(?:泊|nights?)?[\s.。]*$")


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
        if today.weekday() >= 5:
            # Said on a Saturday or Sunday, "next weekend" is the coming one to some and the one after to
            # others, and either guess is a week off for half of them: a week off is not something a guest
            # checks for in a date shown back, while a question naming both weekends costs one text.
            raise WhichWeekend(Stay(friday, friday + timedelta(days=2)),
                               Stay(friday + timedelta(days=7), friday + timedelta(days=9)))
    elif today.weekday() == 5:
        return Stay(today, today + timedelta(days=1), guessed=True)
    else:
        friday = _on_weekday(None, 4, today, strictly_after=False)
    return Stay(friday, friday + timedelta(days=2), guessed=True)


# -- reading -------------------------------------------------------------------------------------------------


class DateError(DomainError):
    """Dates we cannot accept; `key` says why, and the template shows a valid example."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(**params)
        self.key = key


class DateQuestion(DateError):
    """Dates that name half a stay, or could mean more than one: asked about rather than guessed. Each kind
    names its question in `key`."""

    def __init__(self, **params: object) -> None:
        DomainError.__init__(self, **params)


class NightsWithoutDay(DateQuestion):
    """A length alone ("3泊4日", "3 nights"): from which day?"""

    key = "dates_which_day"

    def __init__(self, nights: int) -> None:
        super().__init__(nights=nights)
        self.nights = nights


class DayWithoutNights(DateQuestion):
    """One day alone ("Dec 20", "明日"): for how many nights?"""

    key = "dates_how_many_nights"

    def __init__(self, day: date) -> None:
        super().__init__(day=day)
        self.day = day


class WeekdayMismatch(DateQuestion):
    """A weekday written with a date that falls on another ("12月19日(日)", the 19th being a Saturday):
    `day` as written, and `other`, the nearest day on the weekday written."""

    key = "dates_weekday_mismatch"

    def __init__(self, day: date, weekday: int) -> None:
        ahead = (weekday - day.weekday()) % 7
        other = day + timedelta(days=ahead if ahead <= 3 else ahead - 7)
        super().__init__(day=day, other=other)


class WhichWeekend(DateQuestion):
    """"next weekend" said at a weekend: the coming one or the one after (`_weekend`)."""

    key = "dates_which_weekend"

    def __init__(self, first: Stay, second: Stay) -> None:
        super().__init__(first_in=first.check_in, first_out=first.check_out,
                         second_in=second.check_in, second_out=second.check_out)
        self.first, self.second = first, second


class HolidayDates(DateQuestion):
    """A holiday named instead of dates ("年末年始", "GW", "Christmas"): which days of it? The holiday's own
    dates (its next occurrence) are the example."""

    key = "dates_holiday"

    def __init__(self, text: str, first: date, last: date) -> None:
        super().__init__(text=text, holiday_in=first, holiday_out=last)


# Holidays people name for a stay: their usual days as (month, day) of check-in and check-out; a check-out
# month before the check-in month is in the next year.
_HOLIDAYS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    **dict.fromkeys(("年末年始", "new year", "new years", "new year's"),
                    ((12, 29), (1, 3))),
    **dict.fromkeys(("お正月", "正月", "おしょうがつ"), ((12, 31), (1, 3))),
    **dict.fromkeys(("ゴールデンウィーク", "gw", "golden week"), ((4, 29), (5, 6))),
    **dict.fromkeys(("お盆", "盆", "おぼん", "お盆休み"), ((8, 13), (8, 16))),
    **dict.fromkeys(("クリスマス", "christmas", "xmas"), ((12, 24), (12, 26))),
}
_HOLIDAY_WORDS = re.compile(r"^(?:the\s+)?(?P<name>.+?)(?:の?(?:期間|時期|休み|あたり|頃|ごろ)|\s+holidays?)?(?:に|で)?"
                            r"(?:泊まりたい(?:です)?|お願いします|です)?$")


def _holiday(text: str, today: date) -> HolidayDates | None:
    """The question for a holiday named alone ("年末年始", "GWに泊まりたいです"), or None."""
    words = _HOLIDAY_WORDS.match(_PICTOGRAPHS.sub("", unicodedata.normalize("NFKC", text).lower()).strip(" .!。！"))
    period = _HOLIDAYS.get(words.group("name")) if words is not None else None
    if period is None:
        return None
    (in_month, in_day), (out_month, out_day) = period
    first = date(today.year, in_month, in_day)
    if date(today.year + (out_month < in_month), out_month, out_day) < today:
        first = date(today.year + 1, in_month, in_day)
    last = date(first.year + (out_month < in_month), out_month, out_day)
    return HolidayDates(text.strip(), max(first, today), last)


class _RecentlyPast(Exception):
    """A year-less date that passed a few weeks ago at most: refused as past, never read as next year."""


@dataclass(frozen=True)
class Stay:
    check_in: date
    check_out: date
    # Read from relative or incomplete words (a weekend, a weekday, 明日, "the 20th", nights listed, a year
    # taken for a month-day that passed lately): shown back with weekdays before a request is filed.
    guessed: bool = False

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


def _year_guessed(value: date, today: date) -> bool:
    """Whether a year-less date read as next year's is one whose month-day passed lately this year ("Sep 20"
    on Nov 27): likely a slip, so shown back. "Jan 4" in late November is plainly next January's."""
    if value.year == today.year:
        return False
    try:
        this_year = value.replace(year=today.year)
    except ValueError:
        return True  # Feb 29, read in a year that has none
    return this_year < today and today - this_year <= GUESSED_YEAR


_Day = tuple[date, bool]  # a day read, and whether it was guessed (see `Stay.guessed`)


def _written_day(text: str, today: date, check_in: date | None) -> _Day | None:
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
        return date(year, month, day), False
    if month is None:
        if groups.get("an"):  # a word that is no month
            raise ValueError("not a month")
        return _day_in_month_from(day, check_in or today, strictly_after=check_in is not None), True
    if check_in is not None:
        return _check_out(month, day, check_in), False
    value = _next_occurrence(month, day, today)
    return value, _year_guessed(value, today)


def _one_day(text: str, today: date, check_in: date | None = None) -> _Day | None:
    """A check-in (or, given `check_in`, a check-out) written as a date, a day relative to today, or a
    weekday (a check-out weekday is the first one after check-in)."""
    if text in _DAYS_AHEAD:
        return today + timedelta(days=_DAYS_AHEAD[text]), True
    weekday = _weekday(text)
    if weekday is not None:
        which, number = weekday
        return _on_weekday(which, number, check_in or today, strictly_after=check_in is not None), True
    return _written_day(text, today, check_in)


def _relative_range(text: str, today: date) -> Stay | None:
    """'next friday to sunday', '明日-12/23', 'tomorrow - dec 23': split at each separator, first that reads."""
    for separator in _RANGE_SPLIT.finditer(text):
        check_in = _one_day(text[: separator.start()], today)
        if check_in is None:
            continue
        check_out = _one_day(text[separator.end():], today, check_in[0])
        if check_out is not None:
            return Stay(check_in[0], check_out[0], guessed=True)
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
    return Stay(check_in[0], check_in[0] + timedelta(days=int(match.group("n"))), guessed=check_in[1])


def _listed_nights(text: str, today: date) -> Stay | None:
    """Nights listed by their days ("12/20 & 21", "friday & saturday"): from the first to the day after
    the last. Two days apart are read as check-in and check-out ("12月20日と23日"), as they always were."""
    days: list[date] = []
    for item in text.split("&"):
        read = _one_day(item.strip(" ,-"), today, days[-1] if days else None)
        if read is None:
            return None
        days.append(read[0])
    if len(days) < 2:
        return None
    if all((later - earlier).days == 1 for earlier, later in itertools.pairwise(days)):
        return Stay(days[0], days[-1] + timedelta(days=1), guessed=True)
    return Stay(days[0], days[1], guessed=True) if len(days) == 2 else None


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
        return Stay(check_in, _check_out(check_in.month, day_b, check_in), guessed=True)
    year_a, year_b = _year(groups.get("ay")), _year(groups.get("by"))
    if year_a is None and year_b is not None:  # "Dec 30-Jan 2, 2027": the year written once, at the end
        year_a = year_b - 1 if month_a > month_b else year_b
    check_in = date(year_a, month_a, day_a) if year_a else _next_occurrence(month_a, day_a, today)
    check_out = date(year_b, month_b, day_b) if year_b else _check_out(month_b, day_b, check_in)
    return Stay(check_in, check_out, guessed=not year_a and _year_guessed(check_in, today))


def _checked_weekdays(stay: Stay, weekdays: tuple[_Weekday, ...]) -> Stay:
    """The stay, if every weekday written with its dates is theirs; else which day was meant is asked."""
    for written in weekdays:
        day = stay.check_in if written.first else stay.check_out
        if day.weekday() != written.weekday:
            raise WeekdayMismatch(day, written.weekday)
    return stay


def _half_stay(plain: str, text: str, today: date, weekdays: tuple[_Weekday, ...]) -> None:
    """Half a stay asks for the other half: a length alone (`NightsWithoutDay`), a day alone
    (`DayWithoutNights`, after its weekday is checked). A bare number ("20") is no day."""
    length = _LENGTH_ALONE.match(plain)
    if length:
        raise NightsWithoutDay(int(length.group(1)))
    if plain.isdigit() and "日" not in text:
        return
    day = _one_day(plain, today)
    if day is not None:
        for written in weekdays:
            if day[0].weekday() != written.weekday:
                raise WeekdayMismatch(day[0], written.weekday)
        raise DayWithoutNights(day[0])


def read_stay(text: str, today: date) -> Stay | None:
    """The stay a text names, before the booking rules; None if it names none. Raises `_RecentlyPast`,
    ValueError (an impossible date) and `DateQuestion` (half a stay, or one that could be two)."""
    holiday = _holiday(text, today)
    if holiday is not None:
        raise holiday
    plain, weekdays = _plain(_months_from_now(text, today))
    stay = _listed_nights(plain, today) if "&" in plain else _nights(plain, today)
    if stay is None and _RELATIVE.search(plain):
        stay = _weekend(plain, today) or _relative_range(plain, today)
    stay = stay or _written_range(plain, today)
    if stay is None:
        _half_stay(plain, text, today, weekdays)
        return None
    return _checked_weekdays(stay, weekdays)


def _completed(half: DateQuestion, text: str, day: date | None, nights: int | None) -> Stay | None:
    """A stay from the half just given and the half given before (kept by the flow that asked for it)."""
    if isinstance(half, DayWithoutNights):
        if nights is not None:
            return Stay(half.day, half.day + timedelta(days=nights), guessed=True)
        if day is not None and half.day > day:  # "Dec 23" to "how many nights from Dec 20?": the check-out
            return Stay(day, half.day, guessed=True)
    if isinstance(half, NightsWithoutDay) and day is not None:
        return Stay(day, day + timedelta(days=half.nights), guessed=True)
    return None


def _read_with_half(text: str, today: date, day: date | None, nights: int | None) -> Stay | None:
    try:
        stay = read_stay(text, today)
    except DateQuestion as half:
        stay = _completed(half, text, day, nights)
        if stay is None:
            raise
    if stay is None and day is not None:
        count = _BARE_COUNT.match(unicodedata.normalize("NFKC", text))  # "3" to "how many nights?"
        if count:
            stay = Stay(day, day + timedelta(days=int(count.group(1))), guessed=True)
    return stay


def parse_stay(text: str, today: date, max_nights: int, *, day: date | None = None,
               nights: int | None = None) -> Stay:
    """Parse a check-in/check-out range and apply the booking rules; raises DateError with a reason, or a
    `DateQuestion`. `day` / `nights`: the half of a stay given before (`DayWithoutNights`,
    `NightsWithoutDay`), completed by this text."""
    try:
        stay = _read_with_half(text, today, day, nights)
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
