"""`python run.py bench --takeover --database postgresql://...`: how soon a SIGKILLed server's messages move on.

Three servers (`run.py serve`, the shipped config.yaml) share a schema of the run's own in that PostgreSQL and
send through a fake Twilio in this process (tests/support/fake_twilio.py: slow, 0.3 s a call, so every
server always has calls in flight, and serving Twilio's Messages list). Messages are queued steadily. Each
round SIGKILLs the next server while it has a call in flight, then times, from the kill: until none of the
rows it held is its own any more (taken over), and until all of them are sent; it counts the calls to
Twilio's log the take-over made, then starts the server again (a new boot). At the end it counts the
messages that reached a phone twice (none should).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg
from aiohttp import web

from bench.runner import ROOT, free_port
from bot.clock import to_db
from bot.storage.bulk import scratch_schema
from tests.support.fake_twilio import FakeTwilio

ACCOUNT_SID = "AC" + "0" * 32
PHONES = [f"+1555600{n:04d}" for n in range(40)]


@dataclass
class Serving:
    """One `run.py serve` in a session of its own (SIGKILL reaches only it and its children)."""

    env: dict[str, str]
    log: Path
    port: int
    process: asyncio.subprocess.Process | None = None
    boot_id: str = ""

    async def start(self, url: str) -> None:
        known = {str(row[0]) for row in _query(url, "SELECT boot_id FROM servers")}
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "run.py", "serve", cwd=ROOT, env=self.env, stdout=log, stderr=log,
                start_new_session=True)
        deadline = time.monotonic() + 30
        while not (new := {str(row[0]) for row in _query(url, "SELECT boot_id FROM servers")} - known):
            assert time.monotonic() < deadline, self.log.read_text()
            await asyncio.sleep(0.05)
        self.boot_id = new.pop()  # its first heartbeat: the boot id its leases carry

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()


@dataclass
class Round:
    held: int  # rows the dead server held at the kill
    in_flight: int  # of which its calls may have reached Twilio (a try counted)
    taken: float  # seconds from the kill until none of them was its own
    sent: float  # seconds from the kill until all of them were sent
    lookups: int  # pages of Twilio's log read meanwhile


@dataclass
class Report:
    rounds: list[Round] = field(default_factory=list)
    duplicates: int = 0
    messages: int = 0


def _query(url: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


async def _feed(url: str, stop: asyncio.Event) -> None:
    """Queue a message every 20 ms, each with words of its own, round the phones."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        n = 0
        while not stop.is_set():
            now = to_db(datetime.now(UTC))
            await conn.execute("INSERT INTO outbox (to_phone, body, next_attempt_at, created_at)"
                               " VALUES (%s, %s, %s, %s)", (PHONES[n % len(PHONES)], f"message {n}", now, now))
            n += 1
            await asyncio.sleep(0.02)  # the pace of the load, not a wait for work


async def _round(url: str, victim: Serving, twilio: FakeTwilio) -> Round:
    deadline = time.monotonic() + 30
    while not _query(url, "SELECT 1 FROM outbox WHERE status = 'sending' AND lease_holder = %s AND attempts > 0",
                     (victim.boot_id,)):
        assert time.monotonic() < deadline, "the server never had a call in flight"
        await asyncio.sleep(0.01)
    lookups = twilio.lists
    killed = time.monotonic()
    await victim.kill()
    held = _query(url, "SELECT id, attempts FROM outbox WHERE status = 'sending' AND lease_holder = %s",
                  (victim.boot_id,))
    ids = [int(str(row[0])) for row in held]
    taken = sent = 0.0
    while not sent:
        open_rows = _query(url, "SELECT lease_holder, status FROM outbox WHERE id = ANY(%s)", (ids,))
        if not taken and not any(row == (victim.boot_id, "sending") for row in open_rows):
            taken = time.monotonic() - killed
        if all(row[1] == "sent" for row in open_rows):
            sent = time.monotonic() - killed
        assert time.monotonic() - killed < 60, "the dead server's rows never moved on"
        await asyncio.sleep(0.01)
    return Round(len(ids), sum(int(str(row[1])) > 0 for row in held), taken, sent, twilio.lists - lookups)


async def _run(database: str, kills: int, work: Path) -> Report:
    twilio = FakeTwilio(delay=0.3)
    runner = web.AppRunner(twilio.app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    report = Report()
    with scratch_schema(database, "takeover") as url:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE"))}
        servers = [Serving({**base, "DATABASE_URL": url, "DATABASE": str(work / "unused.db"), "PORT": str(p),
                            "BIND": "127.0.0.1", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "x" * 32,
                            "TWILIO_PHONE_NUMBER": "+15550001234", "TWILIO_API_URL": f"http://127.0.0.1:{port}",
                            "PUBLIC_URL": f"http://127.0.0.1:{p}"}, work / f"server{n}.log", p)
                   for n, p in enumerate(free_port() for _ in range(3))]
        stop = asyncio.Event()
        try:
            migrate = await asyncio.create_subprocess_exec(sys.executable, "run.py", "migrate", cwd=ROOT,
                                                           env=servers[0].env)
            assert await migrate.wait() == 0
            for server in servers:  # one at a time, so that each boot id is told apart
                await server.start(url)
            feeding = asyncio.create_task(_feed(url, stop))
            for k in range(kills):
                victim = servers[k % len(servers)]
                report.rounds.append(await _round(url, victim, twilio))
                print(f"round {k + 1}: {report.rounds[-1]}", flush=True)
                await victim.start(url)
            stop.set()
            await feeding
            deadline = time.monotonic() + 60
            while _query(url, "SELECT 1 FROM outbox WHERE status IN ('pending', 'sending') LIMIT 1"):
                assert time.monotonic() < deadline, "the outbox never drained"
                await asyncio.sleep(0.1)
        finally:
            for server in servers:
                await server.kill()
        await runner.cleanup()
    counts = Counter((m.to, m.body) for m in twilio.messages)
    report.duplicates = sum(n - 1 for n in counts.values())
    report.messages = len(twilio.messages)
    return report


def summary(report: Report) -> str:
    taken = sorted(r.taken for r in report.rounds)
    sent = sorted(r.sent for r in report.rounds)
    in_flight = sum(r.in_flight for r in report.rounds)
    lookups = sum(r.lookups for r in report.rounds)
    return "\n".join([
        f"take-overs: {len(report.rounds)} SIGKILLs of one of three servers",
        f"  taken over after: median {statistics.median(taken):.2f} s, worst {taken[-1]:.2f} s",
        f"  all its rows sent after: median {statistics.median(sent):.2f} s, worst {sent[-1]:.2f} s",
        f"  rows held at the kill: {sum(r.held for r in report.rounds)}, with a call in flight: {in_flight}",
        f"  pages of Twilio's log read: {lookups} ({lookups / len(report.rounds):.1f} per take-over,"
        f" {lookups / max(in_flight, 1):.2f} per row in flight)",
        f"messages sent: {report.messages}, reaching a phone twice: {report.duplicates}",
    ])


def cli(database: str, kills: int) -> int:
    with TemporaryDirectory(prefix="airtng-takeover-") as work:
        report = asyncio.run(_run(database, kills, Path(work)))
    print(summary(report))
    return 0 if report.duplicates == 0 else 1
