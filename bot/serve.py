"""Serving: one process, or N worker processes sharing the port (SO_REUSEPORT) and the SQLite file.

Each worker is a whole app (webhook, outbox sender, scheduler). They stay correct together because every
shared decision is made in the database: SQLite's BEGIN IMMEDIATE serialises writers across processes
(WAL readers never wait), a MessageSid is applied once whichever worker gets a retry, outbox rows are
leased in a transaction before they are sent, and a job is worked by whoever marks it done first.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import importlib.util
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import wait
from types import FrameType

from aiohttp import web
from aiohttp.log import access_logger

from bot.app import create_app
from bot.clock import OFFSET_VARIABLE, clock_from_environment, clock_offset
from bot.config import Config
from bot.storage import describe, open_storage, probe

log = logging.getLogger(__name__)

GC_YOUNG_THRESHOLD = 7000
SUPERVISOR_POLL_SECONDS = 0.5
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class StartupError(Exception):
    """Start-up cannot go on; the message is the one line an operator reads."""


def serve(config: Config) -> int:
    # Open and migrate the database once, before anything listens: a database that cannot be opened ends
    # start-up with one line saying which and why (and the workers then find it migrated).
    problem = probe(config.storage_url)
    if problem is not None:
        raise StartupError(problem)
    loop_kind(config.event_loop)  # a loop asked for but not installed ends start-up before anything listens
    asyncio.run(_migrate(config))
    log.info("%s", describe_start(config))
    if clock_offset():  # never meant for a real service: say so where an operator would look first
        log.warning("the clock is moved by %s (%s, for tests only)", clock_offset(), OFFSET_VARIABLE)
    if config.workers <= 1:
        _run(config)
        return 0
    return _serve_workers(config)


def describe_start(config: Config) -> str:
    """Where it listens, which database and which gateway: the first thing an operator wants to know."""
    gateway = (f"Twilio REST as {config.twilio_phone_number or '(no TWILIO_PHONE_NUMBER)'}"
               if config.twilio_enabled else "the log (no Twilio credentials: nothing is really sent)")
    workers = f", {config.workers} workers" if config.workers > 1 else ""
    return (f"listening on http://{config.bind}:{config.port} (console: /admin/){workers} on "
            f"{loop_kind(config.event_loop)}; database {describe(config.storage_url)}; SMS go to {gateway}")


def _run(config: Config, *, reuse_port: bool = False) -> None:
    app = create_app(config)
    _tune_gc()
    web.run_app(app, host=config.bind, port=config.port, print=None, reuse_port=reuse_port,
                access_log=access_logger if config.access_log else None, loop=event_loop(config.event_loop))


def loop_kind(choice: str) -> str:
    """Which loop `server.event_loop` (EVENT_LOOP) means here: "uvloop" where it is installed (measured side
    by side in docs/performance.md, "uvloop"), else "asyncio" (its own loop; nothing else changes with it).
    `choice` is the setting as loaded: its declaration (bot/config.py) has refused any other name."""
    if choice == "asyncio":
        return "asyncio"
    if importlib.util.find_spec("uvloop") is not None:
        return "uvloop"
    if choice == "uvloop":
        raise StartupError("server.event_loop (EVENT_LOOP) is uvloop, which is not installed"
                           " (pip install uvloop, or set it to auto)")
    return "asyncio"


def event_loop(choice: str = "auto") -> asyncio.AbstractEventLoop:
    if loop_kind(choice) == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def _tune_gc() -> None:
    """Collect less often, and never again walk what start-up made (modules, the compiled messages).

    Every text allocates a few hundred short-lived objects (a request, its form, rows, a reply), so the
    default threshold (700) runs a young collection every few texts and a full one every few hundred, each
    walking every object alive. Measured in docs/performance.md: ~5% more texts/s at c=32 and a lower p99."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


def configure_logging(*, worker: bool = False) -> None:
    """INFO for the service and its access log. twilio's HTTP client logs every REST call at INFO over
    several lines (method, URL, headers): noise at one line per SMS sent, and CPU under load (the sender
    logs its own failures), so it is held at WARNING."""
    where = " %(processName)s" if worker else ""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s{where} %(name)s: %(message)s")
    logging.getLogger("twilio").setLevel(logging.WARNING)


def _worker(config: Config, parent: int) -> None:
    _die_with_parent(parent)
    configure_logging(worker=True)
    _run(config, reuse_port=True)


def _die_with_parent(parent: int) -> None:
    """A worker whose parent is gone (killed with SIGKILL, which it cannot catch to stop its workers) is
    sent SIGTERM and stops cleanly, rather than serving on as an orphan that holds the port, the database
    and its outbox leases while a supervisor starts a new service beside it."""
    if sys.platform == "linux":
        # The kernel signals this process when its parent ends, whatever state either is in.
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        threading.Thread(target=_terminate_when_parent_ends, name="parent-watch", daemon=True).start()
    if os.getppid() != parent:  # it died before the request above was in place: nothing will signal
        raise SystemExit(1)


def _terminate_when_parent_ends() -> None:
    """Elsewhere: wait on the parent's sentinel (ready when it ends), then stop as on SIGTERM."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)


async def _migrate(config: Config) -> int:
    storage = await open_storage(config.storage_url, clock_from_environment(), migrate=False)
    try:
        return await storage.migrate()
    finally:
        await storage.close()


def migrate(config: Config) -> int:
    """`python run.py migrate`: apply what is new and exit (several servers starting at once do the same
    under a lock: one applies, the others find it done)."""
    version = asyncio.run(_migrate(config))
    log.info("database schema at version %d", version)
    return 0


def _serve_workers(config: Config) -> int:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(config, os.getpid()), name=f"worker-{n + 1}", daemon=False)
               for n in range(config.workers)]
    for process in workers:
        process.start()
    log.info("serving on %s:%s with %d worker processes", config.bind, config.port, len(workers))

    stopping = False
    deadline: float | None = None  # when workers told to stop are killed if still running

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping, deadline
        stopping = True
        if deadline is None:
            deadline = time.monotonic() + config.stop_timeout
        for process in workers:
            if process.is_alive():
                process.terminate()  # SIGTERM: each worker shuts its app down cleanly

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    exit_code = 0
    alive = list(workers)
    while alive:
        # A bounded wait: a stop asked for by a signal sets the deadline while this waits.
        ended = wait([process.sentinel for process in alive], SUPERVISOR_POLL_SECONDS)
        for process in [p for p in alive if p.sentinel in ended]:
            process.join()
            alive.remove(process)
            # A worker told to stop exits with aiohttp's GracefulExit code (1): only an exit nobody asked
            # for is a failure, and it takes the others down so that a supervisor restarts the service.
            if not stopping:
                exit_code = 1
                log.error("%s exited with %s; stopping the others", process.name, process.exitcode)
                stop(signal.SIGTERM, None)
        if alive and deadline is not None and time.monotonic() >= deadline:
            exit_code = 1
            for process in alive:
                log.error("%s did not stop within %g s of being told to; killing it", process.name,
                          config.stop_timeout)
                process.kill()
            deadline = float("inf")  # killed: now only wait for them to go
    return exit_code
