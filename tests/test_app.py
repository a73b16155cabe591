"""The app factory and restarts: everything lives in the database, so a new app on the same file carries
on where the old one stopped (half-finished flows, presented requests, queues, browse cursors)."""

from __future__ import annotations

import itertools
from typing import Any

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from tests.conftest import GUEST, GUEST2, GUEST3, HOST, AiohttpClient, Sms, book, list_place, start_listing
from tests.support.fake_twilio import FakeTwilio

HOST2 = "+15551230009"


async def restart(sms: Sms, aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
                  twilio: FakeTwilio) -> Sms:
    """Stop the app (its cleanup closes the database) and start a new one on the same file."""
    await sms.client.close()
    app = create_app(config, clock=clock)
    client: Any = await aiohttp_client(app)
    # New MessageSids: a reused one would be answered from the exactly-once table, proving nothing.
    return Sms(client, twilio, clock, app, _sids=itertools.count(10_000))


async def test_a_restart_keeps_flows_presented_requests_and_queues(
    sms: Sms, aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    loft = await list_place(sms, host=HOST, name="Ana")
    cabin = await list_place(sms, host=HOST2, name="Carl", description="Quiet cabin in the pines with a stove")
    # Carl has a request in front of him and another queued behind it.
    await book(sms, GUEST, cabin, "Dec 1-3", name="Gina")
    await book(sms, GUEST2, cabin, "Dec 5-7", name="Hugo")
    # Ana is half-way through listing a second place when a request for her first one arrives.
    await start_listing(sms, HOST)
    await sms.text(HOST, "Beach house with a big garden and a pool")
    await book(sms, GUEST3, loft, "Dec 20-23", name="Iris")
    assert sms.inbox(HOST) == []
    # A guest half-way through booking (name known, dates not yet given).
    await sms.text(GUEST, f"BOOK {loft}")

    sms = await restart(sms, aiohttp_client, config, clock, fake_twilio[0])

    assert "listed as #3" in await sms.text(HOST, "SKIP")  # the photo step, where she was
    await sms.text(HOST, "SKIP")  # the address, and with it the arrival details
    reply = await sms.text(HOST, "SKIP")  # how guests pay: the listing is done
    assert "All set" in reply and "Iris would like to stay" in reply
    assert "Accepted: Iris" in await sms.text(HOST, "YES")
    assert "confirmed" in sms.inbox(GUEST3)[-1]

    reply = await sms.text(HOST2, "YES")  # the request Carl was shown before the restart
    assert "Accepted: Gina" in reply and "Hugo would like" in reply
    assert "Declined: Hugo" in await sms.text(HOST2, "NO")

    assert "How many guests" in await sms.text(GUEST, "Dec 26-28")  # the dates step, where she was
    assert "Request sent!" in await sms.text(GUEST, "2")
    assert "Welcome" not in await sms.text(GUEST2, "hello")  # not a first contact any more


async def test_the_browse_cursor_survives_a_restart(
    sms: Sms, aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    numbers = [await list_place(sms, description=f"Place number {n} with a view of the sea") for n in range(4)]
    assert f"#{numbers[3]} " not in await sms.text(GUEST, "BROWSE")
    sms = await restart(sms, aiohttp_client, config, clock, fake_twilio[0])
    page = await sms.text(GUEST, "MORE")
    assert f"#{numbers[3]} " in page and f"#{numbers[0]} " not in page


async def test_a_retry_after_a_restart_is_still_answered_once(
    sms: Sms, aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
    fake_twilio: tuple[FakeTwilio, str],
) -> None:
    number = await list_place(sms)
    await book(sms, GUEST, number)
    sid = sms.next_sid()
    reply = await sms.text(HOST, "YES", sid=sid)
    sms = await restart(sms, aiohttp_client, config, clock, fake_twilio[0])
    assert await sms.text(HOST, "YES", sid=sid) == reply  # Twilio's retry after we went down
    assert len(sms.inbox(GUEST)) == 1
