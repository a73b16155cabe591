"""What a listing carries, below the flows: prices read and written (Babel), money as integers, free-night
ranges, and the listing details migration giving places listed before it a title and no price (on both
backends alike)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app import create_app
from bot.availability import FreeRange, free_ranges
from bot.clock import FakeClock
from bot.config import Config
from bot.money import Money, PriceError, format_money, parse_price
from bot.storage import is_postgresql, migration_files, open_storage
from tests.conftest import GUEST, HOST, AiohttpClient, Sms
from tests.support import postgres
from tests.support.dbview import execute, query
from tests.support.fake_twilio import FakeTwilio

# -- money ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["120", "$120", "120/night", "$120 per night", "120 a night", "120 dollars",
                                  "USD 120", "１２０", "120.00", "120 nightly"])
def test_dollar_prices_as_hosts_type_them(text: str) -> None:
    assert parse_price(text, "USD") == Money(12000, "USD")  # cents


@pytest.mark.parametrize("text", ["15000", "¥15000", "￥15,000", "15,000円", "15000 yen", "1泊15000円",
                                  "15,000円/泊", "JPY 15000"])
def test_yen_prices_as_hosts_type_them(text: str) -> None:
    assert parse_price(text, "JPY") == Money(15000, "JPY")  # yen have no minor unit


@pytest.mark.parametrize(("text", "currency", "key"), [
    ("120.50", "USD", "price_invalid"), ("0", "USD", "price_invalid"), ("cheap", "USD", "price_invalid"),
    ("1,20", "USD", "price_invalid"), ("99999999", "USD", "price_invalid"), ("¥15000", "USD", "price_currency"),
    ("15000 yen", "USD", "price_currency"), ("$120", "JPY", "price_currency"), ("€90", "USD", "price_currency"),
])
def test_prices_that_are_refused_say_why(text: str, currency: str, key: str) -> None:
    with pytest.raises(PriceError) as refused:
        parse_price(text, currency)
    assert refused.value.key == key


def test_money_is_written_per_language_and_totals_are_exact_integers() -> None:
    nightly = Money(12000, "USD")
    total = nightly.times(10)
    assert total == Money(120000, "USD") and isinstance(total.minor, int)
    assert format_money(total, "en") == "$1,200"
    assert format_money(total, "ja") == "$1,200"
    assert format_money(Money(15000, "JPY"), "en") == "¥15,000"
    assert format_money(Money(15000, "JPY"), "ja") == "15,000円"
    assert format_money(Money(12050, "USD"), "en") == "$120.50"  # never rounded away
    assert Money(1, "USD").times(3).value == Decimal("0.03")  # 3 x 1 cent, no float drift


# -- free nights ---------------------------------------------------------------------------------------------


def test_free_ranges_are_the_nights_no_stay_covers() -> None:
    start, end = date(2026, 12, 1), date(2027, 1, 1)
    assert free_ranges([], start, end) == [FreeRange(start, date(2026, 12, 31))]
    taken = [(date(2026, 12, 20), date(2026, 12, 24)), (date(2026, 11, 28), date(2026, 12, 2)),
             (date(2026, 12, 24), date(2026, 12, 26)), (date(2026, 12, 30), date(2027, 1, 5))]
    assert free_ranges(taken, start, end) == [
        FreeRange(date(2026, 12, 2), date(2026, 12, 19)), FreeRange(date(2026, 12, 26), date(2026, 12, 29))]
    # Overlapping stays (a confirmed stay inside another) and one free night.
    taken = [(date(2026, 12, 1), date(2026, 12, 10)), (date(2026, 12, 3), date(2026, 12, 5)),
             (date(2026, 12, 11), date(2027, 1, 1))]
    assert free_ranges(taken, start, end) == [FreeRange(date(2026, 12, 10), date(2026, 12, 10))]


# -- the listing details migration ---------------------------------------------------------------------------


def _listing_details(backend: str) -> int:
    """Its number, found by name: migrations merged from elsewhere may come before it."""
    return next(number for number, path in migration_files(backend) if path.name.endswith("_listing_details.sql"))


# Places as hosts listed them before the migration (ids 1, 2, 3 in order on either backend).
OLD_PLACES = ["Sunny loft by the harbour with two bedrooms and a piano", "Quiet cabin in the PINES",
              "ÉTÉ chalet"]


def _migrations_before_listing_details(backend: str, root: Path) -> Path:
    """`root` holding copies of the backend's migrations before the listing details one."""
    folder = root / backend
    folder.mkdir(parents=True)
    for number, migration in migration_files(backend):
        if number < _listing_details(backend):
            shutil.copy(migration, folder)
    return root


