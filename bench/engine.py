"""`python run.py bench --engine`: the conversation engine alone, in this process, for CPU per text.

The same texts as the HTTP benchmark's workload (`loadgen.script`) go straight to `Engine.handle` on the quick
world: no HTTP, no signature, no outbound sender, no other process sharing the run. What it reports is the
process's CPU time (every thread, the database thread's COMMITs included) per text, which moves far less
from run to run on a shared machine than messages/s do, so changes to the engine, the flows, the store or
the catalog can be compared side by side in seconds (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bench.loadgen import database_cpu_seconds, script
from bench.runner import load_spec, run_database
from bench.seed import QUICK_WORLD, seed
from bot.app import create_app
from bot.clock import clock_from_environment
from bot.config import load_config
from bot.engine import Engine, Inbound
from bot.keys import ENGINE
from bot.storage import describe, is_postgresql

CONCURRENCY = 32


@dataclass
class EngineResult:
    texts: int
    replied: int  # texts whose reply had at least one message
    cpu_us_per_text: float
    rate: float
    database_us_per_text: float = 0.0  # this machine's PostgreSQL processes (0 on SQLite: it runs in-process)


async def _handle_all(engine: Engine, scripts: list[list[tuple[str, str, str]]], tag: str) -> int:
    """Each script in order on its own task, all of them at once; returns how many replies said something."""
    replied = 0

    async def one(number: int, texts: list[tuple[str, str, str]]) -> None:
        nonlocal replied
        for index, (phone, body, _) in enumerate(texts):
            reply = await engine.handle(Inbound(phone, body, f"SM{tag}{number:04x}{index:08x}"))
            replied += bool(reply.messages)

    await asyncio.gather(*(one(number, texts) for number, texts in enumerate(scripts)))
    return replied


async def _run(url: str, texts: int) -> EngineResult:
    env = {"DATABASE_URL": url} if is_postgresql(url) else {"DATABASE": url, "DATABASE_URL": ""}
    config = load_config(env=env).with_(
        background_tasks=False, texts_per_window=10**9)  # no sender, scheduler or rate limit in the way
    runner = web.AppRunner(create_app(config))
    await runner.setup()
    try:
        spec = load_spec(0, CONCURRENCY, 0, texts, QUICK_WORLD, level_index=0, seed_value=7)
        rng, today = random.Random(7), clock_from_environment().now().date()
        scripts = [script(spec, n, max(1, texts // CONCURRENCY), rng, today) for n in range(CONCURRENCY)]
        engine = runner.app[ENGINE]
        # The first tenth warms the caches (SQLite's pages, compiled statements, Jinja) and is not counted.
        await _handle_all(engine, [s[: len(s) // 10] for s in scripts], "w")
        timed = [s[len(s) // 10:] for s in scripts]
        count = sum(len(s) for s in timed)
        database = database_cpu_seconds() if is_postgresql(url) else 0.0
        cpu, wall = time.process_time(), time.perf_counter()
        replied = await _handle_all(engine, timed, "t")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        database = database_cpu_seconds() - database if is_postgresql(url) else 0.0
        return EngineResult(count, replied, cpu / count * 1e6, count / wall, database / count * 1e6)
    finally:
        await runner.cleanup()


def engine_bench(texts: int = 8000, database: str = "") -> EngineResult:
    """The quick world in a SQLite file of its own, or (`database`: a PostgreSQL URL) in a schema of its own."""
    with tempfile.TemporaryDirectory(prefix="airtng-engine-") as tmp, \
            run_database(Path(tmp), "engine", database) as url:
        seed(url, QUICK_WORLD)
        return asyncio.run(_run(url, texts))


def cli(texts: int, database: str = "") -> int:
    result = engine_bench(texts, database)
    on = f" --database {describe(database)}" if database else ""
    theirs = f" (PostgreSQL's processes {result.database_us_per_text:.0f} us more)" if database else ""
    print(f"python run.py bench --engine --texts {texts}{on}: {result.texts} texts, {result.cpu_us_per_text:.0f} us "
          f"of CPU per text{theirs}, {result.rate:.0f} texts/s, {result.replied} answered")
    return 0 if result.replied == result.texts else 1
