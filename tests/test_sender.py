"""The outbox against a Twilio that fails on demand: retried with backoff, parked with a reason, never lost.

Every message here goes through the real twilio client to the local fake; time is the FakeClock.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from bot.keys import SENDER
from bot.sender import outbox_report
from bot.store import Store
from tests.conftest import AUTH_TOKEN, GUEST, GUEST2, GUEST3, HOST, AiohttpClient, Sms, book, list_place
from tests.support.dbview import outbox, rows, snapshot, user
from tests.support.fake_twilio import FakeTwilio
from tests.support.polling import until

ROOT = Path(__file__).resolve().parent.parent


async def _request_waiting(sms: Sms) -> str:
    """A listing and a booking: the host's prompt is committed to the outbox. Returns the reference."""
    number = await list_place(sms)
    return await book(sms, GUEST, number)


def _retry_delay(sms: Sms, row_id: int) -> float:
    row = rows(sms, "SELECT next_attempt_at FROM outbox WHERE id = ?", (row_id,))[0]
    from bot.clock import from_db

    return (from_db(row["next_attempt_at"]) - sms.clock.now()).total_seconds()


@pytest.mark.parametrize(("status", "code"), [(500, None), (503, 20500), (429, 20429)])
async def test_transient_failures_are_retried_with_growing_backoff_until_delivered(
        sms: Sms, status: int, code: int | None) -> None:
    sms.twilio.fail_next(status, code, times=2, to=HOST)
    await _request_waiting(sms)  # its deliver() meets the first failure

    assert sms.inbox(HOST) == []
    [prompt] = outbox(sms, HOST)
    assert prompt["status"] == "pending" and prompt["attempts"] == 1
    assert f"HTTP {status}" in prompt["last_error"]
    first_delay = _retry_delay(sms, prompt["id"])
    assert 1 <= first_delay <= 2  # the first retry comes within seconds

    await sms.deliver()  # not due yet: nothing is tried
    assert sms.twilio.attempts == 1

    sms.clock.advance(seconds=first_delay)
    await sms.deliver()  # second failure
    second_delay = _retry_delay(sms, prompt["id"])
    assert 2 <= second_delay <= 4  # and it backs off
    assert sms.inbox(HOST) == []

    sms.clock.advance(seconds=second_delay)
    await sms.deliver()
    assert len(sms.inbox(HOST)) == 1 and "YES" in sms.inbox(HOST)[0]
    [prompt] = outbox(sms, HOST)
    assert prompt["status"] == "sent" and prompt["attempts"] == 3 and prompt["last_error"] is None
    assert prompt["twilio_sid"] == sms.twilio.messages[-1].sid
    assert sms.twilio.attempts == 3


async def test_backoff_starts_in_seconds_and_grows_to_minutes_with_jitter(sms: Sms) -> None:
    sender = sms.app[SENDER]
    delays = [[sender.backoff(n).total_seconds() for _ in range(200)] for n in range(1, 12)]
    assert all(1 <= d <= 2 for d in delays[0])
    assert all(4 <= d <= 8 for d in delays[2])
    assert all(300 <= d <= 600 for d in delays[-1])  # capped at outbox.max_delay_seconds (10 minutes)
    assert len(set(delays[3])) > 100  # jittered: retries from many messages do not arrive in step


async def test_a_message_waits_behind_an_earlier_failed_one_to_the_same_phone(sms: Sms) -> None:
    """Two messages to the guest: the first fails, so the second must not overtake it."""
    first = await list_place(sms)
    second = await list_place(sms, host=GUEST2, name="Gus", description="Quiet cabin in the pines, wood stove")
    await book(sms, GUEST, first)
    await book(sms, GUEST, second, "Dec 27-29")
    sms.twilio.fail_next(500, to=GUEST)
    await sms.post("/sms", sms.form(HOST, "YES"))  # the guest is told: confirmed
    await sms.post("/sms", sms.form(GUEST2, "NO"))  # the guest is told: declined
    await sms.deliver()

    assert sms.inbox(GUEST) == []  # the first failed; the second waits behind it
    guest_rows = outbox(sms, GUEST)
    assert [r["status"] for r in guest_rows] == ["pending", "pending"]
    assert guest_rows[1]["attempts"] == 0  # waiting is not an attempt

    sms.clock.advance(seconds=5)
    await sms.deliver()
    received = sms.inbox(GUEST)
    assert len(received) == 2
    assert "confirmed" in received[0] and "can't take" in received[1]


