"""The application factory: `create_app(config)` wires the parts; `cleanup_ctx` owns their lifetimes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.calendar_out import routes as calendar_routes
from bot.catalog import CatalogHolder
from bot.clock import Clock, clock_from_environment
from bot.config import Config
from bot.console import mount as mount_console
from bot.engine import Engine
from bot.gateway import ConsoleGateway, SmsGateway, TwilioGateway
from bot.keys import CATALOG, CLOCK, CONFIG, DATABASE, ENGINE, GATEWAY, SCHEDULER, SENDER, TASKS, VALIDATOR
from bot.last_good import last_good_dir, starting_catalog
from bot.reload import RELOADER, CatalogReloader, install_sighup, remove_sighup
from bot.scheduler import Scheduler
from bot.sender import Sender
from bot.signatures import TwilioSignatures
from bot.storage import Storage, open_storage
from bot.webhook import routes

log = logging.getLogger(__name__)

GatewayFactory = Callable[[Config], SmsGateway]


def default_gateway(config: Config) -> SmsGateway:
    """Twilio when credentials are set, else the console. Called inside the running loop."""
    if not config.twilio_enabled:
        return ConsoleGateway()
    return TwilioGateway(config, config.status_callback_url)


def create_app(
    config: Config,
    *,
    clock: Clock | None = None,
    gateway: GatewayFactory = default_gateway,
) -> web.Application:
    app = web.Application(client_max_size=config.max_request_bytes)
    app[CONFIG] = config
    app[CLOCK] = clock or clock_from_environment()
    messages_dir = config.resolve_path(config.messages_dir)
    app[CATALOG] = CatalogHolder(*starting_catalog(config))
    app[RELOADER] = CatalogReloader(app[CATALOG], messages_dir, config.default_language, config.warn_segments,
                                    config.page_segments, keep_in=last_good_dir(config))
    if config.twilio_enabled:
        app[VALIDATOR] = TwilioSignatures(config.twilio_auth_token)
        if config.public_url:
            # What to paste into the console ("A message comes in"), built from the normalised PUBLIC_URL.
            log.info("Twilio webhook: POST %s/sms (delivery reports come to %s)", config.public_url,
                     config.status_callback_url)
    else:
        app[VALIDATOR] = None
        log.warning("no Twilio credentials: webhook signatures are NOT checked; SMS go to the console")
    app.cleanup_ctx.append(_database(gateway))
    app.cleanup_ctx.append(_background_tasks)
    app.add_routes(routes)
    app.add_routes(calendar_routes)  # GET /calendar/<token>.ics: each place's own feed
    mount_console(app)  # the operators' console under /admin
    return app


@dataclass(frozen=True)
class Parts:
    """The service without its HTTP side: what the webhook drives, and `run.py chat` alike."""

    db: Storage
    gateway: SmsGateway
    engine: Engine
    sender: Sender
    scheduler: Scheduler


@contextlib.asynccontextmanager
async def wired(config: Config, clock: Clock, catalog: CatalogHolder,
                gateway_factory: GatewayFactory = default_gateway) -> AsyncIterator[Parts]:
    """Open the database and the gateway and join the engine, sender and scheduler to them; close both
    on leaving. One wiring for the server and the terminal chat, so the chat behaves as the server does."""
    db = await open_storage(config.storage_url, clock, group_commit=config.group_commit)
    gateway = gateway_factory(config)
    sender_ref: list[Sender] = []
    engine = Engine(db, catalog, config, clock, on_commit=lambda: sender_ref[0].wake())
    sender = Sender(db, gateway, config, clock, engine.opt_out_user, engine.mark_unreachable_user)
    sender_ref.append(sender)
    try:
        yield Parts(db, gateway, engine, sender, scheduler=Scheduler(engine, config))
    finally:
        await gateway.close()
        await db.close()


@contextlib.asynccontextmanager
async def running(parts: Parts, *more: Coroutine[Any, Any, None]) -> AsyncIterator[list[asyncio.Task[None]]]:
    """The background work of a serving process (the sender, its heartbeat, the scheduler, the storage
    backend's own, and `more`) as tasks, cancelled and awaited on leaving."""
    work: list[tuple[str, Coroutine[Any, Any, None]]] = [
        ("outbox-sender", parts.sender.run_forever()),
        ("heartbeat", parts.sender.heartbeat_forever()),
        ("scheduler", parts.scheduler.run_forever()),
        *(("background", coroutine) for coroutine in more),
        *(("storage", coroutine) for coroutine in parts.db.background()),
    ]
    tasks = [asyncio.create_task(coroutine, name=name) for name, coroutine in work]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _database(gateway_factory: GatewayFactory) -> Callable[[web.Application], AsyncIterator[None]]:
    async def resources(app: web.Application) -> AsyncIterator[None]:
        async with wired(app[CONFIG], app[CLOCK], app[CATALOG], gateway_factory) as parts:
            app[DATABASE], app[GATEWAY], app[ENGINE] = parts.db, parts.gateway, parts.engine
            app[SENDER], app[SCHEDULER] = parts.sender, parts.scheduler
            yield

    return resources


async def _background_tasks(app: web.Application) -> AsyncIterator[None]:
    if not app[CONFIG].background_tasks:
        app[TASKS] = []
        yield
        return
    parts = Parts(app[DATABASE], app[GATEWAY], app[ENGINE], app[SENDER], app[SCHEDULER])
    async with running(parts, app[RELOADER].watch()) as tasks:
        app[TASKS] = tasks
        # Serving: `kill -HUP <pid>` reloads the messages at once (the watcher notices edits within ~2 s).
        hup = install_sighup(asyncio.get_running_loop(), app[RELOADER])
        try:
            yield
        finally:
            if hup:
                remove_sighup(asyncio.get_running_loop())
