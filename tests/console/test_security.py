"""The console's guard: sign-in, sessions, CSRF, headers, throttling, escaping, the audit log."""

from __future__ import annotations

import logging
import re

import pytest

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from bot.console import auth
from bot.console import queries as q
from tests.conftest import GUEST, HOST, AiohttpClient, Sms, book, list_place
from tests.console.support import PASSWORD, Console, add_operator, signed_in
from tests.support.fake_twilio import FakeTwilio

PAGES = ["/admin/", "/admin/listings", "/admin/listings/1", "/admin/listings/1/hide", "/admin/reservations",
         "/admin/reservations/1",
         "/admin/conversations", "/admin/conversations/1", "/admin/outbox", "/admin/messages",
         "/admin/messages/edit?lang=en&key=help", "/admin/audit"]
JSON = ["/admin/api/dashboard", "/admin/api/phone/thread?number=%2B15550100", "/admin/api/dashboard/events",
        "/admin/api/phone/events?number=%2B15550100"]
ACTIONS = ["/admin/listings/1/hide", "/admin/listings/1/unhide", "/admin/outbox/1/retry",
           "/admin/outbox/1/give-up", "/admin/messages/edit", "/admin/messages/restore/1", "/admin/sign-ins/lift",
           "/admin/logout"]


async def test_with_no_operator_the_console_only_says_how_to_create_one(sms: Sms) -> None:
    await list_place(sms, description="Secret loft nobody should see here")
    page = await sms.client.get("/admin/")
    text = await page.text()
    assert page.status == 200
    assert "python run.py operator add" in text
    assert "Secret loft" not in text and "Sign in" not in text
    elsewhere = await sms.client.get("/admin/listings", allow_redirects=False)
    assert elsewhere.status == 303 and elsewhere.headers["Location"] == "/admin/"
    assert (await sms.client.get("/admin/api/dashboard")).status == 401
    bare = await sms.client.get("/admin", allow_redirects=False)
    assert bare.status == 302 and bare.headers["Location"] == "/admin/"


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_sends_a_stranger_to_sign_in(sms: Sms, path: str) -> None:
    await add_operator(sms)
    response = await sms.client.get(path, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("path", JSON)
async def test_json_endpoints_answer_401_without_a_session(sms: Sms, path: str) -> None:
    await add_operator(sms)
    response = await sms.client.get(path)
    assert response.status == 401
    assert "sign in" in (await response.json())["error"]


@pytest.mark.parametrize("path", ACTIONS)
async def test_actions_without_a_session_change_nothing(sms: Sms, path: str) -> None:
    await add_operator(sms)
    number = await list_place(sms)
    stranger = Console(sms, token="not-a-session", csrf="whatever")
    response = await stranger.post(path.replace("/1/", f"/{number}/"), {"lang": "en", "key": "help", "text": "x"})
    assert response.status == 303 and response.headers["Location"].startswith("/admin/login")
    console = await Console(sms).login()
    assert "Hide this listing" in await console.page(f"/admin/listings/{number}")  # still live
    assert 'data-action="logout"' not in await console.page("/admin/audit")


async def test_a_wrong_password_is_refused_and_logged_without_the_password(
        sms: Sms, caplog: pytest.LogCaptureFixture) -> None:
    await add_operator(sms)
    caplog.set_level(logging.INFO)
    response = await Console(sms).login_response(password="wrong password 123")
    assert response.status == 401
    assert "do not match" in await response.text()
    assert "failed sign-in for 'ana'" in caplog.text
    assert "wrong password 123" not in caplog.text and PASSWORD not in caplog.text
    unknown = await Console(sms).login_response(name="nobody")
    assert unknown.status == 401


async def test_signing_in_sets_a_strict_httponly_secure_cookie_and_is_audited(sms: Sms) -> None:
    await add_operator(sms)
    response = await Console(sms).login_response()
    assert response.status == 303 and response.headers["Location"] == "/admin/"
    cookie = response.cookies[auth.SESSION_COOKIE]
    assert len(cookie.value) >= 43  # 256 random bits, base64url
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/admin"
    assert cookie["secure"]  # PUBLIC_URL is https in the tests
    console = Console(sms, token=cookie.value)
    audit = await console.page("/admin/audit")
    assert 'data-action="login"' in audit and "ana" in audit


async def test_the_cookie_is_not_secure_when_the_public_url_is_plain_http(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    app = create_app(config.with_(public_url="http://airtng.test"), clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    await add_operator(sms)
    response = await Console(sms).login_response()
    assert response.status == 303
    cookie = response.cookies[auth.SESSION_COOKIE]
    assert not cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"


async def test_a_password_is_rehashed_at_the_configured_cost_when_its_operator_signs_in(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, sms: Sms,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    """An operator raises `console.password_time_cost`: stored passwords keep working, and each is stored at
    the new cost from its next sign-in."""
    await add_operator(sms)  # at the tests' cost
    stored = await sms.db.run(lambda store: q.operator_by_name(store, "ana"))
    assert stored is not None and "t=1," in stored["password_hash"]
    dearer = config.with_(console_password_time_cost=2)
    app = create_app(dearer, clock=clock)
    server = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    assert (await Console(server).login_response()).status == 303
    stored = await sms.db.run(lambda store: q.operator_by_name(store, "ana"))
    assert stored is not None and "t=2," in stored["password_hash"]
    assert not auth.passwords(dearer).needs_rehash(stored["password_hash"])
    assert (await Console(server).login_response()).status == 303  # the same password, now at the new cost
    assert (await Console(server).login_response(password="wrong horse battery staple")).status == 401


async def test_pages_send_the_security_headers(sms: Sms) -> None:
    console = await signed_in(sms)
    for path in ["/admin/", "/admin/login", "/admin/static/console.css"]:
        response = await console.get(path)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("token", ["", "forged-token"])
async def test_a_post_without_the_right_csrf_token_is_refused_and_changes_nothing(sms: Sms, token: str) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    await book(sms, GUEST, number)
    response = await console.post(f"/admin/listings/{number}/hide", csrf=token)
    assert response.status == 403
    page = await console.page(f"/admin/listings/{number}")
    assert "Hide this listing" in page  # still live
    await sms.deliver()
    assert not any("declined" in body.lower() or "no longer" in body.lower() for body in sms.inbox(GUEST))
    json_post = await console.post_json("/admin/api/phone/send", {"number": "+15550100", "body": "HI"}, csrf=token)
    assert json_post.status == 403
    assert "hide" not in await console.page("/admin/audit")


async def test_logout_deletes_the_session(sms: Sms) -> None:
    console = await signed_in(sms)
    response = await console.post("/admin/logout")
    assert response.status == 303
    assert (await console.get("/admin/")).status == 303  # the old cookie no longer opens anything
    fresh = await signed_in_again(sms)
    assert 'data-action="logout"' in await fresh.page("/admin/audit")


async def signed_in_again(sms: Sms) -> Console:
    return await Console(sms).login()


async def test_a_session_ends_after_an_idle_hour(sms: Sms) -> None:
    console = await signed_in(sms)
    sms.clock.advance(minutes=59)
    assert (await console.get("/admin/")).status == 200  # use restarts the idle time
    sms.clock.advance(minutes=59)
    assert (await console.get("/admin/")).status == 200
    sms.clock.advance(minutes=61)
    assert (await console.get("/admin/")).status == 303


async def test_a_session_ends_after_twelve_hours_however_busy(sms: Sms) -> None:
    console = await signed_in(sms)
    for _ in range(14):
        sms.clock.advance(minutes=50)
        assert (await console.get("/admin/")).status == 200
    sms.clock.advance(minutes=50)  # 12 h 30 min after signing in
    assert (await console.get("/admin/api/dashboard")).status == 401


async def test_a_live_page_refreshing_itself_does_not_keep_a_session_from_idling_out(sms: Sms) -> None:
    """The dashboard and the dev phone read /admin/api/... every few seconds: that is not a person."""
    console = await signed_in(sms)
    for minutes in (30, 29):
        sms.clock.advance(minutes=minutes)
        assert (await console.get("/admin/api/dashboard")).status == 200
    sms.clock.advance(minutes=2)  # 61 minutes since the last page or form
    assert (await console.get("/admin/api/dashboard")).status == 401
    assert (await console.get("/admin/")).status == 303


async def test_texter_written_text_is_shown_as_text(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms, name="<b>Eve</b>", description="<script>alert(1)</script> loft by the sea")
    await sms.text(GUEST, "<img src=x onerror=alert(2)>")
    for path in ["/admin/listings", f"/admin/listings/{number}", "/admin/conversations"]:
        page = await console.page(path)
        assert "<script>alert(1)" not in page and "<b>Eve</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; loft by the sea" in await console.page(f"/admin/listings/{number}")
    guest = await sms.db.run(lambda store: store.user_by_phone(GUEST))
    thread = await console.page(f"/admin/conversations/{guest.id}")
    assert "&lt;img src=x onerror=alert(2)&gt;" in thread and "<img" not in thread
    host = await sms.db.run(lambda store: store.user_by_phone(HOST))
    assert "&lt;b&gt;Eve&lt;/b&gt;" in await console.page(f"/admin/conversations/{host.id}")


async def test_the_login_form_needs_its_own_token(sms: Sms) -> None:
    await add_operator(sms)
    response = await sms.client.post("/admin/login", data={"name": "ana", "password": PASSWORD},
                                     allow_redirects=False)
    assert response.status == 403
    assert auth.SESSION_COOKIE not in response.cookies


async def test_sign_in_only_redirects_inside_the_console(sms: Sms) -> None:
    await add_operator(sms)
    page = await sms.client.get("/admin/login")
    token = page.cookies[auth.LOGIN_COOKIE].value
    response = await sms.client.post(
        "/admin/login", data={"name": "ana", "password": PASSWORD, "csrf": token, "next": "https://evil.test/"},
        headers={"Cookie": f"{auth.LOGIN_COOKIE}={token}"}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/admin/"


async def test_expired_sessions_are_deleted_at_the_next_sign_in(sms: Sms) -> None:
    from bot.console import queries as q

    await signed_in(sms)
    sms.clock.advance(hours=2)  # idle past the hour: that browser's session is over
    await Console(sms).login()
    rows = await sms.db.run(q.operators)
    assert rows[0]["sessions"] == 1  # only the new one is left


async def test_the_notice_area_shows_only_what_this_sessions_own_action_did(sms: Sms) -> None:
    """A crafted link cannot put words in the console's success box, nor carry them through signing in."""
    number = await list_place(sms)
    await add_operator(sms)
    crafted = (f"/admin/listings/{number}?done=hidden&declined=URGENT:+sign+in+again+at+evil.test"
               "&notice=0123456789abcdef")
    stranger = await sms.client.get(crafted, allow_redirects=False)
    console = Console(sms)
    response = await console.login_response()
    assert stranger.headers["Location"].startswith("/admin/login?next=")
    console.token = response.cookies[auth.SESSION_COOKIE].value
    page = await console.page(crafted)
    assert "URGENT" not in page and 'class="alert good"' not in page
    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', page)
    assert found is not None
    console.csrf = found.group(1)
    hidden = await console.post(f"/admin/listings/{number}/hide")
    assert "Hidden. 0 waiting request(s) declined" in await console.page(hidden.headers["Location"])
    other = await Console(sms).login()  # another session: the same link shows it nothing
    assert 'class="alert good"' not in await other.page(hidden.headers["Location"])
