"""Hostile and broken input at POST /sms: a clear HTTP answer or a helpful text, never a 500, nothing lost."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from bot.keys import CATALOG
from tests.conftest import GUEST, HOST, Sms, list_place, signature, start_listing, twiml_messages
from tests.support.dbview import rows, snapshot


def said(sms: Sms, key: str, **variables: object) -> str:
    return str(sms.app[CATALOG]().render(key, "en", **variables))


# -- the HTTP edge -----------------------------------------------------------------------------------


async def test_missing_or_forged_signatures_are_refused_and_change_nothing(sms: Sms) -> None:
    await sms.text(GUEST, "hello")
    before = snapshot(sms)
    form = sms.form(GUEST, "HOST")
    cases = [
        {},  # no signature
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        {"X-Twilio-Signature": signature("/sms", form, token="someone-elses-token")},
        {"X-Twilio-Signature": signature("/sms", {**form, "Body": "BROWSE"})},  # signed another body
        {"X-Twilio-Signature": signature("/sms/status", form)},  # signed for another URL
    ]
    for headers in cases:
        response = await sms.client.post("/sms", data=form, headers=headers)
        assert response.status == 403, headers
    assert snapshot(sms) == before


@pytest.mark.parametrize("missing", ["From", "Body", "MessageSid"])
async def test_a_missing_field_is_a_400(sms: Sms, missing: str) -> None:
    form = sms.form(GUEST, "BROWSE")
    del form[missing]
    response = await sms.post("/sms", form)
    assert response.status == 400 and missing in await response.text()
    assert rows(sms, "SELECT * FROM inbound") == []


async def test_a_body_that_is_not_a_form_is_a_400(sms: Sms) -> None:
    form = sms.form(GUEST, "BROWSE")
    headers = {"X-Twilio-Signature": signature("/sms", form), "Content-Type": "application/json"}
    response = await sms.client.post("/sms", data=json.dumps(form), headers=headers)
    assert response.status == 400
    response = await sms.client.post("/sms", data=b"\x00\x01\x02garbage", headers={
        "X-Twilio-Signature": "x", "Content-Type": "application/octet-stream"})
    assert response.status == 400


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_a_wrong_method_is_a_405(sms: Sms, method: str) -> None:
    response = await sms.client.request(method, "/sms")
    assert response.status == 405


async def test_a_body_over_the_limit_is_a_413(sms: Sms) -> None:
    form = sms.form(GUEST, "x" * 70_000)
    response = await sms.post("/sms", form)
    assert response.status == 413


async def test_a_chunked_body_over_the_limit_is_a_413_too(sms: Sms) -> None:
    """No Content-Length to check up front: the limit applies while reading."""
    async def chunks() -> AsyncIterator[bytes]:
        yield b"From=%2B15551230002&MessageSid=SM1&Body="
        for _ in range(100):
            yield b"x" * 1000

    response = await sms.client.post("/sms", data=chunks(), headers={
        "X-Twilio-Signature": "x", "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 413


@pytest.mark.parametrize("phone", ["12345", "+1555abc1234", "+0123456789", "+1" + "5" * 20, "",
                                   "+1٥٥٥١٢٣٠٠٠٢", "whatsapp:+15551230002", "+1555123\n0002"])
async def test_a_from_that_is_not_a_phone_number_is_a_400_and_creates_nobody(sms: Sms, phone: str) -> None:
    response = await sms.post("/sms", sms.form(phone, "HOST"))
    assert response.status == 400
    assert rows(sms, "SELECT * FROM users") == []


@pytest.mark.parametrize("num_media", ["lots", "1e3"])
async def test_a_garbled_media_count_is_a_400(sms: Sms, num_media: str) -> None:
    form = sms.form(GUEST, "BROWSE")
    form["NumMedia"] = num_media
    assert (await sms.post("/sms", form)).status == 400


async def test_bytes_that_are_not_utf8_never_cause_a_500(sms: Sms) -> None:
    form = sms.form(GUEST, "BROWSE")
    raw = "&".join(f"{k}={v}" for k, v in form.items() if k != "Body") + "&Body=%FF%FE%C3"
    headers = {"X-Twilio-Signature": "x", "Content-Type": "application/x-www-form-urlencoded"}
    response = await sms.client.post("/sms", data=raw.encode(), headers=headers)
    assert response.status in {400, 403}


# -- texts a person might really send -----------------------------------------------------------------


async def test_an_empty_text_gets_a_helpful_answer(sms: Sms) -> None:
    assert await sms.text(GUEST, "") == said(sms, "welcome")
    assert "HELP" in await sms.text(GUEST, "   ")


async def test_1600_characters_are_answered_and_longer_is_cut_at_1600(sms: Sms) -> None:
    assert "HELP" in await sms.text(GUEST, "word " * 320)  # 1,600 characters of chatter
    await start_listing(sms, HOST)
    reply = await sms.text(HOST, "a" * 5000)  # a description far over the limit
    assert "1600" in reply and "500" in reply


async def test_emoji_and_japanese_round_trip_intact_through_host_and_view(sms: Sms) -> None:
    description = "海辺の静かな一軒家🏖️ 寝室二つ、駅から徒歩五分。朝日がきれいです。Ｗｉ-Ｆｉあり"
    number = await list_place(sms, name="さくら", description=description)
    reply = await sms.text(GUEST, f"VIEW {number}")
    assert description in reply and "さくら" in reply
    assert f"#{number}" in await sms.text(GUEST, "SEARCH 海辺")
    assert rows(sms, "SELECT description FROM listings") == [{"description": description}]


async def test_text_that_looks_like_sql_is_just_text(sms: Sms) -> None:
    description = "Robert'); DROP TABLE listings;-- a flat with 100% sea view"
    number = await list_place(sms, description=description)
    assert description in await sms.text(GUEST, f"VIEW {number}")
    assert f"#{number}" in await sms.text(GUEST, "SEARCH 100%")
    assert "No places match" in await sms.text(GUEST, "SEARCH ' OR 1=1 --")
    other = await list_place(sms, host=GUEST, name="Gus", description="Quiet cabin in the pines, wood stove")
    assert "No places match" in await sms.text(GUEST, "SEARCH _")  # LIKE wildcards are literal
    found = await sms.text(GUEST, "SEARCH %")
    assert f"#{number}" in found and f"#{other}" not in found
    assert rows(sms, "SELECT COUNT(*) AS n FROM listings") == [{"n": 2}]


async def test_template_syntax_is_shown_literally_never_evaluated(sms: Sms) -> None:
    description = "Cosy room {{ 7*7 }} {% for x in range(3) %}x{% endfor %} {{ config }} near the park"
    number = await list_place(sms, name="Bob{{x*x}} Smith", description=description)  # a name has no numbers
    reply = await sms.text(GUEST, f"VIEW {number}")
    assert description in reply and "Host: Bob{{x*x}}." in reply and "49" not in reply
    assert "{{ 7*7 }}" in await sms.text(GUEST, "SEARCH {{ 7*7 }}")


async def test_xml_special_and_control_characters_still_make_valid_twiml(sms: Sms) -> None:
    description = "<Response><Say>hi</Say></Response> & \"quotes\" ]]> \x01\x02\x0b\x1f bell\x07"
    number = await list_place(sms, description=description + " and more words")
    reply = await sms.text(GUEST, f"VIEW {number}")  # twiml_messages parsed it: well-formed XML
    assert "<Response><Say>hi</Say></Response> & \"quotes\" ]]>" in reply
    assert "\x01" not in reply and "\x07" not in reply


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://example.com/a.jpg", "file:///etc/passwd",
                                  "data:image/png;base64,iVBORw0KGgo=", "example.com/photo.jpg",
                                  "http://", "https://exa mple.com/a.jpg"])
async def test_a_photo_link_that_is_not_http_is_refused_with_help(sms: Sms, link: str) -> None:
    await start_listing(sms, HOST)
    await sms.text(HOST, "Sunny loft by the harbour, two bedrooms")
    assert await sms.text(HOST, link) == said(sms, "photo_invalid")
    assert "listed as" in await sms.text(HOST, "SKIP")
    assert rows(sms, "SELECT photo_url FROM listings") == [{"photo_url": None}]


async def test_mms_media_that_is_not_http_is_dropped(sms: Sms) -> None:
    await start_listing(sms, HOST)
    await sms.text(HOST, "Sunny loft by the harbour, two bedrooms")
    assert await sms.text(HOST, "", media=("javascript:alert(1)",)) == said(sms, "photo_invalid")


async def test_an_mms_with_several_pictures_lists_the_first(sms: Sms) -> None:
    await start_listing(sms, HOST)
    await sms.text(HOST, "Sunny loft by the harbour, two bedrooms")
    pictures = tuple(f"https://api.twilio.com/media/ME{n}" for n in range(3))
    reply = await sms.text(HOST, "here you go", media=pictures)
    assert "listed as" in reply and "no photo" not in reply
    [(_, media)] = await sms.text_full(GUEST, "VIEW 1")
    assert media == pictures[0]


async def test_more_media_than_announced_or_a_negative_count_is_harmless(sms: Sms) -> None:
    form = sms.form(GUEST, "BROWSE", media=("https://example.com/a.jpg",))
    form["NumMedia"] = "-5"
    response = await sms.post("/sms", form)
    assert response.status == 200 and twiml_messages(await response.text())
    form = sms.form(GUEST, "BROWSE")
    form["NumMedia"] = "99"  # announces 99, sends none
    assert (await sms.post("/sms", form)).status == 200
