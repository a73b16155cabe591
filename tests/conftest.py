"""Drive the real app: Twilio-signed form posts in, the real twilio client out to a local fake."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import ROOT, Config, load_config
from bot.keys import CATALOG, CONFIG, DATABASE, ENGINE, SCHEDULER, SENDER
from bot.presenting import describe
from bot.storage import is_postgresql as postgres_url
from bot.storage import open_storage
from tests.support import postgres
from tests.support.fake_twilio import FakeTwilio

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "a" * 32
PUBLIC_URL = "https://airtng.example.com"
BOT_NUMBER = "+15550000000"

AiohttpClient = Callable[..., Any]


def signature(path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(PUBLIC_URL + path, form))


def twiml_messages(xml: str) -> list[tuple[str, str | None]]:
    """The (body, media) of each <Message> in a TwiML answer."""
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    out = []
    for message in root.findall("Message"):
        body = message.findtext("Body") or ""
        out.append((body, message.findtext("Media")))
    return out


@dataclass
class Sms:
    """Texts the app as any phone and reads what each phone received, both ways."""

    client: TestClient[Any, Any]
    twilio: FakeTwilio
    clock: FakeClock
    app: web.Application
    _sids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def next_sid(self) -> str:
        return f"SM{next(self._sids):032x}"

    def form(self, phone: str, body: str, *, sid: str | None = None, media: tuple[str, ...] = ()) -> dict[str, str]:
        form = {
            "MessageSid": sid or self.next_sid(), "SmsSid": "", "AccountSid": ACCOUNT_SID, "From": phone,
            "To": BOT_NUMBER, "Body": body, "NumMedia": str(len(media)), "NumSegments": "1",
            "SmsStatus": "received", "ApiVersion": "2010-04-01",
        }
        form["SmsSid"] = form["MessageSid"]
        for index, url in enumerate(media):
            form[f"MediaUrl{index}"] = url
            form[f"MediaContentType{index}"] = "image/jpeg"
        return form

    async def post(self, path: str, form: dict[str, str], *, sign: bool = True) -> Any:
        headers = {"X-Twilio-Signature": signature(path, form)} if sign else {}
        return await self.client.post(path, data=form, headers=headers)

    async def answer(self, form: dict[str, str]) -> str:
        """Post a prepared text (e.g. one Twilio retries) to /sms; return the raw TwiML answered with 200."""
        response = await self.post("/sms", form)
        assert response.status == 200, await response.text()
        return str(await response.text())

    async def text_full(self, phone: str, body: str, *, sid: str | None = None,
                        media: tuple[str, ...] = ()) -> list[tuple[str, str | None]]:
        """Send one signed text; return the TwiML reply's messages and deliver the outbox."""
        response = await self.post("/sms", self.form(phone, body, sid=sid, media=media))
        assert response.status == 200, await response.text()
        assert response.content_type == "text/xml"
        messages = twiml_messages(await response.text())
        await self.deliver()
        return messages

    async def text(self, phone: str, body: str, **kwargs: Any) -> str:
        """Send one text; return the reply bodies joined (most tests read it as one answer)."""
        return "\n".join(body for body, _ in await self.text_full(phone, body, **kwargs))

    async def deliver(self) -> int:
        """Work the outbox until nothing is due (what the background sender does)."""
        return await self.app[SENDER].drain()

    async def run_scheduler(self) -> int:
        handled = await self.app[SCHEDULER].run_due()
        await self.deliver()
        return handled

    def render(self, key: str, language: str, **variables: Any) -> str:
        """What the catalog in force says for `key` with these variables, on the clock's today: tests assert
        which message was sent and with what, so an operator's rewording does not break them."""
        today = self.clock.now().astimezone(ZoneInfo(self.app[CONFIG].timezone)).date()
        return str(self.app[CATALOG]().render_on(today, key, language, **variables))

    def inbox(self, phone: str) -> list[str]:
        """Every REST message the phone received, oldest first."""
        return self.twilio.to(phone)

    @property
    def engine(self) -> Any:
        return self.app[ENGINE]

    @property
    def db(self) -> Any:
        return self.app[DATABASE]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake_twilio(aiohttp_server: Callable[..., Any],
                      clock: FakeClock) -> AsyncIterator[tuple[FakeTwilio, str]]:
    twilio = FakeTwilio(clock=clock.now)  # its log is stamped on the server's clock, as Twilio's is on the hour
    server: TestServer = await aiohttp_server(twilio.app())
    yield twilio, str(server.make_url("")).rstrip("/")


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each test that uses a database runs on SQLite and on PostgreSQL (TEST_DATABASE_URL). A test that
    only means something on SQLite is marked `@pytest.mark.sqlite_only`."""
    name = str(request.param)
    if name == "postgresql" and (why := postgres.unreachable()) is not None:
        if os.environ.get("AIRTNG_REQUIRE_POSTGRESQL"):
            pytest.fail(f"PostgreSQL required but unusable: {why}")
        pytest.skip(postgres.SKIPPED)
    return name


@pytest.fixture(scope="session")
def postgresql_schema() -> Iterator[str]:
    """One migrated schema for the session's PostgreSQL cases (each test starts it empty)."""
    with postgres.fresh_schema() as url:
        asyncio.run(_migrate(url))
        yield url


