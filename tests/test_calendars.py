"""Calendars in and out (issue 25): a host's feeds from other platforms, served here by a local aiohttp
server (no network), close nights to bookings; a place's own feed goes out at a secret URL; BLOCK/UNBLOCK.

The app's clock is the FakeClock (Nov 27, 2026), so the written dates below are its future."""

from __future__ import annotations

import asyncio
import html
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot import fetching, ical
from bot.config import Config
from bot.keys import CONFIG
from bot.scheduler import Scheduler
from tests.conftest import GUEST, GUEST2, HOST, Sms, book, list_place
from tests.console.support import signed_in
from tests.support import dbview

CRLF = "\r\n"


def feed(*events: str, bom: bool = False, newline: str = CRLF) -> bytes:
    """A calendar as the platforms write it: CRLF lines (or LF), maybe a BOM."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN", "CALSCALE:GREGORIAN",
             *events, "END:VCALENDAR"]
    text = newline.join(lines) + newline
    return (("\ufeff" if bom else "") + text).encode()


def all_day(uid: str, first: str, end: str, summary: str = "Reserved", *extra: str) -> str:
    return CRLF.join(["BEGIN:VEVENT", f"UID:{uid}", f"DTSTART;VALUE=DATE:{first}", f"DTEND;VALUE=DATE:{end}",
                      f"SUMMARY:{summary}", *extra, "END:VEVENT"])


@dataclass
class FeedServer:
    """What the other platform serves: `body` at /feed.ics (with an ETag that changes with it)."""

    body: bytes = b""
    requests: list[dict[str, str]] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    async def serve_feed(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.headers))
        etag = f'"{hash(self.body) & 0xFFFFFFFF:x}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=self.body, content_type="text/calendar", headers={"ETag": etag})

    async def hang(self, request: web.Request) -> web.Response:
        await asyncio.Event().wait()  # never answers: the reader's time limit must end it
        raise AssertionError("unreachable")

    async def large(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/calendar"})
        await response.prepare(request)
        chunk = b"X" * 65536
        for _ in range(40):  # 2.6 MB, without a Content-Length: the reader must stop at its limit itself
            await response.write(chunk)
        return response

    async def to_metadata(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    async def malformed(self, request: web.Request) -> web.Response:
        return web.Response(text="<html>Sign in to see this calendar</html>", content_type="text/html")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feed.ics", self.serve_feed)
        app.router.add_get("/slow.ics", self.hang)
        app.router.add_get("/large.ics", self.large)
        app.router.add_get("/redirect.ics", self.to_metadata)
        app.router.add_get("/bad.ics", self.malformed)
        return app


@pytest.fixture
def config(config: Config) -> Config:
    # The feeds come from a server on loopback in these tests; a short time limit for the one that hangs.
    return config.with_(calendar_allow_private_addresses=True, calendar_fetch_timeout_seconds=1.0)


@pytest.fixture
async def feeds(aiohttp_server: Callable[..., Any]) -> FeedServer:
    served = FeedServer()
    server: TestServer = await aiohttp_server(served.app())
    served.base = str(server.make_url("")).rstrip("/")
    return served


async def add_feed(sms: Sms, url: str, listing: int = 1, number: int = 1) -> None:
    reply = await sms.text(HOST, f"CALENDAR {listing} {url}")
    assert reply == sms.render("calendar_added", "en", number=listing, feed=number), reply


async def read(sms: Sms) -> None:
    """The scheduler's next pass, `calendar.refresh_minutes` later (when every feed is due again)."""
    await sms.run_scheduler()


def later(sms: Sms) -> None:
    sms.clock.advance(minutes=sms.app[CONFIG].calendar_refresh_minutes + 1)


def runs(*pairs: tuple[date, date]) -> list[dict[str, date]]:
    return [{"first": first, "end": end} for first, end in pairs]


D = date  # short: dates of the FakeClock's December


