"""The Twilio side: what counts as worth retrying, and delivery status callbacks on POST /sms/status."""

from __future__ import annotations

import pytest

from bot.gateway import describe_failure, is_transient
from tests.conftest import GUEST, HOST, PUBLIC_URL, Sms, book, list_place, signature
from tests.support.dbview import outbox, user


@pytest.mark.parametrize(("status", "code", "transient"), [
    (500, None, True), (502, None, True), (503, 20503, True), (429, 20429, True), (401, 20003, True),
    (400, 21610, False), (400, 21211, False), (400, 21614, False), (400, 21612, False), (400, 21602, False),
    (404, 20404, False),
])
def test_which_rest_failures_are_retried(status: int, code: int | None, transient: bool) -> None:
    assert is_transient(status, code) is transient


def test_failure_reasons_name_the_permanent_cause_for_operators() -> None:
    assert describe_failure(400, 21211, "Invalid 'To'").startswith("invalid_number: HTTP 400 code 21211")
    assert describe_failure(500, None, "x" * 2000).startswith("HTTP 500 code None: xxx")
    assert len(describe_failure(500, None, "x" * 2000)) == 500


async def _one_sent_message(sms: Sms) -> tuple[str, dict[str, object]]:
    """A host prompt that went out; returns its Twilio sid and outbox row."""
    number = await list_place(sms)
    await book(sms, GUEST, number)
    [row] = outbox(sms, HOST)
    assert row["status"] == "sent" and row["delivery_status"] == "queued"
    # Twilio was told where to report delivery.
    assert sms.twilio.messages[-1].status_callback == PUBLIC_URL + "/sms/status"
    return str(row["twilio_sid"]), row


def _status_form(sid: str, status: str, error_code: str | None = None) -> dict[str, str]:
    form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
            "AccountSid": "AC" + "a" * 32, "To": HOST, "From": "+15550000000", "ApiVersion": "2010-04-01"}
    if error_code is not None:
        form["ErrorCode"] = error_code
    return form


async def test_status_callbacks_record_delivery_and_never_go_backwards(sms: Sms) -> None:
    sid, _ = await _one_sent_message(sms)
    for status in ("sent", "delivered", "sent"):  # the late 'sent' arrives after 'delivered'
        response = await sms.post("/sms/status", _status_form(sid, status))
        assert response.status == 204
    [row] = outbox(sms, HOST)
    assert row["delivery_status"] == "delivered" and row["error_code"] is None


async def test_undelivered_with_an_error_code_is_recorded_and_shown_to_operators(sms: Sms) -> None:
    sid, _ = await _one_sent_message(sms)
    response = await sms.post("/sms/status", _status_form(sid, "undelivered", "30003"))
    assert response.status == 204
    [row] = outbox(sms, HOST)
    assert row["delivery_status"] == "undelivered" and row["error_code"] == 30003
    assert user(sms, HOST)["unreachable"] is None  # 30003 (handset off) may pass next time


async def test_a_landline_reported_by_callback_is_recorded_against_the_user(sms: Sms) -> None:
    sid, _ = await _one_sent_message(sms)
    await sms.post("/sms/status", _status_form(sid, "failed", "30006"))
    assert user(sms, HOST)["unreachable"] == "error 30006"


async def test_a_21610_callback_opts_the_recipient_out(sms: Sms) -> None:
    sid, _ = await _one_sent_message(sms)
    await sms.post("/sms/status", _status_form(sid, "failed", "21610"))
    await sms.deliver()
    assert user(sms, HOST)["opted_out"] == 1
    assert "left Airtng" in sms.inbox(GUEST)[-1]


async def test_a_21610_callback_that_overtakes_our_record_of_the_send_still_opts_out(sms: Sms) -> None:
    await _one_sent_message(sms)
    # A callback for a message we have not marked sent yet (its SID is unknown here): the To still counts.
    await sms.post("/sms/status", _status_form("SM" + "f" * 32, "failed", "21610"))
    await sms.deliver()
    assert user(sms, HOST)["opted_out"] == 1
    assert "left Airtng" in sms.inbox(GUEST)[-1]


async def test_status_callbacks_must_be_signed(sms: Sms) -> None:
    sid, _ = await _one_sent_message(sms)
    unsigned = await sms.client.post("/sms/status", data=_status_form(sid, "delivered"))
    assert unsigned.status == 403
    form = _status_form(sid, "delivered")
    forged = await sms.client.post("/sms/status", data=form,
                                   headers={"X-Twilio-Signature": signature("/sms/status", form, "wrong-token")})
    assert forged.status == 403
    # Signed for 'failed' but carrying 'delivered': the body was tampered with.
    tampered = await sms.client.post(
        "/sms/status", data=form,
        headers={"X-Twilio-Signature": signature("/sms/status", _status_form(sid, "failed", "21610"))})
    assert tampered.status == 403
    [row] = outbox(sms, HOST)
    assert row["delivery_status"] == "queued"
    assert user(sms, HOST)["opted_out"] == 0


@pytest.mark.parametrize("form", [
    {"MessageStatus": "delivered"},
    {"MessageSid": "SM1"},
    {"MessageSid": "SM1", "MessageStatus": "exploded"},
    {"MessageSid": "SM" + "1" * 100, "MessageStatus": "sent"},
])
async def test_malformed_status_callbacks_get_a_400(sms: Sms, form: dict[str, str]) -> None:
    response = await sms.post("/sms/status", form)
    assert response.status == 400


async def test_a_callback_for_a_message_we_never_sent_is_acknowledged_and_ignored(sms: Sms) -> None:
    response = await sms.post("/sms/status", _status_form("SM" + "f" * 32, "delivered", "abc"))
    assert response.status == 204
    assert outbox(sms) == []
