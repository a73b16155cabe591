"""The catalog as texters meet it: variations, the sandbox, and no template bug ever reaching a phone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.catalog import TODAY, make_environment, validate_catalog
from bot.config import Config
from bot.reload import RELOADER
from tests.conftest import GUEST, HOST, Sms, list_place, start_listing


@pytest.fixture
def config(config: Config, messages: Path) -> Config:
    return config.with_(messages_dir=str(messages))


def set_key(path: Path, key: str, yaml_value: str) -> None:
    """Replace one key's entry (up to the next top-level key) with `yaml_value`."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\n", "")), len(lines))
    lines[start:end] = [f"{key}:{yaml_value}\n"]
    path.write_text("".join(lines), encoding="utf-8")


async def test_a_key_with_variations_sends_each_of_them(sms: Sms, messages: Path) -> None:
    set_key(messages / "en.yaml", "menu", "\n  - Starting over, {{ 'fresh' }}.\n  - Back to square one.")
    assert sms.app[RELOADER].reload()
    seen = {await sms.text(GUEST, "MENU") for _ in range(60)}
    assert seen == {"Starting over, fresh.", "Back to square one."}


def test_every_variation_is_validated_on_its_own_line(messages: Path) -> None:
    set_key(messages / "en.yaml", "menu", "\n  - Starting over.\n  - Back to square one, {{ name }}.")
    result = validate_catalog(messages, "en")
    assert result.catalog is None
    line = next(n for n, text in enumerate((messages / "en.yaml").read_text().splitlines(), 1) if "{{ name }}" in text)
    assert [str(p).split("messages/")[-1] for p in result.errors] == [
        f"en.yaml:{line}: menu[2]: `name` is not a variable of this message; it has no variables (docs/messages.md)"
    ]
    rows = [(r.key, r.alternative) for r in result.rendered if r.language == "en" and r.key == "menu"]
    assert rows == [("menu", 1)]  # the good one was rendered and measured; the bad one refused


async def test_what_people_type_is_shown_never_run(sms: Sms) -> None:
    await start_listing(sms, HOST, "{{ seven * seven }}{% raw %}", title="{{ title }} Loft")
    await sms.text(HOST, "Loft with a {{ config }} view and {% for x in y %} braces, honest")
    reply = await sms.text(HOST, "SKIP")
    number = int(reply.split("#")[1].split()[0])
    view = await sms.text(GUEST, f"VIEW {number}")
    assert "Loft with a {{ config }} view and {% for x in y %} braces, honest" in view
    assert "#1 {{ title }} Loft:" in view and "Host: {{" in view  # the host's first name, as typed


def test_templates_cannot_reach_into_python(messages: Path) -> None:
    set_key(messages / "en.yaml", "listing_not_found",
            " \"{{ number.__class__.__mro__[1].__subclasses__() }}\"")
    result = validate_catalog(messages, "en")
    assert result.catalog is None
    assert any("listing_not_found: fails with the sample values: SecurityError" in str(p) for p in result.errors)


async def test_a_japanese_template_that_fails_on_real_values_falls_back_to_english(
    sms: Sms, messages: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Valid with the registry's sample (suggestion="BROWSE"), but the code passes "" when nothing is close:
    # the texter still gets an answer, in the default language, and the operator a logged error.
    set_key(messages / "ja.yaml", "unknown", " すみません。「{{ suggestion[0] }}」で始まる言葉ですか？")
    assert sms.app[RELOADER].reload()
    await sms.text(GUEST, "LANG JA")
    assert await sms.text(GUEST, "BROWZE") == "すみません。「B」で始まる言葉ですか？"  # a close word: fine
    reply = await sms.text(GUEST, "xyzzy plugh")
    assert reply == "Sorry, I didn't get that. Text HELP for what you can do."
    assert "message unknown in ja failed to render; sending the en text" in caplog.text



@pytest.mark.parametrize(
    ("check_in", "check_out", "english", "japanese"),
    [
        (date(2026, 12, 20), date(2026, 12, 23), "Dec 20-23", "12月20日〜23日"),
        (date(2026, 12, 30), date(2027, 1, 2), "Dec 30-Jan 2, 2027", "12月30日〜2027年1月2日"),
        (date(2027, 1, 2), date(2027, 1, 4), "Jan 2-4, 2027", "2027年1月2日〜4日"),
        (date(2027, 1, 30), date(2027, 2, 2), "Jan 30-Feb 2, 2027", "2027年1月30日〜2月2日"),
        (date(2027, 12, 30), date(2028, 1, 2), "Dec 30, 2027-Jan 2, 2028", "2027年12月30日〜2028年1月2日"),
    ],
)
def test_stays_carry_their_year_when_it_is_not_this_year(check_in: date, check_out: date, english: str,
                                                         japanese: str) -> None:
    env = make_environment()
    today = {TODAY: date(2026, 11, 27)}
    assert env.from_string("{{ a|stay(b) }}").render(a=check_in, b=check_out, **today) == english
    assert env.from_string("{{ a|stay_ja(b) }}").render(a=check_in, b=check_out, **today) == japanese


@pytest.mark.parametrize(
    ("day", "english", "japanese"),
    [(date(2026, 12, 20), "Dec 20", "12月20日"), (date(2027, 1, 2), "Jan 2, 2027", "2027年1月2日"),
     (date(2025, 12, 20), "Dec 20, 2025", "2025年12月20日")],
)
def test_days_carry_their_year_when_it_is_not_this_year(day: date, english: str, japanese: str) -> None:
    env = make_environment()
    today = {TODAY: date(2026, 11, 27)}
    assert env.from_string("{{ a|day }}").render(a=day, **today) == english
    assert env.from_string("{{ a|day_ja }}").render(a=day, **today) == japanese


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_an_example_stay_into_next_year_says_so_and_reads_back(sms: Sms, language: str) -> None:
    await list_place(sms)
    sms.clock.advance(days=18)  # Dec 15, 2026: the example stay (two weeks out, three nights) ends in 2027
    await sms.text(GUEST, f"LANG {language}")
    example = {"example_in": date(2026, 12, 29), "example_out": date(2027, 1, 1)}
    asked = await sms.text(GUEST, "BOOK 1")
    assert asked == sms.render("ask_dates", language, number=1, **example)
    assert "2027" in asked
    written = {"en": "Dec 29-Jan 1, 2027", "ja": "12月29日〜2027年1月1日"}[language]
    assert written in asked
    assert await sms.text(GUEST, written) == sms.render("ask_guest_count", language, number=1, most=4)
