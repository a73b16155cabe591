"""A small local fake of Twilio's Messages API, for the real twilio client to talk to.

It records every message it accepts and can be told to fail: with an HTTP status and Twilio error code,
slowly, or (by the test stopping it) with a refused connection. It can also hold a call before accepting
the message (`hold`) or after accepting it, before answering (`hold_answer`: the message exists, with its
SID, and a status callback for it may arrive before the sender learns the SID).

It serves Twilio's Messages list as Twilio does (`GET .../Messages.json`): filtered by `To`, `From` and
`DateSent` (`DateSent>`, `DateSent<`; a date or a date and time, in GMT), newest first, `PageSize` a page
(50 unless asked), each page naming the next in `next_page_uri` with a `PageToken`, dates in RFC 2822.
`lists` counts the pages (and single messages, `GET .../Messages/<sid>.json`) it served. Its timestamps
come from `clock` (a test's FakeClock, or real time).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlencode

from aiohttp import web

from bot.clock import clock_from_environment


@dataclass
class SentMessage:
    to: str
    from_: str
    body: str
    media: list[str]
    status_callback: str | None
    sid: str
    messaging_service_sid: str | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Failure:
    status: int
    code: int | None = None
    delay: float = 0.0
    to: str | None = None  # only for this recipient


@dataclass
class FakeTwilio:
    messages: list[SentMessage] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    attempts: int = 0
    delay: float = 0.0
    holds: dict[str, asyncio.Event] = field(default_factory=dict)
    answer_holds: dict[str, asyncio.Event] = field(default_factory=dict)
    # Twilio and the servers it stands in for share the world's clock: a server in another process runs on
    # `clock_from_environment` (moved by the test-only offset in `make test`'s clock guard), so the fake's log
    # is stamped on the same one, or a take-over's look at "messages since the row was written" finds none.
    clock: Callable[[], datetime] = field(default_factory=lambda: clock_from_environment().now)
    lists: int = 0
    _sids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, status: int, code: int | None = None, *, times: int = 1, to: str | None = None,
                  delay: float = 0.0) -> None:
        self.failures.extend(Failure(status, code, delay, to) for _ in range(times))

    def hold(self, to: str) -> asyncio.Event:
        """The next message to `to` stays in flight (the request unanswered) until the returned event is set."""
        self.holds[to] = asyncio.Event()
        return self.holds[to]

    def hold_answer(self, to: str) -> asyncio.Event:
        """The next message to `to` is accepted (recorded, SID given) but answered only once the returned
        event is set."""
        self.answer_holds[to] = asyncio.Event()
        return self.answer_holds[to]

    def to(self, phone: str) -> list[str]:
        return [m.body for m in self.messages if m.to == phone]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{account}/Messages.json", self._list)
        app.router.add_get("/2010-04-01/Accounts/{account}/Messages/{sid}.json", self._fetch)
        return app

    async def _fetch(self, request: web.Request) -> web.Response:
        self.lists += 1
        found = [m for m in self.messages if m.sid == request.match_info["sid"]]
        if not found:
            return web.json_response({"code": 20404, "message": "The requested resource was not found",
                                      "status": 404}, status=404)
        return web.json_response(_resource(found[0], request.match_info["account"]))

    async def _list(self, request: web.Request) -> web.Response:
        self.lists += 1
        query = request.query
        found = sorted((m for m in self.messages if _listed(m, query)), key=lambda m: (m.created, m.sid),
                       reverse=True)
        size = int(query.get("PageSize", "50"))
        token = query.get("PageToken", "")
        start = next((i + 1 for i, m in enumerate(found) if "PA" + m.sid == token), 0)
        page = found[start:start + size]
        path = request.path
        kept = {k: v for k, v in query.items() if k not in {"Page", "PageToken"}}
        number = int(query.get("Page", "0"))
        following = None
        if start + size < len(found):
            following = path + "?" + urlencode({**kept, "Page": number + 1, "PageToken": "PA" + page[-1].sid})
        account = request.match_info["account"]
        return web.json_response({
            "messages": [_resource(m, account) for m in page], "page": number, "page_size": size,
            "start": start, "end": start + len(page) - 1, "uri": request.path_qs,
            "first_page_uri": path + "?" + urlencode({**kept, "Page": 0}), "next_page_uri": following,
            "previous_page_uri": None})

    def _take_failure(self, to: str) -> Failure | None:
        for index, failure in enumerate(self.failures):
            if failure.to is None or failure.to == to:
                return self.failures.pop(index)
        return None

    async def _create(self, request: web.Request) -> web.Response:
        self.attempts += 1
        form = await request.post()
        to = str(form.get("To", ""))
        if (held := self.holds.pop(to, None)) is not None:
            await held.wait()
        failure = self._take_failure(to)
        delay = failure.delay if failure else self.delay
        if delay:
            await asyncio.sleep(delay)  # simulates a slow Twilio; the client's timeout must cut it
        if failure is not None and failure.status >= 400:
            return web.json_response(
                # Twilio's messages name the number ("The 'To' number +1555... is not a valid phone number").
                {"code": failure.code, "message": f"fake failure {failure.code} for {to}", "status": failure.status,
                 "more_info": "https://www.twilio.com/docs/errors"},
                status=failure.status,
            )
        sid = f"SM{next(self._sids):032x}"
        self.messages.append(SentMessage(
            to=to, from_=str(form.get("From", "")), body=str(form.get("Body", "")),
            media=[str(v) for v in form.getall("MediaUrl", [])],
            status_callback=str(form["StatusCallback"]) if "StatusCallback" in form else None, sid=sid,
            messaging_service_sid=str(form["MessagingServiceSid"]) if "MessagingServiceSid" in form else None,
            created=self.clock(),
        ))
        if (answer_held := self.answer_holds.pop(to, None)) is not None:
            await answer_held.wait()
        return web.json_response(
            {"sid": sid, "status": "queued", "to": to, "body": form.get("Body"),
             "account_sid": request.match_info["account"], "num_segments": "1"},
            status=201,
        )


def _moment(text: str) -> datetime:
    """A `DateSent` filter's value: a GMT date, or a date and time (twilio's client sends ISO 8601)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _listed(message: SentMessage, query: Mapping[str, str]) -> bool:
    if "To" in query and message.to != query["To"]:
        return False
    if "From" in query and message.from_ != query["From"]:
        return False
    if "DateSent>" in query and message.created < _moment(query["DateSent>"]):
        return False
    if "DateSent<" in query and message.created > _moment(query["DateSent<"]):
        return False
    return "DateSent" not in query or message.created.date() == _moment(query["DateSent"]).date()


def _resource(message: SentMessage, account: str) -> dict[str, object]:
    """One message as Twilio's list shows it (the fields the sender reads, and a few around them)."""
    stamp = format_datetime(message.created.astimezone(UTC), usegmt=True)
    return {"sid": message.sid, "account_sid": account, "to": message.to, "from": message.from_ or None,
            "messaging_service_sid": message.messaging_service_sid, "body": message.body, "status": "sent",
            "direction": "outbound-api", "date_created": stamp, "date_sent": stamp, "date_updated": stamp,
            "num_segments": "1", "num_media": str(len(message.media)), "error_code": None, "price": None,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{message.sid}.json"}
