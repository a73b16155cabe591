"""The HTTP edge: signatures (403, nothing changes), validation (400), methods (405), health, TwiML."""

from __future__ import annotations

import pytest

from tests.conftest import GUEST, HOST, PUBLIC_URL, Sms, list_place, signature, twiml_messages
from tests.support.dbview import execute, rows


async def assert_untouched(sms: Sms, phone: str) -> None:
    """The number was never seen: its first text still gets the first-contact welcome."""
    assert "Welcome to Airtng" in await sms.text(phone, "hello")


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "forged"},
        {"X-Twilio-Signature": signature("/sms", {"Body": "HOST"})},  # signed for another form
    ],
)
async def test_unsigned_or_forged_webhooks_are_refused_and_change_nothing(
    sms: Sms, headers: dict[str, str]
) -> None:
    response = await sms.client.post("/sms", data=sms.form(GUEST, "HOST"), headers=headers)
    assert response.status == 403
    await assert_untouched(sms, GUEST)


async def test_a_signature_made_with_another_token_is_refused(sms: Sms) -> None:
    form = sms.form(GUEST, "HOST")
    forged = signature("/sms", form, token="not-the-auth-token")
    response = await sms.client.post("/sms", data=form, headers={"X-Twilio-Signature": forged})
    assert response.status == 403
    await assert_untouched(sms, GUEST)


async def test_a_tampered_body_is_refused(sms: Sms) -> None:
    number = await list_place(sms)
    form = sms.form(GUEST, "STATUS")
    headers = {"X-Twilio-Signature": signature("/sms", form)}
    form["Body"] = f"BOOK {number} Dec 20-23"
    response = await sms.client.post("/sms", data=form, headers=headers)
    assert response.status == 403
    assert sms.inbox(HOST) == []
    await assert_untouched(sms, GUEST)


async def test_a_forged_status_callback_is_refused(sms: Sms) -> None:
    form = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}
    response = await sms.client.post("/sms/status", data=form, headers={"X-Twilio-Signature": "forged"})
    assert response.status == 403


@pytest.mark.parametrize("field", ["From", "Body", "MessageSid"])
async def test_a_webhook_missing_a_field_is_a_bad_request(sms: Sms, field: str) -> None:
    form = sms.form(GUEST, "HOST")
    del form[field]
    response = await sms.post("/sms", form)
    assert response.status == 400
    await assert_untouched(sms, GUEST)


async def test_a_from_that_is_not_a_phone_number_is_a_bad_request(sms: Sms) -> None:
    response = await sms.post("/sms", sms.form("whatsapp:+15551230002", "HOST"))
    assert response.status == 400


async def test_get_on_the_webhook_is_not_allowed(sms: Sms) -> None:
    assert (await sms.client.get("/sms")).status == 405


async def test_health(sms: Sms) -> None:
    response = await sms.client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_ready_only_while_the_schema_is_the_one_the_code_expects(sms: Sms) -> None:
    response = await sms.client.get("/readyz")
    assert response.status == 200 and await response.json() == {"status": "ok"}
    latest = rows(sms, "SELECT version, applied_at FROM schema_migrations ORDER BY version DESC")[0]
    execute(sms, "DELETE FROM schema_migrations WHERE version = ?", (latest["version"],))
    try:  # as if this server's code were newer than the database's schema
        response = await sms.client.get("/readyz")
        assert response.status == 503 and await response.json() == {"status": "unavailable"}
    finally:
        execute(sms, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                (latest["version"], latest["applied_at"]))
    assert (await sms.client.get("/readyz")).status == 200


async def test_the_reply_is_twiml_and_user_text_is_escaped(sms: Sms) -> None:
    description = 'Loft <b>"sea"</b> & sun, two bedrooms'
    number = await list_place(sms, description=description)
    response = await sms.post("/sms", sms.form(GUEST, f"VIEW {number}"))
    assert response.status == 200 and response.content_type == "text/xml"
    [(body, media)] = twiml_messages(await response.text())
    assert description in body and media is None


async def test_a_signature_is_checked_on_the_public_url(sms: Sms) -> None:
    # Twilio signs what it called (PUBLIC_URL + path), not the address the app sees behind a tunnel.
    assert PUBLIC_URL.startswith("https://")
    response = await sms.post("/sms", sms.form(GUEST, "HELP"))
    assert response.status == 200
    assert "BROWSE" in twiml_messages(await response.text())[0][0]
