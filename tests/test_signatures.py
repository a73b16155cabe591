"""Signature checks give the answers of twilio's RequestValidator, whichever port form Twilio signed."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from bot.signatures import TwilioSignatures

TOKEN = "secret-token"
FORM = {"From": "+15551230001", "Body": "BOOK 3 Dec 20-23", "MessageSid": "SM" + "1" * 32}


@pytest.mark.parametrize("signed", ["https://airtng.example.com/sms", "https://airtng.example.com:443/sms"])
@pytest.mark.parametrize("called", ["https://airtng.example.com/sms", "https://airtng.example.com:443/sms"])
def test_either_port_form_is_accepted_like_twilio_does(signed: str, called: str) -> None:
    signature = RequestValidator(TOKEN).compute_signature(signed, FORM)
    assert TwilioSignatures(TOKEN).validate(called, FORM, signature)
    assert RequestValidator(TOKEN).validate(called, FORM, signature)


@pytest.mark.parametrize(
    ("uri", "form", "token"),
    [
        ("https://airtng.example.com/sms", {**FORM, "Body": "BOOK 4 Dec 20-23"}, TOKEN),  # tampered body
        ("https://other.example.com/sms", FORM, TOKEN),  # another URL
        ("https://airtng.example.com/sms", FORM, "another-token"),  # signed with another account's token
    ],
)
def test_anything_else_is_refused(uri: str, form: dict[str, str], token: str) -> None:
    signature = RequestValidator(token).compute_signature("https://airtng.example.com/sms", FORM)
    assert not TwilioSignatures(TOKEN).validate(uri, form, signature)
    assert not RequestValidator(TOKEN).validate(uri, form, signature)
