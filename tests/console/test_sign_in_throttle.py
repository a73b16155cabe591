"""Sign-in throttling: tries counted before the password is checked (however many come at once, on however
many servers), per name and client, slowed rather than locked, seen and lifted by an operator."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from bot.console import auth
from tests.conftest import AiohttpClient, Sms
from tests.console.support import PASSWORD, Console, add_operator, signed_in
from tests.support.fake_twilio import FakeTwilio

WRONG = "not the password!"


async def _try(sms: Sms, password: str = PASSWORD, *, name: str = "ana", token: str | None = None,
               forwarded_for: str | None = None) -> Any:
    """One sign-in try (with a login token fetched first unless given)."""
    if token is None:
        page = await sms.client.get("/admin/login")
        token = page.cookies[auth.LOGIN_COOKIE].value
    headers = {"Cookie": f"{auth.LOGIN_COOKIE}={token}"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return await sms.client.post("/admin/login", data={"name": name, "password": password, "csrf": token,
                                                       "next": "/admin/"}, headers=headers, allow_redirects=False)


async def test_failed_tries_slow_the_next_doubling_each_time_and_the_right_password_then_works(sms: Sms) -> None:
    await add_operator(sms)
    for _ in range(auth.FREE_TRIES):
        assert (await _try(sms, WRONG)).status == 401
    refused = await _try(sms)  # even the right password waits its turn
    assert refused.status == 429 and refused.headers["Retry-After"] == "1"
    page = await refused.text()
    assert "Try again in 1 s" in page and 'value="ana"' in page  # the name is kept
    sms.clock.advance(seconds=1)
    assert (await _try(sms, WRONG)).status == 401  # the 4th: the next waits 2 s
    sms.clock.advance(seconds=1)
    assert (await _try(sms)).status == 429
    sms.clock.advance(seconds=1)
    assert (await _try(sms)).status == 303


async def test_a_success_forgets_the_tries(sms: Sms) -> None:
    await add_operator(sms)
    for _ in range(auth.FREE_TRIES - 1):
        assert (await _try(sms, WRONG)).status == 401
    assert (await _try(sms)).status == 303
    for _ in range(auth.FREE_TRIES):  # counted afresh
        assert (await _try(sms, WRONG)).status == 401


async def test_two_hundred_tries_at_once_on_two_servers_get_three_checks(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, sms: Sms,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    """Counted before the slow check, one at a time per name across servers on one database: of 200
    simultaneous wrong passwords only the free ones are checked."""
    await add_operator(sms)
    other_app = create_app(config, clock=clock)
    other = Sms(await aiohttp_client(other_app), fake_twilio[0], clock, other_app)
    tokens = [(await server.client.get("/admin/login")).cookies[auth.LOGIN_COOKIE].value for server in (sms, other)]
    tries = [_try(server, WRONG, token=token) for _ in range(100) for server, token in zip((sms, other), tokens,
                                                                                         strict=True)]
    statuses = Counter(response.status for response in await asyncio.gather(*tries))
    assert statuses == {401: auth.FREE_TRIES, 429: 200 - auth.FREE_TRIES}
    audit = await (await signed_in_later(sms)).page("/admin/audit")
    assert audit.count('data-action="sign_in_failed"') == auth.FREE_TRIES


async def signed_in_later(sms: Sms) -> Console:
    """An operator who signs in after the waits (from the same address: its tries are forgotten by then)."""
    sms.clock.advance(hours=1)
    return await Console(sms).login()


async def test_behind_a_trusted_proxy_failures_from_one_client_do_not_slow_another(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, sms: Sms,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    app = create_app(config.with_(console_trusted_proxies="127.0.0.1, ::1"), clock=clock)
    proxied = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    await add_operator(proxied)
    for _ in range(10):
        await _try(proxied, WRONG, forwarded_for="203.0.113.9")
    assert (await _try(proxied, forwarded_for="203.0.113.9")).status == 429
    # What the client wrote before the proxy's own entry proves nothing: it is the proxy's that counts.
    assert (await _try(proxied, forwarded_for="198.51.100.7, 203.0.113.9")).status == 429
    assert (await _try(proxied, forwarded_for="198.51.100.7")).status == 303  # the operator, elsewhere


async def test_without_trusted_proxies_a_forwarded_for_header_is_ignored(sms: Sms) -> None:
    await add_operator(sms)
    for n in range(auth.FREE_TRIES):
        assert (await _try(sms, WRONG, forwarded_for=f"203.0.113.{n}")).status == 401
    assert (await _try(sms, WRONG, forwarded_for="198.51.100.7")).status == 429


async def test_failures_are_audited_and_an_operator_sees_and_lifts_the_wait(sms: Sms) -> None:
    console = await signed_in(sms, "bob")
    await add_operator(sms, "ana")
    for _ in range(auth.FREE_TRIES + 1):
        sms.clock.advance(seconds=1)
        await _try(sms, WRONG)
    assert (await _try(sms)).status == 429
    audit = await console.page("/admin/audit")
    assert audit.count('data-action="sign_in_failed"') == auth.FREE_TRIES + 1
    slowed = audit[audit.index('id="slowed"'):audit.index("What operators did")]
    assert "ana" in slowed and "127.0.0.1" in slowed and "waits until" in slowed
    lifted = await console.post("/admin/sign-ins/lift", {"name": "ana", "client": "127.0.0.1"})
    assert lifted.status == 303
    notice = await console.page(lifted.headers["Location"])
    assert "ana may sign in again at once" in notice
    assert "nobody is being slowed down" in notice
    assert 'data-action="lift_sign_in_wait"' in notice
    assert (await _try(sms)).status == 303


async def test_an_expired_sign_in_form_is_shown_again_with_the_name_kept(sms: Sms) -> None:
    await add_operator(sms)
    response = await sms.client.post("/admin/login", data={"name": "ana", "password": PASSWORD, "csrf": "old"},
                                     allow_redirects=False)
    assert response.status == 403
    page = await response.text()
    assert "had expired" in page and 'value="ana"' in page and '<form method="post" action="/admin/login"' in page
    token = response.cookies[auth.LOGIN_COOKIE].value  # a fresh form: it works
    assert re.search(rf'name="csrf" value="{token}"', page)
    assert (await _try(sms, token=token)).status == 303