async def test_slow_answers_are_cut_by_the_timeout_and_retried(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    app = create_app(config.with_(twilio_request_timeout=0.2), clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    sms.twilio.fail_next(504, 20504, delay=1.5, to=HOST)  # answers only after 1.5 s
    number = await list_place(sms)
    await sms.post("/sms", sms.form(GUEST, f"BOOK {number} Dec 20-23 2 guests"))
    await sms.post("/sms", sms.form(GUEST, "Bob"))

    started = time.monotonic()
    await sms.deliver()
    assert time.monotonic() - started < 1.2  # cut by the 0.2 s timeout, not waited out
    [prompt] = outbox(sms, HOST)
    # Unanswered, so perhaps accepted: still 'sending' (held by nobody) until Twilio's log is asked.
    assert prompt["status"] == "sending" and "timed out" in prompt["last_error"]

    clock.advance(seconds=2)
    await sms.deliver()
    assert sms.twilio.lists == 1  # the log had no such message (Twilio failed it): sent again
    assert len(sms.inbox(HOST)) == 1 and outbox(sms, HOST)[0]["status"] == "sent"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_refused_connection_is_retried_until_twilio_is_back(
        aiohttp_client: AiohttpClient, aiohttp_server: Any, config: Config, clock: FakeClock) -> None:
    port = _closed_port()
    app = create_app(config.with_(twilio_api_url=f"http://127.0.0.1:{port}"), clock=clock)
    twilio = FakeTwilio()
    sms = Sms(await aiohttp_client(app), twilio, clock, app)
    await _request_waiting(sms)
    [prompt] = outbox(sms, HOST)
    assert prompt["status"] == "pending" and prompt["attempts"] == 1
    assert "Connect" in prompt["last_error"] or "refused" in prompt["last_error"].lower()

    server: TestServer = await aiohttp_server(twilio.app(), port=port)  # Twilio comes back
    assert server.port == port
    clock.advance(seconds=2)
    await sms.deliver()
    assert len(sms.inbox(HOST)) == 1 and outbox(sms, HOST)[0]["status"] == "sent"


async def test_21610_opts_the_recipient_out_with_every_consequence(sms: Sms) -> None:
    """The host unsubscribed at the carrier: the bot learns it from Twilio's error and acts on it."""
    sms.twilio.fail_next(400, 21610, to=HOST)
    number = await list_place(sms)
    await book(sms, GUEST, number)

    assert sms.inbox(HOST) == []
    [prompt] = outbox(sms, HOST)
    assert prompt["status"] == "failed" and prompt["error_code"] == 21610
    assert "opted_out" in prompt["last_error"]
    assert user(sms, HOST)["opted_out"] == 1
    assert "left Airtng" in sms.inbox(GUEST)[-1]  # the guest's request was declined and they were told
    assert "No places" in await sms.text(GUEST2, "BROWSE")  # the listing is hidden
    assert sms.twilio.attempts == 2  # the failed prompt and the guest's notice: no retry of a 21610
    sms.clock.advance(hours=1)
    await sms.deliver()
    assert sms.twilio.attempts == 2 and len(sms.inbox(GUEST)) == 1


async def test_after_a_21610_the_rest_of_that_persons_queue_is_skipped_not_sent(sms: Sms) -> None:
    first = await list_place(sms)
    second = await list_place(sms, host=GUEST2, name="Gus", description="Quiet cabin in the pines, wood stove")
    await book(sms, GUEST, first)
    await book(sms, GUEST, second, "Dec 27-29")
    attempts_before = sms.twilio.attempts
    sms.twilio.fail_next(400, 21610, to=GUEST)
    await sms.post("/sms", sms.form(HOST, "NO"))
    await sms.post("/sms", sms.form(GUEST2, "NO"))
    await sms.deliver()

    statuses = [(r["status"], r["error_code"]) for r in outbox(sms, GUEST)]
    assert statuses == [("failed", 21610), ("skipped", None)]
    assert outbox(sms, GUEST)[1]["last_error"] == "opted_out"
    assert sms.twilio.attempts == attempts_before + 1  # the second was never offered to Twilio
    assert user(sms, GUEST)["opted_out"] == 1


@pytest.mark.parametrize(("code", "reason"), [(21211, "invalid_number"), (21614, "not_mobile")])
async def test_invalid_or_landline_numbers_are_recorded_against_the_user(sms: Sms, code: int, reason: str) -> None:
    number = await list_place(sms)
    second = await list_place(sms, host=GUEST2, name="Gus", description="Quiet cabin in the pines, wood stove")
    await book(sms, GUEST, number)
    await book(sms, GUEST, second, "Dec 27-29")
    sms.twilio.fail_next(400, code, to=GUEST)
    await sms.text(HOST, "YES")

    [confirmation] = outbox(sms, GUEST)
    assert confirmation["status"] == "failed" and confirmation["error_code"] == code
    assert reason in confirmation["last_error"]
    assert user(sms, GUEST)["unreachable"] == reason
    attempts = sms.twilio.attempts

    # Not retried, and nothing more is offered to Twilio for that number: it is skipped with the reason.
    sms.clock.advance(hours=1)
    await sms.deliver()
    await sms.text(GUEST2, "NO")
    assert [r["status"] for r in outbox(sms, GUEST)] == ["failed", "skipped"]
    assert outbox(sms, GUEST)[1]["last_error"] == reason
    assert sms.twilio.attempts == attempts
    assert sms.inbox(GUEST) == []

    # Until the number texts us: then it plainly takes SMS, and messages go out again.
    await sms.text(GUEST, "STATUS")
    assert user(sms, GUEST)["unreachable"] is None
    third = await list_place(sms, host=GUEST3, name="Ida", description="Bright flat over the old market square")
    await book(sms, GUEST, third, "Jan 5-7")
    await sms.text(GUEST3, "NO")
    assert "can't take your stay" in sms.inbox(GUEST)[-1]


async def test_a_message_that_keeps_failing_is_parked_with_its_reason_for_operators(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str], capsys: pytest.CaptureFixture[str]) -> None:
    config = config.with_(outbox_max_attempts=3)
    app = create_app(config, clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    sms.twilio.fail_next(500, times=10, to=HOST)
    await _request_waiting(sms)
    for _ in range(5):
        clock.advance(minutes=10)
        await sms.deliver()

    [prompt] = outbox(sms, HOST)
    assert prompt["status"] == "failed" and prompt["attempts"] == 3
    assert prompt["last_error"].startswith("gave up after 3 attempts: HTTP 500")
    assert sms.twilio.attempts == 3  # parked: no more tries however long we wait
    assert sms.inbox(HOST) == []

    out = io.StringIO()
    assert outbox_report(config, out) == 0
    report = out.getvalue()
    assert "failed   1" in report
    assert f"to {HOST} failed after 3 attempt(s)" in report and "gave up after 3 attempts: HTTP 500" in report


async def _run_py(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(sys.executable, "run.py", *args, cwd=ROOT, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    return int(process.returncode or 0), output.decode()


async def test_run_py_outbox_prints_the_report_and_changes_nothing(sms: Sms, config: Config, tmp_path: Path) -> None:
    sms.twilio.fail_next(400, 21211, to=HOST)
    await _request_waiting(sms)
    database = config.resolve_path(config.database)
    env = {**os.environ, "DATABASE": str(database), "DATABASE_URL": config.database_url}
    before = snapshot(sms) if config.database_url else database.read_bytes()
    code, output = await _run_py("outbox", env=env)
    assert code == 0, output
    assert "failed   1" in output and "invalid_number" in output and HOST in output
    assert (snapshot(sms) if config.database_url else database.read_bytes()) == before
    if config.database_url:
        return  # a missing file means nothing for PostgreSQL

    missing = tmp_path / "nowhere.db"
    code, output = await _run_py("outbox", env={**env, "DATABASE": str(missing)})
    assert code == 1 and "No database" in output
    assert not missing.exists()


async def _worker(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, twilio: FakeTwilio) -> Sms:
    """One worker process's app: its own Database and Sender on the shared file. A Twilio timeout well above
    how long these tests hold a call in flight."""
    app = create_app(config.with_(twilio_request_timeout=10.0, outbox_concurrency=1), clock=clock)
    return Sms(await aiohttp_client(app), twilio, clock, app)


async def test_two_workers_never_both_send_a_row_whose_lease_ran_out_while_it_waited_its_turn(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    """WORKERS=2: worker one claims three messages in one pass and sends them one at a time to a slow
    Twilio; the last one's lease runs out while it waits, worker two claims and sends it. Each person
    still gets each message once."""
    twilio = fake_twilio[0]
    first = await _worker(aiohttp_client, config, clock, twilio)
    second = await _worker(aiohttp_client, config, clock, twilio)
    for phone, body in ((HOST, "one"), (GUEST, "two"), (GUEST2, "three")):
        await first.db.run(partial(Store.enqueue, user_id=None, to_phone=phone, body=body))
    held_one, held_two = twilio.hold(HOST), twilio.hold(GUEST)

    pass_one = asyncio.create_task(first.deliver())  # claims all three (60 s lease)
    await until(lambda: twilio.attempts == 1)
    clock.advance(seconds=40)  # the first call is slow
    held_one.set()
    await until(lambda: twilio.attempts == 2)  # the second is in flight: its lease was renewed at +40 s
    clock.advance(seconds=30)  # +70 s: the third, still waiting its turn, is past the claim's lease
    assert await second.deliver() == 1  # worker two takes the third (and only it) and sends it
    held_two.set()
    await asyncio.wait_for(pass_one, 10)

    assert [twilio.to(phone) for phone in (HOST, GUEST, GUEST2)] == [["one"], ["two"], ["three"]]
    assert twilio.attempts == 3
    assert [r["status"] for r in outbox(first)] == ["sent", "sent", "sent"]
    # One call each, one try each: worker one's record of the second send does not count a try for the
    # third, which was no longer its own.
    assert [r["attempts"] for r in outbox(first)] == [1, 1, 1]


async def test_a_stop_that_arrives_mid_pass_stops_the_messages_already_claimed_for_that_person(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    sms = await _worker(aiohttp_client, config, clock, fake_twilio[0])
    first = await list_place(sms)
    second = await list_place(sms, host=GUEST2, name="Gus", description="Quiet cabin in the pines, wood stove")
    await book(sms, GUEST, first)
    await book(sms, GUEST, second, "Dec 27-29")
    await sms.post("/sms", sms.form(HOST, "YES"))  # the guest is told: confirmed
    await sms.post("/sms", sms.form(GUEST2, "NO"))  # the guest is told: declined
    held = sms.twilio.hold(GUEST)
    attempts = sms.twilio.attempts

    delivering = asyncio.create_task(sms.deliver())  # claims both of the guest's messages
    await until(lambda: sms.twilio.attempts == attempts + 1)  # the first is in flight
    assert (await sms.post("/sms", sms.form(GUEST, "STOP"))).status == 200
    held.set()
    await asyncio.wait_for(delivering, 10)

    received = sms.inbox(GUEST)
    assert len(received) == 1 and "confirmed" in received[0]  # already on its way when they texted STOP
    assert [(r["status"], r["last_error"]) for r in outbox(sms, GUEST)] == [("sent", None), ("skipped", "opted_out")]



async def test_retrying_rows_are_listed_with_attempts_and_each_retry_is_logged(
        sms: Sms, config: Config, caplog: pytest.LogCaptureFixture) -> None:
    sms.twilio.fail_next(500, times=4, to=HOST)
    with caplog.at_level(logging.WARNING, logger="bot.sender"):
        await _request_waiting(sms)
        for _ in range(3):
            sms.clock.advance(minutes=11)
            await sms.deliver()
    [prompt] = outbox(sms, HOST)
    assert prompt["status"] == "pending" and prompt["attempts"] == 4

    out = io.StringIO()
    assert outbox_report(config, out) == 0
    report = out.getvalue()
    assert "pending  1" in report  # the count alone would hide the four failed tries...
    assert f"#{prompt['id']} to {HOST} retrying after 4 attempt(s), next try " in report  # ...the list shows them
    assert f"fake failure None for {HOST}" in report.split("Being retried")[1]

    retries = [r.getMessage() for r in caplog.records if "retrying at" in r.getMessage()]
    assert len(retries) == 4 and all(r.levelno == logging.WARNING for r in caplog.records if "retrying" in r.msg)
    for line in retries:
        assert "HTTP 500" in line and "...0001" in line  # the reason, and whose phone by its last digits
        assert HOST not in line and AUTH_TOKEN not in line
    assert "attempt 4 of 8 failed" in retries[-1]
