"""Fixtures the console's tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config
from tests.conftest import AiohttpClient, Sms


@pytest.fixture
def edited(config: Config, messages: Path) -> Config:
    return config.with_(messages_dir=str(messages))


@pytest.fixture
async def sms_edit(aiohttp_client: AiohttpClient, edited: Config, sms: Sms) -> Sms:
    from bot.app import create_app

    app = create_app(edited, clock=sms.clock)
    return Sms(await aiohttp_client(app), sms.twilio, sms.clock, app)