async def test_a_feed_closes_its_nights_and_is_read_again_conditionally(sms: Sms, feeds: FeedServer) -> None:
    await list_place(sms)
    feeds.body = feed(all_day("a1", "20261220", "20261223"))
    await add_feed(sms, feeds.url("/feed.ics"))
    await read(sms)
    assert sms.inbox(HOST)[-1] == sms.render("calendar_read", "en", number=1, feed=1, nights=3,
                                             runs=runs((D(2026, 12, 20), D(2026, 12, 23))))
    # The busy nights cannot be booked; the reply names the nearest free nights.
    reply = await sms.text(GUEST, "BOOK 1 Dec 21-22")
    assert reply.startswith(sms.render("book_unavailable", "en", number=1, check_in=D(2026, 12, 21),
                                       check_out=D(2026, 12, 22), free=[])[:40]), reply
    assert "Dec 23" in reply and "Dec 19" in reply
    # FREE leaves them out.
    free = await sms.text(GUEST, "FREE 1")
    assert "Nov 27-Dec 19" in free and "Dec 23-" in free, free
    # VIEW names the next free ranges: the first ends before the busy nights, the second starts after them.
    view = await sms.text(GUEST, "VIEW 1")
    assert "Nov 27-Dec 19" in view and "Dec 23" in view, view

    # Unchanged: asked conditionally, answered 304, the nights stand, the host hears nothing.
    later(sms)
    told = len(sms.inbox(HOST))
    await read(sms)
    assert feeds.requests[-1].get("If-None-Match"), feeds.requests[-1]
    assert len(sms.inbox(HOST)) == told
    assert "already booked" in await sms.text(GUEST, "BOOK 1 Dec 21-22")

    # Changed: the new nights replace the old ones.
    feeds.body = feed(all_day("a2", "20261226", "20261228"))
    later(sms)
    await read(sms)
    assert "already booked" in await sms.text(GUEST, "BOOK 1 Dec 26-27")
    assert "How many guests" in await sms.text(GUEST2, "BOOK 1 Dec 21-22")
    assert len(sms.inbox(HOST)) == told  # a routine refresh texts nobody


async def test_real_feeds_dates_times_cancelled_recurring_folded_bom(sms: Sms, feeds: FeedServer) -> None:
    await list_place(sms)
    feeds.body = feed(
        all_day("b1", "20261220", "20261222", "Airbnb (Not available)"),
        # Folded over two lines, with times in a TZID: 15:00 Dec 24 to 11:00 Dec 26 in Tokyo = nights 24, 25.
        CRLF.join(["BEGIN:VEVENT", "UID:b2", "DTSTART;TZID=UTC:20261224T060000",
                   "DTEND;TZID=UTC:20261226T020000", "SUMMARY:Reserved - a long summary that a platf",
                   " orm folded onto the next line", "END:VEVENT"]),
        all_day("b3", "20261228", "20261230", "Reserved", "STATUS:CANCELLED"),  # cancelled: not busy
        all_day("b4", "20270104", "20270105", "Not available", "RRULE:FREQ=WEEKLY;COUNT=3"),  # Jan 4, 11, 18
        bom=True,
    )
    await add_feed(sms, feeds.url("/feed.ics"))
    await read(sms)
    assert sms.inbox(HOST)[-1] == sms.render("calendar_read", "en", number=1, feed=1, nights=7, runs=runs(
        (D(2026, 12, 20), D(2026, 12, 22)), (D(2026, 12, 24), D(2026, 12, 26))))
    assert "How many guests" in await sms.text(GUEST, "BOOK 1 Dec 28-30")  # the cancelled event
    await sms.text(GUEST, "MENU")
    assert "already booked" in await sms.text(GUEST, "BOOK 1 Jan 11-12, 2027")  # the second recurrence
    await sms.text(GUEST, "MENU")
    assert "How many guests" in await sms.text(GUEST, "BOOK 1 Jan 12-14, 2027")


async def test_lf_lines_read_the_same(sms: Sms, feeds: FeedServer) -> None:
    await list_place(sms)
    feeds.body = feed(all_day("c1", "20261220", "20261223").replace(CRLF, "\n"), newline="\n")
    await add_feed(sms, feeds.url("/feed.ics"))
    await read(sms)
    assert sms.inbox(HOST)[-1] == sms.render("calendar_read", "en", number=1, feed=1, nights=3,
                                             runs=runs((D(2026, 12, 20), D(2026, 12, 23))))


