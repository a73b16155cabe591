"""`python run.py bench --outbound`: the CPU one outbound SMS costs before any bookkeeping of ours.

The real gateway (twilio's client on its aiohttp transport, exactly as the sender uses it) sends to the fake
Twilio running in its own process, `CONCURRENCY` at a time; beside it, in alternating rounds, the same form
posted by a bare aiohttp client. Reported: this process's CPU per message for each, so what a notification
costs the server at the least (the sender's units of work come on top), and how much of that is twilio's
client rather than HTTP itself (docs/performance.md). A third path is a row in doubt (its earlier call may
have reached Twilio): one page of Twilio's Messages list through the gateway, then the send. Each path's
messages per second (wall clock, `CONCURRENCY` at a time) are reported too.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bench.runner import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, get_json, shared_processes
from bot.config import Config
from bot.gateway import TwilioGateway

CONCURRENCY = 8
ROUNDS = 3
BODY = "Ana has a new request: Bob, Dec 20-23 (3 nights) at listing 42. Reply YES to accept or NO to decline."


@dataclass
class OutboundResult:
    messages: int  # per round
    twilio_us: list[float]  # CPU per message through the gateway, one figure per round
    bare_us: list[float]  # CPU per message through a bare aiohttp client POST, one figure per round
    in_doubt_us: list[float] = field(default_factory=list)  # a look in Twilio's log, then the send
    rates: dict[str, list[float]] = field(default_factory=dict)  # messages per second (wall), by path
    delivered: int = 0  # messages the fake Twilio accepted in all (warm-ups included)


async def _cpu_per_message(send: Callable[[], Awaitable[None]], messages: int,
                           rates: list[float] | None = None) -> float:
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with limit:
            await send()

    await asyncio.gather(*(one() for _ in range(messages // 10)))  # warm connections and caches
    cpu = time.process_time()
    wall = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(messages)))
    if rates is not None:
        rates.append(messages / (time.perf_counter() - wall))
    return (time.process_time() - cpu) / messages * 1e6


async def _measure(api_url: str, messages: int) -> OutboundResult:
    config = Config(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    twilio_phone_number=BOT_NUMBER, twilio_api_url=api_url)
    gateway = TwilioGateway(config, None)
    form = {"To": "+15551230002", "From": BOT_NUMBER, "Body": BODY}
    url = f"{api_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    result = OutboundResult(messages, [], [])
    try:
        async with aiohttp.ClientSession() as session:
            async def bare() -> None:
                async with session.post(url, data=form) as response:
                    await response.json()

            async def through_twilio() -> None:
                await gateway.send(form["To"], BODY, None)

            async def in_doubt() -> None:
                if not await gateway.logged_since(form["To"], since):
                    await gateway.send(form["To"], BODY, None)

            since = datetime.now(UTC)
            for name in ("twilio", "in_doubt"):
                result.rates[name] = []
            for _ in range(ROUNDS):
                result.twilio_us.append(await _cpu_per_message(through_twilio, messages, result.rates["twilio"]))
                result.bare_us.append(await _cpu_per_message(bare, messages))
                result.in_doubt_us.append(await _cpu_per_message(in_doubt, messages, result.rates["in_doubt"]))
    finally:
        await gateway.close()
    return result


def outbound_bench(messages: int = 3000) -> OutboundResult:
    with tempfile.TemporaryDirectory(prefix="airtng-outbound-") as tmp, shared_processes(Path(tmp)) as shared:
        result = asyncio.run(_measure(f"http://127.0.0.1:{shared.twilio_port}", messages))
        result.delivered = int(get_json(shared.twilio_port, "/stats")["delivered"])
        return result


def cli(messages: int) -> int:
    result = outbound_bench(messages)
    print(f"python run.py bench --outbound --texts {messages}: CPU per outbound SMS, {ROUNDS} alternating rounds of "
          f"{messages} at concurrency {CONCURRENCY}:")
    print(f"  twilio client (the gateway): {statistics.median(result.twilio_us):.0f} us "
          f"({', '.join(f'{us:.0f}' for us in result.twilio_us)})")
    print(f"  bare aiohttp client POST:    {statistics.median(result.bare_us):.0f} us "
          f"({', '.join(f'{us:.0f}' for us in result.bare_us)})")
    print(f"  a row in doubt (log, send):  {statistics.median(result.in_doubt_us):.0f} us "
          f"({', '.join(f'{us:.0f}' for us in result.in_doubt_us)})")
    for name, label in (("twilio", "sent"), ("in_doubt", "sent after a look in the log")):
        rates = result.rates[name]
        print(f"  SMS/s {label}: {statistics.median(rates):.0f} ({', '.join(f'{r:.0f}' for r in rates)})")
    return 0
