"""What a real Twilio account does that the simplest set-up does not: webhook URLs signed exactly as
configured (encoded query strings, either port form, a PUBLIC_URL ending in "/"), a Messaging Service,
Advanced Opt-Out's OptOutType, texts that went stale while they waited, hosts whose number cannot take SMS,
delivery reports that overtake the record of their send, and logs that never carry a whole phone number."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from twilio.request_validator import RequestValidator
from yarl import URL

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.gateway import ConsoleGateway
from bot.keys import CATALOG, SCHEDULER
from tests.conftest import (
    AUTH_TOKEN,
    GUEST,
    GUEST2,
    HOST,
    PUBLIC_URL,
    AiohttpClient,
    Sms,
    book,
    described,
    list_place,
    twiml_messages,
)
from tests.support.dbview import outbox, rows, user
from tests.support.fake_twilio import FakeTwilio
from tests.support.polling import until


def said(sms: Sms, key: str, **variables: Any) -> str:
    return str(sms.app[CATALOG]().render(key, "en", **variables))


async def _app(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, twilio: FakeTwilio) -> Sms:
    app = create_app(config, clock=clock)
    return Sms(await aiohttp_client(app), twilio, clock, app)


async def _post_as_twilio(sms: Sms, target: str, form: dict[str, str], signed_url: str) -> tuple[int, str]:
    """POST `form` to `target` exactly as written on the request line (path and query still encoded, as
    Twilio calls the URL configured in its console), signed by twilio's own RequestValidator over
    `signed_url`."""
    url = URL(str(sms.client.make_url("/")).rstrip("/") + target, encoded=True)
    headers = {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(signed_url, form)}
    async with sms.client.session.post(url, data=form, headers=headers) as response:
        return response.status, await response.text()


# -- 1. webhook URLs signed exactly as configured ---------------------------------------------------------

QUERIES = ["?src=a%20b", "?name=a+b", "?k=caf%C3%A9", "?tok=abc%2Fdef"]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("signed_host", ["https://airtng.example.com", "https://airtng.example.com:443"])
async def test_a_webhook_url_with_an_encoded_query_is_checked_as_twilio_signed_it(
        sms: Sms, query: str, signed_host: str) -> None:
    status, answer = await _post_as_twilio(sms, "/sms" + query, sms.form(GUEST, "hello"), signed_host + "/sms" + query)
    assert status == 200, answer
    assert "Welcome to Airtng" in twiml_messages(answer)[0][0]


@pytest.mark.parametrize("signed_host", ["https://airtng.example.com", "https://airtng.example.com:443"])
async def test_the_configured_port_form_is_accepted_whichever_form_twilio_signed(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, fake_twilio: tuple[FakeTwilio, str],
        signed_host: str) -> None:
    sms = await _app(aiohttp_client, config.with_(public_url="https://airtng.example.com:443"), clock, fake_twilio[0])
    status, answer = await _post_as_twilio(sms, "/sms?src=a%20b", sms.form(GUEST, "hello"),
                                           signed_host + "/sms?src=a%20b")
    assert status == 200, answer


async def test_a_signature_over_the_decoded_query_is_refused(sms: Sms) -> None:
    """Twilio never signs `a b` for `a%20b`: a signature that does is not Twilio's."""
    status, _ = await _post_as_twilio(sms, "/sms?src=a%20b", sms.form(GUEST, "hello"), PUBLIC_URL + "/sms?src=a b")
    assert status == 403
    assert rows(sms, "SELECT * FROM users") == []


# -- 2. PUBLIC_URL with a trailing slash -------------------------------------------------------------------

def test_a_public_url_ending_in_a_slash_is_normalised_at_start_up() -> None:
    assert load_config(env={"PUBLIC_URL": "https://x.ngrok.app/"}).public_url == "https://x.ngrok.app"
    assert load_config(env={"PUBLIC_URL": "https://x.ngrok.app"}).public_url == "https://x.ngrok.app"


