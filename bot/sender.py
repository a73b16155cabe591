"""The outbox sender: delivers committed outbox rows through the SMS gateway, retrying what may pass.

Rows are leased (status 'sending', lease_until) in a transaction before the REST call and marked 'sent'
in another right after it. A crash between Twilio accepting a message and that second commit leaves a row
whose call may have reached Twilio: it is taken over once the lease expires, or sooner, once the crashed
server's heartbeat is seen to have stopped (each lease names its holder, a boot id per process, and every
server stamps a heartbeat in the database every second). Before such a row is sent again, Twilio's own log
is asked whether it has the message (`_reconcile`: the Messages list, filtered by recipient and date,
matched on the body, from the row's writing on, under a SID no other row has); if it has, the row takes that
SID and status and is not sent again, nor judged stale. A call that timed out (or whose connection dropped
mid-call) is the same doubt seen from the network side: the row stays 'sending', held by nobody, until its
retry time (`Store.mark_unsure`), and whoever takes it asks the log first. We still mark each row on its own
as soon as its call returns, ahead of the units queued meanwhile (`Storage.run(..., first=True)`), so that
the log is asked seldom.
A pass claims up to BATCH rows at once but sends them a few at a time, so just before each send the row's
lease is renewed, only if it is still the lease this pass set: a row whose lease ran out while it waited
its turn (and that another worker may have claimed and sent) is left alone. (A recipient's first row sent
within FRESH_CLAIM of the claim skips the recipient's second check: the claim's is that fresh.)

A row counts as an attempt (against `outbox.max_attempts`) in the last commit before its call: the claim,
for the rows whose calls start the moment it commits (each recipient's first, for as many recipients as
are sent to at once: `_sent_at_once`); the commit recording a worker's last message to one recipient, for
the first message to the recipient that worker turns to next; else the unit just before the call. So the
rows a crash cut off before their call (most of a batch) have used no try, while a call made before a
crash has: a crash loop in the double-send window cannot send one message without end.

What happens on each failure (the README's "What happens when things go wrong" lists them for operators):

- HTTP 429, 5xx, 401/403, timeouts, refused or dropped connections: retried with exponential backoff and
  jitter (`backoff`), up to `outbox.max_attempts`, then parked as 'failed' with the last reason.
- 21610 (the recipient texted STOP to the carrier): the user is opted out, with every consequence of a
  STOP (see `Engine.opt_out_user`); the row is parked as 'failed' with the code.
- 21211 / 21614 / 21612 / 21408 (no such number, not a mobile, unroutable): recorded against the user
  (`users.unreachable`) and the requests waiting on them as a host declined, guests told (see
  `Engine.mark_unreachable_user`); the row parked as 'failed'; later rows to them are 'skipped'.
- A recipient who opted out or is unreachable: the row is 'skipped' with the reason, never sent (checked at
  the claim and again just before each send but a fresh first one, so a STOP that arrives mid-pass stops
  the rest of the queue).
- A message that describes a state its reservation is no longer in (a host prompt for a request decided or
  cancelled while the row waited): 'skipped' with the reason 'stale', never sent (`STALE_UNLESS`, checked
  with the recipient). A row in doubt is only judged so after Twilio's log shows none of its calls reached
  Twilio: 'skipped' always means nothing of it went out.

One recipient's messages go out in the order they were written: a row waits while an earlier one to the
same phone is being retried (`Store.claim_due`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TextIO

from bot.clock import Clock, clock_from_environment, wait_until
from bot.config import Config
from bot.gateway import CLOCK_SKEW, OPTED_OUT_CODE, PERMANENT_CODES, UNREACHABLE_CODES, Logged, SendError, SmsGateway
from bot.models import OutboxRow, ReservationStatus
from bot.redact import masked
from bot.storage import Storage, read_only_store
from bot.store import Store

log = logging.getLogger(__name__)

BATCH = 100
# How soon after the claim a recipient's first row may go out without the pre-send check. Within it the
# claim's own check is as fresh as any, and its lease (at least twice the REST timeout) cannot have run
# out; a STOP that lands in this second is refused by Twilio itself (21610), which opts the user out here.
FRESH_CLAIM = timedelta(seconds=1)
# How often a server says it is alive: the rows it leased stay its own while it does
# (`store.HOLDER_DEAD_SECONDS`), and go to the other servers within seconds once it stops. While another
# server holds rows, a sender looks for them twice a beat, so that a dead one's move on at once.
HEARTBEAT_SECONDS = 1.0
# A delivery report no row has claimed this long after it came is not racing its send's record: it is looked
# up in Twilio's log and given to the one row it fits (`claim_reports`), every REPORT_SWEEP; a report is in
# the span a sweep reads for two sweeps, so each running server looks it up once or twice at most.
REPORT_AGE = timedelta(minutes=1)
REPORT_SWEEP = timedelta(seconds=30)
REPORTS_PER_SWEEP = 50


@dataclass(frozen=True)
class _Outcome:
    """What became of one row: done (sent or parked), to be retried at `retry_at`, its recipient blocked, or
    `lost`: no longer ours (its lease ran out before its turn came; another sender may have it)."""

    retry_at: datetime | None = None
    blocked: bool = False
    lost: bool = False
    counted_next: bool = False  # the commit that recorded it also counted the next row's attempt


_DONE = _Outcome()
_LOST = _Outcome(lost=True)


def _count_if_ours(store: Store, row: OutboxRow | None) -> bool:
    """Count the call about to be made for `row`, if it is still under the lease this pass set (one that ran
    out while it waited its turn may be another sender's now). True when counted."""
    if row is None or row.lease_until is None:
        return False
    return store.renew_lease(row.id, row.lease_until, row.lease_until, attempt=True)


@dataclass(frozen=True)
class Describes:
    """The state a message speaks of: true when it was written, perhaps no longer when it can go out."""

    status: ReservationStatus  # the reservation's
    presented: bool = False  # and the reservation is the request in front of the recipient (a host)


# Messages that describe a reservation's state, by message key: sent only while the reservation (the
# outbox row's `reservation_id`) is still in that state, else recorded as 'skipped' with the reason 'stale'.
# A new reminder plugs in with one line. Outcomes (accepted, declined, expired, cancelled) are never here:
# they report something that happened, and always go out.
STALE_UNLESS: dict[str, Describes] = {
    "host_prompt": Describes("pending", presented=True),
    "host_reminder": Describes("pending", presented=True),
    # A stay's address and way in, queued while it stood: never sent once it is cancelled.
    "stay_details": Describes("confirmed"),
}


def _claim_report(store: Store, message: Logged) -> int | None:
    return store.claim_report(message.sid, message.to, message.body, message.created, message.status, CLOCK_SKEW)


def _is_stale(store: Store, row: OutboxRow) -> bool:
    rule = STALE_UNLESS.get(row.key or "")
    if rule is None or row.reservation_id is None:
        return False
    status, presented_id = store.reservation_state(row.reservation_id, row.user_id)
    return status != rule.status or (rule.presented and presented_id != row.reservation_id)


def _skipped_if_held(store: Store, row: OutboxRow) -> bool:
    """Record the row as 'skipped' if its recipient opted out or is unreachable, or what it says is stale;
    True if it was."""
    reason = store.recipient_blocked(row.user_id) or ("stale" if _is_stale(store, row) else None)
    if reason:
        store.mark_final(row.id, "skipped", reason)
    return bool(reason)


class Sender:
    def __init__(
        self,
        db: Storage,
        gateway: SmsGateway,
        config: Config,
        clock: Clock,
        on_opted_out: Callable[[int], Awaitable[None]],
        on_unreachable: Callable[[int, str], Awaitable[None]],
    ) -> None:
        self._db = db
        self._gateway = gateway
        self._config = config
        self._clock = clock
        self._on_opted_out = on_opted_out
        self._on_unreachable = on_unreachable
        # This process's boot: it holds the leases it takes, for as long as its heartbeat goes on.
        self.boot_id = uuid.uuid4().hex
        self._wakeup = asyncio.Event()
        self._pass_lock = asyncio.Lock()
        self._random = random.Random()
        # A lease shorter than a REST call would let a slow call's row be claimed again while in flight.
        self._lease = timedelta(seconds=max(config.outbox_lease_seconds, 2 * config.twilio_request_timeout))

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
        """One pass: lease up to BATCH due rows and deliver them, one recipient's messages in order.
        Returns the rows handled (sent, retried, parked or skipped)."""
        async with self._pass_lock:
            claimed, rows, at_once = await self._claim()
            claimed_at = self._clock.now()
            by_recipient: dict[str, list[OutboxRow]] = defaultdict(list)
            for row in rows:
                by_recipient[row.to_phone].append(row)
            queues = deque(by_recipient.values())
            counted = set(at_once)

            async def work_through(queue: list[OutboxRow] | None) -> None:
                """One of `outbox_concurrency` workers: a recipient's messages in order, then the next
                recipient's. The next recipient's first attempt is counted in the commit that records this
                one's last outcome, the last commit before its call (as the claim does for the first ones)."""
                while queue is not None:
                    following: list[OutboxRow] | None = None
                    for index, row in enumerate(queue):
                        if index == len(queue) - 1 and queues:
                            following = queues.popleft()
                        ahead = following[0] if following and following[0].id not in counted \
                            and not following[0].in_doubt else None
                        # A recipient's first message, its turn come right after the claim, needs no
                        # second look: the claim checked the recipient and set a lease far longer than that.
                        fresh = index == 0 and self._clock.now() - claimed_at < FRESH_CLAIM and not row.in_doubt
                        outcome = await self._deliver(row, checked=fresh, counted=row.id in counted,
                                                      count_next=ahead)
                        if outcome.counted_next and ahead is not None:
                            counted.add(ahead.id)
                        if outcome.lost:
                            # The rest were leased with it, so their leases ran out too: the next pass
                            # (ours or another worker's) claims whatever is still due, in order.
                            break
                        rest = [later.id for later in queue[index + 1:]]
                        if outcome.retry_at is not None:
                            # Keep one person's messages in order: the rest wait for the failed one.
                            await self._release(rest, outcome.retry_at, "waiting for an earlier message")
                            break
                        if outcome.blocked:
                            # The next pass records the rest as skipped.
                            await self._release(rest, self._clock.now(), "recipient blocked")
                            break
                    queue = following or (queues.popleft() if queues else None)

            starters = [queues.popleft() for _ in range(min(self._config.outbox_concurrency, len(queues)))]
            results = await asyncio.gather(*(work_through(q) for q in starters), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    # Its rows stay leased and are tried again when the lease runs out.
                    log.error("outbox delivery failed", exc_info=result)
            return claimed

    async def _claim(self) -> tuple[int, list[OutboxRow], set[int]]:
        """Lease due rows; those for blocked recipients, or stale, are recorded as skipped at once. Returns
        the rows claimed, those to send, and those whose attempt the claim counted (`_sent_at_once`)."""
        return await self._db.run(self._claim_sync)

    def _claim_sync(self, store: Store) -> tuple[int, list[OutboxRow], set[int]]:
        rows = store.claim_due(self._lease, BATCH, holder=self.boot_id)
        if rows:
            store.heartbeat(self.boot_id)  # alive as of this claim, background heartbeats or not
        # A row in doubt is judged only once Twilio's log says it never went (`_deliver`).
        to_send = [row for row in rows if row.in_doubt or not _skipped_if_held(store, row)]
        at_once = self._sent_at_once(to_send)
        store.count_attempts(sorted(at_once))
        return len(rows), to_send, at_once

    def _sent_at_once(self, rows: list[OutboxRow]) -> set[int]:
        """The rows whose calls start as soon as the claim commits, with no unit of work in between: each
        recipient's first, for the first `outbox_concurrency` recipients (`deliver_due` starts them in this
        order). The claim is their last commit before the call, so it counts their attempts; every other
        row's is counted by the last commit before its own call (`_deliver`'s `count_next`, or its own unit)."""
        firsts: dict[str, OutboxRow] = {}
        for row in rows:
            firsts.setdefault(row.to_phone, row)
        # A row in doubt asks Twilio's log before any call: its attempt is counted only if it is made.
        return {row.id for row in list(firsts.values())[:self._config.outbox_concurrency] if not row.in_doubt}

    async def _deliver(self, row: OutboxRow, *, checked: bool = False, counted: bool = False,
                       count_next: OutboxRow | None = None) -> _Outcome:
        """Send one row, if it is still ours and its recipient may be texted, and record the outcome.
        `checked`: the claim has just made sure of the recipient, so only the lease and the attempt are
        written before the call; `counted`: this attempt is counted already (by the claim, or with the
        outcome before it), so, checked too, nothing is. `count_next`: the row this worker calls next, whose
        attempt the outcome's commit counts too if it is still ours (`counted_next` says it did)."""
        if row.in_doubt:
            settled = await self._reconcile(row, count_next)
            if settled is not None:
                return settled
        if not (checked and counted):
            held = await self._db.run(lambda store: self._before_send_sync(store, row, checked, counted),
                                      first=True)
            if held is not None:
                return held
        try:
            sent = await self._gateway.send(row.to_phone, row.body, row.media_url)
        except SendError as error:
            return await self._record_failure(row, error, count_next)

        def record(store: Store) -> _Outcome:
            store.mark_sent(row.id, sent.sid, sent.status)
            return _Outcome(counted_next=_count_if_ours(store, count_next))

        # Keyed by the SID, as its delivery report is (`Engine.record_delivery`), so a snapshot is enough:
        # whichever of the two comes second sees the other's row.
        return await self._db.run(record, first=True, key=sent.sid, snapshot=True)

    async def _reconcile(self, row: OutboxRow, count_next: OutboxRow | None) -> _Outcome | None:
        """A row whose earlier call may have reached Twilio: if Twilio's log has the message (to its recipient,
        its body, written since the row was, under a SID no other row carries), the row takes that SID and
        status. None: the log has it not, send it (unless it has had every try)."""
        since = row.created_at or self._clock.now()
        try:
            logged = await self._gateway.logged_since(row.to_phone, since)
        except SendError as error:
            return await self._unreadable_log(row, error)
        matches = [m for m in logged if m.body == row.body and m.created >= since - CLOCK_SKEW]
        if matches:
            # Keyed by a SID, as the delivery report it may race is (`_deliver`'s `record`).
            adopted = await self._db.run(lambda store: self._adopt_sync(store, row, matches, count_next),
                                         first=True, key=matches[0].sid, snapshot=True)
            if adopted is not None:
                return adopted
        if row.attempts >= self._config.outbox_max_attempts:
            reason = f"gave up after {row.attempts} attempts (none in Twilio's log): {row.last_error or ''}"
            await self._db.run(lambda store: store.mark_final(row.id, "failed", reason.rstrip(": ")), first=True)
            return _DONE
        return None

    def _adopt_sync(self, store: Store, row: OutboxRow, matches: list[Logged],
                    count_next: OutboxRow | None) -> _Outcome | None:
        known = store.known_sids([m.sid for m in matches], but=row.id)
        found = next((m for m in matches if m.sid not in known), None)
        if found is None:
            return None
        log.info("outbox %s: Twilio already has it (%s); recorded as sent, not sent again", row.id, found.sid)
        store.mark_sent(row.id, found.sid, found.status)
        return _Outcome(counted_next=_count_if_ours(store, count_next))

    async def _unreadable_log(self, row: OutboxRow, error: SendError) -> _Outcome:
        """Twilio's log could not be read: the row waits (still in doubt) and asks again later, never sent
        blind; each such look counts as a try, so a log that stays unreadable parks the row in the end."""
        tries = row.attempts + 1
        reason = f"Twilio's log could not be read: {error.reason}"

        def record(store: Store) -> _Outcome:
            store.count_attempts([row.id])
            if tries >= self._config.outbox_max_attempts:
                store.mark_final(row.id, "failed", f"gave up after {tries} attempts; may have been sent: {reason}")
                return _DONE
            retry_at = self._clock.now() + self.backoff(tries)
            store.mark_unsure(row.id, retry_at, reason)
            return _Outcome(retry_at=retry_at)

        log.warning("outbox %s: %s", row.id, masked(reason))
        return await self._db.run(record, first=True)

    def _before_send_sync(self, store: Store, row: OutboxRow, checked: bool, counted: bool) -> _Outcome | None:
        """Just before the send: renew the lease if the row is still ours (the pass may have outlived the
        claim's lease), skip it if its recipient opted out or became unreachable since the claim, or what it
        says went stale (unless `checked`), and count the attempt (unless counted already). None: send it now."""
        until = self._clock.now() + self._lease
        count_now = not counted
        if row.lease_until is None or not store.renew_lease(row.id, row.lease_until, until,
                                                            attempt=checked and count_now):
            log.warning("outbox %s: lease ran out before its turn; left to whichever sender claims it", row.id)
            return _LOST
        if checked:
            return None
        if _skipped_if_held(store, row):  # never sent: what `attempts` says of it no longer matters
            return _DONE
        if count_now:
            store.count_attempts([row.id])
        return None

    async def _record_failure(self, row: OutboxRow, error: SendError,
                              count_next: OutboxRow | None = None) -> _Outcome:
        # The consequences for the user first (their own unit of work: declines, withdrawals, others told),
        # then park the row. A crash in between leaves the row leased; the next try finds the user blocked.
        if error.code == OPTED_OUT_CODE and row.user_id is not None:
            await self._on_opted_out(row.user_id)
        elif error.code in UNREACHABLE_CODES and row.user_id is not None:
            await self._on_unreachable(row.user_id, PERMANENT_CODES[error.code or 0])

        def record(store: Store) -> _Outcome:
            outcome = self._record_failure_sync(store, row, error)
            return replace(outcome, counted_next=_count_if_ours(store, count_next))

        return await self._db.run(record, first=True)

    def _record_failure_sync(self, store: Store, row: OutboxRow, error: SendError) -> _Outcome:
        if not error.transient:
            log.warning("outbox %s to user %s failed for good: %s", row.id, row.user_id, self._loggable(error))
            store.mark_final(row.id, "failed", error.reason, error.code)
            blocked = row.user_id is not None and (error.code in UNREACHABLE_CODES
                                                   or error.code == OPTED_OUT_CODE)
            return _Outcome(blocked=blocked)
        tries = row.attempts + 1  # `attempts` was read at the claim, before this try was counted
        if error.unsure:
            # Twilio may have it: asked before the next try, and before giving up (`_reconcile`).
            retry_at = self._clock.now() + self.backoff(tries)
            log.warning("outbox %s to %s: attempt %s unanswered, Twilio's log asked at %s: %s", row.id,
                        masked(row.to_phone), tries, retry_at.strftime("%H:%M:%S"), self._loggable(error))
            store.mark_unsure(row.id, retry_at, error.reason)
            return _Outcome(retry_at=retry_at)
        if tries >= self._config.outbox_max_attempts:
            log.warning("outbox %s parked after %s attempts: %s", row.id, tries, self._loggable(error))
            store.mark_final(row.id, "failed", f"gave up after {tries} attempts: {error.reason}", error.code)
            return _DONE
        retry_at = self._clock.now() + self.backoff(tries)
        log.warning("outbox %s to %s: attempt %s of %s failed, retrying at %s: %s", row.id, masked(row.to_phone),
                    tries, self._config.outbox_max_attempts, retry_at.strftime("%H:%M:%S"), self._loggable(error))
        store.mark_retry(row.id, retry_at, error.reason)
        return _Outcome(retry_at=retry_at)

    def _loggable(self, error: SendError) -> str:
        """The reason as logs may say it: phone numbers cut to their last digits, and never the auth token
        (an error text echoing the request could carry it)."""
        reason = masked(error.reason)
        token = self._config.twilio_auth_token
        return reason.replace(token, "[auth token]") if token else reason

    async def _release(self, row_ids: list[int], retry_at: datetime, reason: str) -> None:
        if row_ids:
            await self._db.run(lambda store: store.release(row_ids, retry_at, reason))

    async def claim_reports(self) -> int:
        """Delivery reports whose SID no row knows, received between one and two sweeps plus `REPORT_AGE`
        ago: each is looked up in Twilio's log (recipient, words, time) and given to its row when exactly one
        fits; the rest are kept for the operator. Returns the reports claimed."""
        now = self._clock.now()
        sids = await self._db.run(lambda store: store.unclaimed_reports(
            now - REPORT_AGE - 2 * REPORT_SWEEP, now - REPORT_AGE, REPORTS_PER_SWEEP))
        claimed = 0
        for sid in sids:
            try:
                message = await self._gateway.logged(sid)
            except SendError as error:
                log.warning("delivery report %s: %s", sid, masked(error.reason))
                continue
            if message is None:
                continue
            outbox_id = await self._db.run(partial(_claim_report, message=message), key=sid)
            if outbox_id is not None:
                log.info("delivery report %s: the message of outbox %s, recorded as sent", sid, outbox_id)
                claimed += 1
        return claimed

    async def heartbeat_forever(self) -> None:
        """Say this server is alive every few seconds, and drop the heartbeats of long-gone ones."""
        beats = 0
        while True:
            try:
                await self._db.run(lambda store: store.heartbeat(self.boot_id), first=True)
                if beats % 1000 == 0:
                    await self._db.run(lambda store: store.forget_dead_servers())
                beats += 1
            except Exception:
                log.exception("heartbeat failed; trying again shortly")
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def run_forever(self) -> None:
        """Deliver as rows are committed, and retry rows as they fall due; match unclaimed delivery reports
        every `REPORT_SWEEP`."""
        loop = asyncio.get_running_loop()
        swept = loop.time()
        while True:
            try:
                await self.drain()
                if loop.time() - swept >= REPORT_SWEEP.total_seconds():
                    swept = loop.time()
                    await self.claim_reports()
                due, others = await self._db.run(lambda store: store.next_outbox_due(self.boot_id))
            except Exception:
                log.exception("outbox pass failed; trying again shortly")
                due, others = None, False
            wait = self._config.scheduler_poll_seconds
            if others:
                wait = min(wait, HEARTBEAT_SECONDS / 2)
            if due is not None:
                wait = max(0.0, min(wait, (due - self._clock.now()).total_seconds()))
            self._wakeup.clear()
            await wait_until(self._wakeup, wait or 0.01)


def outbox_report(config: Config, out: TextIO = sys.stdout, limit: int = 50) -> int:
    """`python run.py outbox`: counts by status, the rows being retried (attempts so far, last error, next
    try) and the rows that need an operator, with their reasons.

    Read-only: it opens the database read-only and never migrates or changes anything."""
    with read_only_store(config.storage_url, clock_from_environment()) as store:
        if store is None:
            print(f"No database at {config.resolve_path(config.database)}.", file=out)
            return 1
        counts = store.outbox_summary()
        retrying = store.outbox_retrying(limit)
        problems = store.outbox_problems(limit)
        reports = store.unclaimed_report_list(limit)
    order = ["pending", "sending", "sent", "skipped", "failed"]
    print("Outbox by status:", file=out)
    for status in sorted(counts, key=lambda s: (order.index(s) if s in order else len(order), s)):
        print(f"  {status:<8} {counts[status]}", file=out)
    if not counts:
        print("  (empty)", file=out)
    _print_retrying(retrying, limit, out)
    _print_unclaimed(reports, limit, out)
    if not problems:
        print("No failed messages.", file=out)
        return 0
    print(f"Failed messages (newest first, up to {limit}):", file=out)
    for row in problems:
        delivery = f" delivery={row['delivery_status']}" if row["delivery_status"] else ""
        code = f" code={row['error_code']}" if row["error_code"] is not None else ""
        print(f"  #{row['id']} to {row['to_phone']} {row['status']} after {row['attempts']} attempt(s)"
              f"{delivery}{code}: {row['last_error'] or '(no reason recorded)'} [{row['created_at']}]", file=out)
    return 0


def _print_retrying(rows: list[dict[str, Any]], limit: int, out: TextIO) -> None:
    """The 'pending' count hides rows that already failed: each is listed with its tries and last error."""
    if not rows:
        print("Nothing is being retried.", file=out)
        return
    print(f"Being retried (oldest first, up to {limit}):", file=out)
    for row in rows:
        if row["status"] != "sending":
            state = f"next try {row['next_attempt_at']}"
        elif row["lease_holder"] is None:
            state = f"unanswered, Twilio's log asked {row['lease_until']}"
        else:
            state = "sending now"
        print(f"  #{row['id']} to {row['to_phone']} retrying after {row['attempts']} attempt(s), {state}:"
              f" {row['last_error'] or '(no reason recorded)'} [{row['created_at']}]", file=out)


def _print_unclaimed(reports: list[dict[str, Any]], limit: int, out: TextIO) -> None:
    """Delivery reports no message of ours claims (not ours, or a message sent twice): kept for a look."""
    if not reports:
        return
    print(f"Delivery reports no message claims (newest first, up to {limit}):", file=out)
    for report in reports:
        code = f" code={report['error_code']}" if report["error_code"] is not None else ""
        print(f"  {report['twilio_sid']} {report['status']}{code} [{report['received_at']}]", file=out)
