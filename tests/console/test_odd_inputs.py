"""No input makes the console (or the webhook) answer 500: odd bytes in headers, odd numbers and words in
searches, ids past 64 bits, JSON that is not an object, line breaks in `next=`. Each gets a 4xx or a
plain page, and the log holds no traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.console import auth
from tests.conftest import GUEST, Sms, book, list_place
from tests.console.support import Console, add_operator, signed_in


async def _raw(sms: Sms, request: bytes) -> tuple[int, str]:
    """Send bytes as they are (a client library would refuse to write them) and read the status line."""
    server = sms.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    head = answer.decode("latin-1")
    return int(head.split(" ", 2)[1]), head


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], caplog.text


async def test_a_cookie_byte_that_is_not_utf8_is_no_session(sms: Sms, caplog: pytest.LogCaptureFixture) -> None:
    await add_operator(sms)
    status, head = await _raw(sms, b"GET /admin/listings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                   b"Cookie: " + auth.SESSION_COOKIE.encode() + b"=ab\xffcd\r\n\r\n")
    assert status == 303 and "Location: /admin/login" in head
    _no_traceback(caplog)


async def test_a_csrf_header_byte_that_is_not_utf8_is_a_wrong_token(sms: Sms, caplog: pytest.LogCaptureFixture) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    status, _ = await _raw(sms, f"POST /admin/listings/{number}/hide HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                f"Cookie: {auth.SESSION_COOKIE}={console.token}\r\nContent-Length: 0\r\n".encode()
                           + b"X-CSRF-Token: \xff\xfe\r\n\r\n")
    assert status == 403
    assert "Hide this listing" in await console.page(f"/admin/listings/{number}")
    _no_traceback(caplog)


async def test_a_twilio_signature_byte_that_is_not_utf8_is_refused(sms: Sms, caplog: pytest.LogCaptureFixture) -> None:
    body = b"MessageSid=SM1&From=%2B15551230002&Body=HI"
    status, _ = await _raw(sms, b"POST /sms HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                b"Content-Type: application/x-www-form-urlencoded\r\n"
                                b"Content-Length: " + str(len(body)).encode() + b"\r\n"
                                b"X-Twilio-Signature: \xff\xfe==\r\n\r\n" + body)
    assert status == 403
    _no_traceback(caplog)


SEARCHES = ["/admin/listings?q=²", "/admin/listings?q=%23²", "/admin/listings?q=123456789012345678901",
            "/admin/reservations?place=²", "/admin/reservations?place=99999999999999999999",
            "/admin/conversations?q=²", "/admin/conversations?q=123456789012345678901",
            "/admin/listings?q=" + "+".join(["loft"] * 1000), "/admin/reservations?place=" + "+".join(["x"] * 1000),
            "/admin/conversations?q=" + "+".join(["a"] * 1000), "/admin/messages/edit?lang=en&key=help&alt=²"]


@pytest.mark.parametrize("path", SEARCHES)
async def test_odd_searches_get_a_page(sms: Sms, path: str, caplog: pytest.LogCaptureFixture) -> None:
    console = await signed_in(sms)
    await list_place(sms)
    response = await console.get(path)
    assert response.status == 200, await response.text()
    _no_traceback(caplog)


IDS = ["/admin/listings/{big}", "/admin/reservations/{big}", "/admin/conversations/{big}",
       "/admin/listings/{huge}", "/admin/reservations/{huge}", "/admin/conversations/{huge}"]


@pytest.mark.parametrize("path", IDS)
async def test_ids_past_64_bits_are_not_found(sms: Sms, path: str, caplog: pytest.LogCaptureFixture) -> None:
    console = await signed_in(sms)
    response = await console.get(path.format(big=2 ** 64, huge="9" * 40))
    assert response.status == 404
    _no_traceback(caplog)


@pytest.mark.parametrize("action", ["/admin/listings/{id}/hide", "/admin/outbox/{id}/retry"])
async def test_actions_on_ids_past_64_bits_are_not_found(sms: Sms, action: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    console = await signed_in(sms)
    assert (await console.post(action.format(id=2 ** 64))).status == 404
    _no_traceback(caplog)


@pytest.mark.parametrize("next_path", ["/admin/\r\nSet-Cookie: x=1", "/admin/\nX: y", "/admin/\x00"])
async def test_a_next_path_with_a_line_break_signs_in_to_the_dashboard(
        sms: Sms, next_path: str, caplog: pytest.LogCaptureFixture) -> None:
    await add_operator(sms)
    page = await sms.client.get("/admin/login", params={"next": next_path})
    assert page.status == 200
    token = page.cookies[auth.LOGIN_COOKIE].value
    response = await sms.client.post("/admin/login", data={
        "name": "ana", "password": "correct horse battery staple", "csrf": token, "next": next_path},
        headers={"Cookie": f"{auth.LOGIN_COOKIE}={token}"}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/admin/"
    assert "x" not in response.cookies
    _no_traceback(caplog)


async def test_a_search_with_many_words_still_finds_by_the_first_ones(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms, description="Sunny loft by the harbour, two bedrooms")
    await book(sms, GUEST, number)
    page = await console.page("/admin/listings?q=" + "+".join(["loft"] * 1000))
    assert f"/admin/listings/{number}" in page


async def test_signed_out_odd_cookie_still_gets_the_login_page(sms: Sms) -> None:
    await add_operator(sms)
    assert (await Console(sms, token="\u00e9").get("/admin/")).status == 303
