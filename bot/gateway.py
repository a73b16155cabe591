"""SMS gateways: the only code that talks to Twilio's REST API, and a console stand-in without it."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp

from bot.config import Config
from bot.redact import masked

log = logging.getLogger(__name__)

# Twilio error codes that will fail again however often we retry.
PERMANENT_CODES = {
    21610: "opted_out",      # recipient replied STOP
    21211: "invalid_number",
    21614: "not_mobile",
    21612: "unroutable",
    21408: "region_disabled",
    21617: "body_too_long",
}
UNREACHABLE_CODES = {21211, 21614, 21612, 21408}
OPTED_OUT_CODE = 21610
# Twilio's "too many requests" error code (also sent with HTTP 429).
RATE_LIMITED_CODE = 20429
# Authentication failed: credentials being rotated or mistyped. Retried (bounded by max attempts) so that
# fixing the configuration within minutes loses nothing; after that the rows are parked with the reason.
AUTH_STATUSES = {401, 403}
# Twilio's log is read a page at a time; one recipient's messages since a row was written fit in one.
LOG_PAGE_SIZE = 50
# Messages one look in Twilio's log reads at most (a recipient texted this much since the row was written is
# a flood; the oldest beyond it are not read).
LOG_LIMIT = 500
# Twilio stamps its log with its own clock: a message is looked for from this long before the row was
# written, in case that clock is behind ours.
CLOCK_SKEW = timedelta(minutes=2)


def is_transient(status: int, code: int | None) -> bool:
    """Whether a failed REST call may pass if tried again later."""
    if code in PERMANENT_CODES:
        return False
    return status == 429 or status >= 500 or code == RATE_LIMITED_CODE or status in AUTH_STATUSES


def describe_failure(status: int, code: int | None, message: str) -> str:
    """The reason an operator reads in `run.py outbox`: 'invalid_number: HTTP 400 code 21211: ...'."""
    name = PERMANENT_CODES.get(code or 0)
    prefix = f"{name}: " if name else ""
    return f"{prefix}HTTP {status} code {code}: {message}"[:500]


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str


@dataclass(frozen=True)
class Logged:
    """A message in Twilio's log (the Messages list): what a row's earlier call may have created."""

    sid: str
    status: str
    body: str
    created: datetime
    to: str = ""


class SendError(Exception):
    """A send that did not go through. `transient` ones are retried with backoff; `unsure` ones got no
    answer (a timeout, a dropped connection), so Twilio may have the message all the same."""

    def __init__(self, reason: str, *, transient: bool, code: int | None = None, unsure: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.code = code
        self.unsure = unsure


class SmsGateway(Protocol):
    async def send(self, to: str, body: str, media_url: str | None) -> Sent:
        """Hand one message to the carrier side; raises SendError."""
        ...

    async def logged_since(self, to: str, since: datetime) -> list[Logged]:
        """The messages to `to` that Twilio's log has from `since` on, oldest first; raises SendError."""
        ...

    async def logged(self, sid: str) -> Logged | None:
        """One message of Twilio's log by its SID (None: Twilio has no such message); raises SendError."""
        ...

    async def close(self) -> None: ...


# The SID the console gateway gives what it keeps: such a row never reached Twilio nor a phone.
CONSOLE_SID_PREFIX = "CONSOLE"


class ConsoleGateway:
    """No Twilio credentials: messages are logged, not sent (their outbox rows are marked sent, and `chat`
    shows them to the number they are for)."""

    async def send(self, to: str, body: str, media_url: str | None) -> Sent:
        media = f" [media: {media_url}]" if media_url else ""
        # INFO says who (masked) and how long; the words only at DEBUG (`run.py chat` shows them too).
        log.info("SMS to %s (%d characters%s) kept in the outbox, not sent", masked(to), len(body),
                 ", with media" if media_url else "")
        log.debug("SMS to %s: %s%s", to, body, media)
        return Sent(CONSOLE_SID_PREFIX + secrets.token_hex(15), "sent")

    async def logged_since(self, to: str, since: datetime) -> list[Logged]:
        # Nothing here keeps a log: a console message interrupted by a crash is logged again, harmlessly.
        return []

    async def logged(self, sid: str) -> Logged | None:
        return None

    async def close(self) -> None:
        return None


