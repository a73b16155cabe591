"""Errors answer in the console's own layout, with their status: a page with the menu when signed in, a
plain panel when not, JSON to the pages' scripts; an unexpected failure is logged once with its traceback and
the page never shows the exception's text. And every time the console shows is in `booking.timezone`, named."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import create_app
from bot.clock import FakeClock, to_db
from bot.config import Config
from tests.conftest import GUEST, AiohttpClient, Sms, book, list_place
from tests.console.support import signed_in
from tests.support.fake_twilio import FakeTwilio

MENU = 'id="console-menu"'  # the header's menu: only a signed-in page has it
ERROR = 'class="card narrow error-page"'
BROKEN_TIME = "not a time at all"


def _errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_an_unknown_address_and_a_missing_listing_are_404_pages_with_the_menu(sms: Sms) -> None:
    console = await signed_in(sms)
    for path, words in [("/admin/nowhere", "There is nothing at this address"),
                        ("/admin/listings/999", "No listing #999.")]:
        response = await console.get(path)
        page = await response.text()
        assert response.status == 404, page
        assert response.content_type == "text/html"
        assert ERROR in page and MENU in page and "<h1>Not found</h1>" in page and words in page


async def test_signed_out_an_error_is_a_plain_panel_without_the_menu(sms: Sms) -> None:
    await signed_in(sms)
    response = await sms.client.delete("/admin/login")
    page = await response.text()
    assert response.status == 405 and "POST" in response.headers["Allow"]
    assert ERROR in page and MENU not in page and 'href="/admin/login"' in page


async def test_a_script_gets_json_for_an_unknown_api_address(sms: Sms) -> None:
    console = await signed_in(sms)
    response = await console.get("/admin/api/nothing")
    assert response.status == 404
    assert await response.json() == {"error": "not found"}


async def test_a_refused_form_is_a_403_page_in_the_layout_and_json_to_a_script(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    response = await console.post(f"/admin/listings/{number}/hide", csrf="forged")
    page = await response.text()
    assert response.status == 403
    assert ERROR in page and MENU in page and "<h1>Refused</h1>" in page
    assert "This form has expired or did not come from the console" in page
    sent = await console.post_json("/admin/api/phone/send", {"number": "+15550100", "body": "HI"}, csrf="forged")
    assert sent.status == 403
    assert "did not come from the console" in (await sent.json())["error"]


async def test_an_unexpected_failure_is_a_500_page_logged_once_without_its_text(
        sms: Sms, caplog: pytest.LogCaptureFixture) -> None:
    console = await signed_in(sms)
    # A row no page expects (a time that is not one): the audit page fails reading it.
    await sms.db.run(lambda store: store.report_change(
        "INSERT INTO audit_log (operator, action, target, detail, at) VALUES ('ana', 'odd', NULL, NULL, ?)",
        (BROKEN_TIME,)))
    caplog.clear()
    response = await console.get("/admin/audit")
    page = await response.text()
    assert response.status == 500
    assert ERROR in page and MENU in page and "<h1>Something went wrong</h1>" in page and "Try again" in page
    assert BROKEN_TIME not in page and "isoformat" not in page and "Traceback" not in page
    logged = _errors_logged(caplog)
    assert len(logged) == 1 and logged[0].exc_info is not None, caplog.text
    assert "/admin/audit" in logged[0].getMessage()


@pytest.fixture
async def phone(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
                fake_twilio: tuple[FakeTwilio, str]) -> Sms:
    app = create_app(config.with_(console_dev_phone="on", timezone="Asia/Tokyo"), clock=clock)
    return Sms(await aiohttp_client(app), fake_twilio[0], clock, app)


async def test_a_script_gets_json_for_an_unexpected_failure(phone: Sms, caplog: pytest.LogCaptureFixture) -> None:
    console = await signed_in(phone)
    assert (await console.post_json("/admin/api/phone/send", {"number": "+15550100", "body": "HI"})).status == 200
    await phone.db.run(lambda store: store.report_change("UPDATE inbound SET received_at = ? WHERE phone = ?",
                                                         (BROKEN_TIME, "+15550100")))
    caplog.clear()
    response = await console.get("/admin/api/phone/thread", params={"number": "+15550100"})
    assert response.status == 500
    assert await response.json() == {"error": "something went wrong; try again"}
    assert len(_errors_logged(caplog)) == 1


def _tokyo(moment: datetime) -> str:
    """A moment as the console shows it in Asia/Tokyo."""
    return moment.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M:%S") + " JST"


async def test_times_are_shown_in_the_booking_timezone_with_its_name(phone: Sms) -> None:
    console = await signed_in(phone)
    number = await list_place(phone)
    expected = _tokyo(phone.clock.now())
    utc = phone.clock.now().strftime("%Y-%m-%d %H:%M:%S") + " UTC"
    for path in ["/admin/listings", f"/admin/listings/{number}", "/admin/conversations"]:
        page = await console.page(path)
        assert expected in page and utc not in page, path
    ref = await book(phone, GUEST, number)
    reservation_id = await phone.db.run(lambda store: store.guest_reservation_by_ref(
        store.user_by_phone(GUEST).id, ref).id)
    assert _tokyo(phone.clock.now()) in await console.page(f"/admin/reservations/{reservation_id}")
    phone.clock.advance(seconds=5)
    assert (await console.post_json("/admin/api/phone/send", {"number": "+15550100", "body": "HI"})).status == 200
    thread = await (await console.get("/admin/api/phone/thread", params={"number": "+15550100"})).json()
    assert [item["at"] for item in thread["items"] if item["kind"] == "in"] == [_tokyo(phone.clock.now())]
    assert (await (await console.get("/admin/api/dashboard")).json())["zone"] == "JST"


async def test_a_zone_without_an_abbreviation_is_named_in_full(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    app = create_app(config.with_(timezone="Asia/Dubai"), clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    console = await signed_in(sms)
    moment = clock.now() - timedelta(hours=1)
    await sms.db.run(lambda store: store.report_change(
        "INSERT INTO audit_log (operator, action, target, detail, at) VALUES ('ana', 'odd', NULL, NULL, ?)",
        (to_db(moment),)))
    shown = moment.astimezone(ZoneInfo("Asia/Dubai")).strftime("%Y-%m-%d %H:%M:%S") + " Asia/Dubai"
    assert shown in await console.page("/admin/audit")
