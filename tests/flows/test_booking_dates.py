"""Issue 21, behaviours 9 and 10: a name is a name, and dates are shown back before anything is filed.

At the name question, dates, party sizes and booking words are refused (they were stored as the guest's name
and shown to hosts), and the booking's name question first shows the stay and party given. Dates read from
relative or incomplete words ("next weekend", 明日, "the 20th") are shown back with their weekdays before the
request is filed; half a stay (a length alone, a day alone), a weekday that is not its date's and "next
weekend" said at a weekend are asked about instead of guessed; listed nights are those nights.

Every date here is computed from the fake clock (2026-11-27, a Friday, unless moved)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.catalog import TODAY, make_environment
from bot.keys import CONFIG
from tests.conftest import GUEST, HOST, Sms, book, described, list_place
from tests.support.dbview import rows, user

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def today_of(sms: Sms) -> date:
    return sms.clock.now().astimezone(ZoneInfo(sms.app[CONFIG].timezone)).date()


def written(day: date, language: str) -> str:
    """A day as a guest types it, without its weekday: 'Dec 20' / '12月20日'."""
    return f"{_MONTHS[day.month - 1]} {day.day}" if language == "en" else f"{day.month}月{day.day}日"


def coming_friday(today: date) -> date:
    return today + timedelta(days=(4 - today.weekday()) % 7)


def next_weekend(today: date) -> tuple[date, date]:
    """The Friday to Sunday of next week (Monday to Sunday), as 'next weekend' is read on a weekday."""
    friday = today + timedelta(days=7 - today.weekday() + 4)
    return friday, friday + timedelta(days=2)


def shown(sms: Sms, check_in: date, check_out: date, language: str) -> str:
    """A stay as the bot shows it back with weekdays ('Fri Dec 4-Sun Dec 6' / '12月4日(金)〜6日(日)')."""
    template = "{{ a|stay_wd(b) }}" if language == "en" else "{{ a|stay_ja_wd(b) }}"
    return make_environment().from_string(template).render(a=check_in, b=check_out, **{TODAY: today_of(sms)})


async def filed_reply(sms: Sms, language: str) -> str:
    """What the guest is told when their newest request is filed."""
    newest = rows(sms, "SELECT id, listing_id FROM reservations ORDER BY id DESC LIMIT 1")[0]
    return sms.render("book_requested", language, number=newest["listing_id"],
                      **await described(sms, newest["id"]))


def requests(sms: Sms) -> list[dict[str, object]]:
    return rows(sms, "SELECT check_in, check_out, guests FROM reservations ORDER BY id")


async def known_guest(sms: Sms, number: int, language: str) -> None:
    """A guest whose name is known (one request filed and cancelled), texting in `language`."""
    ref = await book(sms, GUEST, number, "Jan 4-6")
    await sms.text(GUEST, f"CANCEL {ref}")
    await sms.text(GUEST, f"LANG {language}")


# -- 9. a name is a name --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "answer"), [
    ("ja", "来週末に2人"), ("en", "予約 3 next weekend 2 guests"), ("en", "next weekend"), ("en", "2 guests"),
    ("ja", "3泊"), ("ja", "来週末"), ("en", "tomorrow for two"), ("en", "Bob, 2 of us"), ("ja", "花子 ２名"),
])
async def test_dates_and_party_sizes_are_refused_as_a_name(sms: Sms, language: str, answer: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"LANG {language}")
    friday, sunday = next_weekend(today_of(sms))
    # The name question shows back what was given so far, weekdays and all.
    assert await sms.text(GUEST, f"BOOK {number} {written(friday, language)}-{sunday.day} 2 guests") == \
        sms.render("book_ask_name", language, number=number, check_in=friday, check_out=sunday, guests=2)
    assert await sms.text(GUEST, answer) == sms.render("name_not_booking", language, max_length=40)
    assert user(sms, GUEST)["name"] is None and not requests(sms)
    reply = await sms.text(GUEST, "Hana")
    assert reply == await filed_reply(sms, language)
    assert sms.inbox(HOST)[-1].startswith("Hana would like to stay")


async def test_the_name_question_shows_the_stay_with_weekdays_in_each_language(sms: Sms) -> None:
    number = await list_place(sms)
    friday, sunday = next_weekend(today_of(sms))
    english = await sms.text(GUEST, f"BOOK {number} next weekend 2 guests")
    assert english == sms.render("book_ask_name", "en", number=number, check_in=friday, check_out=sunday, guests=2)
    assert english.startswith(f"Fri {written(friday, 'en')}-Sun {written(sunday, 'en')}, 2 guests at #{number}.")
    await sms.text(GUEST, "MENU")
    await sms.text(GUEST, "LANG JA")
    japanese = await sms.text(GUEST, f"予約 {number} 来週末 2名")
    assert f"{written(friday, 'ja')}(金)〜{sunday.day}日(日)" in japanese
    assert japanese == sms.render("book_ask_name", "ja", number=number, check_in=friday, check_out=sunday, guests=2)


async def test_a_host_cannot_be_named_by_dates_either(sms: Sms) -> None:
    await sms.text(HOST, "HOST")
    assert await sms.text(HOST, "next weekend") == sms.render("name_not_booking", "en", max_length=40)
    assert await sms.text(HOST, "Ana") == sms.render("ask_title", "en", min_length=3, max_length=40)


# -- 10. dates shown back, ambiguity asks -----------------------------------------------------------------------

@pytest.mark.parametrize(("language", "length"), [("ja", "3泊4日"), ("en", "3 nights"), ("ja", "三泊")])
async def test_a_length_alone_asks_from_which_day_and_the_day_completes_it(sms: Sms, language: str,
                                                                        length: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"LANG {language}")
    await sms.text(GUEST, f"BOOK {number}")
    today = today_of(sms)
    example = {"example_in": today + timedelta(days=14), "example_out": today + timedelta(days=17)}
    assert await sms.text(GUEST, length) == sms.render("dates_which_day", language, nights=3, **example)
    assert not requests(sms)
    check_in = today + timedelta(days=23)
    stay = {"check_in": check_in, "check_out": check_in + timedelta(days=3)}
    assert await sms.text(GUEST, written(check_in, language)) == sms.render(
        "ask_guest_count_dates", language, number=number, most=4, **stay)
    await sms.text(GUEST, "2")
    await sms.text(GUEST, "Hana")
    assert requests(sms) == [{"check_in": stay["check_in"].isoformat(), "check_out": stay["check_out"].isoformat(),
                              "guests": 2}]


@pytest.mark.parametrize(("language", "then"), [("en", "3"), ("ja", "3泊"), ("en", "later day")])
async def test_one_day_alone_asks_how_many_nights(sms: Sms, language: str, then: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"LANG {language}")
    today = today_of(sms)
    day = today + timedelta(days=23)
    example = {"example_in": today + timedelta(days=14), "example_out": today + timedelta(days=17)}
    assert await sms.text(GUEST, f"BOOK {number} {written(day, language)}") == sms.render(
        "dates_how_many_nights", language, day=day, **example)
    check_out = day + timedelta(days=3)
    answer = written(check_out, language) if then == "later day" else then
    assert await sms.text(GUEST, answer) == sms.render("ask_guest_count_dates", language, number=number, most=4,
                                                      check_in=day, check_out=check_out)


@pytest.mark.parametrize(("language", "form"), [("ja", "{ja}({wrong})"), ("en", "{wrong_en} {en}"),
                                                ("ja", "{ja}({wrong})から2泊"), ("en", "{wrong_en} {en} for 2 nights")])
async def test_a_weekday_that_contradicts_its_date_asks_which_day(sms: Sms, language: str, form: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"LANG {language}")
    today = today_of(sms)
    day = today + timedelta(days=22)  # Dec 19, a Saturday, typed as a Sunday
    wrong = (day.weekday() + 1) % 7
    typed = form.format(ja=written(day, "ja"), en=written(day, "en"), wrong=_WEEKDAYS_JA[wrong],
                        wrong_en=_WEEKDAYS_EN[wrong])
    example = {"example_in": today + timedelta(days=14), "example_out": today + timedelta(days=17)}
    assert await sms.text(GUEST, f"BOOK {number} {typed}") == sms.render(
        "dates_weekday_mismatch", language, day=day, other=day + timedelta(days=1), **example)
    assert not requests(sms)
    # The real weekday is named, and the day sent with the right one goes on.
    right = f"{written(day, 'ja')}({_WEEKDAYS_JA[day.weekday()]})から2泊" if language == "ja" else \
        f"{_WEEKDAYS_EN[day.weekday()]} {written(day, 'en')} for 2 nights"
    assert await sms.text(GUEST, right) == sms.render("ask_guest_count", language, number=number, most=4)


@pytest.mark.parametrize(("language", "form"), [("ja", "{ja}と{next_day}日"), ("en", "{en} and {next_day}"),
                                                ("ja", "{ja}、{next_day}日"), ("en", "{en}, {next_day}")])
async def test_listed_nights_are_those_nights(sms: Sms, language: str, form: str) -> None:
    number = await list_place(sms)
    await sms.text(GUEST, f"LANG {language}")
    first = today_of(sms) + timedelta(days=23)  # the nights of the 20th and 21st: out on the 22nd
    typed = form.format(ja=written(first, "ja"), en=written(first, "en"), next_day=first.day + 1)
    assert await sms.text(GUEST, f"BOOK {number} {typed}") == sms.render(
        "ask_guest_count_dates", language, number=number, most=4, check_in=first,
        check_out=first + timedelta(days=2))


async def _asked_which_weekend(sms: Sms, language: str, said: str, days: int) -> dict[str, date]:
    """A known guest books with "next weekend" `days` after the Friday the clock starts on (a Saturday or a
    Sunday) and is asked which weekend, both offered: returns them (first_in/out, second_in/out)."""
    number = await list_place(sms)
    await known_guest(sms, number, language)
    sms.clock.advance(days=days)
    today = today_of(sms)
    assert today.weekday() in (5, 6)
    coming = today + timedelta(days=7 - today.weekday() + 4)
    weekends = {"first_in": coming, "first_out": coming + timedelta(days=2),
                "second_in": coming + timedelta(days=7), "second_out": coming + timedelta(days=9)}
    example = {"example_in": today + timedelta(days=14), "example_out": today + timedelta(days=17)}
    assert await sms.text(GUEST, f"BOOK {number} {said} 2 guests") == sms.render(
        "dates_which_weekend", language, **weekends, **example)
    return weekends


@pytest.mark.parametrize(("language", "said"), [("en", "next weekend"), ("ja", "来週末")])
@pytest.mark.parametrize("days", [1, 2])  # said on the Saturday, on the Sunday
async def test_next_weekend_said_at_a_weekend_asks_which_offering_both(sms: Sms, language: str, said: str,
                                                                       days: int) -> None:
    weekends = await _asked_which_weekend(sms, language, said, days)
    # Either weekend texted back as the question wrote it (weekdays and all) is written dates: filed at once.
    reply = await sms.text(GUEST, shown(sms, weekends["second_in"], weekends["second_out"], language))
    assert reply == await filed_reply(sms, language)
    assert requests(sms)[-1]["check_in"] == weekends["second_in"].isoformat()


async def test_this_weekend_on_a_sunday_is_the_coming_one_shown_back(sms: Sms) -> None:
    number = await list_place(sms)
    await known_guest(sms, number, "en")
    sms.clock.advance(days=2)  # Sunday
    friday = coming_friday(today_of(sms))
    assert await sms.text(GUEST, f"BOOK {number} this weekend 2 guests") == sms.render(
        "book_confirm_dates", "en", number=number, check_in=friday, check_out=friday + timedelta(days=2), guests=2)


@pytest.mark.parametrize(("language", "said", "yes"), [("en", "next weekend", "YES"), ("ja", "来週末", "はい"),
                                                       ("en", "tomorrow for 2 nights", "yes"),
                                                       ("ja", "明日から2泊", "はい")])
async def test_guessed_dates_with_nothing_left_to_ask_wait_for_yes(sms: Sms, language: str, said: str,
                                                                   yes: str) -> None:
    number = await list_place(sms)
    await known_guest(sms, number, language)
    today = today_of(sms)
    check_in, check_out = next_weekend(today) if "週末" in said or "weekend" in said else (
        today + timedelta(days=1), today + timedelta(days=3))
    before = len(requests(sms))
    assert await sms.text(GUEST, f"BOOK {number} {said} 2 guests") == sms.render(
        "book_confirm_dates", language, number=number, check_in=check_in, check_out=check_out, guests=2)
    assert len(requests(sms)) == before  # nothing filed yet
    assert await sms.text(GUEST, "HELP") == sms.render("help_book_confirm_dates", language, number=number,
                                                        check_in=check_in, check_out=check_out, guests=2)
    assert await sms.text(GUEST, yes) == await filed_reply(sms, language)
    assert requests(sms)[-1] == {"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "guests": 2}


async def test_no_or_other_dates_replace_the_dates_shown(sms: Sms) -> None:
    number = await list_place(sms)
    await known_guest(sms, number, "en")
    today = today_of(sms)
    before = len(requests(sms))
    await sms.text(GUEST, f"BOOK {number} next weekend 2 guests")
    example = {"example_in": today + timedelta(days=14), "example_out": today + timedelta(days=17)}
    assert await sms.text(GUEST, "NO") == sms.render("ask_dates", "en", number=number, **example)
    assert len(requests(sms)) == before
    await sms.text(GUEST, "next weekend")
    other = today + timedelta(days=30)
    reply = await sms.text(GUEST, f"{written(other, 'en')}-{(other + timedelta(days=2)).day}")
    assert reply == await filed_reply(sms, "en")  # written dates: filed at once
    assert requests(sms)[-1]["check_in"] == other.isoformat()


@pytest.mark.parametrize(("language", "dates"), [("en", "{en}-{out}"), ("en", "{m}/{d}-{m}/{out}"),
                                                 ("ja", "{ja}〜{out}日")])
async def test_written_dates_file_without_an_extra_question(sms: Sms, language: str, dates: str) -> None:
    number = await list_place(sms)
    await known_guest(sms, number, language)
    day = today_of(sms) + timedelta(days=23)
    typed = dates.format(en=written(day, "en"), ja=written(day, "ja"), m=day.month, d=day.day, out=day.day + 3)
    reply = await sms.text(GUEST, f"BOOK {number} {typed} 2 guests")
    assert requests(sms)[-1] == {"check_in": day.isoformat(), "check_out": (day + timedelta(days=3)).isoformat(),
                                 "guests": 2}, reply
    assert reply == await filed_reply(sms, language)


async def test_a_month_day_that_passed_lately_is_shown_back_with_its_year(sms: Sms) -> None:
    number = await list_place(sms)
    await known_guest(sms, number, "en")
    day = today_of(sms) - timedelta(days=68)  # passed this year over 60 days ago: next year's
    typed = f"{day.month}/{day.day}-{day.month}/{day.day + 3}"
    next_year = day.replace(year=day.year + 1)
    reply = await sms.text(GUEST, f"BOOK {number} {typed} 2 guests")
    assert reply == sms.render("book_confirm_dates", "en", number=number, check_in=next_year,
                               check_out=next_year + timedelta(days=3), guests=2)
    assert str(next_year.year) in reply


@pytest.mark.parametrize(("language", "said", "pick", "second"), [
    ("en", "next weekend", "2", True), ("en", "next weekend", "the first one", False),
    ("en", "next weekend", "#1", False), ("ja", "来週末", "2つ目", True), ("ja", "来週末", "１", False),
    ("ja", "来週末", "後の方", True)])
async def test_which_weekend_is_answered_by_its_number(sms: Sms, language: str, said: str, pick: str,
                                                       second: bool) -> None:
    weekends = await _asked_which_weekend(sms, language, said, 2)  # on a Sunday
    # The question offered both with their weekdays: a short answer picks one and files it at once.
    assert await sms.text(GUEST, pick) == await filed_reply(sms, language)
    chosen = weekends["second_in"] if second else weekends["first_in"]
    assert requests(sms)[-1]["check_in"] == chosen.isoformat()