async def _build_before_listing_details(url: str, backend: str, root: Path) -> None:
    """Migrate the database at `url` up to before the listing details, by the real migrate path, then add a
    host and their places."""
    storage = await open_storage(url, FakeClock(), migrate=False)
    try:
        await storage.migrate(_migrations_before_listing_details(backend, root))
    finally:
        await storage.close()
    now = "2026-11-01T00:00:00Z"
    # From the side, committed at once (RETURNING: `query` reads the rows its statement gives back).
    query(url, "INSERT INTO users (phone, name, created_at) VALUES ('+15551230001', 'Ana', ?) RETURNING id", (now,))
    for description in OLD_PLACES:
        query(url, "INSERT INTO listings (host_id, description, created_at) VALUES (1, ?, ?) RETURNING id",
              (description, now))


@asynccontextmanager
async def _database_before_listing_details(config: Config) -> AsyncIterator[Config]:
    """The test's config, on a database as it was before the listing details migration, with places."""
    folder = config.resolve_path(config.database).parent
    if not is_postgresql(config.storage_url):
        path = folder / "before-listing-details.db"
        await _build_before_listing_details(str(path), "sqlite", folder / "migrations")
        yield config.with_(database=str(path))
        return
    with postgres.fresh_schema() as url:
        await _build_before_listing_details(url, "postgresql", folder / "migrations")
        yield config.with_(database_url=url)


async def test_places_listed_before_the_listing_details_get_a_title_and_no_price_and_still_book(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    async with _database_before_listing_details(config) as before:
        app = create_app(before, clock=clock)
        sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
        try:
            await _places_listed_before_the_listing_details(sms, before)
        finally:
            await sms.client.close()  # before its database goes


async def _places_listed_before_the_listing_details(sms: Sms, config: Config) -> None:
    page = await sms.text(GUEST, "BROWSE")
    assert "#1 Sunny loft by the harbour with two..., price on request\n" in page
    assert "#2 Quiet cabin in the PINES, price on request\n" in page
    assert "#2 " in await sms.text(GUEST, "SEARCH pines")  # the search copy was filled in (ASCII folded)
    view = await sms.text(GUEST, "VIEW 2")
    assert view.startswith("#2 Quiet cabin in the PINES: price on request. Quiet cabin in the PINES Host: Ana.")
    await sms.text(GUEST, "BOOK 2 Dec 20-23 12 guests")  # no capacity stated: up to the 16 anyone may ask
    reply = await sms.text(GUEST, "Bob")
    assert "Request sent!" in reply and "12 guests, 3 nights, price on request" in reply
    stored = [tuple(row.values()) for row in query(
        config.storage_url, "SELECT title, price_per_night, currency, max_guests, search_text FROM listings"
                            " ORDER BY id")]
    # The search copy folds ASCII only, on both backends alike: accented capitals stay as written.
    assert stored == [
        ("Sunny loft by the harbour with two...", None, None, None,
         "sunny loft by the harbour with two... sunny loft by the harbour with two bedrooms and a piano"),
        ("Quiet cabin in the PINES", None, None, None, "quiet cabin in the pines quiet cabin in the pines"),
        ("ÉTÉ chalet", None, None, None, "ÉtÉ chalet ÉtÉ chalet"),
    ]


async def test_a_listing_flow_begun_before_the_new_questions_still_lists_the_place(sms: Sms) -> None:
    """A host half-way through HOST when the listing details are deployed answers the photo question of
    the old flow."""
    await sms.text(HOST, "hello")
    old_flow = json.dumps({"description": "Sunny loft by the harbour with two bedrooms and a piano"})
    execute(sms, "UPDATE users SET name = 'Ana' WHERE phone = ?", (HOST,))
    execute(sms, "INSERT INTO conversations (user_id, flow, step, data, flow_expires_at, updated_at)"
                 " SELECT id, 'hosting', 'photo', ?, '2099-01-01T00:00:00Z', '2026-11-27T00:00:00Z' FROM users"
                 " WHERE phone = ? ON CONFLICT (user_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
                 " data = excluded.data, flow_expires_at = excluded.flow_expires_at, updated_at = excluded.updated_at",
            (old_flow, HOST))
    assert "listed as #1" in await sms.text(HOST, "SKIP")
    assert "#1 Sunny loft by the harbour with two..., price on request" in await sms.text(GUEST, "BROWSE")