def _transport(timeout: float) -> Any:
    """twilio's aiohttp transport, sending credentials as a header: aiohttp 3.14 deprecates the
    `BasicAuth` object that twilio passes (twilio-python issue #931), and we run with warnings as errors."""
    from twilio.http.async_http_client import AsyncTwilioHttpClient

    class HeaderAuthTransport(AsyncTwilioHttpClient):  # type: ignore[misc]
        async def request(self, method: str, url: str, params: Any = None, data: Any = None,
                          headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None,
                          timeout: float | None = None,  # noqa: ASYNC109 (twilio's signature)
                          allow_redirects: bool = False) -> Any:
            headers = dict(headers or {})
            if auth is not None:
                headers["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1])
            if isinstance(data, dict):
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                data = urlencode(data, doseq=True).encode()
            return await super().request(method, url, params, data, headers, None,
                                         timeout, allow_redirects)

    return HeaderAuthTransport(timeout=timeout)


class TwilioGateway:
    """twilio's own client on its aiohttp transport, so a send never blocks the event loop.

    Create it inside the running loop (the transport opens an aiohttp session in its constructor, twilio
    issue #866) and close it on shutdown.
    """

    def __init__(self, config: Config, status_callback: str | None) -> None:
        from twilio.rest import Client

        self._http = _transport(config.twilio_request_timeout)
        self._client = Client(config.twilio_account_sid, config.twilio_auth_token, http_client=self._http)
        self._client.api.base_url = config.twilio_api_url.rstrip("/")
        # A Messaging Service picks the sender from its pool (and is how US A2P 10DLC traffic must go);
        # without one, messages go from the configured number.
        self._sender: dict[str, object] = (
            {"messaging_service_sid": config.twilio_messaging_service_sid}
            if config.twilio_messaging_service_sid else {"from_": config.twilio_phone_number})
        self._status_callback = status_callback
        self._timeout = config.twilio_request_timeout

    async def send(self, to: str, body: str, media_url: str | None) -> Sent:
        from twilio.base.exceptions import TwilioRestException

        kwargs: dict[str, object] = {"to": to, "body": body, **self._sender}
        if media_url:
            kwargs["media_url"] = [media_url]
        if self._status_callback:
            kwargs["status_callback"] = self._status_callback
        try:
            # The client's own timeout is ignored by some versions (twilio issue #925): bound it here.
            message = await asyncio.wait_for(self._client.messages.create_async(**kwargs), self._timeout)
        except TwilioRestException as exc:
            code = int(exc.code) if exc.code else None
            status = int(exc.status or 0)
            raise SendError(describe_failure(status, code, str(exc.msg)), transient=is_transient(status, code),
                            code=code) from None
        except TimeoutError:
            raise SendError(f"timed out after {self._timeout:g} s", transient=True, unsure=True) from None
        except aiohttp.ClientConnectorError as exc:  # never connected: nothing reached Twilio
            raise SendError(f"{type(exc).__name__}: {exc}"[:500], transient=True) from None
        except (aiohttp.ClientError, OSError) as exc:  # the request may have gone out before the connection broke
            raise SendError(f"{type(exc).__name__}: {exc}"[:500], transient=True, unsure=True) from None
        except Exception as exc:  # e.g. a garbled answer from a proxy: worth another try, bounded by attempts
            log.warning("unexpected send error to %s: %s", masked(to), masked(repr(exc)))
            raise SendError(f"{type(exc).__name__}: {exc}", transient=True, unsure=True) from None
        return Sent(str(message.sid), str(message.status or "queued"))

    async def logged_since(self, to: str, since: datetime) -> list[Logged]:
        """Twilio's Messages list, filtered by To (and From, when we send from one number) and DateSent, read
        page by page (`next_page_uri`) through twilio's client; a failure is a transient SendError."""
        from twilio.base.exceptions import TwilioRestException

        sender = {"from_": self._sender["from_"]} if "from_" in self._sender else {}
        try:
            found = await asyncio.wait_for(self._client.messages.list_async(
                to=to, date_sent_after=since - CLOCK_SKEW, page_size=LOG_PAGE_SIZE, limit=LOG_LIMIT, **sender),
                self._timeout * 3)
        except TwilioRestException as exc:
            raise SendError(describe_failure(int(exc.status or 0), int(exc.code) if exc.code else None,
                                             str(exc.msg)), transient=True) from None
        except TimeoutError:
            raise SendError(f"Twilio's log: timed out after {self._timeout * 3:g} s", transient=True) from None
        except Exception as exc:  # refused, dropped, garbled: asked again later, never sent blind meanwhile
            raise SendError(f"Twilio's log: {type(exc).__name__}: {exc}"[:500], transient=True) from None
        logged = [Logged(str(m.sid), str(m.status or "queued"), str(m.body or ""), m.date_created)
                  for m in found if m.date_created is not None]
        return sorted(logged, key=lambda m: m.created)

    async def logged(self, sid: str) -> Logged | None:
        """One message by SID (`messages(sid).fetch`): what a delivery report no row knows was about."""
        from twilio.base.exceptions import TwilioRestException

        try:
            message = await asyncio.wait_for(self._client.messages(sid).fetch_async(), self._timeout)
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise SendError(describe_failure(int(exc.status or 0), int(exc.code) if exc.code else None,
                                             str(exc.msg)), transient=True) from None
        except Exception as exc:  # refused, dropped, timed out: looked up again at the next sweep, if any
            raise SendError(f"Twilio's log: {type(exc).__name__}: {exc}"[:500], transient=True) from None
        if message.date_created is None:
            return None
        return Logged(str(message.sid), str(message.status or "queued"), str(message.body or ""),
                      message.date_created, str(message.to or ""))

    async def close(self) -> None:
        await self._http.close()