async def test_waiting_request_declined_and_confirmed_stay_marked_once(sms: Sms, feeds: FeedServer) -> None:
    await list_place(sms)
    await book(sms, GUEST, 1, "Dec 20-23")
    assert "Accepted" in await sms.text(HOST, "YES")  # a confirmed stay Dec 20-23
    waiting = await book(sms, GUEST2, 1, "Dec 26-28", name="Cy")
    feeds.body = feed(all_day("d1", "20261222", "20261223"), all_day("d2", "20261227", "20261228"))
    await add_feed(sms, feeds.url("/feed.ics"))
    await read(sms)

    assert dbview.message_keys(sms, GUEST2)[-1] == "guest_declined_calendar"
    status = dbview.rows(sms, "SELECT ref, status, reason, attention FROM reservations ORDER BY id")
    assert [(r["status"], r["reason"], r["attention"]) for r in status] == [
        ("confirmed", None, "calendar_conflict"), ("declined", "calendar", None)]
    assert status[1]["ref"] == waiting
    assert dbview.message_keys(sms, HOST).count("calendar_conflict") == 1
    # Read again: the conflict is not texted a second time; the stay still stands.
    later(sms)
    feeds.body = feed(all_day("d1", "20261221", "20261223"))
    await read(sms)
    assert dbview.message_keys(sms, HOST).count("calendar_conflict") == 1
    assert dbview.rows(sms, "SELECT status FROM reservations WHERE id = 1")[0]["status"] == "confirmed"


@pytest.mark.parametrize(("path", "why"), [("/slow.ics", "timeout"), ("/large.ics", "too_large"),
                                           ("/redirect.ics", "address"), ("/bad.ics", "malformed")])
async def test_a_feed_that_fails_tells_the_host_once(sms: Sms, feeds: FeedServer, path: str, why: str) -> None:
    await list_place(sms)
    await add_feed(sms, feeds.url(path))
    await read(sms)
    failed = sms.render("calendar_failed", "en", number=1, feed=1, why=why, kept=0, first=True, minutes=30)
    assert sms.inbox(HOST)[-1] == failed
    later(sms)
    await read(sms)
    assert dbview.message_keys(sms, HOST).count("calendar_failed") == 1
    listing = await sms.text(HOST, "CALENDAR 1")
    assert "not read yet" in listing and why.replace("_", " ") in listing, listing


async def test_a_failing_feed_keeps_its_last_good_nights(sms: Sms, feeds: FeedServer) -> None:
    await list_place(sms)
    feeds.body = feed(all_day("e1", "20261220", "20261223"))
    await add_feed(sms, feeds.url("/feed.ics"))
    await read(sms)
    feeds.body = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:2026XX20\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    later(sms)
    await read(sms)
    assert sms.inbox(HOST)[-1] == sms.render("calendar_failed", "en", number=1, feed=1, why="malformed", kept=3,
                                             first=False, minutes=30)
    assert "already booked" in await sms.text(GUEST, "BOOK 1 Dec 21-22")
    # Fixed: the host hears it works again.
    feeds.body = feed(all_day("e1", "20261220", "20261221"))
    later(sms)
    await read(sms)
    assert dbview.message_keys(sms, HOST)[-1] == "calendar_read"


async def test_private_addresses_are_refused_unless_allowed(feeds: FeedServer) -> None:
    with pytest.raises(fetching.FetchFailed) as refused:
        await fetching.fetch(feeds.url("/feed.ics"), etag=None, last_modified=None, seconds=2, allow_private=False)
    assert refused.value.why == "address"
    assert not feeds.requests  # refused before any connection
    for url in ("file:///etc/passwd", "ftp://example.com/x.ics", "gopher://x", "http:///x"):
        with pytest.raises(fetching.FetchFailed):
            fetching.check_url(url)
    forbidden = ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1", "169.254.169.254", "::1", "fe80::1",
                 "fd00:ec2::254", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1"]
    for address in forbidden:
        assert fetching.forbidden(ipaddress.ip_address(address), allow_private=False), address
    assert not fetching.forbidden(ipaddress.ip_address("93.184.216.34"), allow_private=False)
    # The setting opens loopback and private ranges, never link-local or metadata.
    assert not fetching.forbidden(ipaddress.ip_address("127.0.0.1"), allow_private=True)
    assert fetching.forbidden(ipaddress.ip_address("169.254.169.254"), allow_private=True)


async def test_two_servers_read_a_feed_once(sms: Sms, feeds: FeedServer) -> None:
    await list_place(sms)
    feeds.body = feed(all_day("f1", "20261220", "20261223"))
    await add_feed(sms, feeds.url("/feed.ics"))
    # Two servers' schedulers on the same database, at the same moment: one claims the feed, one reads it.
    counts = await asyncio.gather(Scheduler(sms.engine, sms.app[CONFIG]).read_feeds(),
                                  Scheduler(sms.engine, sms.app[CONFIG]).read_feeds())
    assert sorted(counts) == [0, 1]
    assert len(feeds.requests) == 1


