"""A server SIGKILLed in the worst second, with real servers in subprocesses and the fake Twilio here.

Between Twilio accepting a message and the commit recording it (the fake holds its answer there), the
server dies; another takes its rows over once its heartbeat stops and finds the message in Twilio's log: one
message at the phone, the row sent with Twilio's SID. And scheduler jobs falling due while one of three
servers is killed are each worked once."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp.test_utils import TestServer

from bot.clock import to_db
from bot.storage import is_postgresql
from bot.store import HOLDER_DEAD_SECONDS
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER
from tests.support import dbview
from tests.support.fake_twilio import FakeTwilio
from tests.support.polling import until
from tests.support.stays import server_today, typed_stay
from tests.test_cluster import BALANCER, Balanced
from tests.test_crash import GUESTS, HOSTS, ROOT, Server, _free_port, listing_texts


def _servers(count: int, tmp_path: Path, database_url: str, api_url: str) -> list[Server]:
    """`count` servers on one database (SQLite file or PostgreSQL) and the fake Twilio, each on its port."""
    settings = yaml.safe_load((ROOT / "config.yaml").read_text())
    settings["scheduler"].update(poll_seconds=0.2)
    settings["limits"].update(texts_per_window=1000)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(settings))
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE"}}
    database = ({"DATABASE_URL": database_url, "DATABASE": str(tmp_path / "unused.db")}
                if is_postgresql(database_url) else {"DATABASE": database_url})
    servers = []
    for n in range(count):
        port = _free_port()
        env = {**base, **database, "AIRTNG_CONFIG": str(tmp_path / "config.yaml"), "PORT": str(port),
               "BIND": "127.0.0.1", "PUBLIC_URL": BALANCER, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
               "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_PHONE_NUMBER": BOT_NUMBER, "TWILIO_API_URL": api_url}
        servers.append(Server(env, tmp_path / f"server{n}.log", f"http://127.0.0.1:{port}"))
    return servers


async def test_sigkill_between_twilio_accepting_and_the_commit_then_a_take_over_sends_it_once(
        aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path, database_url: str) -> None:
    twilio = FakeTwilio()
    fake = await aiohttp_server(twilio.app())
    first, second = _servers(2, tmp_path, database_url, str(fake.make_url("")).rstrip("/"))
    host, guest = HOSTS[0], GUESTS[0]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        try:
            await first.start()
            balanced = Balanced([first], session)
            await balanced.script(0, host, ["HOST", "Ana", "Harbour Loft", "120", "4",
                                            "Harbour Loft by the river, two rooms", "SKIP",
                                            "SKIP", "SKIP"])
            answer = twilio.hold_answer(host)  # Twilio takes the host's prompt, then holds its answer
            stay = typed_stay(server_today(first.env), 1, 2)
            [place] = [row["id"] for row in dbview.query(database_url, "SELECT id FROM listings")]
            await balanced.script(0, guest, [f"BOOK {place} {stay} 2 guests", "Bob"])
            assert not balanced.unanswered
            await until(lambda: bool(twilio.to(host)), 10, "Twilio to accept the host's prompt")
            await first.kill()  # before the commit that would record the send
            answer.set()
            [prompt] = twilio.messages
            assert dbview.query(database_url, "SELECT status, twilio_sid FROM outbox") == [
                {"status": "sending", "twilio_sid": None}]

            await second.start()  # a new boot: takes the dead one's row once its heartbeat has stopped
            await until(lambda: not dbview.query(database_url, "SELECT 1 FROM outbox WHERE status <> 'sent'"),
                        15, "the row to be taken over")
        finally:
            for server in (first, second):
                await server.kill()
    assert twilio.to(host) == [prompt.body]  # one message at the phone
    assert dbview.query(database_url, "SELECT status, twilio_sid FROM outbox") == [
        {"status": "sent", "twilio_sid": prompt.sid}]
    assert twilio.lists == 1


async def test_a_live_server_with_a_slow_twilio_keeps_its_rows(
        aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path, database_url: str) -> None:
    """Twilio takes 5 s to answer, longer than a stopped heartbeat takes to be seen (3 s): the server making
    the call is alive and beating, so the other server never takes its row, never asks Twilio's log, and
    the host gets the prompt once."""
    twilio = FakeTwilio()
    fake = await aiohttp_server(twilio.app())
    servers = _servers(2, tmp_path, database_url, str(fake.make_url("")).rstrip("/"))
    host, guest = HOSTS[0], GUESTS[0]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        try:
            await asyncio.gather(*(server.start() for server in servers))
            balanced = Balanced(servers, session)
            await balanced.script(0, host, ["HOST", "Ana", "Harbour Loft", "120", "4",
                                            "Harbour Loft by the river, two rooms", "SKIP",
                                            "SKIP", "SKIP"])
            twilio.fail_next(201, delay=HOLDER_DEAD_SECONDS + 2)  # accepted, after 5 s
            [place] = [row["id"] for row in dbview.query(database_url, "SELECT id FROM listings")]
            await balanced.script(0, guest, [f"BOOK {place} {typed_stay(server_today(servers[0].env), 1, 2)}"
                                             " 2 guests", "Bob"])
            await until(lambda: not dbview.query(database_url, "SELECT 1 FROM outbox WHERE status <> 'sent'"),
                        20, "the slow call to be answered and recorded")
        finally:
            for server in servers:
                await server.kill()
    assert len(twilio.to(host)) == 1 and twilio.attempts == 1
    assert twilio.lists == 0  # nobody took the row over
    assert dbview.query(database_url, "SELECT twilio_sid FROM outbox") == [{"twilio_sid": twilio.messages[0].sid}]


@pytest.mark.postgresql_only
async def test_jobs_falling_due_while_one_of_three_servers_is_killed_are_each_worked_once(
        aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path, database_url: str) -> None:
    """Twenty requests' expiries fall due over three seconds; a second in, one of the three servers (each
    with its scheduler) is SIGKILLed. Each request expires once: one expiry per guest, at the phone too."""
    twilio = FakeTwilio()
    fake = await aiohttp_server(twilio.app())
    servers = _servers(3, tmp_path, database_url, str(fake.make_url("")).rstrip("/"))
    guests = GUESTS[:20]

    def query(sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return dbview.query(database_url, sql, params)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        traffic = Balanced(servers, session)
        try:
            await asyncio.gather(*(server.start() for server in servers))
            await asyncio.gather(*(traffic.script(i, h, listing_texts(i))
                                   for i, h in enumerate(HOSTS)))
            places = [row["id"] for row in query("SELECT id FROM listings ORDER BY id")]
            today = server_today(servers[0].env)
            await asyncio.gather(*(traffic.script(i, g, [f"BOOK {places[i % len(places)]} "
                                                         f"{typed_stay(today, i // 5 + 1, 2)} 2 guests", f"Guest{i}"])
                                   for i, g in enumerate(guests)))
            assert not traffic.unanswered
            jobs = query("SELECT id FROM jobs WHERE kind = 'expire' ORDER BY id")
            assert len(jobs) == len(guests)
            start = datetime.now(UTC) + timedelta(seconds=0.5)
            for n, job in enumerate(jobs):  # due one after another over three seconds from now
                due = to_db(start + timedelta(seconds=3 * n / len(jobs)))
                query("UPDATE jobs SET due_at = ? WHERE id = ? RETURNING id", (due, job["id"]))
            await until(lambda: bool(query("SELECT 1 FROM jobs WHERE kind = 'expire' AND done_at IS NOT NULL")),
                        10, "the first expiries to be worked")
            await servers[0].kill()
            await until(lambda: not query("SELECT 1 FROM jobs WHERE kind = 'expire' AND done_at IS NULL"), 20,
                        "every expiry to be worked by the servers left")
            await until(lambda: not query("SELECT 1 FROM outbox WHERE status IN ('pending', 'sending')"), 20,
                        "every expiry message to go out")
        finally:
            for server in servers:
                await server.kill()
    assert query("SELECT COUNT(*) AS n FROM reservations WHERE status = 'expired'") == [{"n": len(guests)}]
    told = Counter(str(r["to_phone"]) for r in query("SELECT to_phone FROM outbox WHERE message_key = 'guest_expired'"))
    assert told == Counter(guests)
    at_phones = Counter(m.to for m in twilio.messages if "has expired" in m.body)
    assert at_phones == Counter(guests)
