"""Work that falls due later, kept as rows with due times (never timers in memory, so a restart loses
none): request expiry, one reminder to the host, one to guest and host the day before a stay, forgetting
half-finished flows, reading places' calendar feeds (`calendar_feeds.next_read_at`), deleting recorded
replies once they are older than any webhook retry and delivery reports no send claimed (their age is their
due time), and deleting relayed guest/host messages `relay.retention_days` after their stay's check-out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import assert_never
from zoneinfo import ZoneInfo

from bot import calendars, fetching, ical, outcomes
from bot.config import Config
from bot.context import Context
from bot.engine import Engine
from bot.models import Feed, Reservation, job_kind
from bot.presenting import describe, request_ttl

log = logging.getLogger(__name__)

BATCH = 100
# Replies deleted per unit of work: small enough that webhooks queued meanwhile wait only briefly.
PURGE_BATCH = 500
REMIND_RETRY = timedelta(minutes=15)
# A relay rate-limit notice silences its hour only; a day later it is history.
NOTICE_RETENTION = timedelta(days=1)
# How long a delivery report that overtook the record of its send is kept. That record follows within one
# REST call and a commit; a report still unclaimed a minute later is matched to its row by recipient, words
# and time where one row fits (`Sender.claim_reports`), else kept this long for the operator (`run.py
# outbox`): a message not ours (a Messaging Service reporting other traffic), or one sent twice.
EARLY_REPORT_TTL = timedelta(days=30)
# Calendar feeds read at once by one pass (each over the network, concurrently).
FEED_BATCH = 20


class Scheduler:
    def __init__(self, engine: Engine, config: Config) -> None:
        self._engine = engine
        self._config = config

    async def run_due(self) -> int:
        """Work every job and stale flow due now; returns how many were handled.

        Each job runs in its own unit of work, so one that fails (a bug, bad data) is logged and set aside
        instead of blocking every job behind it at every poll."""
        handled = 0
        while True:
            jobs = await self._engine.run(lambda ctx: ctx.store.due_jobs(BATCH))
            for job_id, kind, reservation_id in jobs:
                try:
                    await self._engine.run(partial(self._work, job_id=job_id, kind=kind, reservation_id=reservation_id))
                except Exception:
                    log.exception("job %s (%s for reservation %s) failed; set aside", job_id, kind, reservation_id)
                    await self._engine.run(partial(self._set_aside, job_id=job_id))
            stale = await self._engine.run(self._forget_stale_flows)
            handled += len(jobs) + len(stale)
            if len(jobs) < BATCH and len(stale) < BATCH:
                handled += await self.read_feeds()
                await self.forget_old_replies()
                await self.forget_old_relays()
                await self._engine.run(
                    lambda ctx: ctx.store.forget_early_deliveries_before(ctx.now() - EARLY_REPORT_TTL))
                return handled

    async def forget_old_replies(self) -> int:
        """Delete the replies recorded for texts older than `storage.inbound_retention_days`, a batch per
        unit of work; returns how many. A retry of such a text would be long past Twilio's."""
        days = self._config.inbound_retention_days
        if days <= 0:
            return 0
        forgotten = await self._in_batches(
            lambda ctx: ctx.store.forget_replies_before(ctx.now() - timedelta(days=days), PURGE_BATCH))
        if forgotten:
            log.info("forgot %s replies recorded over %g days ago", forgotten, days)
        return forgotten

    async def _in_batches(self, delete: Callable[[Context], int]) -> int:
        """Run `delete` (at most PURGE_BATCH rows) a unit of work at a time until a batch comes back short, so
        that no unit holds the lock long; returns how many rows went."""
        gone = 0
        while True:
            deleted = await self._engine.run(delete)
            gone += deleted
            if deleted < PURGE_BATCH:
                return gone

    async def forget_old_relays(self) -> int:
        """Delete the messages guests and hosts relayed (bot/flows/relay.py) for stays that checked out over
        `relay.retention_days` ago and those of question threads (bot/flows/asking.py) that closed that
        long ago, a batch per unit of work, and the rate-limit notices long past their hour; returns how
        many messages."""
        days = self._config.relay_retention_days
        forgotten = 0
        if days > 0:
            forgotten = await self._in_batches(lambda ctx: ctx.store.forget_relays_before(
                ctx.today() - timedelta(days=days), PURGE_BATCH))
            # Questions before booking (ASK) are kept as long, counted from when their thread closed.
            forgotten += await self._in_batches(lambda ctx: ctx.store.forget_questions_before(
                ctx.now() - timedelta(days=days), PURGE_BATCH))
        if forgotten:
            log.info("forgot %s relayed messages of stays and question threads over %s days past their end",
                     forgotten, days)
        await self._in_batches(lambda ctx: ctx.store.forget_relay_notices_before(
            ctx.now() - NOTICE_RETENTION, PURGE_BATCH))
        return forgotten

    async def read_feeds(self) -> int:
        """Read the calendar feeds that are due, each claimed by this server alone (another server skips it
        until the claim runs out), fetched and parsed outside any transaction; returns how many."""
        config = self._config
        lease = timedelta(seconds=2 * config.calendar_fetch_timeout_seconds + 60)
        feeds, (start, end) = await self._engine.run(
            lambda ctx: (ctx.store.claim_due_feeds(FEED_BATCH, lease), calendars.window(ctx)))
        await asyncio.gather(*(self._read_feed(feed, start, end) for feed in feeds))
        return len(feeds)

    async def _read_feed(self, feed: Feed, start: date, end: date) -> None:
        config = self._config
        try:
            fetched = await fetching.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified,
                                           seconds=config.calendar_fetch_timeout_seconds,
                                           allow_private=config.calendar_allow_private_addresses)
            nights = None
            if fetched.body is not None:
                # Parsing a large feed takes CPU: off the event loop, so webhooks meanwhile are answered.
                nights = await asyncio.to_thread(ical.busy_nights, fetched.body, start, end,
                                                 ZoneInfo(config.timezone))
            await self._engine.run(partial(calendars.read_done, feed_id=feed.id, nights=nights,
                                           etag=fetched.etag or feed.etag,
                                           last_modified=fetched.last_modified or feed.last_modified))
            return
        except fetching.FetchFailed as failed:
            why: str = failed.why
        except ical.MalformedFeed:
            why = "malformed"
        except Exception:
            log.exception("reading calendar feed %s of listing %s failed", feed.id, feed.listing_id)
            return  # read again when its claim runs out
        # The URL is not logged: platforms put a secret in it.
        log.info("calendar feed %s of listing %s could not be read: %s", feed.id, feed.listing_id, why)
        await self._engine.run(partial(calendars.read_failed, feed_id=feed.id, why=why))

    @staticmethod
    def _set_aside(ctx: Context, job_id: int) -> None:
        ctx.store.finish_jobs([job_id])

    @staticmethod
    def _forget_stale_flows(ctx: Context) -> list[int]:
        stale = ctx.store.expired_flows(BATCH)
        for user_id in stale:
            # Loading resets a stale flow; saving it frees the host for their next request.
            ctx.conversation(user_id)
        return stale

    @staticmethod
    def _work(ctx: Context, job_id: int, kind: str, reservation_id: int) -> None:
        if not ctx.store.finish_jobs([job_id]):
            return  # another worker process took it
        # Checked here, in the job's own unit of work: a kind no code knows fails this job alone (set aside).
        checked = job_kind(kind)
        reservation = ctx.store.reservation(reservation_id)
        # One case per JobKind: a kind added without its case fails mypy at `assert_never`.
        match checked:
            case "stay_reminder":
                outcomes.remind_of_stay(ctx, reservation)  # only if the stay still stands
            case "plan_stay_reminder":
                # A stay confirmed before reminders existed (migration 012): its reminder, if still ahead.
                if reservation.status == "confirmed":
                    outcomes.schedule_stay_reminder(ctx, reservation)
            case "expire":
                if reservation.status == "pending":  # else decided, cancelled or expired meanwhile
                    outcomes.expire(ctx, reservation)
            case "remind":
                if reservation.status == "pending":
                    Scheduler._remind(ctx, reservation)
            case _:
                assert_never(checked)

    @staticmethod
    def _remind(ctx: Context, reservation: Reservation) -> None:
        """The host's one reminder of a request still waiting for them, if it is still the one in front of them."""
        host = ctx.conversation(reservation.host_id)
        if host.presented_id != reservation.id:
            return
        if not host.idle:
            # Never "reply YES or NO" into the middle of a flow (a NO there may mean "no photo"): try
            # again a little later, as long as the request is still in time.
            later = ctx.now() + REMIND_RETRY
            if later < reservation.created_at + request_ttl(ctx):
                ctx.store.add_job("remind", reservation.id, later)
            return
        ctx.tell(reservation.host_id, "host_reminder", about=reservation.id, **describe(ctx, reservation))

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:
                log.exception("scheduler pass failed; trying again at the next poll")
            await asyncio.sleep(self._config.scheduler_poll_seconds)
