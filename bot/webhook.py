"""HTTP edge: Twilio's webhooks in, TwiML out. Signature checks, input validation, nothing else."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import cast
from xml.sax.saxutils import escape

from aiohttp import web
from multidict import MultiDictProxy

from bot.config import Config
from bot.engine import Engine, Inbound, Reply
from bot.flows.general import OPT_OUT_TYPES, OptOutType
from bot.keys import CONFIG, DATABASE, ENGINE, VALIDATOR

log = logging.getLogger(__name__)

# ASCII digits only (\d would take any script's digits) and nothing after the last one (not even "\n").
E164 = re.compile(r"\+[1-9][0-9]{6,14}\Z")
MAX_MEDIA = 10
MAX_BODY = 1600  # Twilio's limit for one message; anything longer is cut here
MAX_SID = 64
TWIML = "text/xml"
# Characters XML 1.0 cannot carry (C0 controls but tab/newline/return, surrogates, U+FFFE/U+FFFF): a reply
# that echoes one would be TwiML Twilio cannot parse, so they are dropped on the way in and on the way out.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What Twilio may report in a status callback (MessageStatus).
DELIVERY_STATUSES = frozenset({
    "accepted", "scheduled", "queued", "sending", "sent", "delivered", "undelivered", "failed", "read",
    "canceled", "receiving", "received", "partially_delivered",
})

# The webhooks are served at `//sms` too: a PUBLIC_URL ending in "/" makes the README's `$PUBLIC_URL/sms`
# read `https://x.ngrok.app//sms`, and the signature is checked on that URL as Twilio called it.
routes = web.RouteTableDef()


def render_twiml(reply: Reply) -> str:
    """`<Response>` with one `<Message>` per reply part; an empty `<Response/>` sends nothing."""
    parts = []
    for message in reply.messages:
        media = f"<Media>{escape(xml_safe(message.media_url))}</Media>" if message.media_url else ""
        parts.append(f"<Message><Body>{escape(xml_safe(message.body))}</Body>{media}</Message>")
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(parts) + "</Response>"


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _signed_url(request: web.Request, config: Config) -> str:
    """The URL Twilio signed: behind a proxy or tunnel that is PUBLIC_URL + path, not what we see.

    Twilio signs the URL exactly as configured, its query still percent-encoded (`?src=a%20b`,
    `?name=a+b`): the path and query are taken as they came on the request line, never decoded and
    encoded again."""
    target = request.raw_path if request.raw_path.startswith("/") else request.rel_url.raw_path_qs
    base = config.public_url or f"{request.scheme}://{request.host}"
    return base + target


async def _signed_form(request: web.Request) -> MultiDictProxy[str]:
    """The form body, or an HTTP error: 400 not a form, 413 too large, 403 bad signature."""
    limit = request.app[CONFIG].max_request_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    if request.content_type != "application/x-www-form-urlencoded":
        raise web.HTTPBadRequest(text="expected application/x-www-form-urlencoded")
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="unreadable form body") from None
    # An url-encoded body (checked above) parses to text fields only: aiohttp makes file fields from
    # multipart bodies alone, so the form is used as it is, not copied.
    fields = cast("MultiDictProxy[str]", form)
    validator = request.app[VALIDATOR]
    if validator is not None:
        signature = request.headers.get("X-Twilio-Signature", "")
        # Twilio's signature is base64: a header with anything else (a byte that is not UTF-8) is simply wrong.
        url = _signed_url(request, request.app[CONFIG])
        if not signature or not signature.isascii() or not validator.validate(url, fields, signature):
            log.warning("rejected %s with a missing or wrong signature", request.path)
            raise web.HTTPForbidden(text="invalid signature")
    return fields


def _opt_out_type(form: MultiDictProxy[str]) -> OptOutType | None:
    """Advanced Opt-Out's verdict on the text (STOP, START or HELP), whatever keyword the account defined."""
    kind = form.get("OptOutType", "").strip().upper()
    return next((known for known in OPT_OUT_TYPES if known == kind), None)


def inbound_from_form(form: MultiDictProxy[str]) -> Inbound:
    """The text a webhook form carries, or 400 naming what is missing or malformed."""
    missing = [name for name in ("MessageSid", "From", "Body") if name not in form]
    if missing:
        raise web.HTTPBadRequest(text=f"missing {', '.join(missing)}")
    phone = form["From"].strip()
    if not E164.match(phone):
        raise web.HTTPBadRequest(text="From is not an E.164 phone number")
    sid = form["MessageSid"].strip()
    if not sid or len(sid) > MAX_SID or not sid.isascii() or not sid.isprintable():
        raise web.HTTPBadRequest(text="bad MessageSid")
    try:
        count = max(0, min(int(form.get("NumMedia", "0") or 0), MAX_MEDIA))
    except ValueError:
        raise web.HTTPBadRequest(text="bad NumMedia") from None
    media = tuple(
        url.strip() for n in range(count)
        if (url := form.get(f"MediaUrl{n}", "")) and url.strip().lower().startswith(("http://", "https://"))
    )
    body = xml_safe(form["Body"])[:MAX_BODY]
    return Inbound(phone=phone, body=body, message_sid=sid, media=media, opt_out_type=_opt_out_type(form))


async def text_in(engine: Engine, form: MultiDictProxy[str]) -> Reply:
    """A text as Twilio posts it, once its signature is checked, handled by the engine: the one way a text
    comes in (the console's dev phone posts its own forms here too)."""
    return await engine.handle(inbound_from_form(form))


@routes.post("/sms")
@routes.post("//sms")
async def inbound_sms(request: web.Request) -> web.Response:
    reply = await text_in(request.app[ENGINE], await _signed_form(request))
    return web.Response(text=render_twiml(reply), content_type=TWIML, charset="utf-8")


@routes.post("/sms/status")
@routes.post("//sms/status")
async def status_callback(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    sid = form.get("MessageSid", "").strip()
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or not status:
        raise web.HTTPBadRequest(text="missing MessageSid or MessageStatus")
    if len(sid) > MAX_SID or status not in DELIVERY_STATUSES:
        raise web.HTTPBadRequest(text="unknown MessageSid or MessageStatus")
    code_text = form.get("ErrorCode", "").strip()
    error_code = int(code_text) if code_text.isascii() and code_text.isdigit() and len(code_text) <= 9 else None
    to_phone = form.get("To", "").strip()
    await request.app[ENGINE].record_delivery(sid, status, error_code, to_phone if E164.match(to_phone) else None)
    return web.Response(status=204)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Live: the process serves (a balancer restarts or stops sending to a server that fails this)."""
    return web.json_response({"status": "ok"})


READY_SECONDS = 5.0


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Ready: the database answers and its schema is the one this code expects (a balancer sends texts
    only to a server that passes this)."""
    try:
        ready = await asyncio.wait_for(request.app[DATABASE].ready(), READY_SECONDS)
    except TimeoutError:
        ready = False
    return web.json_response({"status": "ok" if ready else "unavailable"}, status=200 if ready else 503)
