"""Waiting for work done elsewhere (another task, process or server) without sleeping it away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def until(condition: Callable[[], Awaitable[bool] | bool], seconds: float = 10.0,
                what: str = "the condition") -> None:
    """Poll `condition` (plain or awaitable) until it is true; fail after `seconds`, naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)
