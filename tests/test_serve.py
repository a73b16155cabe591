"""`WORKERS=2 python run.py serve`: two processes on one port and one database file, each text applied
once, a clean stop on SIGTERM, and the whole service down (for a supervisor to restart) if a worker dies."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER
from tests.support.fake_twilio import FakeTwilio
from tests.support.polling import until
from tests.support.stays import server_today, typed_stay
from tests.test_crash import GUESTS, HOSTS, Server, Traffic, _db, _free_port, listing_texts


def _workers(parent: int) -> list[int]:
    """The worker processes of `parent` (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"


def _handles_sigterm(pid: int) -> bool:
    """The worker's event loop has installed its SIGTERM handler (before that, SIGTERM simply ends it)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    return False


def _port_free(url: str) -> bool:
    """Nothing listens on the server's port: a new service could bind it (SO_REUSEADDR only lets it past
    connections closing in TIME_WAIT, never past a listener)."""
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def _start(aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path,
                 twilio: FakeTwilio, stop_timeout: float = 10) -> Server:
    fake = await aiohttp_server(twilio.app())
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "WORKERS": "2", "PORT": str(port), "BIND": "127.0.0.1",
           "DATABASE": str(tmp_path / "airtng.db"), "PUBLIC_URL": url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_PHONE_NUMBER": BOT_NUMBER,
           "TWILIO_API_URL": str(fake.make_url("")).rstrip("/"), "STOP_TIMEOUT": str(stop_timeout)}
    server = Server(env, tmp_path / "server.log", url)
    await server.start()
    assert server.process is not None
    await until(lambda: len(_workers(server.process.pid)) == 2, 60, "two workers")  # type: ignore[union-attr]
    return server


async def test_two_workers_apply_every_text_once_and_stop_cleanly(
        aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path) -> None:
    twilio = FakeTwilio()
    server = await _start(aiohttp_server, tmp_path, twilio)
    assert server.process is not None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            traffic = Traffic(server.url, session)
            await asyncio.gather(*(traffic.script(h, listing_texts(i))
                                   for i, h in enumerate(HOSTS)))
            today = server_today(server.env)
            await asyncio.gather(*(traffic.script(g, [f"BOOK {i % len(HOSTS) + 1} {typed_stay(today, i // 5 + 1, 1)}"
                                                      " 2 guests", f"Guest{i}"]) for i, g in enumerate(GUESTS)))
            # Twilio retries every one of them: whichever worker gets a retry, it changes nothing.
            replays = await asyncio.gather(*(traffic.post(form) for form, _ in traffic.answered.values()))
        assert not traffic.unanswered
        assert replays == [twiml for _, twiml in traffic.answered.values()]
        database = tmp_path / "airtng.db"
        assert len(_db(database, "SELECT id FROM listings")) == len(HOSTS)
        assert len(_db(database, "SELECT id FROM reservations WHERE status = 'pending'")) == len(GUESTS)
        # Each host is shown exactly one request (the oldest), however the texts were spread.
        await until(lambda: len(twilio.messages) >= len(HOSTS), 15, "the host prompts")
        assert sorted(m.to for m in twilio.messages) == sorted(HOSTS)
        presented = _db(database, "SELECT user_id FROM conversations WHERE presented_id IS NOT NULL")
        assert len(presented) == len(HOSTS)

        server.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.process.wait(), 15) == 0
    finally:
        await server.kill()


async def test_a_dead_worker_takes_the_service_down_for_the_supervisor(
        aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path) -> None:
    server = await _start(aiohttp_server, tmp_path, FakeTwilio())
    assert server.process is not None
    try:
        first, second = _workers(server.process.pid)
        os.kill(second, signal.SIGKILL)
        assert await asyncio.wait_for(server.process.wait(), 15) == 1
        assert _gone(first) and _gone(second)
        assert "exited with -9; stopping the others" in (tmp_path / "server.log").read_text()
    finally:
        await server.kill()


async def test_a_worker_that_does_not_stop_is_killed_so_the_service_still_goes_down(
        aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path) -> None:
    server = await _start(aiohttp_server, tmp_path, FakeTwilio(), stop_timeout=1)
    assert server.process is not None
    try:
        stuck, other = _workers(server.process.pid)
        await until(lambda: _handles_sigterm(stuck), 15, "the worker to handle SIGTERM")
        # Frozen, it cannot act on the SIGTERM it is sent (until its handler is in, SIGTERM would end it).
        os.kill(stuck, signal.SIGSTOP)
        server.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(server.process.wait(), 15) == 1
        assert _gone(stuck) and _gone(other)
        assert "did not stop within 1 s of being told to; killing it" in (tmp_path / "server.log").read_text()
    finally:
        await server.kill()


async def test_workers_stop_when_their_parent_is_killed_and_free_the_port(
        aiohttp_server: Callable[..., Awaitable[TestServer]], tmp_path: Path) -> None:
    """SIGKILL gives the parent no chance to stop its workers: they notice on their own and stop, so no
    orphan keeps serving on the port and the database beside the service a supervisor starts again."""
    server = await _start(aiohttp_server, tmp_path, FakeTwilio())
    assert server.process is not None
    try:
        workers = _workers(server.process.pid)
        await until(lambda: all(_handles_sigterm(pid) for pid in workers), 15, "the workers to be serving")
        assert not _port_free(server.url)
        server.process.send_signal(signal.SIGKILL)
        await server.process.wait()
        await until(lambda: all(_gone(pid) for pid in workers), 10, "the orphaned workers to stop")
        assert _port_free(server.url)
    finally:
        await server.kill()