@pytest.mark.parametrize("configured", [PUBLIC_URL + "/", PUBLIC_URL])
async def test_both_public_url_forms_work_for_webhooks_and_status_callbacks(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, fake_twilio: tuple[FakeTwilio, str],
        configured: str) -> None:
    sms = await _app(aiohttp_client, config.with_(public_url=configured), clock, fake_twilio[0])
    # The console holds `$PUBLIC_URL/sms` as the operator pasted it: with the slash, `https://host//sms`.
    for target in ("/sms", "//sms"):
        status, answer = await _post_as_twilio(sms, target, sms.form(GUEST, "hello"), PUBLIC_URL + target)
        assert status == 200, answer
    number = await list_place(sms)
    await book(sms, GUEST2, number)
    [prompt] = sms.twilio.messages
    assert prompt.status_callback == PUBLIC_URL + "/sms/status"
    report = {"MessageSid": prompt.sid, "MessageStatus": "delivered", "To": HOST}
    status, _ = await _post_as_twilio(sms, "//sms/status", report, PUBLIC_URL + "//sms/status")
    assert status == 204
    assert outbox(sms, HOST)[0]["delivery_status"] == "delivered"


# -- 3. Messaging Service ------------------------------------------------------------------------------------

SERVICE = "MG" + "b" * 32


@pytest.mark.parametrize(("service", "sent_from"), [(SERVICE, ""), ("", "+15550000000")])
async def test_with_a_messaging_service_messages_go_through_it_without_a_from(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, fake_twilio: tuple[FakeTwilio, str],
        service: str, sent_from: str) -> None:
    sms = await _app(aiohttp_client, config.with_(twilio_messaging_service_sid=service), clock, fake_twilio[0])
    number = await list_place(sms)
    await book(sms, GUEST, number)
    [prompt] = sms.twilio.messages
    assert prompt.to == HOST and "YES" in prompt.body
    assert (prompt.messaging_service_sid, prompt.from_) == (service or None, sent_from)


def test_the_messaging_service_is_read_from_the_environment() -> None:
    config = load_config(env={"TWILIO_MESSAGING_SERVICE_SID": SERVICE})
    assert config.twilio_messaging_service_sid == SERVICE


# -- 4. Advanced Opt-Out ---------------------------------------------------------------------------------------

async def _text_typed(sms: Sms, phone: str, body: str, opt_out_type: str) -> list[tuple[str, str | None]]:
    form = {**sms.form(phone, body), "OptOutType": opt_out_type}
    messages = twiml_messages(await sms.answer(form))
    await sms.deliver()
    return messages


@pytest.mark.parametrize("body", ["配信停止", "ストップ", "BOOK 1 Dec 20-23"])
async def test_opt_out_type_stop_opts_out_silently_whatever_the_body_says(sms: Sms, body: str) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    assert await _text_typed(sms, HOST, body, "STOP") == []
    assert user(sms, HOST)["opted_out"] == 1
    assert ref in sms.inbox(GUEST)[-1] and "left Airtng" in sms.inbox(GUEST)[-1]  # as for a STOP


async def test_opt_out_type_start_and_help_act_as_start_and_help(sms: Sms) -> None:
    await sms.text(GUEST, "hello")
    await _text_typed(sms, GUEST, "配信停止", "STOP")
    assert await _text_typed(sms, GUEST, "おしえて", "HELP") == [(said(sms, "help_opted_out"), None)]
    assert user(sms, GUEST)["opted_out"] == 1
    assert await _text_typed(sms, GUEST, "再開", "START") == [(said(sms, "opted_in"), None)]
    assert user(sms, GUEST)["opted_out"] == 0
    assert await _text_typed(sms, GUEST, "おしえて", "HELP") == [
        (said(sms, "help", more=False, ref="", host=False, msg_ref=""), None)]


