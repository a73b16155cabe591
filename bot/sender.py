"""The outbox sender: delivers committed outbox rows through the SMS gateway, retrying what may pass.

Rows are leased (status 'sending', lease_until) in a transaction before the REST call and marked 'sent'
in another right after it. A crash between Twilio accepting a message and that second commit is the one
window where a message may go out twice: the lease expires and the row is sent again. The window is one
HTTP round trip plus one commit; we mark each row on its own as soon as its call returns to keep it so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.clock import Clock
from bot.config import Config
from bot.db import Database
from bot.gateway import PERMANENT_CODES, UNREACHABLE_CODES, SendError, SmsGateway
from bot.models import OutboxRow

log = logging.getLogger(__name__)

BATCH = 100


class Sender:
    def __init__(
        self,
        db: Database,
        gateway: SmsGateway,
        config: Config,
        clock: Clock,
        on_opted_out: Callable[[int], Awaitable[None]],
    ) -> None:
        self._db = db
        self._gateway = gateway
        self._config = config
        self._clock = clock
        self._on_opted_out = on_opted_out
        self._wakeup = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._random = random.Random()

    def wake(self) -> None:
        """Something was committed to the outbox: deliver it now rather than at the next poll."""
        self._wakeup.set()

    def backoff(self, attempts: int) -> timedelta:
        """Exponential backoff with jitter: seconds at first, up to the configured maximum."""
        base = min(self._config.outbox_max_delay, self._config.outbox_base_delay * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=base * self._random.uniform(0.5, 1.0))

    async def drain(self) -> int:
        """Deliver everything due now (tests and shutdown await this); returns rows handled."""
        total = 0
        while handled := await self.deliver_due():
            total += handled
        return total

    async def deliver_due(self) -> int:
        """One pass: lease up to BATCH due rows and deliver them, one recipient's messages in order."""
        async with self._pass_lock:
            rows = await self._claim()
            if not rows:
                return 0
            by_recipient: dict[str, list[OutboxRow]] = defaultdict(list)
            for row in rows:
                by_recipient[row.to_phone].append(row)
            limit = asyncio.Semaphore(self._config.outbox_concurrency)

            async def deliver_in_order(queue: list[OutboxRow]) -> None:
                async with limit:
                    for index, row in enumerate(queue):
                        if not await self._deliver(row):
                            # Keep one person's messages in order: the rest wait for the failed one.
                            await self._postpone(queue[index + 1:], row.attempts)
                            return

            await asyncio.gather(*(deliver_in_order(queue) for queue in by_recipient.values()))
            return len(rows)

    async def _claim(self) -> list[OutboxRow]:
        lease = timedelta(seconds=self._config.outbox_lease_seconds)
        async with self._db.transaction() as store:
            rows = await store.claim_due(lease, BATCH)
            deliverable = []
            for row in rows:
                blocked = await store.recipient_blocked(row.user_id)
                if blocked:
                    await store.mark_final(row.id, "skipped", blocked)
                else:
                    deliverable.append(row)
            return deliverable

    async def _deliver(self, row: OutboxRow) -> bool:
        """Send one row and record the outcome; False if it must be tried again later."""
        try:
            sent = await self._gateway.send(row.to_phone, row.body, row.media_url)
        except SendError as error:
            return await self._record_failure(row, error)
        async with self._db.transaction() as store:
            await store.mark_sent(row.id, sent.sid, sent.status)
        return True

    async def _record_failure(self, row: OutboxRow, error: SendError) -> bool:
        async with self._db.transaction() as store:
            if not error.transient:
                await store.mark_final(row.id, "failed", error.reason, error.code)
                if row.user_id is not None and error.code in UNREACHABLE_CODES:
                    await store.mark_unreachable(row.user_id, PERMANENT_CODES[error.code or 0])
            elif row.attempts >= self._config.outbox_max_attempts:
                log.warning("outbox %s parked after %s attempts: %s", row.id, row.attempts, error.reason)
                await store.mark_final(row.id, "failed", f"gave up after {row.attempts} attempts: {error.reason}")
            else:
                await store.mark_retry(row.id, self._clock.now() + self.backoff(row.attempts), error.reason)
                return False
        if error.code == 21610 and row.user_id is not None:
            await self._on_opted_out(row.user_id)
        return True

    async def _postpone(self, rows: list[OutboxRow], attempts: int) -> None:
        if not rows:
            return
        async with self._db.transaction() as store:
            for row in rows:
                retry_at = self._clock.now() + self.backoff(attempts)
                await store.mark_retry(row.id, retry_at, "waiting for an earlier message")

    async def run_forever(self) -> None:
        """Deliver as rows are committed, and retry rows as they fall due."""
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("outbox pass failed; trying again shortly")
            async with self._db.transaction() as store:
                due = await store.next_outbox_due()
            wait = self._config.scheduler_poll_seconds
            if due is not None:
                wait = max(0.0, min(wait, (due - self._clock.now()).total_seconds()))
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=wait or 0.01)
