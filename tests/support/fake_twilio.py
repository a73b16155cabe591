"""A small local fake of Twilio's Messages API, for the real twilio client to talk to.

It records every message it accepts and can be told to fail: with an HTTP status and Twilio error code,
slowly, or (by the test stopping it) with a refused connection. It can also hold a call before accepting
the message (`hold`) or after accepting it, before answering (`hold_answer`: the message exists, with its
SID, and a status callback for it may arrive before the sender learns the SID).
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class SentMessage:
    to: str
    from_: str
    body: str
    media: list[str]
    status_callback: str | None
    sid: str
    messaging_service_sid: str | None = None


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
        return app

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
        ))
        if (answer_held := self.answer_holds.pop(to, None)) is not None:
            await answer_held.wait()
        return web.json_response(
            {"sid": sid, "status": "queued", "to": to, "body": form.get("Body"),
             "account_sid": request.match_info["account"], "num_segments": "1"},
            status=201,
        )