async def test_calendar_list_and_remove(sms: Sms, feeds: FeedServer) -> None:
    await list_place(sms)
    assert await sms.text(HOST, "CALENDAR 1") == sms.render("calendar_none", "en", number=1)
    feeds.body = feed(all_day("g1", "20261220", "20261223"))
    await add_feed(sms, feeds.url("/feed.ics"))
    await read(sms)
    listing = await sms.text(HOST, "CALENDAR 1")
    assert "1. 127.0.0.1: 3 busy nights" in listing, listing
    assert await sms.text(HOST, "CALENDAR 1 REMOVE 2") == sms.render("calendar_no_such_feed", "en", number=1,
                                                                      feeds=1)
    assert await sms.text(HOST, "CALENDAR 1 REMOVE 1") == sms.render("calendar_removed", "en", number=1, feed=1)
    assert "How many guests" in await sms.text(GUEST, "BOOK 1 Dec 21-22")
    # Not an http(s) link, or not the texter's place: said so, nothing added.
    assert await sms.text(HOST, "CALENDAR 1 webcal://x/y.ics") == sms.render("calendar_bad_url", "en", number=1)
    assert await sms.text(GUEST2, "CALENDAR 1 https://x.example/y.ics") == sms.render(
        "calendar_not_yours", "en", number=1)
    assert await sms.text(HOST, "CALENDAR 1") == sms.render("calendar_none", "en", number=1)


async def test_japanese_host(sms: Sms, feeds: FeedServer) -> None:
    await list_place(sms)
    await sms.text(HOST, "LANG JA")
    feeds.body = feed(all_day("h1", "20261220", "20261223"))
    assert await sms.text(HOST, f"カレンダー 1 {feeds.url('/feed.ics')}") == sms.render(
        "calendar_added", "ja", number=1, feed=1)
    await read(sms)
    assert sms.inbox(HOST)[-1] == sms.render("calendar_read", "ja", number=1, feed=1, nights=3,
                                             runs=runs((D(2026, 12, 20), D(2026, 12, 23))))
    assert await sms.text(HOST, "ブロック 1 12月26日〜28日") == sms.render(
        "blocked", "ja", number=1, check_in=D(2026, 12, 26), check_out=D(2026, 12, 28), nights=2, declined=0)


async def test_block_and_unblock(sms: Sms) -> None:
    await list_place(sms)
    waiting = await book(sms, GUEST, 1, "Dec 21-22")
    reply = await sms.text(HOST, "BLOCK 1 Dec 20-23")
    # The host's own reply; the waiting request on those nights is declined and its guest told.
    assert sms.render("blocked", "en", number=1, check_in=D(2026, 12, 20), check_out=D(2026, 12, 23), nights=3,
                      declined=1) in reply, reply
    assert dbview.rows(sms, "SELECT reason FROM reservations WHERE ref = ?", (waiting,))[0]["reason"] == "calendar"
    assert "already booked" in await sms.text(GUEST2, "BOOK 1 Dec 22-23")
    assert await sms.text(HOST, "UNBLOCK 1 Dec 22") == sms.render(
        "unblocked", "en", number=1, check_in=D(2026, 12, 22), check_out=D(2026, 12, 23), nights=1)
    assert "How many guests" in await sms.text(GUEST2, "BOOK 1 Dec 22-23")
    await sms.text(GUEST2, "MENU")
    assert "already booked" in await sms.text(GUEST2, "BOOK 1 Dec 21-22")
    # A confirmed stay's nights are not blocked over.
    await book(sms, GUEST2, 1, "Dec 26-28", name="Cy")
    await sms.text(HOST, "YES")
    assert "Nothing blocked" in await sms.text(HOST, "BLOCK 1 Dec 25-27")


