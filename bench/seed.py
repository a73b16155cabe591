"""A realistic world for the benchmark, bulk-loaded straight into a freshly migrated database.

The schema comes from the real migrations (`open_storage`); the rows go in through `bot.storage.bulk`
(SQLite: `executemany` in one transaction; PostgreSQL: COPY), so no driver is imported here. Ids and phone
numbers follow fixed rules (`World`) so the load generator can address hosts, listings and
their hosts without reading the database.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from bot.clock import clock_from_environment, to_db
from bot.storage import open_storage
from bot.storage.bulk import Table, bulk_load
from bot.store import REF_ALPHABET, REF_LENGTH
from bot.text import search_fold

HOST_PHONE_BASE = 2_000_000_000   # host h (0-based) texts from +1 (HOST_PHONE_BASE + h)
GUEST_PHONE_BASE = 3_000_000_000  # seeded guest g texts from +1 (GUEST_PHONE_BASE + g)

_ADJECTIVES = ["Sunny", "Quiet", "Bright", "Cosy", "Airy", "Rustic", "Modern", "Charming", "Spacious", "Tiny"]
_PLACES = ["loft", "cabin", "flat", "cottage", "studio", "townhouse", "bungalow", "villa", "room", "chalet"]
_SIGHTS = ["by the harbour", "near the old town", "with a garden", "on the lake", "with sea views",
           "next to the park", "above a bakery", "in the hills", "by the station", "on a quiet lane"]
_EXTRAS = ["two bedrooms", "fast wifi", "free parking", "a wood stove", "a balcony", "a hot tub",
           "sleeps four", "pets welcome", "a full kitchen", "bikes to borrow"]
_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Eva", "Femi", "Gus", "Hana", "Ivan", "Jade", "Kai", "Lena"]
_PAST_STATUSES = ["confirmed"] * 6 + ["declined"] * 2 + ["expired", "cancelled"]
_FUTURE_STATUSES = ["confirmed"] * 5 + ["declined"] * 2 + ["cancelled", "pending", "pending"]


@dataclass(frozen=True)
class World:
    """How many of each: hosts are users 1..hosts, seeded guests the users after them; listing l (1-based)
    belongs to host (l - 1) % hosts."""

    hosts: int
    guests: int
    listings: int
    reservations: int
    # Busy nights imported from other platforms' calendars (issue 25), five per place from listing 1 on, each
    # place's from one feed; the feeds are not due within a run (nothing is fetched).
    imported_nights: int = 0

    @property
    def users(self) -> int:
        return self.hosts + self.guests


QUICK_WORLD = World(hosts=200, guests=800, listings=500, reservations=5_000)
SMALL_WORLD = World(hosts=2_000, guests=8_000, listings=5_000, reservations=20_000)
SCALE_WORLD = World(hosts=10_000, guests=90_000, listings=20_000, reservations=1_000_000, imported_nights=10_000)
# Nights per place with imported busy nights.
NIGHTS_PER_FEED = 5


def host_phone(host: int) -> str:
    return f"+1{HOST_PHONE_BASE + host}"


def host_of(listing: int, world: World) -> int:
    return (listing - 1) % world.hosts


def description(listing: int) -> str:
    r = random.Random(listing)
    return (f"{r.choice(_ADJECTIVES)} {r.choice(_PLACES)} {r.choice(_SIGHTS)}, {r.choice(_EXTRAS)}"
            f" and {r.choice(_EXTRAS)}")


def title(listing: int) -> str:
    """The first words of the description, as a host would title the place ("Sunny loft by the harbour")."""
    return description(listing).split(",")[0]


# Every seeded place sleeps at least this many: the workload's guests come one or two at a time.
MIN_CAPACITY = 2


_SORTED_ALPHABET = "".join(sorted(REF_ALPHABET))


def reference(index: int) -> str:
    """A unique reference per index, in the same order as the index (so the UNIQUE index on `ref` is
    filled by appending, not by random inserts); the characters are the ones the server uses."""
    chars = []
    for _ in range(REF_LENGTH):
        index, digit = divmod(index, len(_SORTED_ALPHABET))
        chars.append(_SORTED_ALPHABET[digit])
    return "".join(reversed(chars))


def _users(world: World, now: str) -> Iterator[tuple[int, str, str, str]]:
    for h in range(world.hosts):
        yield h + 1, host_phone(h), f"{_NAMES[h % len(_NAMES)]} H{h}", now
    for g in range(world.guests):
        yield world.hosts + g + 1, f"+1{GUEST_PHONE_BASE + g}", f"{_NAMES[g % len(_NAMES)]} G{g}", now


def _listings(world: World, now: str) -> Iterator[tuple[object, ...]]:
    for listing in range(1, world.listings + 1):
        photo = f"https://photos.example.com/listing/{listing}.jpg" if listing % 3 else None
        text, name = description(listing), title(listing)
        # $60-$400 a night in cents; a search copy folded as the server writes it (bot/text.search_fold).
        yield (listing, host_of(listing, world) + 1, text, photo, now, name, (60 + listing % 35 * 10) * 100, "USD",
               MIN_CAPACITY + listing % 5, search_fold(f"{name} {text}"))


def _reservations(world: World, today: date, now: str) -> Iterator[tuple[object, ...]]:
    r = random.Random(7)
    rand = r.random
    days = [(today + timedelta(days=offset)).isoformat() for offset in range(-700, 310)]
    past = len(days) - 310  # days[past] is today
    reasons = {"declined": "host", "cancelled": "guest"}
    listings, guests, first_guest = world.listings, world.guests, world.hosts + 1
    for index in range(1, world.reservations + 1):
        listing = 1 + int(rand() * listings)
        start = int(rand() * 1000)
        end = start + 1 + int(rand() * 7)
        statuses = _PAST_STATUSES if start < past else _FUTURE_STATUSES
        status = statuses[int(rand() * len(statuses))]
        yield (index, reference(index), listing, (listing - 1) % world.hosts + 1, first_guest + int(rand() * guests),
               days[start], days[end], status, reasons.get(status), now, None if status == "pending" else now)


def _feeds(world: World, now: str) -> Iterator[tuple[object, ...]]:
    for feed in range(1, world.imported_nights // NIGHTS_PER_FEED + 1):
        yield feed, feed, f"https://calendar.example.com/{feed}.ics", "9999-01-01T00:00:00.000000Z", now, feed, 0


def _busy_nights(world: World, today: date) -> Iterator[tuple[object, ...]]:
    r = random.Random(11)
    for feed in range(1, world.imported_nights // NIGHTS_PER_FEED + 1):
        for offset in sorted(r.sample(range(1, 300), NIGHTS_PER_FEED)):
            yield feed, (today + timedelta(days=offset)).isoformat(), feed


def seed(url: str, world: World) -> float:
    """Create, migrate and fill the database at `url` (a SQLite path or a PostgreSQL URL); returns the
    seconds it took."""
    started = time.perf_counter()

    async def migrate() -> None:
        await (await open_storage(url, clock_from_environment())).close()

    asyncio.run(migrate())
    now = to_db(clock_from_environment().now())
    today = clock_from_environment().now().date()
    bulk_load(url, [
        Table("users", ("id", "phone", "name", "created_at"), _users(world, now)),
        Table("listings", ("id", "host_id", "description", "photo_url", "created_at", "title", "price_per_night",
                           "currency", "max_guests", "search_text"), _listings(world, now)),
        Table("reservations", ("id", "ref", "listing_id", "host_id", "guest_id", "check_in", "check_out", "status",
                               "reason", "created_at", "decided_at"), _reservations(world, today, now)),
        Table("calendar_feeds", ("id", "listing_id", "url", "next_read_at", "created_at", "nights", "report"),
              _feeds(world, now)),
        Table("busy_nights", ("listing_id", "night", "feed_id"), _busy_nights(world, today)),
    ])
    return time.perf_counter() - started
