"""kill -9 mid-traffic: the real server in a subprocess, a fake Twilio here, SIGKILL, restart, nothing lost.

Proves: every webhook answered 200 before the kill is in the database afterwards; every outbox row
committed before the kill is delivered after the restart; Twilio's retries of the webhooks that got no
answer are applied once; answered ones replay the same TwiML; a row that was mid-send ('sending') at the
kill is found in Twilio's log after the restart, not sent again: no message reaches a phone twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp.test_utils import TestServer
from twilio.request_validator import RequestValidator

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER
from tests.support.fake_twilio import FakeTwilio
from tests.support.polling import until
from tests.support.stays import server_today, typed_stay

ROOT = Path(__file__).resolve().parent.parent
HOSTS = [f"+1555300{i:04d}" for i in range(5)]


def listing_texts(i: int) -> list[str]:
    """Host i's whole HOST flow as one script: name, title, price, most guests, description, no photo, then
    SKIP for the arrival details and the way to pay."""
    return ["HOST", f"Host{i}", f"Place {i}", "120", "4", f"Place {i} by the river, two rooms", "SKIP", "SKIP", "SKIP"]

GUESTS = [f"+1555400{i:04d}" for i in range(30)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """`python run.py serve` in a subprocess, pointed at the fake Twilio."""

    env: dict[str, str]
    log: Path
    url: str
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            # A session of its own: `kill` ends the server and anything it started, however the test ends.
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "run.py", "serve", cwd=ROOT, env=self.env, stdout=log, stderr=log,
                start_new_session=True)

        async def healthy() -> bool:
            assert self.process is not None and self.process.returncode is None, self.log.read_text()
            try:
                async with aiohttp.ClientSession() as session, session.get(self.url + "/healthz") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        # The deadline bounds a failure only: a server starts in ~1 s, but on a machine busy with other
        # suites a Python process importing its dependencies has been seen to take over 15.
        await until(healthy, 60, "the server to start")

    async def kill(self) -> None:
        """SIGKILL to the server's whole process group: its workers too, even once the server itself is gone
        (a test that failed part-way must not leave one holding a port or a database)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # nothing of it is left
            os.killpg(self.process.pid, signal.SIGKILL)
        await self.process.wait()


@dataclass
class Traffic:
    """Signed texts to the server; remembers what was answered and what was not."""

    url: str
    session: aiohttp.ClientSession
    answered: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)  # sid -> (form, TwiML)
    unanswered: list[dict[str, str]] = field(default_factory=list)
    counter: int = 0

    def form(self, phone: str, body: str) -> dict[str, str]:
        self.counter += 1
        sid = f"SM{self.counter:032x}"
        return {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": phone, "To": BOT_NUMBER,
                "Body": body, "NumMedia": "0"}

    async def post(self, form: dict[str, str]) -> str | None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(self.url + "/sms", form)
        try:
            async with self.session.post(self.url + "/sms", data=form,
                                         headers={"X-Twilio-Signature": signature}) as response:
                assert response.status == 200, await response.text()
                return await response.text()
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def script(self, phone: str, texts: list[str]) -> None:
        """One phone's texts in order; once one goes unanswered (the server died) the phone stops, and
        that text is what Twilio will retry."""
        for body in texts:
            form = self.form(phone, body)
            twiml = await self.post(form)
            if twiml is None:
                self.unanswered.append(form)
                return
            self.answered[form["MessageSid"]] = (form, twiml)


def _db(path: Path, sql: str) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql)]