async def test_own_feed_link_new_link_and_what_it_holds(sms: Sms) -> None:
    await list_place(sms)
    ref = await book(sms, GUEST, 1, "Dec 20-23", name="Bob")
    await sms.text(HOST, "YES")
    await sms.text(HOST, "BLOCK 1 Dec 26-28")
    reply = await sms.text(HOST, "CALENDAR 1 LINK")
    url = reply.split(": ", 1)[1].split()[0]
    assert url.startswith(sms.app[CONFIG].public_url + "/calendar/") and url.endswith(".ics"), reply
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 22  # at least 128 random bits, URL-safe base64
    response = await sms.client.get(f"/calendar/{token}.ics")
    assert response.status == 200 and response.content_type == "text/calendar"
    body = await response.text()
    for private in ("Bob", GUEST, GUEST[-4:], ref, "Ana", HOST):
        assert private not in body
    calendar = icalendar.Calendar.from_ical(body)
    events = sorted((event.decoded("DTSTART"), event.decoded("DTEND"), str(event["SUMMARY"]))
                    for event in calendar.walk("VEVENT"))
    assert events == [(D(2026, 12, 20), D(2026, 12, 23), sms.render("calendar_event_stay", "en")),
                      (D(2026, 12, 26), D(2026, 12, 28), sms.render("calendar_event_blocked", "en"))]
    for event in calendar.walk("VEVENT"):
        assert event["DTSTART"].params.get("VALUE") == "DATE" and event.get("UID") and event.get("DTSTAMP")
    # The same link again; NEW LINK replaces it and the old one answers 404.
    assert url in await sms.text(HOST, "CALENDAR 1 LINK")
    new_reply = await sms.text(HOST, "CALENDAR 1 NEW LINK")
    new_url = new_reply.split(": ", 1)[1].split()[0]
    assert new_url != url
    assert (await sms.client.get(f"/calendar/{token}.ics")).status == 404
    assert (await sms.client.get(new_url.removeprefix(sms.app[CONFIG].public_url))).status == 200
    assert (await sms.client.get("/calendar/" + "A" * 43 + ".ics")).status == 404


def test_a_thousand_events_parse() -> None:
    """Not timing (docs/performance.md has the figure): a feed of 1,000 events reads to its nights."""
    first = date(2027, 1, 1)
    events = [all_day(f"k{n}", (first + timedelta(days=n)).strftime("%Y%m%d"),
                      (first + timedelta(days=n + 1)).strftime("%Y%m%d")) for n in range(1000)]
    nights = ical.busy_nights(feed(*events), date(2026, 12, 1), date(2029, 12, 1), ZoneInfo("UTC"))
    assert len(nights) == 1000


async def test_the_console_shows_feeds_busy_nights_and_conflicts(sms: Sms, feeds: FeedServer) -> None:
    console = await signed_in(sms)
    await list_place(sms)
    ref = await book(sms, GUEST, 1, "Dec 20-23")
    await sms.text(HOST, "YES")
    await sms.text(HOST, "BLOCK 1 Dec 27-29")
    feeds.body = feed(all_day("m1", "20261222", "20261224"))
    await add_feed(sms, feeds.url("/feed.ics"))
    await add_feed(sms, feeds.url("/slow.ics"), number=2)
    await read(sms)
    page = html.unescape(await console.page("/admin/listings/1"))
    calendars = page.split("Calendars from other platforms")[1].split("Requests and stays")[0]
    assert feeds.url("/feed.ics") in calendars and "timeout" in calendars, calendars
    assert "2026-12-22 → 2026-12-24" in calendars and "calendar 1" in calendars
    assert "2026-12-27 → 2026-12-29" in calendars and "blocked by the host" in calendars
    attention = (await console.page("/admin/")).split("Stays needing attention")[1].split("Next stays")[0]
    assert ref in attention and "calendar conflict" in attention


async def test_busy_night_checks_are_index_probes(sms: Sms) -> None:
    """BOOK's one statement and FREE's read probe busy_nights by its key, on both backends (PostgreSQL with
    sequential scans priced out): never a scan of a table that grows with every imported night."""
    from bot.store import BOOKING_OBSTACLES, TAKEN_NIGHTS, Store
    from tests.console.test_query_plans import _has_index_cond, _plan

    first, end = "2026-12-20", "2026-12-23"
    statements = {"book": (BOOKING_OBSTACLES, (1, end, first, 1, first, end, 2, 1, end, first, 2)),
                  "free": (TAKEN_NIGHTS, (1, first, end, 1, first, end))}

    def plans(store: Store) -> dict[str, list[str]]:
        return {name: _plan(store, sql, params) for name, (sql, params) in statements.items()}

    found = await sms.db.run(plans)
    for name, plan in found.items():
        # The reservations' part was there before (its plans are the existing tests'); busy_nights' is new.
        scans = [line for line in plan if re.search(r"\bSCAN busy_nights\b|Seq Scan on busy_nights", line)]
        unkeyed = [line for number, line in enumerate(plan) if "busy_nights" in line
                   and re.search(r"Index (Only )?Scan", line) and not _has_index_cond(plan[number + 1:])]
        assert scans == [] and unkeyed == [], (name, plan)
    assert any("busy_nights" in line for line in found["book"]), found
