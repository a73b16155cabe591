"""Stay dates as people type them, and the rules that refuse them (bot.dates.parse_stay is pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.catalog import TODAY as TODAY_VARIABLE
from bot.catalog import make_environment
from bot.dates import DateError, DateQuestion, Stay, parse_stay
from tests.support.stays import typed_stay

TODAY = date(2026, 11, 27)  # the fake clock's day
MAX_NIGHTS = 30


def stay(text: str, today: date = TODAY) -> tuple[date, date]:
    parsed = parse_stay(text, today, MAX_NIGHTS)
    return parsed.check_in, parsed.check_out


def refusal(text: str, today: date = TODAY) -> str:
    with pytest.raises(DateError) as caught:
        parse_stay(text, today, MAX_NIGHTS)
    return caught.value.key


@pytest.mark.parametrize(
    ("text", "check_in", "check_out"),
    [
        ("2026-12-20 to 2026-12-23", date(2026, 12, 20), date(2026, 12, 23)),
        ("2026-12-20 - 2026-12-23", date(2026, 12, 20), date(2026, 12, 23)),
        ("12/20-12/23", date(2026, 12, 20), date(2026, 12, 23)),
        ("12/20/2026 - 12/23/2026", date(2026, 12, 20), date(2026, 12, 23)),
        ("Dec 20-23", date(2026, 12, 20), date(2026, 12, 23)),
        ("dec 20 - 23", date(2026, 12, 20), date(2026, 12, 23)),
        ("December 20 to December 23", date(2026, 12, 20), date(2026, 12, 23)),
        ("Dec. 20th - Dec. 23rd", date(2026, 12, 20), date(2026, 12, 23)),
        ("20-23 Dec", date(2026, 12, 20), date(2026, 12, 23)),
        ("20 Dec - 23 Dec", date(2026, 12, 20), date(2026, 12, 23)),
        ("DEC 20–23", date(2026, 12, 20), date(2026, 12, 23)),  # en dash, as phones type it
        ("Dec 30 - Jan 2", date(2026, 12, 30), date(2027, 1, 2)),  # crosses the year
        ("12/30-1/2", date(2026, 12, 30), date(2027, 1, 2)),
        ("Nov 27-29", date(2026, 11, 27), date(2026, 11, 29)),  # today is still bookable
    ],
)
def test_accepted_formats(text: str, check_in: date, check_out: date) -> None:
    assert stay(text) == (check_in, check_out)


def test_a_year_less_date_means_its_next_occurrence() -> None:
    # Jan 5 is next January; Sep 20 passed over two months ago, so it means next year's.
    assert stay("Jan 5-8") == (date(2027, 1, 5), date(2027, 1, 8))
    assert stay("Sep 20-23") == (date(2027, 9, 20), date(2027, 9, 23))
    assert stay("Dec 20-23", today=date(2027, 3, 1)) == (date(2027, 12, 20), date(2027, 12, 23))


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("Nov 29-30", date(2026, 11, 30)),  # yesterday: a mistake, not a stay next November
        ("Nov 20-23", TODAY),
        ("Dec 20-23", date(2026, 12, 21)),
        ("10/1-10/3", TODAY),  # 57 days ago
        ("Dec 30 - Jan 2", date(2027, 1, 5)),  # last December's, days ago
        ("11月29日〜30日", date(2026, 11, 30)),
        ("Nov 29 for 2 nights", date(2026, 11, 30)),
    ],
)
def test_a_year_less_date_that_passed_in_the_last_60_days_is_refused_as_past(text: str, today: date) -> None:
    assert refusal(text, today) == "dates_past"


def test_past_60_days_a_year_less_date_is_next_years() -> None:
    assert stay("9/27-9/29") == (date(2027, 9, 27), date(2027, 9, 29))  # 61 days ago
    assert refusal("9/28-9/30") == "dates_past"  # 60 days ago


def test_feb_29_is_the_next_leap_day() -> None:
    assert stay("Feb 29 - Mar 2") == (date(2028, 2, 29), date(2028, 3, 2))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-11-20 to 2026-11-23", "dates_past"),
        ("11/20/2026-11/23/2026", "dates_past"),
        ("2026-12-23 to 2026-12-20", "dates_order"),
        ("2026-12-20 to 2026-12-20", "dates_order"),
        ("Dec 23-20", "dates_order"),  # not a 362-night stay ending next December
        ("12/23-12/20", "dates_order"),
        ("Dec 20-20", "dates_order"),
        ("Dec 1-Jan 15", "dates_too_long"),
        ("2026-12-01 to 2027-12-01", "dates_too_long"),
        ("next week", "dates_unreadable"),
        ("", "dates_unreadable"),
        ("Dec 40-42", "dates_unreadable"),
        ("13/20-13/23", "dates_unreadable"),
        ("Foo 20-23", "dates_unreadable"),
    ],
)
def test_refusals_say_why(text: str, key: str) -> None:
    assert refusal(text) == key


def test_the_maximum_is_inclusive_and_reported() -> None:
    assert stay("Dec 1-31") == (date(2026, 12, 1), date(2026, 12, 31))  # exactly 30 nights
    with pytest.raises(DateError) as caught:
        parse_stay("Dec 1 - Jan 1", TODAY, MAX_NIGHTS)
    assert caught.value.params["nights"] == 31
    assert caught.value.params["max_nights"] == 30


@pytest.mark.parametrize(
    ("text", "check_in", "check_out"),
    [
        ("12月20日〜12月23日", date(2026, 12, 20), date(2026, 12, 23)),  # as the bot writes stays in Japanese
        ("12月20日から23日まで", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月30日～1月2日", date(2026, 12, 30), date(2027, 1, 2)),
        ("１２／２０－１２／２３", date(2026, 12, 20), date(2026, 12, 23)),  # full-width, from a Japanese keyboard
        ("12/20〜12/23", date(2026, 12, 20), date(2026, 12, 23)),
        ("12/20-23", date(2026, 12, 20), date(2026, 12, 23)),
    ],
)
def test_japanese_and_short_numeric_ranges(text: str, check_in: date, check_out: date) -> None:
    stay = parse_stay(text, TODAY, 30)
    assert (stay.check_in, stay.check_out) == (check_in, check_out)


def test_japanese_dates_get_the_same_refusals() -> None:
    with pytest.raises(DateError) as error:
        parse_stay("12月23日〜12月20日", TODAY, 30)
    assert error.value.key == "dates_order"
    with pytest.raises(DateError) as error:
        parse_stay("12月1日〜1月15日", TODAY, 30)
    assert error.value.key == "dates_too_long"


# -- written as Japanese and English speakers write them (the fake clock's today, 2026-11-27, is a Friday) --

@pytest.mark.parametrize(
    ("text", "check_in", "check_out"),
    [
        ("12月20日〜23日。", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日〜23日！", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日〜23日です", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日から23日までです。", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日〜23日でお願いします", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日(日)〜23日(水)", date(2026, 12, 20), date(2026, 12, 23)),
        ("１２月２０日（日）〜２３日（水）", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日(日曜日)〜12月23日(水曜日)", date(2026, 12, 20), date(2026, 12, 23)),
        ("2026年12月20日〜23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("2027年1月5日〜2027年1月8日", date(2027, 1, 5), date(2027, 1, 8)),
        ("2026/12/20-12/23", date(2026, 12, 20), date(2026, 12, 23)),
        ("20日〜23日", date(2026, 12, 20), date(2026, 12, 23)),  # the 20th has passed this month: next month's
        ("28日〜30日", date(2026, 11, 28), date(2026, 11, 30)),  # still ahead this month
        ("12月20日から3泊", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日から3泊4日", date(2026, 12, 20), date(2026, 12, 23)),
        ("Dec 20 for 3 nights", date(2026, 12, 20), date(2026, 12, 23)),
        ("dec 20, 3 nights", date(2026, 12, 20), date(2026, 12, 23)),
        ("3 nights from Dec 20", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日−23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日‐23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日―23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日→23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日より23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日と23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日、23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日 12月23日", date(2026, 12, 20), date(2026, 12, 23)),
        ("12/20 12/23", date(2026, 12, 20), date(2026, 12, 23)),
        ("十二月二十日〜二十三日", date(2026, 12, 20), date(2026, 12, 23)),
        ("十二月三十日から三泊", date(2026, 12, 30), date(2027, 1, 2)),
        ("二〇二七年一月五日〜八日", date(2027, 1, 5), date(2027, 1, 8)),
        ("明日から2泊", date(2026, 11, 28), date(2026, 11, 30)),
        ("明日から二泊です", date(2026, 11, 28), date(2026, 11, 30)),
        ("12月20日から3泊します", date(2026, 12, 20), date(2026, 12, 23)),
        ("12月20日から3泊したいです。", date(2026, 12, 20), date(2026, 12, 23)),
        ("明日から12月5日まで", date(2026, 11, 28), date(2026, 12, 5)),
        ("今週末", date(2026, 11, 27), date(2026, 11, 29)),
        ("来週末", date(2026, 12, 4), date(2026, 12, 6)),
        ("来週の金曜日から2泊", date(2026, 12, 4), date(2026, 12, 6)),
        ("金曜日から日曜日まで", date(2026, 11, 27), date(2026, 11, 29)),
        ("tomorrow for 2 nights", date(2026, 11, 28), date(2026, 11, 30)),
        ("Tomorrow to Dec 5", date(2026, 11, 28), date(2026, 12, 5)),
        ("this weekend", date(2026, 11, 27), date(2026, 11, 29)),
        ("next weekend", date(2026, 12, 4), date(2026, 12, 6)),
        ("next Friday to Sunday", date(2026, 12, 4), date(2026, 12, 6)),
        ("Saturday - Monday", date(2026, 11, 28), date(2026, 11, 30)),
    ],
)
def test_the_ways_people_write_a_stay(text: str, check_in: date, check_out: date) -> None:
    assert stay(text) == (check_in, check_out)


def test_relative_days_follow_the_calendar() -> None:
    saturday, sunday = date(2026, 11, 28), date(2026, 11, 29)
    assert stay("this weekend", saturday) == (saturday, sunday)  # the weekend has begun: tonight only
    assert stay("今週末", sunday) == (date(2026, 12, 4), date(2026, 12, 6))  # it is over: the next one
    assert stay("next Friday to Sunday", date(2026, 12, 1)) == (date(2026, 12, 11), date(2026, 12, 13))
    assert stay("friday to sunday", date(2026, 12, 1)) == (date(2026, 12, 4), date(2026, 12, 6))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("明日から40泊", "dates_too_long"),
        ("12月23日〜20日です", "dates_order"),
        ("来年のどこか", "dates_unreadable"),
        ("20", "dates_unreadable"),  # a bare number is no day
        ("十二月四十日から二泊", "dates_unreadable"),
    ],
)
def test_japanese_and_relative_refusals(text: str, key: str) -> None:
    assert refusal(text) == key


@pytest.mark.parametrize("today", [TODAY, date(2026, 12, 15), date(2027, 2, 28)])
@pytest.mark.parametrize("template", ["{{ a|stay(b) }}", "{{ a|stay_ja(b) }}", "{{ a|stay_wd(b) }}",
                                      "{{ a|stay_ja_wd(b) }}"])
def test_every_stay_as_the_bot_writes_it_reads_back_as_that_stay(today: date, template: str) -> None:
    # Examples, confirmations and dates shown back with weekdays are texted back by people as they were
    # written, years and all: read as that stay, and as written (not guessed: nothing to show back again).
    written = make_environment().from_string(template)
    for offset in range(0, 420, 5):
        for nights in (1, 3, 9):
            check_in = today + timedelta(days=offset)
            check_out = check_in + timedelta(days=nights)
            text = written.render(a=check_in, b=check_out, **{TODAY_VARIABLE: today})
            parsed = parse_stay(text, today, MAX_NIGHTS)
            assert (parsed.check_in, parsed.check_out, parsed.guessed) == (check_in, check_out, False), text


def test_the_stays_the_subprocess_tests_type_read_as_meant_on_every_day_of_a_leap_cycle() -> None:
    """tests/support/stays.py writes what a guest would type for "N days from the server's today": on any day
    (year ends, Feb 29, month ends) the server reads it as that stay, and reads it so a day later too (the
    server's day may turn while a test runs)."""
    for n in range(4 * 366):
        today = date(2027, 1, 1) + timedelta(days=n)
        for days_ahead, nights in ((1, 1), (1, 2), (6, 2), (29, 3)):
            check_in = today + timedelta(days=days_ahead)
            text = typed_stay(today, days_ahead, nights)
            assert stay(text, today) == stay(text, today + timedelta(days=1)) == (
                check_in, check_in + timedelta(days=nights)), (today, text)


# -- how the dates were read: asked when half a stay or two, `guessed` when shown back before filing --------

def question(text: str, today: date = TODAY) -> tuple[str, dict[str, object]]:
    with pytest.raises(DateQuestion) as caught:
        parse_stay(text, today, MAX_NIGHTS)
    return caught.value.key, caught.value.params


@pytest.mark.parametrize("text", ["3泊4日", "3泊", "三泊四日", "3 nights", "for 3 nights", "３泊４日です"])
def test_a_length_alone_asks_from_which_day(text: str) -> None:
    assert question(text) == ("dates_which_day", {"nights": 3})


@pytest.mark.parametrize(("text", "day"), [
    ("Dec 20", date(2026, 12, 20)), ("12月20日", date(2026, 12, 20)), ("12/20", date(2026, 12, 20)),
    ("the 20th", date(2026, 12, 20)), ("20日", date(2026, 12, 20)), ("明日", date(2026, 11, 28)),
    ("Sun Dec 20", date(2026, 12, 20)), ("来週の金曜日", date(2026, 12, 4)),
])
def test_one_day_alone_asks_how_many_nights(text: str, day: date) -> None:
    assert question(text) == ("dates_how_many_nights", {"day": day})


def stay_of(parsed: Stay) -> tuple[date, date]:
    return parsed.check_in, parsed.check_out


def test_the_other_half_completes_the_stay() -> None:
    assert stay_of(parse_stay("Dec 20", TODAY, MAX_NIGHTS, nights=3)) == (date(2026, 12, 20), date(2026, 12, 23))
    assert stay_of(parse_stay("3泊", TODAY, MAX_NIGHTS, day=date(2026, 12, 20))) == (date(2026, 12, 20),
                                                                                    date(2026, 12, 23))
    assert stay_of(parse_stay("3", TODAY, MAX_NIGHTS, day=date(2026, 12, 20))) == (date(2026, 12, 20),
                                                                                  date(2026, 12, 23))
    # A later day answering "how many nights from Dec 20?" is the check-out.
    assert stay_of(parse_stay("Dec 22", TODAY, MAX_NIGHTS, day=date(2026, 12, 20))) == (date(2026, 12, 20),
                                                                                       date(2026, 12, 22))
    assert parse_stay("Dec 20", TODAY, MAX_NIGHTS, nights=3).guessed
    # A whole stay wins over the half kept.
    assert stay_of(parse_stay("Dec 1-3", TODAY, MAX_NIGHTS, nights=5)) == (date(2026, 12, 1), date(2026, 12, 3))


@pytest.mark.parametrize(("text", "day", "other"), [
    ("12月19日(日)", date(2026, 12, 19), date(2026, 12, 20)),  # the 19th is a Saturday
    ("Sun Dec 19", date(2026, 12, 19), date(2026, 12, 20)),
    ("12月19日(日)〜22日", date(2026, 12, 19), date(2026, 12, 20)),
    ("12月20日〜23日(火)", date(2026, 12, 23), date(2026, 12, 22)),
    ("Fri Dec 11-Sat Dec 13", date(2026, 12, 13), date(2026, 12, 12)),
    ("12月19日(日)から2泊", date(2026, 12, 19), date(2026, 12, 20)),
])
def test_a_weekday_that_is_not_its_dates_asks_which_day(text: str, day: date, other: date) -> None:
    assert question(text) == ("dates_weekday_mismatch", {"day": day, "other": other})


@pytest.mark.parametrize(("text", "check_out"), [
    ("12月20日と21日", date(2026, 12, 22)), ("20日と21日", date(2026, 12, 22)), ("Dec 20 and 21", date(2026, 12, 22)),
    ("Dec 20th and 21st", date(2026, 12, 22)), ("12/20 and 12/21", date(2026, 12, 22)),
    ("Dec 20, 21", date(2026, 12, 22)), ("12月20日、21日、22日", date(2026, 12, 23)),
])
def test_listed_nights_are_those_nights(text: str, check_out: date) -> None:
    parsed = parse_stay(text, TODAY, MAX_NIGHTS)
    assert (parsed.check_in, parsed.check_out, parsed.guessed) == (date(2026, 12, 20), check_out, True)


@pytest.mark.parametrize("text", ["next weekend", "来週末", "来週の週末"])
@pytest.mark.parametrize("days", [1, 2])  # Saturday, Sunday
def test_next_weekend_said_at_a_weekend_asks_which(text: str, days: int) -> None:
    assert question(text, TODAY + timedelta(days=days)) == ("dates_which_weekend", {
        "first_in": date(2026, 12, 4), "first_out": date(2026, 12, 6),
        "second_in": date(2026, 12, 11), "second_out": date(2026, 12, 13)})


@pytest.mark.parametrize(("text", "guessed"), [
    ("Dec 20-23", False), ("12/20-12/23", False), ("2026-12-20 to 2026-12-23", False), ("12月20日〜23日", False),
    ("Dec 20 for 3 nights", False), ("Jan 4-6", False), ("Fri Dec 11-Sun Dec 13", False),
    ("12月11日(金)〜13日(日)", False),
    ("next weekend", True), ("今週末", True), ("明日から2泊", True), ("friday to sunday", True),
    ("20日〜23日", True), ("the 20th to the 23rd", True), ("Sep 20-23", True),  # next September: shown back
    ("12月20日と23日", True),
])
def test_how_the_dates_were_read(text: str, guessed: bool) -> None:
    assert parse_stay(text, TODAY, MAX_NIGHTS).guessed is guessed


