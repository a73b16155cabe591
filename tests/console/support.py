"""Signing in to the console from tests: the session cookie is carried by hand (it is Secure when
PUBLIC_URL is https, and the test client talks plain http), the CSRF token read from the page."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any

from bot.console import auth
from bot.console import queries as q
from bot.keys import CONFIG
from tests.conftest import Sms

PASSWORD = "correct horse battery staple"

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


async def add_operator(sms: Sms, name: str = "ana") -> None:
    now = sms.clock.now()
    hashed = auth.passwords(sms.app[CONFIG]).hash(PASSWORD)  # at the tests' cost (conftest's `config`)
    assert await sms.db.run(lambda store: q.add_operator(store, name, hashed, now))


def cookie_value(response: Any, name: str) -> str:
    morsel = response.cookies.get(name)
    assert morsel is not None, f"no {name} cookie set"
    return str(morsel.value)


@dataclass
class Console:
    """One browser's worth of console: its session cookie and CSRF token."""

    sms: Sms
    token: str = ""
    csrf: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{auth.SESSION_COOKIE}={self.token}"} if self.token else {}

    async def login_response(self, name: str = "ana", password: str = PASSWORD) -> Any:
        page = await self.sms.client.get("/admin/login", allow_redirects=False)
        assert page.status == 200, await page.text()
        login_token = cookie_value(page, auth.LOGIN_COOKIE)
        return await self.sms.client.post(
            "/admin/login", data={"name": name, "password": password, "csrf": login_token, "next": "/admin/"},
            headers={"Cookie": f"{auth.LOGIN_COOKIE}={login_token}"}, allow_redirects=False)

    async def login(self, name: str = "ana", password: str = PASSWORD) -> Console:
        response = await self.login_response(name, password)
        assert response.status == 303, await response.text()
        self.token = cookie_value(response, auth.SESSION_COOKIE)
        found = CSRF_META.search(await self.page("/admin/"))
        assert found is not None
        self.csrf = found.group(1)
        return self

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.sms.client.get(path, headers=self.headers, allow_redirects=False, **kwargs)

    async def page(self, path: str) -> str:
        response = await self.get(path)
        assert response.status == 200, (response.status, await response.text())
        return str(await response.text())

    async def post(self, path: str, data: dict[str, str] | None = None, *, csrf: str | None = None) -> Any:
        form = {**(data or {}), "csrf": self.csrf if csrf is None else csrf}
        return await self.sms.client.post(path, data=form, headers=self.headers, allow_redirects=False)

    async def post_json(self, path: str, payload: dict[str, Any], *, csrf: str | None = None) -> Any:
        headers = {**self.headers, "X-CSRF-Token": self.csrf if csrf is None else csrf}
        return await self.sms.client.post(path, json=payload, headers=headers, allow_redirects=False)


async def signed_in(sms: Sms, name: str = "ana") -> Console:
    await add_operator(sms, name)
    return await Console(sms).login(name)


async def next_event(response: Any, seconds: float = 10.0) -> tuple[str, dict[str, Any]]:
    """The next server-sent event of an open stream (keep-alive comments skipped): its name and data."""
    name, data = "message", ""
    while True:
        line = (await asyncio.wait_for(response.content.readline(), seconds)).decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            data += line[len("data: "):]
        elif not line and data:
            return name, json.loads(data)
        elif not line and response.content.at_eof():
            raise AssertionError("the stream ended")
