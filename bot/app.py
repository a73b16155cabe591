"""The application factory: `create_app(config)` wires the parts; `cleanup_ctx` owns their lifetimes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

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
from bot.storage import open_storage
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
    mount_console(app)  # the operators' console under /admin
    return app


def _database(gateway_factory: GatewayFactory) -> Callable[[web.Application], AsyncIterator[None]]:
    async def resources(app: web.Application) -> AsyncIterator[None]:
        config, clock = app[CONFIG], app[CLOCK]
        db = await open_storage(config.storage_url, clock, group_commit=config.group_commit)
        gateway = gateway_factory(config)
        sender_ref: list[Sender] = []
        engine = Engine(db, app[CATALOG], config, clock, on_commit=lambda: sender_ref[0].wake())
        sender = Sender(db, gateway, config, clock, engine.opt_out_user, engine.mark_unreachable_user)
        sender_ref.append(sender)
        app[DATABASE], app[GATEWAY], app[ENGINE], app[SENDER] = db, gateway, engine, sender
        app[SCHEDULER] = Scheduler(engine, config)
        yield
        await gateway.close()
        await db.close()

    return resources


async def _background_tasks(app: web.Application) -> AsyncIterator[None]:
    tasks: list[asyncio.Task[None]] = []
    hup = False
    if app[CONFIG].background_tasks:
        tasks = [
            asyncio.create_task(app[SENDER].run_forever(), name="outbox-sender"),
            asyncio.create_task(app[SENDER].heartbeat_forever(), name="heartbeat"),
            asyncio.create_task(app[SCHEDULER].run_forever(), name="scheduler"),
            asyncio.create_task(app[RELOADER].watch(), name="messages-reload"),
        ]
        tasks += [asyncio.create_task(work, name="storage") for work in app[DATABASE].background()]
        # Serving: `kill -HUP <pid>` reloads the messages at once (the watcher notices edits within ~2 s).
        hup = install_sighup(asyncio.get_running_loop(), app[RELOADER])
    app[TASKS] = tasks
    yield
    if hup:
        remove_sighup(asyncio.get_running_loop())
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
