"""The dev phone: texting the bot from the browser as a fictional number, through the webhook's path."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from bot.console.views import dev_number_allowed
from tests.conftest import AiohttpClient, Sms, list_place
from tests.console.support import next_event, signed_in
from tests.support.fake_twilio import FakeTwilio

HOST = "+15550100"
GUEST = "+12025550123"


async def _app(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, twilio: FakeTwilio) -> Sms:
    app = create_app(config, clock=clock)
    return Sms(await aiohttp_client(app), twilio, clock, app)


@pytest.fixture
async def phone(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
                fake_twilio: tuple[FakeTwilio, str]) -> Sms:
    return await _app(aiohttp_client, config.with_(console_dev_phone="on"), clock, fake_twilio[0])


async def _thread(console: Any, number: str) -> list[dict[str, Any]]:
    response = await console.get("/admin/api/phone/thread", params={"number": number})
    assert response.status == 200
    items: list[dict[str, Any]] = (await response.json())["items"]
    return items


async def test_texts_from_the_dev_phone_get_the_bots_answers(phone: Sms) -> None:
    console = await signed_in(phone)
    assert "Texting as" in await console.page("/admin/phone")
    response = await console.post_json("/admin/api/phone/send", {"number": HOST, "body": "HOST"})
    assert response.status == 200
    assert "name" in (await response.json())["replies"][0].lower()
    thread = await _thread(console, HOST)
    assert [item["kind"] for item in thread] == ["in", "reply"]
    assert thread[0]["body"] == "HOST"


async def test_the_dev_phone_streams_its_numbers_thread_as_it_grows(phone: Sms) -> None:
    console = await signed_in(phone)
    stream = await console.get("/admin/api/phone/events", params={"number": HOST})
    assert stream.status == 200 and stream.headers["Content-Type"] == "text/event-stream"
    assert (await next_event(stream))[1]["items"] == []
    await console.post_json("/admin/api/phone/send", {"number": HOST, "body": "HOST <b>"})
    items: list[dict[str, Any]] = []
    while [item["kind"] for item in items] != ["in", "reply"]:
        items = (await next_event(stream))[1]["items"]
    assert items[0]["body"] == "HOST <b>" and "name" in items[1]["body"].lower()
    stream.close()
    refused = await console.get("/admin/api/phone/events", params={"number": "+447700900123"})
    assert refused.status == 400


async def test_the_dev_phone_shows_rest_messages_to_its_number(phone: Sms) -> None:
    console = await signed_in(phone)
    for body in ["HOST", "Ana", "Harbour Loft", "120", "4", "Sunny loft by the harbour, two bedrooms", "SKIP"]:
        phone.clock.advance(seconds=5)  # a thread is in time order; texts at one instant have none
        await console.post_json("/admin/api/phone/send", {"number": HOST, "body": body})
    listing = (await _thread(console, HOST))[-1]["body"].split("listed as #")[1].split()[0].rstrip(".")
    for body in ["SKIP", "SKIP"]:  # the arrival details and how guests pay
        phone.clock.advance(seconds=5)
        await console.post_json("/admin/api/phone/send", {"number": HOST, "body": body})
    await console.post_json("/admin/api/phone/send", {"number": GUEST, "body": f"BOOK {listing} Dec 20-23 2 guests"})
    await console.post_json("/admin/api/phone/send", {"number": GUEST, "body": "Bob"})
    prompt = [item for item in await _thread(console, HOST) if item["kind"] == "sms"]
    assert len(prompt) == 1 and "Bob would like to stay" in prompt[0]["body"]
    assert prompt[0]["status"] == "pending"
    await phone.deliver()
    prompt = [item for item in await _thread(console, HOST) if item["kind"] == "sms"]
    assert prompt[0]["status"] == "sent" and prompt[0]["delivery"] == "queued"  # accepted by Twilio


async def test_the_dev_phone_only_texts_as_fictional_numbers(phone: Sms) -> None:
    console = await signed_in(phone)
    response = await console.post_json("/admin/api/phone/send", {"number": "+15551230001", "body": "HELP"})
    assert response.status == 400
    assert "+1 555 01xx" in (await response.json())["error"]
    assert (await console.get("/admin/api/phone/thread", params={"number": "+447700900123"})).status == 400
    assert await phone.db.run(lambda store: store.user_by_phone("+15551230001")) is None


def test_a_configured_prefix_replaces_the_fictional_range(config: Config) -> None:
    assert dev_number_allowed(config, "+15550199") and dev_number_allowed(config, "+13125550142")
    assert not dev_number_allowed(config, "+15550200") and not dev_number_allowed(config, "+15551230001")
    uk = config.with_(console_dev_phone_prefix="+44770090")
    assert dev_number_allowed(uk, "+447700900123") and not dev_number_allowed(uk, "+15550100")


async def test_the_dev_phone_is_off_when_twilio_credentials_are_set(sms: Sms) -> None:
    console = await signed_in(sms)
    assert (await console.get("/admin/phone")).status == 404
    response = await console.post_json("/admin/api/phone/send", {"number": HOST, "body": "HOST"})
    assert response.status == 404
    assert "Dev phone" not in await console.page("/admin/")


async def test_the_dev_phone_is_on_by_default_without_twilio_credentials(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    bare = config.with_(twilio_account_sid="", twilio_auth_token="")
    sms = await _app(aiohttp_client, bare, clock, fake_twilio[0])
    console = await signed_in(sms)
    assert "Dev phone" in await console.page("/admin/")
    response = await console.post_json("/admin/api/phone/send", {"number": HOST, "body": "BROWSE"})
    assert "No places are listed yet" in (await response.json())["replies"][0]


async def test_the_dev_phone_and_the_webhook_share_one_world(phone: Sms) -> None:
    console = await signed_in(phone)
    number = await list_place(phone, host="+15551230001")
    response = await console.post_json("/admin/api/phone/send", {"number": GUEST, "body": f"VIEW {number}"})
    assert "Sunny loft" in (await response.json())["replies"][0]


async def test_the_dev_phone_shows_what_twilio_itself_answers(phone: Sms) -> None:
    console = await signed_in(phone)
    for body in ("hi", "STOP", "START", "停止"):
        await console.post_json("/admin/api/phone/send", {"number": GUEST, "body": body})
        phone.clock.advance(seconds=1)  # the thread is in time order
    items = await _thread(console, GUEST)
    shown = [(item["kind"], item["body"]) for item in items]
    carrier_out = phone.render("carrier_opted_out", "en")
    # After STOP, Twilio's own confirmation (the bot sends none); after 停止, only the bot's own one.
    assert shown[shown.index(("in", "STOP")) + 1] == ("carrier", carrier_out)
    assert shown[shown.index(("in", "START")) + 1] == ("carrier", phone.render("carrier_opted_in", "en"))
    after = shown[shown.index(("in", "停止")) + 1:]
    assert after == [("reply", phone.render("opted_out", "en", requests=0, listings=0))]


async def test_dev_phone_texts_are_audited_with_the_operators_name(phone: Sms) -> None:
    console = await signed_in(phone, "ana")
    await console.post_json("/admin/api/phone/send", {"number": HOST, "body": "HOST <b>now</b>"})
    audit = await console.page("/admin/audit")
    row = next(row for row in audit.split("<tr>") if 'data-action="dev_phone_text"' in row)
    assert "<td>ana</td>" in row and HOST in row and "HOST &lt;b&gt;now&lt;/b&gt;" in row


@pytest.mark.parametrize("payload", ["[1, 2]", "null", '"text"', "{bad json", b"\xff\xfe"])
async def test_the_dev_phone_answers_400_to_json_that_is_not_an_object(
        phone: Sms, payload: str | bytes, caplog: pytest.LogCaptureFixture) -> None:
    console = await signed_in(phone)
    response = await phone.client.post("/admin/api/phone/send", data=payload, headers={
        **console.headers, "X-CSRF-Token": console.csrf, "Content-Type": "application/json"})
    assert response.status == 400
    assert "expected a JSON object" in (await response.json())["error"]
    assert not [r for r in caplog.records if r.exc_info], caplog.text


