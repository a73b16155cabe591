"""The benchmark's smoke run (`python run.py bench --quick`): the booking workload against the real server
stays within a generous fraction of the bare aiohttp floor measured in the same run, with no errors and
every outbound message delivered. Ratios only: no absolute times are asserted."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from bench.floor import make_durable_app
from bot.config import ROOT
from tests.conftest import AUTH_TOKEN, AiohttpClient
from tests.support import postgres

# The mixed workload at concurrency 32 must reach this fraction of the floor's messages/s. The quick run
# measures 0.10-0.13 today (0.059-0.064 before group commit batched hand-offs and the access log went off,
# 0.027 before units of work ran in one hand-off; docs/performance.md), and on this shared
# machine the ratio has swung by up to +-50% from one measurement to the next, so a third of today's value
# only trips on a ~3x regression, not on a busy machine. Raise it as the server gets faster.
MIN_RATIO_TO_FLOOR = 0.04


def test_quick_bench_keeps_a_fraction_of_the_floor_with_no_errors(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "run.py", "bench", "--quick", "--durable-floor", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    [run] = report["runs"]
    [level] = run["levels"]
    app, floor = level["app"], level["floor"]
    assert level["concurrency"] == 32
    assert app["errors"] == 0, (app["error_kinds"], app["sample_error"])
    assert floor["errors"] == 0, floor["sample_error"]
    # The whole booking workload ran: guests browsed, viewed, booked and named themselves; hosts decided.
    assert {"browse", "view", "book", "name", "decide"} <= set(app["kinds"])
    assert run["reservations_created"] > 0
    # Every outbound message the server queued reached (the fake) Twilio.
    assert run["delivered"] > 0 and run["all_delivered"], run["outbox"]
    assert run["server_log_errors"] == 0
    # Where the CPU went, per text: the server's share is part of the whole machine's.
    assert 0 < level["server_ms_per_text"] < level["machine_ms_per_text"]
    # /proc/stat counts in 10 ms ticks read a moment apart from the wall clock: a saturated machine's share
    # lands a tick or two above 1 (1.009 seen while other suites ran); more than that is a wrong measure.
    assert 0 < level["machine_busy"] <= 1.05
    assert app["rate"] >= MIN_RATIO_TO_FLOOR * floor["rate"], (
        f"server {app['rate']:.0f} msg/s is below {MIN_RATIO_TO_FLOOR} of the floor's {floor['rate']:.0f} msg/s"
    )
    # The durable floor (signature + one exactly-once row, nothing else) answered everything and, doing a
    # fraction of the server's work, outran it: if not, it is not measuring what it claims to.
    durable = report["durable_floor"]
    assert durable["durable"]["errors"] == 0, durable["durable"]["sample_error"]
    assert durable["durable"]["rate"] > app["rate"]


@pytest.mark.postgresql
def test_quick_bench_on_postgresql_answers_everything_and_delivers_every_message(tmp_path: Path) -> None:
    """`run.py bench --database postgresql://...`: the same workload, the server on PostgreSQL (in a schema of
    the run's own, dropped afterwards), with no errors and every outbound message delivered."""
    if (why := postgres.unreachable()) is not None:
        pytest.skip(f"{postgres.SKIPPED} ({why})")
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "run.py", "bench", "--quick", "--duration", "1", "--database", postgres.TEST_DATABASE_URL,
         "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert report["machine"]["database"].startswith("PostgreSQL")
    [run] = report["runs"]
    [level] = run["levels"]
    assert level["app"]["errors"] == 0, (level["app"]["error_kinds"], level["app"]["sample_error"])
    assert {"browse", "view", "book"} <= set(level["app"]["kinds"])
    assert run["reservations_created"] > 0
    assert run["delivered"] > 0 and run["all_delivered"], run["outbox"]
    # PostgreSQL's own processes did work for every text, counted apart from the server's.
    assert 0 < level["database_ms_per_text"] < level["machine_ms_per_text"]
    assert 0 < level["server_ms_per_text"] < level["machine_ms_per_text"]
    assert run["server_log_errors"] == 0


def test_engine_bench_answers_every_text_of_the_workload_and_reports_cpu_per_text() -> None:
    """`python run.py bench --engine`: the same workload straight into the engine, every text answered."""
    from bench.engine import engine_bench

    result = engine_bench(texts=640)
    assert result.texts >= 500
    assert result.replied == result.texts
    assert 0 < result.cpu_us_per_text < 100_000


@pytest.mark.postgresql
def test_engine_bench_on_postgresql_answers_every_text() -> None:
    """`python run.py bench --engine --database postgresql://...`: the engine alone on PostgreSQL (a schema of
    its own), for comparing the CPU a text costs there."""
    if (why := postgres.unreachable()) is not None:
        pytest.skip(f"{postgres.SKIPPED} ({why})")
    from bench.engine import engine_bench

    result = engine_bench(texts=320, database=postgres.TEST_DATABASE_URL)
    assert result.texts >= 250
    assert result.replied == result.texts
    assert 0 < result.cpu_us_per_text < 100_000


async def test_the_durable_floor_checks_signatures_and_records_each_message_sid_once(
        aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    """`floor.py --durable`: only what the server must do for any text, done for real."""
    client = await aiohttp_client(make_durable_app(tmp_path / "durable.db", AUTH_TOKEN))
    form = {"MessageSid": "SM" + "1" * 32, "From": "+15551230001", "Body": "HELP"}
    signed = RequestValidator(AUTH_TOKEN).compute_signature(str(client.make_url("/sms")), form)
    forged = await client.post("/sms", data=form, headers={"X-Twilio-Signature": "forged"})
    assert forged.status == 403
    for _ in range(2):  # a retry of the same MessageSid
        answered = await client.post("/sms", data=form, headers={"X-Twilio-Signature": signed})
        assert answered.status == 200 and "<Response>" in await answered.text()
    with sqlite3.connect(tmp_path / "durable.db") as conn:
        assert conn.execute("SELECT message_sid FROM inbound").fetchall() == [(form["MessageSid"],)]


def test_outbound_bench_sends_every_message_it_times_and_reports_cpu_per_message() -> None:
    """`python run.py bench --outbound`: real sends through the gateway and a bare client, all accepted."""
    from bench.outbound import ROUNDS, outbound_bench

    result = outbound_bench(messages=100)
    # The gateway, the bare client and the rows in doubt (a look in the fake's empty log, then the send).
    assert result.delivered == ROUNDS * 3 * (100 + 100 // 10)
    assert len(result.twilio_us) == len(result.bare_us) == len(result.in_doubt_us) == ROUNDS
    assert all(0 < us < 100_000 for us in result.twilio_us + result.bare_us + result.in_doubt_us)
    assert all(len(rates) == ROUNDS and min(rates) > 0 for rates in result.rates.values())


def test_run_py_does_not_import_the_benchmark_until_its_sub_command_runs() -> None:
    """The benchmark is tooling beside the product: starting `run.py` (to serve, migrate, ...) never loads it,
    and `run.py bench` still reaches it."""
    code = ("import sys, run\n"
            "try:\n    run.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('loaded:', sorted(m for m in sys.modules if m == 'bench' or m.startswith('bench.')))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert "bench" in done.stdout  # the sub-command is offered in the help
    assert done.stdout.splitlines()[-1] == "loaded: []"
    helped = subprocess.run([sys.executable, "run.py", "bench", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=True)
    assert "--database" in helped.stdout and "--servers" in helped.stdout