async def test_sigkill_mid_traffic_loses_nothing_committed_or_acknowledged(
        aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path) -> None:
    twilio = FakeTwilio(delay=0.05)  # a Twilio that takes a little while, so the outbox has a backlog
    fake = await aiohttp_server(twilio.app())
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = yaml.safe_load((ROOT / "config.yaml").read_text())
    settings["outbox"].update(lease_seconds=2)
    settings["twilio"].update(request_timeout_seconds=1)
    settings["scheduler"].update(poll_seconds=0.2)
    settings["limits"].update(texts_per_window=1000)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(settings))
    database = tmp_path / "airtng.db"
    env = {**os.environ, "AIRTNG_CONFIG": str(tmp_path / "config.yaml"), "PORT": str(port), "BIND": "127.0.0.1",
           "DATABASE": str(database), "PUBLIC_URL": url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_PHONE_NUMBER": BOT_NUMBER,
           "TWILIO_API_URL": str(fake.make_url("")).rstrip("/")}
    server = Server(env, tmp_path / "server.log", url)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        traffic = Traffic(url, session)
        try:
            await server.start()
            # Before the kill: hosts list places, guests ask for stays (each first request prompts a host).
            await asyncio.gather(*(traffic.script(h, listing_texts(i))
                                   for i, h in enumerate(HOSTS)))
            today = server_today(env)
            await asyncio.gather(*(traffic.script(g, ["hi", f"BOOK {i % len(HOSTS) + 1} "
                                                      f"{typed_stay(today, i // 5 + 1, 1)} 2 guests", f"Guest{i}"])
                                   for i, g in enumerate(GUESTS)))
            assert not traffic.unanswered
            assert len(_db(database, "SELECT id FROM reservations")) == len(GUESTS)  # every request filed

            # Mid-traffic: hosts decline one request after another (each tells a guest through the outbox),
            # guests keep texting; the server is killed while the outbox is busy and webhooks are in flight.
            before = len(traffic.answered)
            busy = asyncio.gather(
                *(traffic.script(h, ["NO"] * 8) for h in HOSTS),
                *(traffic.script(g, ["STATUS", "BROWSE", "STATUS", "MORE", "STATUS"]) for g in GUESTS))
            await until(lambda: len(traffic.answered) >= before + 60, 15, "traffic to be part-way through")
            await server.kill()
            await busy
        finally:
            await server.kill()

        # What the dead server left on disk.
        assert traffic.unanswered, "the kill should have caught webhooks in flight"
        recorded = {r["message_sid"] for r in _db(database, "SELECT message_sid FROM inbound")}
        assert set(traffic.answered) <= recorded  # every webhook answered 200 was durable
        at_kill = _db(database, "SELECT id, to_phone, body, status FROM outbox ORDER BY id")
        mid_send = [(r["to_phone"], r["body"]) for r in at_kill if r["status"] == "sending"]
        assert any(r["status"] in {"pending", "sending"} for r in at_kill), "the outbox should have had a backlog"

        try:
            await server.start()
            # Twilio retries what got no answer; a retry of an answered text replays the same TwiML.
            for form in traffic.unanswered:
                assert await traffic.post(form) is not None
            for sid in list(traffic.answered)[-10:]:
                form, twiml = traffic.answered[sid]
                assert await traffic.post(form) == twiml

            def drained() -> bool:
                return not _db(database, "SELECT 1 FROM outbox WHERE status IN ('pending', 'sending')")

            await until(drained, 15, "the outbox to drain after the restart")
        finally:
            await server.kill()

    final = _db(database, "SELECT id, to_phone, body, status, last_error, message_key, twilio_sid FROM outbox"
                          " ORDER BY id")
    # Every row was sent, but host prompts for requests the host decided before the prompt's turn came (these
    # hosts text NO again and again without waiting for it): skipped as stale, never sent.
    sent = [r for r in final if r["status"] == "sent"]
    assert all((r["status"], r["last_error"], r["message_key"]) == ("skipped", "stale", "host_prompt")
               for r in final if r["status"] != "sent")
    delivered = {m.sid: (m.to, m.body) for m in twilio.messages}
    for row in sent:  # including every row committed before the kill
        assert delivered.get(row["twilio_sid"]) == (row["to_phone"], row["body"]), row
    assert {r["id"] for r in at_kill} <= {r["id"] for r in final}
    extra = Counter((m.to, m.body) for m in twilio.messages) - Counter((r["to_phone"], r["body"]) for r in sent)
    assert not extra, (extra, mid_send)  # nothing twice, the rows mid-send at the kill included

    # Every retried text was applied exactly once: one inbound row each, and the rules held.
    assert {f["MessageSid"] for f in traffic.unanswered} <= {
        r["message_sid"] for r in _db(database, "SELECT message_sid FROM inbound")}
    declined = _db(database, "SELECT COUNT(*) AS n FROM reservations WHERE status = 'declined'")[0]["n"]
    told = sum("can't take" in r["body"] for r in sent)
    assert declined == told > 0
