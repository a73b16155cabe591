"""HTTP edge: Twilio's webhooks in, TwiML out. Signature checks, input validation, nothing else."""

from __future__ import annotations

import logging
import re
from xml.sax.saxutils import escape

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from bot.config import Config
from bot.engine import Inbound, Reply
from bot.keys import CONFIG, ENGINE, VALIDATOR

log = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_MEDIA = 10
TWIML = "text/xml"

routes = web.RouteTableDef()


def render_twiml(reply: Reply) -> str:
    """`<Response>` with one `<Message>` per reply part; an empty `<Response/>` sends nothing."""
    parts = []
    for message in reply.messages:
        media = f"<Media>{escape(message.media_url)}</Media>" if message.media_url else ""
        parts.append(f"<Message><Body>{escape(message.body)}</Body>{media}</Message>")
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(parts) + "</Response>"


def _signed_url(request: web.Request, config: Config) -> str:
    """The URL Twilio signed: behind a proxy or tunnel that is PUBLIC_URL + path, not what we see."""
    if config.public_url:
        return config.public_url.rstrip("/") + request.rel_url.path_qs
    return str(request.url)


async def _signed_form(request: web.Request) -> MultiDictProxy[str]:
    """The form body, or an HTTP error: 400 not a form, 413 too large, 403 bad signature."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise web.HTTPBadRequest(text="expected application/x-www-form-urlencoded")
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="unreadable form body") from None
    # Twilio only posts text fields; a file upload is not a webhook.
    fields = MultiDictProxy(MultiDict((k, v) for k, v in form.items() if isinstance(v, str)))
    validator = request.app[VALIDATOR]
    if validator is not None:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not validator.validate(_signed_url(request, request.app[CONFIG]), fields, signature):
            log.warning("rejected %s with a missing or wrong signature", request.path)
            raise web.HTTPForbidden(text="invalid signature")
    return fields


def _inbound(form: MultiDictProxy[str]) -> Inbound:
    missing = [name for name in ("MessageSid", "From", "Body") if name not in form]
    if missing:
        raise web.HTTPBadRequest(text=f"missing {', '.join(missing)}")
    phone = form["From"].strip()
    if not E164.match(phone):
        raise web.HTTPBadRequest(text="From is not an E.164 phone number")
    sid = form["MessageSid"].strip()
    if not sid or len(sid) > 64:
        raise web.HTTPBadRequest(text="bad MessageSid")
    try:
        count = min(int(form.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        raise web.HTTPBadRequest(text="bad NumMedia") from None
    media = tuple(
        url for n in range(count)
        if (url := form.get(f"MediaUrl{n}", "")) and url.lower().startswith(("http://", "https://"))
    )
    return Inbound(phone=phone, body=form["Body"][:1600], message_sid=sid, media=media)


@routes.post("/sms")
async def inbound_sms(request: web.Request) -> web.Response:
    inbound = _inbound(await _signed_form(request))
    reply = await request.app[ENGINE].handle(inbound)
    return web.Response(text=render_twiml(reply), content_type=TWIML, charset="utf-8")


@routes.post("/sms/status")
async def status_callback(request: web.Request) -> web.Response:
    form = await _signed_form(request)
    sid, status = form.get("MessageSid", "").strip(), form.get("MessageStatus", "").strip().lower()
    if not sid or not status:
        raise web.HTTPBadRequest(text="missing MessageSid or MessageStatus")
    code_text = form.get("ErrorCode", "").strip()
    error_code = int(code_text) if code_text.isdigit() else None
    await request.app[ENGINE].record_delivery(sid, status, error_code)
    return web.Response(status=204)


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