async def _migrate(url: str) -> None:
    await (await open_storage(url, FakeClock())).close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated for the session (a migration commits with fsyncs: tens of milliseconds a
    database); each test starts from a copy of it. The migrations' own tests start from no file at all."""
    path = tmp_path_factory.mktemp("template") / "airtng.db"
    asyncio.run(_migrate(str(path)))
    return path


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database of the test's own: a copy of the session's migrated SQLite file, or the session's
    PostgreSQL schema emptied."""
    if backend == "sqlite":
        path = tmp_path / "airtng.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return str(path)
    url = str(request.getfixturevalue("postgresql_schema"))
    postgres.truncate_all(url)
    return url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `sqlite_only` (it reads SQLite's file, rowids, WAL) does not run on PostgreSQL, one
    marked `postgresql_only` (units of work interleaving, which SQLite never lets happen) not on SQLite."""
    def other_backend(item: pytest.Item) -> bool:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        return bool((backend == "postgresql" and item.get_closest_marker("sqlite_only"))
                    or (backend == "sqlite" and item.get_closest_marker("postgresql_only")))

    dropped = [item for item in items if other_backend(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if postgres.SKIPPED in str(report.longrepr)]
    if skipped:
        terminalreporter.write_line(f"{postgres.SKIPPED} ({len(skipped)} cases; {postgres.unreachable()})")


@pytest.fixture
def config(tmp_path: Path, fake_twilio: tuple[FakeTwilio, str], database_url: str) -> Config:
    """The shipped config.yaml with a test database, Twilio credentials and the fake's URL."""
    return load_config(env={}).with_(
        database=str(tmp_path / "airtng.db"),
        database_url=database_url if postgres_url(database_url) else "",
        public_url=PUBLIC_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_phone_number=BOT_NUMBER,
        twilio_api_url=fake_twilio[1],
        twilio_request_timeout=2.0,
        background_tasks=False,
        texts_per_window=1000,
        # argon2 at its least cost: console tests sign in often (the shipped cost is tested on its own).
        console_password_time_cost=1,
        console_password_memory_kib=32,
        # Live console pages look again often, so tests that watch them change wait little.
        live_dashboard_seconds=0.2,
        live_phone_seconds=0.2,
    )


@pytest.fixture
def messages(tmp_path: Path) -> Path:
    """A copy of messages/ that a test may edit (point config.messages_dir at it)."""
    folder = tmp_path / "messages"
    shutil.copytree(ROOT / "messages", folder)
    return folder


@pytest.fixture
async def sms(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
              fake_twilio: tuple[FakeTwilio, str]) -> Sms:
    app = create_app(config, clock=clock)
    client = await aiohttp_client(app)
    return Sms(client, fake_twilio[0], clock, app)


HOST = "+15551230001"
GUEST = "+15551230002"
GUEST2 = "+15551230003"
GUEST3 = "+15551230004"


def title_of(description: str) -> str:
    """The title `list_place` gives a place by default: its description, cut at a word to fit 40 characters
    (so pages, which show titles, still show the words tests look for)."""
    title = description
    while len(title) > 40:
        title = title.rsplit(" ", 1)[0]
    return title.rstrip(",")


async def start_listing(sms: Sms, host: str = HOST, name: str = "Ana", *, title: str = "Ocean Loft",
                        price: str = "120", guests: str = "4") -> str:
    """HOST up to the description question: the name if asked, then title, price and most guests. Returns
    the description question."""
    reply = await sms.text(host, "HOST")
    if "called" not in reply:
        reply = await sms.text(host, name)
    assert "called" in reply, reply
    assert "Price per night" in await sms.text(host, title)
    assert "How many guests" in await sms.text(host, price)
    reply = await sms.text(host, guests)
    assert "Describe your place" in reply, reply
    return reply


async def described(sms: Sms, reservation_id: int) -> dict[str, Any]:
    """The variables every message about this reservation gets, computed by the app itself."""
    return dict(await sms.engine.run(lambda ctx: describe(ctx, ctx.store.reservation(reservation_id))))


async def list_place(sms: Sms, host: str = HOST, name: str | None = "Ana",
                     description: str = "Sunny loft by the harbour, two bedrooms", *, title: str | None = None,
                     price: str = "120", guests: str = "4") -> int:
    """Run the whole HOST flow (name if asked, title, price, most guests, description, SKIP the photo);
    returns the new listing number."""
    await start_listing(sms, host, name or "Host", title=title or title_of(description), price=price,
                        guests=guests)
    await sms.text(host, description)
    reply = await sms.text(host, "SKIP")
    assert "listed as #" in reply, reply
    number = int(reply.split("listed as #")[1].split()[0].rstrip(".(").rstrip())
    await skip_arrival_and_payment(sms, host)
    return number


async def skip_arrival_and_payment(sms: Sms, host: str = HOST) -> None:
    """After "listed as #n": SKIP the address (which skips the arrival details) and how guests pay."""
    assert "pay" in await sms.text(host, "SKIP")
    assert "All set" in await sms.text(host, "SKIP")


async def book(sms: Sms, guest: str, listing: int, dates: str = "Dec 20-23", name: str = "Bob",
               guests: int = 2) -> str:
    """BOOK with inline dates, then the number of guests (and a name if asked); returns the reference."""
    reply = await sms.text(guest, f"BOOK {listing} {dates}")
    if "How many guests" in reply:
        reply = await sms.text(guest, str(guests))
    if "name" in reply.lower() and "reference" not in reply.lower():
        reply = await sms.text(guest, name)
    if "Reply YES to send it" in reply:  # the guest's own stay elsewhere overlaps: book anyway
        reply = await sms.text(guest, "YES")
    assert "reference" in reply.lower(), reply
    return reply.split("reference: ")[1].split(".")[0]