async def test_opt_out_type_stop_is_honoured_over_the_rate_limit(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    sms = await _app(aiohttp_client, config.with_(texts_per_window=2), clock, fake_twilio[0])
    for _ in range(4):
        await sms.text(GUEST, "hello")
    await _text_typed(sms, GUEST, "配信停止", "STOP")
    assert user(sms, GUEST)["opted_out"] == 1


# -- 5. texts that went stale while they waited ------------------------------------------------------------

async def _request_queued_unsent(sms: Sms) -> str:
    """A listing, then a booking while no sender runs: the host's prompt waits in the outbox."""
    number = await list_place(sms)
    await sms.answer(sms.form(GUEST, f"BOOK {number} Dec 20-23 2 guests"))
    answer = await sms.answer(sms.form(GUEST, "Bob"))
    [(reply, _)] = twiml_messages(answer)
    assert [r["status"] for r in outbox(sms, HOST)] == ["pending"]
    return reply.split("reference: ")[1].split(".")[0]


async def test_a_prompt_for_a_request_decided_meanwhile_is_skipped_as_stale_and_the_guest_told(sms: Sms) -> None:
    """`run.py chat` without a server: the host saw the prompt there and answered YES, then the guest cancelled
    the stay. When the sender runs, the prompt is not sent; the guest's confirmation still is."""
    ref = await _request_queued_unsent(sms)
    await sms.answer(sms.form(HOST, "YES"))
    await sms.answer(sms.form(GUEST, f"CANCEL {ref}"))
    await sms.answer(sms.form(GUEST, "YES"))  # a confirmed stay is cancelled once the guest says YES
    await sms.deliver()

    prompt, cancelled = outbox(sms, HOST)
    assert (prompt["status"], prompt["last_error"], prompt["twilio_sid"]) == ("skipped", "stale", None)
    assert prompt["message_key"] == "host_prompt"
    assert sms.inbox(HOST) == [cancelled["body"]]  # told of the cancellation, not asked
    [confirmation] = sms.inbox(GUEST)  # outcomes to guests are never skipped
    assert "confirmed" in confirmation and ref in confirmation


async def test_a_prompt_for_a_request_the_guest_withdrew_meanwhile_is_skipped_and_the_next_one_goes_out(
        sms: Sms) -> None:
    ref = await _request_queued_unsent(sms)
    await sms.answer(sms.form(GUEST2, "BOOK 1 Dec 27-29 2 guests"))
    await sms.answer(sms.form(GUEST2, "Hugo"))
    await sms.answer(sms.form(GUEST, f"CANCEL {ref}"))  # the host is moved on to Hugo's request
    sms.clock.advance(hours=2)  # late, but that request is still the one in front of the host
    await sms.deliver()

    host_rows = outbox(sms, HOST)
    assert (host_rows[0]["status"], host_rows[0]["last_error"]) == ("skipped", "stale")
    assert (host_rows[-1]["status"], host_rows[-1]["message_key"]) == ("sent", "host_prompt")
    assert "Hugo" in sms.inbox(HOST)[-1] and "YES" in sms.inbox(HOST)[-1]
    assert not any("Bob" in body and "YES" in body for body in sms.inbox(HOST))


async def test_a_reminder_for_a_request_decided_meanwhile_is_skipped_and_the_guest_told(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    assert len(sms.inbox(HOST)) == 1
    sms.clock.advance(hours=21)
    await sms.app[SCHEDULER].run_due()  # the reminder is queued; no sender runs
    await sms.answer(sms.form(HOST, "NO"))
    await sms.deliver()

    reminder = outbox(sms, HOST)[-1]
    assert (reminder["status"], reminder["last_error"]) == ("skipped", "stale")
    assert reminder["message_key"] == "host_reminder"
    assert len(sms.inbox(HOST)) == 1
    assert ref in sms.inbox(GUEST)[-1] and "can't take" in sms.inbox(GUEST)[-1]


# -- 6. a host whose number cannot take SMS ----------------------------------------------------------------

@pytest.mark.parametrize("code", [21211, 21614, 21612, 21408])
async def test_an_unreachable_host_has_the_waiting_requests_declined_at_once_guests_told(sms: Sms, code: int) -> None:
    sms.twilio.fail_next(400, code, to=HOST)
    number = await list_place(sms)
    for guest, dates, name in ((GUEST, "Dec 1-3", "Gina"), (GUEST2, "Dec 5-7", "Hugo")):
        await sms.answer(sms.form(guest, f"BOOK {number} {dates} 2 guests"))
        await sms.answer(sms.form(guest, name))
    await sms.deliver()  # the prompt fails for good; no time passes

    assert sms.inbox(HOST) == []
    assert [(r["status"], r["reason"]) for r in rows(sms, "SELECT status, reason FROM reservations ORDER BY id")] \
        == [("declined", "unreachable"), ("declined", "unreachable")]
    for guest in (GUEST, GUEST2):
        [notice] = sms.inbox(guest)
        assert "can't be reached" in notice and f"#{number}" in notice


@pytest.mark.parametrize("code", ["30005", "30006"])
async def test_an_unreachable_host_reported_by_callback_has_the_waiting_requests_declined_at_once(
        sms: Sms, code: str) -> None:
    number = await list_place(sms)
    first = await book(sms, GUEST, number, "Dec 1-3", name="Gina")
    second = await book(sms, GUEST2, number, "Dec 5-7", name="Hugo")
    [prompt] = sms.twilio.messages
    report = {"MessageSid": prompt.sid, "MessageStatus": "undelivered", "ErrorCode": code, "To": HOST}
    assert (await sms.post("/sms/status", report)).status == 204
    await sms.deliver()

    assert user(sms, HOST)["unreachable"] == f"error {code}"
    assert first in sms.inbox(GUEST)[-1] and "can't be reached" in sms.inbox(GUEST)[-1]
    assert second in sms.inbox(GUEST2)[-1] and "can't be reached" in sms.inbox(GUEST2)[-1]


async def test_the_unreachable_notice_is_in_the_guests_language(sms: Sms) -> None:
    sms.twilio.fail_next(400, 21211, to=HOST)
    number = await list_place(sms)
    await sms.text(GUEST, "LANG JA")
    await sms.text(GUEST, f"BOOK {number} Dec 20-23 2 guests")
    await sms.text(GUEST, "Bob")
    request = rows(sms, "SELECT id FROM reservations ORDER BY id DESC LIMIT 1")[0]
    assert sms.inbox(GUEST)[-1] == sms.render("guest_declined_unreachable", "ja",
                                              **await described(sms, request["id"]))


# -- 7. a delivery report that overtakes the record of its send ---------------------------------------------

@pytest.mark.parametrize(("status", "code", "recorded_code"), [("delivered", None, None),
                                                               ("undelivered", "30003", 30003)])
async def test_a_delivery_report_that_overtakes_the_send_record_is_recorded_with_it(
        sms: Sms, status: str, code: str | None, recorded_code: int | None) -> None:
    await _request_queued_unsent(sms)
    answered = sms.twilio.hold_answer(HOST)
    sending = asyncio.create_task(sms.deliver())
    await until(lambda: len(sms.twilio.messages) == 1)  # Twilio has the message; we do not know its SID yet
    report = {"MessageSid": sms.twilio.messages[0].sid, "MessageStatus": status, "To": HOST}
    if code is not None:
        report["ErrorCode"] = code
    assert (await sms.post("/sms/status", report)).status == 204
    answered.set()
    await asyncio.wait_for(sending, 10)

    [prompt] = outbox(sms, HOST)
    assert (prompt["status"], prompt["delivery_status"], prompt["error_code"]) == ("sent", status, recorded_code)
    assert rows(sms, "SELECT * FROM early_deliveries") == []


async def test_reports_no_message_claims_are_kept_for_a_month_then_forgotten(sms: Sms) -> None:
    report = {"MessageSid": "SM" + "e" * 32, "MessageStatus": "delivered", "To": GUEST}
    assert (await sms.post("/sms/status", report)).status == 204
    assert len(rows(sms, "SELECT * FROM early_deliveries")) == 1
    sms.clock.advance(days=29)  # the operator sees it in `run.py outbox` meanwhile (tests/test_reconcile.py)
    await sms.run_scheduler()
    assert len(rows(sms, "SELECT * FROM early_deliveries")) == 1
    sms.clock.advance(days=2)
    await sms.run_scheduler()
    assert rows(sms, "SELECT * FROM early_deliveries") == []


# -- logs -------------------------------------------------------------------------------------------------

async def test_info_and_warning_logs_carry_no_whole_phone_number_nor_message_text(
        sms: Sms, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    sms.twilio.fail_next(400, 21211, to=HOST)  # Twilio's message names the number
    number = await list_place(sms)
    await book(sms, GUEST, number)
    await ConsoleGateway().send(GUEST, "Your secret stay details", None)

    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and r.levelno < logging.ERROR]
    assert any("...0001" in line for line in loud)  # the host's failure is logged, masked
    assert any("...0002" in line for line in loud)  # and the console's send
    for line in loud:
        assert HOST not in line and GUEST not in line and "secret" not in line
    quiet = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(GUEST in line and "secret" in line for line in quiet)  # DEBUG may say it all
