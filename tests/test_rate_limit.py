"""Abuse limits: a per-phone rate limit on inbound texts, and a cap on a guest's pending requests."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from bot.keys import CATALOG
from tests.conftest import GUEST, GUEST2, HOST, AiohttpClient, Sms, list_place
from tests.support.dbview import rows, user
from tests.support.fake_twilio import FakeTwilio

LIMIT = 5


@pytest.fixture
async def limited(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
                  fake_twilio: tuple[FakeTwilio, str]) -> Sms:
    app = create_app(config.with_(texts_per_window=LIMIT, window_seconds=60), clock=clock)
    return Sms(await aiohttp_client(app), fake_twilio[0], clock, app)


def notice(sms: Sms) -> str:
    return str(sms.app[CATALOG]().render("rate_limited", "en"))


async def test_over_the_limit_one_short_notice_then_silence_until_the_window_passes(limited: Sms) -> None:
    sms = limited
    for _ in range(LIMIT):
        assert await sms.text(GUEST, "BROWSE")
    assert await sms.text(GUEST, "BROWSE") == notice(sms)
    for text in ("BROWSE", "HELP", "HOST", "hello"):
        assert await sms.text_full(GUEST, text) == []  # silence, and nothing happens
    # HOST was not acted on: no flow was started (an idle conversation may have no row at all).
    flows = rows(sms, "SELECT flow FROM conversations WHERE user_id = ?", (user(sms, GUEST)["id"],))
    assert [row["flow"] for row in flows] in ([], [None])
    assert await sms.text(GUEST2, "BROWSE")  # another phone is not affected

    sms.clock.advance(seconds=60)
    assert await sms.text(GUEST, "HOST") != notice(sms)  # a new window: answered and acted on
    assert rows(sms, "SELECT flow FROM conversations WHERE user_id = ?", (user(sms, GUEST)["id"],)) == [
        {"flow": "hosting"}]
    assert sms.inbox(GUEST) == []  # the notice came in the reply, never as an extra REST message


async def test_stop_is_honoured_even_over_the_limit(limited: Sms) -> None:
    sms = limited
    for _ in range(LIMIT + 3):
        await sms.text(GUEST, "BROWSE")
    assert await sms.text_full(GUEST, "STOP") == []
    assert user(sms, GUEST)["opted_out"] == 1


async def test_an_opted_out_number_gets_no_rate_limit_notice(limited: Sms) -> None:
    sms = limited
    await sms.text(GUEST, "STOP")
    for _ in range(LIMIT + 3):
        assert await sms.text_full(GUEST, "hello?") == []


async def test_a_retry_of_a_silenced_text_stays_silent_and_is_not_counted_again(limited: Sms) -> None:
    sms = limited
    sids = [sms.next_sid() for _ in range(LIMIT + 2)]
    replies = [await sms.text(GUEST, "BROWSE", sid=sid) for sid in sids]
    assert replies[LIMIT] == notice(sms) and replies[LIMIT + 1] == ""
    counted = rows(sms, "SELECT * FROM rate_limits")
    assert [await sms.text(GUEST, "BROWSE", sid=sid) for sid in sids] == replies
    assert rows(sms, "SELECT * FROM rate_limits") == counted


async def test_a_guest_cannot_have_more_than_the_capped_pending_requests(sms: Sms) -> None:
    numbers = [await list_place(sms, host=f"+1555999000{i}", name=f"Host{i}",
                                description=f"Place number {i} with a garden and a view") for i in range(4)]
    await sms.text(GUEST, "hi")
    for index, number in enumerate(numbers[:3]):
        reply = await sms.text(GUEST, f"BOOK {number} Dec {index + 1}-{index + 2} 2 guests")
        if "name" in reply.lower():
            reply = await sms.text(GUEST, "Bob")
        assert "reference" in reply.lower()
    reply = await sms.text(GUEST, f"BOOK {numbers[3]} Dec 10-12")
    assert "3 requests waiting" in reply
    assert rows(sms, "SELECT COUNT(*) AS n FROM reservations WHERE guest_id = ?", (user(sms, GUEST)["id"],)) == [
        {"n": 3}]
    assert all(sms.inbox(f"+1555999000{i}") for i in range(3)) and not sms.inbox("+15559990003")
    assert HOST not in {m.to for m in sms.twilio.messages}
