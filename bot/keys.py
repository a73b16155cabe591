"""Typed application keys: every resource the app holds, in one place."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

from aiohttp import web

from bot.catalog import CatalogHolder
from bot.clock import Clock
from bot.config import Config
from bot.engine import Engine
from bot.gateway import SmsGateway
from bot.scheduler import Scheduler
from bot.sender import Sender
from bot.storage import Storage


class SignatureValidator(Protocol):
    def validate(self, uri: str, params: Mapping[str, str], signature: str) -> bool: ...


CONFIG = web.AppKey("config", Config)
CLOCK = web.AppKey("clock", Clock)
DATABASE = web.AppKey("database", Storage)
CATALOG = web.AppKey("catalog", CatalogHolder)
GATEWAY = web.AppKey("gateway", SmsGateway)
ENGINE = web.AppKey("engine", Engine)
SENDER = web.AppKey("sender", Sender)
SCHEDULER = web.AppKey("scheduler", Scheduler)
# twilio RequestValidator, or None without credentials
VALIDATOR: web.AppKey[SignatureValidator | None] = web.AppKey("validator")
TASKS = web.AppKey("tasks", list[asyncio.Task[None]])

