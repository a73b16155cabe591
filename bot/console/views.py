"""The console's pages and actions under /admin: who is signed in is checked before any handler runs.

Pages are server-rendered (aiohttp-jinja2, autoescaped: whatever a texter wrote is shown as text); the
dashboard and the dev phone refresh themselves from JSON endpoints with a little plain JavaScript. Actions
that change what texters see go through the engine (`Engine.run` / `Engine.handle`), so they follow the same
rules, in one transaction with the messages they cause, as a text would.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from bot.catalog import Rendered, Validation, validate_catalog
from bot.clock import from_db, wait_until
from bot.config import Config
from bot.console import auth, editing
from bot.console import queries as q
from bot.console.words import load_words, reason_code, send_problem
from bot.context import Context
from bot.engine import Reply
from bot.flows.general import carrier_reply
from bot.keys import CATALOG, CLOCK, CONFIG, DATABASE, ENGINE, SENDER
from bot.models import RESERVATION_STATUSES, ReservationStatus
from bot.money import Money, format_money
from bot.outcomes import Unlisted, take_off_market
from bot.registry import REGISTRY, message_groups
from bot.reload import RELOADER
from bot.store import Store
from bot.text import Text
from bot.webhook import text_in

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PREFIX = "/admin"
T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
# Pages anyone may open: signing in (and its look).
PUBLIC_PATHS = {f"{PREFIX}/login"}
STATIC = f"{PREFIX}/static/"
# The reserved fictional range: 555-0100 to 555-0199, with or without an area code.
FICTIONAL = re.compile(r"\+1(?:[2-9][0-9]{2})?55501[0-9]{2}\Z")

routes = web.RouteTableDef()
SESSION = web.RequestKey("console_session", auth.Session)
# Set when the server shuts down: open event streams end rather than hold the shutdown up.
STOPPING = web.AppKey("console_stopping", asyncio.Event)
# The console's words for codes (words.yaml), for the templates and the dev phone's JSON.
WORDS = load_words()


# -- plumbing ---------------------------------------------------------------------------------------------


async def _db(request: web.Request, work: Callable[[Store], T]) -> T:
    return await request.config_dict[DATABASE].run(work)


def _config(request: web.Request) -> Config:
    return request.config_dict[CONFIG]


def _now(request: web.Request) -> datetime:
    return request.config_dict[CLOCK].now()


def _session(request: web.Request) -> auth.Session:
    return request[SESSION]


def _wants_json(request: web.Request) -> bool:
    return request.path.startswith(f"{PREFIX}/api/")


def _by_a_person(request: web.Request) -> bool:
    """A page or a form someone sent: activity that keeps a session from idling out. A live page's own
    refreshes (GETs of /admin/api/...) are not: an open tab nobody looks at still idles out."""
    return request.method != "GET" or not _wants_json(request)


def _secure(config: Config) -> bool:
    return config.public_url.lower().startswith("https://")


def _set_cookie(response: web.StreamResponse, config: Config, name: str, value: str,
                max_age: int | None = None) -> None:
    response.set_cookie(name, value, path=PREFIX, httponly=True, samesite="Strict", secure=_secure(config),
                        max_age=max_age)


def _page(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, {**_common(request), **context}, status=status)


async def _form(request: web.Request) -> MultiDictProxy[str]:
    try:
        form = await request.post()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="This form could not be read. Go back, reload the page and try again.") \
            from None
    return MultiDictProxy(MultiDict((k, v) for k, v in form.items() if isinstance(v, str)))


def _see_other(location: str) -> web.Response:
    """303: after a POST, the browser GETs `location` (a response, so cookies can be set on it)."""
    return web.Response(status=303, headers={"Location": location})


def _redirect(path: str, **params: Any) -> web.Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return _see_other(f"{PREFIX}{path}" + (f"?{query}" if query else ""))


# What an action's redirect tells the next page, besides where to go (`view`: which outbox tab).
NOTICE_SIGNATURE = "notice"


def _notice_signature(session: auth.Session, fields: dict[str, str]) -> str:
    """The notice's fields signed with the session's own secret: a link written by anyone else, or one
    carried through signing in again (a new session), shows no notice."""
    text = json.dumps(sorted(fields.items()))
    return hmac.new(session.csrf_token.encode(), text.encode(), hashlib.sha256).hexdigest()


async def _done(request: web.Request, path: str, done: str, *, view: str | None = None,
                **fields: Any) -> web.Response:
    """303 to `path` with the notice of what was done (the page words it: `_notice.html`)."""
    notice = {"done": done, **{k: str(v) for k, v in fields.items() if v is not None}}
    signed = {**notice, NOTICE_SIGNATURE: _notice_signature(_session(request), notice)}
    return _redirect(path, view=view, **signed)


def _notice(request: web.Request) -> dict[str, str] | None:
    """The notice this session's own last action left on the URL, or None (nothing, or not signed by it)."""
    session, given = request.get(SESSION), request.query.get(NOTICE_SIGNATURE, "")
    if session is None or not given:
        return None
    fields = {k: v for k, v in request.query.items() if k not in (NOTICE_SIGNATURE, "view")}
    return fields if auth.same_token(_notice_signature(session, fields), given) else None


async def _audit(request: web.Request, action: q.AuditAction, target: str | None, detail: str | None = None) -> None:
    operator, now = _session(request).operator, _now(request)
    await _db(request, lambda store: q.audit(store, operator, action, target, detail, now))


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 12 else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# -- the guard: sessions, CSRF, headers -------------------------------------------------------------------


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No operator yet: only the set-up page. No session: the login page (JSON: 401). POST: the CSRF token."""
    if request.path.startswith(STATIC):
        return await handler(request)
    config, now = _config(request), _now(request)
    token = request.cookies.get(auth.SESSION_COOKIE, "")
    idle = timedelta(minutes=config.console_session_idle_minutes)
    lifetime = timedelta(hours=config.console_session_max_hours)

    touch = _by_a_person(request)

    def look(store: Store) -> tuple[int, dict[str, Any] | None]:
        count = q.operator_count(store)
        found = q.session(store, auth.token_hash(token), now, idle, lifetime, touch=touch) if token and count else None
        return count, found

    operators, row = await _db(request, look)
    if operators == 0:
        if _wants_json(request):
            raise web.HTTPUnauthorized(text='{"error": "no operator yet"}', content_type="application/json")
        if request.path != PREFIX + "/":
            raise web.HTTPSeeOther(PREFIX + "/")
        return _page(request, "setup.html", {})
    if request.path in PUBLIC_PATHS:
        return await handler(request)
    if row is None:
        if _wants_json(request):
            raise web.HTTPUnauthorized(text='{"error": "sign in first"}', content_type="application/json")
        target = request.path_qs if request.method == "GET" else PREFIX + "/"
        raise web.HTTPSeeOther(f"{PREFIX}/login?" + urlencode({"next": target}))
    session = auth.Session(row["token_hash"], row["operator_id"], row["operator"], row["csrf_token"])
    request[SESSION] = session
    if request.method == "POST":
        given = request.headers.get("X-CSRF-Token")
        if given is None:
            given = (await _form(request)).get("csrf")
        if not auth.same_token(session.csrf_token, given):
            log.warning("console: %s refused, missing or wrong CSRF token (operator %s)", request.path,
                        session.operator)
            raise web.HTTPForbidden(text="This form has expired or did not come from the console. "
                                         "Go back, reload the page and try again.")
    return await handler(request)


# -- error pages: the console's own layout, whatever went wrong ----------------------------------------------

# Headers an error keeps on its page (what to retry after, which methods are allowed); the body's own go.
KEPT_ERROR_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate")


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An error answers in the console's layout (with the menu when signed in), JSON callers in JSON, each with
    its status. An unexpected exception is logged once with its traceback and shown as "something went wrong",
    never its text. Redirects (web.HTTPException too) pass through as they are."""
    try:
        return await handler(request)
    except web.HTTPException as problem:
        if problem.status < 400 or problem.content_type == "application/json":
            raise
        return _error_response(request, problem.status, _own_words(problem), problem.headers)
    except Exception:
        if request.writer.output_size > 0:
            raise  # a stream already under way cannot become a page: aiohttp logs it and drops the connection
        log.exception("console: %s %s failed", request.method, request.path)
        return _error_response(request, 500, None)


def _own_words(problem: web.HTTPException) -> str | None:
    """What the handler said (No listing #5.), or None where aiohttp's stock "404: Not Found" is all there is."""
    text = (problem.text or "").strip()
    return None if text in ("", f"{problem.status}: {problem.reason}") else text


def _error_response(request: web.Request, status: int, detail: str | None,
                    headers: Mapping[str, str] | None = None) -> web.Response:
    if _wants_json(request):
        response: web.Response = web.json_response({"error": detail or ERROR_JSON.get(status, "failed")},
                                                    status=status)
    else:
        response = _page(request, "error.html", {"status": status, "detail": detail}, status=status)
    for name in KEPT_ERROR_HEADERS:
        if headers and name in headers:
            response.headers[name] = headers[name]
    return response


# What a script is told when a console API fails without words of its own (pages word it in error.html).
ERROR_JSON = {400: "this request could not be read", 403: "refused", 404: "not found", 405: "method not allowed",
              500: "something went wrong; try again"}


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith(PREFIX):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.path.startswith(STATIC):
            response.headers.setdefault("Cache-Control", "no-store")


def _common(request: web.Request) -> dict[str, Any]:
    """What every page's layout needs."""
    session = request.get(SESSION)
    return {
        "operator": session.operator if session else None,
        "csrf": session.csrf_token if session else "",
        "dev_phone": _config(request).dev_phone_enabled,
        "catalog_problem": request.config_dict[CATALOG].problem if session else None,
        "path": request.path,
        "notice": _notice(request),
        "zone": _zone(request),
    }


def _zone(request: web.Request) -> ZoneInfo:
    """Where the operators are: `booking.timezone`, the zone every time in the console is shown in."""
    return ZoneInfo(_config(request).timezone)


def _zone_name(moment: datetime) -> str:
    """The zone's own abbreviation at that moment (JST, CET, UTC), or its name where it has none (a zone
    like Asia/Dubai abbreviates to "+04")."""
    abbreviation = moment.tzname() or ""
    return abbreviation if abbreviation.isalpha() else str(moment.tzinfo)


def _when(value: str | None, zone: ZoneInfo) -> str:
    """A stored UTC time as operators read it, in their zone and naming it: 2026-11-27 21:00:05 JST."""
    if not value:
        return ""
    moment = from_db(value).astimezone(zone)
    return f"{moment.strftime('%Y-%m-%d %H:%M:%S')} {_zone_name(moment)}"


@jinja2.pass_context
def _when_filter(context: jinja2.runtime.Context, value: str | None) -> str:
    """`{{ at | when }}`: in the zone each page's context carries (`_common`, `_zone`)."""
    return _when(value, context["zone"])


def _money(value: Money) -> str:
    """A price or total as the SMS write it in English ($1,200, ¥15,000): the same Babel formatting."""
    return format_money(value, "en")


def mount(app: web.Application) -> None:
    """Serve the console under /admin of `app` (and /admin itself redirects to /admin/)."""

    async def to_slash(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(PREFIX + "/")

    app.router.add_get(PREFIX, to_slash)
    app.add_subapp(PREFIX, console_app())


def console_app() -> web.Application:
    app = web.Application(middlewares=[error_pages, guard])
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined)
    env.filters["when"] = _when_filter
    env.filters["money"] = _money
    env.globals.update(words=WORDS, send_problem=send_problem, reason_code=reason_code, state_name=state_name)
    app.router.add_static("/static/", HERE / "static", name="static")
    app.add_routes(routes)
    app.on_response_prepare.append(_security_headers)
    app[STOPPING] = asyncio.Event()

    async def stop_streams(app: web.Application) -> None:
        app[STOPPING].set()

    app.on_shutdown.append(stop_streams)
    return app


# -- signing in and out -----------------------------------------------------------------------------------


def _safe_next(value: str | None) -> str:
    """Only a path inside the console: never an open redirect, nor a header broken by a line break."""
    if (value and value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value
            and value.isprintable()):
        return value
    return PREFIX + "/"


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    return _login_form(request, name="", next_path=_safe_next(request.query.get("next")), error=None)


def _login_form(request: web.Request, *, name: str, next_path: str, error: str | None,
                status: int = 200) -> web.Response:
    """The sign-in form, with a fresh token of its own and the name already typed kept."""
    token = auth.new_token()
    response = _page(request, "login.html", {"login_token": token, "error": error, "next": next_path,
                                             "name": name}, status=status)
    _set_cookie(response, _config(request), auth.LOGIN_COOKIE, token)
    return response


def _client(request: web.Request) -> str:
    """Who connected, or behind a trusted proxy (`console.trusted_proxies`) whom it names."""
    return auth.client_address(request.remote, request.headers.getall("X-Forwarded-For", []),
                               _config(request).trusted_proxies())


async def _claim_try(request: web.Request, name: str, client: str) -> auth.Verdict:
    """Count the try before its password is checked (one at a time per name across every server)."""
    now = _now(request)
    return await request.config_dict[DATABASE].run(lambda store: q.claim_sign_in(store, name, client, now),
                                                   key=f"console-sign-in:{name}")


async def _password_matches(request: web.Request, found: dict[str, Any] | None, password: str) -> bool:
    passwords = auth.passwords(_config(request))
    if found is None:
        await asyncio.to_thread(passwords.verify, None, password)  # as slow as a wrong password
        return False
    return await asyncio.to_thread(passwords.verify, found["password_hash"], password)


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await _form(request)
    name, password = form.get("name", "").strip()[:auth.NAME_KEPT], form.get("password", "")
    next_path = _safe_next(form.get("next"))
    if not auth.same_token(request.cookies.get(auth.LOGIN_COOKIE, ""), form.get("csrf")):
        return _login_form(request, name=name, next_path=next_path, status=403,
                           error="This sign-in form had expired. Type your password again.")
    now, client = _now(request), _client(request)
    verdict = await _claim_try(request, name, client)
    if not verdict.allowed:
        wait = verdict.seconds_left(now)
        log.warning("console: sign-in for %r from %s refused: %d tries, next at %s", name, client,
                    verdict.tries, verdict.retry_at.isoformat())
        response = _login_form(request, name=name, next_path=next_path, status=429,
                               error=f"Too many failed sign-ins for this name from here. Try again in {wait} s.")
        response.headers["Retry-After"] = str(wait)
        return response
    found = await _db(request, lambda store: q.operator_by_name(store, name))
    if not await _password_matches(request, found, password):
        log.warning("console: failed sign-in for %r from %s", name, client)
        await _db(request, lambda store: q.audit(store, name, "sign_in_failed", None,
                                                 f"from {client}, try {verdict.tries}", now))
        return _login_form(request, name=name, next_path=next_path, status=401,
                           error="That name and password do not match.")
    assert found is not None
    return await _signed_in(request, found, password, client, next_path)


async def _signed_in(request: web.Request, found: dict[str, Any], password: str, client: str,
                     next_path: str) -> web.StreamResponse:
    config, now = _config(request), _now(request)
    passwords = auth.passwords(config)
    token, csrf = auth.new_token(), auth.new_token()
    rehash = passwords.hash(password) if passwords.needs_rehash(str(found["password_hash"])) else None
    operator_id, operator = int(found["id"]), str(found["name"])

    def sign_in(store: Store) -> None:
        q.create_session(store, auth.token_hash(token), operator_id, csrf, now)
        if rehash:
            q.set_password_hash(store, operator_id, rehash)
        q.forget_sign_in_tries(store, operator, client)
        q.forget_old_sign_in_tries(store, now)
        q.forget_expired_sessions(store, now, timedelta(minutes=config.console_session_idle_minutes),
                                  timedelta(hours=config.console_session_max_hours))
        q.audit(store, operator, "login", None, f"from {client}", now)

    await _db(request, sign_in)
    log.info("console: %s signed in from %s", operator, client)
    response = _see_other(next_path)
    _set_cookie(response, config, auth.SESSION_COOKIE, token)
    response.del_cookie(auth.LOGIN_COOKIE, path=PREFIX)
    return response


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    session, now = _session(request), _now(request)

    def sign_out(store: Store) -> None:
        q.end_session(store, session.token_hash)
        q.audit(store, session.operator, "logout", None, None, now)

    await _db(request, sign_out)
    response = _see_other(f"{PREFIX}/login")
    response.del_cookie(auth.SESSION_COOKIE, path=PREFIX)
    return response


# -- dashboard --------------------------------------------------------------------------------------------


def _today(request: web.Request) -> date:
    return _now(request).astimezone(_zone(request)).date()


async def _dashboard_data(request: web.Request) -> dict[str, Any]:
    now, today = _now(request), _today(request)

    def read(store: Store) -> dict[str, Any]:
        return {"stats": q.dashboard(store, now, today), "attention": q.stays_needing_attention(store, today),
                "upcoming": q.upcoming_stays(store, today)}

    return await _db(request, read)


@routes.get("/")
async def dashboard(request: web.Request) -> web.Response:
    # Without Twilio credentials the console gateway keeps each SMS: none is "sent" (words.yaml `sms_out`).
    twilio = _config(request).twilio_enabled
    return _page(request, "dashboard.html", {**await _dashboard_data(request), "twilio": twilio})


async def _dashboard_payload(request: web.Request) -> dict[str, Any]:
    data = await _dashboard_data(request)
    # The lists come rendered by the same (autoescaping) template as the page, so the script swaps them in
    # without building HTML from texters' words itself.
    zone = _zone(request)
    lists = aiohttp_jinja2.render_string("_dashboard_lists.html", request, {**data, "zone": zone})
    # The zone's name as of now (it changes only with daylight saving), for the "live" time the script shows.
    return {"stats": data["stats"], "attention": len(data["attention"]), "lists": lists,
            "zone": _zone_name(_now(request).astimezone(zone))}


@routes.get("/api/dashboard")
async def dashboard_json(request: web.Request) -> web.Response:
    return web.json_response(await _dashboard_payload(request))


@routes.get("/api/dashboard/events")
async def dashboard_events(request: web.Request) -> web.StreamResponse:
    return await _event_stream(request, lambda: _dashboard_payload(request), _config(request).live_dashboard_seconds)


# -- live pages: server-sent events -----------------------------------------------------------------------

# A live page reads its figures again every `Config.live_*_seconds`. (Every worker serves its own browsers
# and the changes may come from any of them, so the database is what is watched.)

# A comment line this often keeps proxies from closing a quiet stream.
KEEPALIVE_SECONDS = 15.0


async def _still_signed_in(request: web.Request) -> bool:
    config, now, token_hash = _config(request), _now(request), _session(request).token_hash
    idle = timedelta(minutes=config.console_session_idle_minutes)
    lifetime = timedelta(hours=config.console_session_max_hours)
    return await _db(request, lambda store: q.session(store, token_hash, now, idle, lifetime, touch=False)
                     is not None)


async def _event_stream(request: web.Request, read: Callable[[], Awaitable[dict[str, Any]]],
                        seconds: float) -> web.StreamResponse:
    """Server-sent events: what `read` returns, as JSON, first at once and then whenever it changes. The
    stream ends when the browser goes or the session does (logout, expiry: a `signed-out` event first)."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    shown, quiet = "", 0.0
    try:
        while True:
            if not await _still_signed_in(request):
                await response.write(b"event: signed-out\ndata: {}\n\n")
                break
            payload = json.dumps(await read(), sort_keys=True)
            if payload != shown:
                await response.write(f"data: {payload}\n\n".encode())
                shown, quiet = payload, 0.0
            elif quiet >= KEEPALIVE_SECONDS:
                await response.write(b": still here\n\n")
                quiet = 0.0
            await wait_until(request.app[STOPPING], seconds)
            if request.app[STOPPING].is_set():
                break  # the server is shutting down: the browser reconnects to whichever serves next
            quiet += seconds
    except (ConnectionResetError, ConnectionError):
        pass  # the browser went away
    return response


# -- listings ---------------------------------------------------------------------------------------------


@routes.get("/listings")
async def listings(request: web.Request) -> web.Response:
    query = request.query.get("q", "")
    rows = await _db(request, lambda store: q.listings(store, query))
    return _page(request, "listings.html", {"listings": rows, "q": query})


@routes.get("/listings/{id:[0-9]{1,18}}")
async def listing(request: web.Request) -> web.Response:
    listing_id = int(request.match_info["id"])

    today = _today(request)

    def read(store: Store) -> tuple[dict[str, Any] | None, list[dict[str, Any]], dict[str, Any]]:
        return (q.listing(store, listing_id), q.reservations(store, listing_id=listing_id),
                {**q.listing_calendars(store, listing_id, today), "terms": store.any_listing(listing_id)})

    row, reservations, calendars = await _db(request, read)
    if row is None:
        raise web.HTTPNotFound(text=f"No listing #{listing_id}.")
    return _page(request, "listing.html", {"listing": row, "reservations": reservations, **calendars})


@routes.get("/listings/{id:[0-9]{1,18}}/hide")
async def hide_listing_page(request: web.Request) -> web.Response:
    """What Hide will do, row by row, before it does it (the host's UNLIST asks first too)."""
    listing_id, today = int(request.match_info["id"]), _today(request)

    def read(store: Store) -> dict[str, Any] | None:
        row = q.listing(store, listing_id)
        return None if row is None else {"listing": row, **q.hide_preview(store, listing_id, today)}

    data = await _db(request, read)
    if data is None:
        raise web.HTTPNotFound(text=f"No listing #{listing_id}.")
    if not data["listing"]["active"]:
        raise web.HTTPSeeOther(f"{PREFIX}/listings/{listing_id}")  # hidden already: nothing to ask
    return _page(request, "hide.html", data)


@routes.post("/listings/{id:[0-9]{1,18}}/hide")
async def hide_listing(request: web.Request) -> web.StreamResponse:
    """Hide a place as its host's UNLIST does after its YES (`outcomes.take_off_market`: waiting requests
    declined, stays to come cancelled, those guests told) and text the host, in one unit of work (the
    engine's), the host moved on to their next request. The page before (`hide_listing_page`) said all this."""
    listing_id = int(request.match_info["id"])

    def hide(ctx: Context) -> Unlisted | None:
        row = q.listing(ctx.store, listing_id)
        if row is None or not row["active"]:
            return None
        done = take_off_market(ctx, listing_id)
        ctx.tell(row["host_id"], "host_listing_hidden", number=listing_id, title=row["title"] or "",
                 declined=done.declined, cancelled=done.cancelled)
        q.audit(ctx.store, _session(request).operator, "hide", f"listing #{listing_id}",
                f"{done.declined} waiting request(s) declined, {done.cancelled} stay(s) to come cancelled", ctx.now())
        return done

    done = await request.config_dict[ENGINE].run(hide)
    if done is None:
        return await _done(request, f"/listings/{listing_id}", "unchanged")
    return await _done(request, f"/listings/{listing_id}", "hidden", declined=done.declined,
                       cancelled=done.cancelled, untold=done.untold)


@routes.post("/listings/{id:[0-9]{1,18}}/unhide")
async def unhide_listing(request: web.Request) -> web.StreamResponse:
    """List a hidden place again (as its host's RELIST) and tell the host, in one unit of work."""
    listing_id, operator = int(request.match_info["id"]), _session(request).operator

    def unhide(ctx: Context) -> bool:
        if not ctx.store.relist(listing_id):
            return False
        listing = ctx.store.any_listing(listing_id)
        assert listing is not None  # it was just listed again
        ctx.tell(listing.host_id, "host_listing_shown", number=listing_id, title=listing.title)
        q.audit(ctx.store, operator, "unhide", f"listing #{listing_id}", None, ctx.now())
        return True

    changed = await request.config_dict[ENGINE].run(unhide)
    return await _done(request, f"/listings/{listing_id}", "shown" if changed else "unchanged")


# -- reservations -----------------------------------------------------------------------------------------


@routes.get("/reservations")
async def reservations(request: web.Request) -> web.Response:
    status, place = request.query.get("status", ""), request.query.get("place", "")
    start, end = _date(request.query.get("from")), _date(request.query.get("to"))
    rows = await _db(request, lambda store: q.reservations(store, status=status, place=place, start=start, end=end))
    return _page(request, "reservations.html", {
        "reservations": rows, "statuses": RESERVATION_STATUSES, "status": status, "place": place,
        "start": start.isoformat() if start else "", "end": end.isoformat() if end else "",
    })


# Who wrote a relayed message, and so whose text it came from (relay_messages.direction).
RELAYED = {"guest_to_host": ("guest", "host"), "host_to_guest": ("host", "guest")}


# The reservation state in which each kind of job acts (bot/scheduler.py, `Scheduler._work`): in any other it
# finds nothing to do. (tests/console/test_words.py checks every JobKind is here.)
JOB_ACTS_WHEN: dict[str, ReservationStatus] = {
    "expire": "pending", "remind": "pending", "stay_reminder": "confirmed", "plan_stay_reminder": "confirmed",
}
JobOutcome = Literal["will", "will_not", "did", "did_nothing"]


def _job_outcome(row: dict[str, Any], job: dict[str, Any]) -> JobOutcome:
    """What a scheduled job will do or did (words.yaml `jobs` words each): a job still to run acts if the
    reservation is in its kind's state; one that ran before the reservation was last decided found it in
    the state it was scheduled for, so it acted too."""
    acts = row["status"] == JOB_ACTS_WHEN.get(job["kind"])
    if not job["done_at"]:
        return "will" if acts else "will_not"
    decided = row["decided_at"]
    return "did" if acts or decided is None or job["done_at"] <= decided else "did_nothing"


def _job_events(row: dict[str, Any], jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each scheduled job at its time, with what it will do or did (`_words.html` words it)."""
    return [{"at": job["due_at"], "rank": 1, "job": job["kind"], "outcome": _job_outcome(row, job),
             "reservation_status": row["status"]} for job in jobs]


def _timeline(row: dict[str, Any], jobs: list[dict[str, Any]], sent: list[dict[str, Any]],
              texts: list[dict[str, Any]], relayed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the database holds about one reservation, in time order; within one unit of work (one instant):
    the text that caused it, what it changed, the answer, then the SMS it queued. A relayed message is
    shown once, as what one side wrote the other (with its delivery), not again as the MSG text it came
    in as nor as the SMS it went out as."""
    who = {row["guest_phone"]: "guest", row["host_phone"]: "host"}
    relay_outbox = {message["outbox_id"] for message in relayed}
    relay_texts = {(RELAYED.get(message["direction"], ("", ""))[0], message["created_at"]) for message in relayed}
    sent = [message for message in sent if message["id"] not in relay_outbox]
    texts = [text for text in texts if (who.get(text["phone"]), text["received_at"]) not in relay_texts]
    events: list[dict[str, Any]] = [{"at": row["created_at"], "rank": 1, "what": "filed",
                                     "detail": f"by {row['guest_name'] or row['guest_phone']}"}]
    if row["presented_at"]:
        events.append({"at": row["presented_at"], "rank": 1, "what": "presented",
                       "detail": f"to {row['host_name'] or row['host_phone']}"})
    if row["decided_at"]:  # why, in words.yaml's `reasons` (`_words.html` decision)
        events.append({"at": row["decided_at"], "rank": 1, "what": row["status"], "detail": "",
                       "status": row["status"], "reason": row["reason"] or ""})
    events.extend(_job_events(row, jobs))
    for message in sent:
        events.append({"at": message["created_at"], "rank": 3, "what": f"SMS to {who.get(message['to_phone'])}",
                       "detail": message["body"], "state": message["state"]})
    for text in texts:
        person = who.get(text["phone"])
        events.append({"at": text["received_at"], "rank": 0, "what": f"{person} texted", "detail": text["body"] or ""})
        events.extend({"at": text["received_at"], "rank": 2, "what": f"reply to {person}", "detail": body}
                      for body in text["replies"])
    for message in relayed:
        writer, reader = RELAYED.get(message["direction"], (message["direction"], ""))
        picture = f" [picture {message['media_url']}]" if message["media_url"] else ""
        events.append({"at": message["created_at"], "rank": 3, "what": f"{writer} wrote to {reader} (relayed)",
                       "detail": message["body"] + picture, "state": message["state"]})
    events.sort(key=lambda event: (event["at"], event["rank"]))
    return events


@routes.get("/reservations/{id:[0-9]{1,18}}")
async def reservation(request: web.Request) -> web.Response:
    reservation_id = int(request.match_info["id"])

    def read(store: Store) -> dict[str, Any] | None:
        row = q.reservation(store, reservation_id)
        if row is None:
            return None
        phones = [row["guest_phone"], row["host_phone"]]
        jobs = q.reservation_jobs(store, reservation_id)
        moments = [m for m in (row["created_at"], row["presented_at"], row["decided_at"],
                               *(job["done_at"] for job in jobs)) if m]
        relayed = store.relay_thread(row["ref"])
        states = q.outbox_states(store, [message["outbox_id"] for message in relayed])
        for message in relayed:
            message["state"] = states.get(message["outbox_id"])
        return {"reservation": row, "stay": store.reservation(reservation_id), "timeline": _timeline(
            row, jobs, q.messages_about(store, phones, row["ref"], moments),
            q.texts_about(store, phones, row["ref"], moments), relayed)}

    data = await _db(request, read)
    if data is None:
        raise web.HTTPNotFound(text=f"No reservation #{reservation_id}.")
    return _page(request, "reservation.html", data)


# -- conversations ----------------------------------------------------------------------------------------


@routes.get("/conversations")
async def conversations(request: web.Request) -> web.Response:
    query = request.query.get("q", "")
    rows = await _db(request, lambda store: q.people(store, query))
    return _page(request, "conversations.html", {"people": rows, "q": query})


@routes.get("/conversations/{id:[0-9]{1,18}}")
async def conversation(request: web.Request) -> web.Response:
    user_id = int(request.match_info["id"])

    def read(store: Store) -> dict[str, Any] | None:
        person = q.person(store, user_id)
        if person is None:
            return None
        return {"person": person, "thread": q.thread(store, person["phone"]),
                "listings": q.person_listings(store, user_id), **q.person_reservations(store, user_id)}

    data = await _db(request, read)
    if data is None:
        raise web.HTTPNotFound(text=f"No person #{user_id}.")
    return _page(request, "conversation.html", data)


# -- outbox -----------------------------------------------------------------------------------------------


@routes.get("/outbox")
async def outbox(request: web.Request) -> web.Response:
    view = request.query.get("view", "retrying")
    view = view if view in q.OUTBOX_VIEWS else "retrying"
    rows = await _db(request, lambda store: q.outbox(store, view))
    return _page(request, "outbox.html", {"rows": rows, "view": view, "views": list(q.OUTBOX_VIEWS)})


@routes.post("/outbox/{id:[0-9]{1,18}}/retry")
async def retry(request: web.Request) -> web.StreamResponse:
    outbox_id, operator, now = int(request.match_info["id"]), _session(request).operator, _now(request)

    def requeue(store: Store) -> tuple[q.RetryDone, int | None, str | None]:
        done, goes, why = q.retry_now(store, outbox_id)
        if done in ("requeued", "copied", "blocked"):
            detail = {"requeued": "queued again", "copied": f"sent again as #{goes}",
                      "blocked": f"skipped: {why}"}[done]
            q.audit(store, operator, "retry", f"outbox #{outbox_id}", detail, now)
        return done, goes, why

    done, goes, why = await _db(request, requeue)
    request.config_dict[SENDER].wake()
    view = (await _form(request)).get("view")
    return await _done(request, "/outbox", f"retry_{done}", view=view, id=outbox_id, goes=goes, why=why)


@routes.post("/outbox/{id:[0-9]{1,18}}/give-up")
async def give_up(request: web.Request) -> web.StreamResponse:
    outbox_id, operator, now = int(request.match_info["id"]), _session(request).operator, _now(request)

    def park(store: Store) -> bool:
        changed = q.give_up(store, outbox_id, operator)
        if changed:
            q.audit(store, operator, "give_up", f"outbox #{outbox_id}", None, now)
        return changed

    changed = await _db(request, park)
    view = (await _form(request)).get("view")
    return await _done(request, "/outbox", "given_up" if changed else "unchanged", view=view, id=outbox_id)


# -- messages ---------------------------------------------------------------------------------------------


def _messages_dir(config: Config) -> Path:
    return config.resolve_path(config.messages_dir)


@routes.get("/messages")
async def messages(request: web.Request) -> web.Response:
    config = _config(request)
    result = await asyncio.to_thread(validate_catalog, _messages_dir(config), config.default_language,
                                     config.warn_segments, config.page_segments)
    problems: dict[tuple[str, str], list[str]] = {}
    for problem in result.problems:
        if problem.key:
            problems.setdefault((problem.path.stem, problem.key.split("[")[0]), []).append(str(problem))
    query = request.query.get("q", "").strip()
    groups = await asyncio.to_thread(_message_groups, result, query)
    general = [str(p) for p in result.problems if not p.key]
    # The messages over one SMS that may be, as `check` lists them (everyday ones over it are errors).
    costly = {(row.language, row.key, row.alternative) for locale in result.locales
              for row in result.costly(locale.path)}
    return _page(request, "messages.html", {
        "groups": groups, "q": query, "shown": sum(len(group["rows"]) for group in groups), "total": len(REGISTRY),
        "problems": problems, "general": general, "ok": result.catalog is not None, "costly": costly,
        "languages": [loc.language for loc in result.locales], "warn_segments": config.warn_segments,
        "errors": len(result.errors), "warnings": len(result.warnings),
    })


def _searchable(result: Validation) -> dict[str, str]:
    """Each key's words an operator may search by: the key, and its texts in every language, as written (with
    their `{{ variables }}`) and as rendered with the samples; folded, so that case does not matter."""
    words: dict[str, list[str]] = {key: [key] for key in REGISTRY}
    for locale in result.locales:
        for key, alternatives in locale.texts.items():
            words.setdefault(key, []).extend(alt.source for alt in alternatives)
    for rendered in result.rendered:
        words.setdefault(rendered.key, []).append(rendered.text)
    return {key: "\n".join(texts).casefold() for key, texts in words.items()}


def _message_groups(result: Validation, query: str) -> list[dict[str, Any]]:
    """The Messages page's groups (bot.registry.message_groups), each with its rows whose key or texts hold
    every word of `query`; groups left with none are left out."""
    words = [word.casefold() for word in q.search_words(query)]
    searchable = _searchable(result) if words else {}
    texts: dict[str, list[Rendered]] = {}
    for rendered in result.rendered:
        texts.setdefault(rendered.key, []).append(rendered)
    groups = []
    for title, keys in message_groups().items():
        found = [key for key in keys if all(word in searchable[key] for word in words)]
        rows = [{"key": key, "when": REGISTRY[key].when, "texts": texts.get(key, [])} for key in found]
        if rows:
            groups.append({"title": title, "rows": rows})
    return groups


def _edit_target(request: web.Request, source: MultiDictProxy[str] | Any) -> tuple[Path, str, str, int]:
    directory = _messages_dir(_config(request))
    language, key = str(source.get("lang", "")), str(source.get("key", ""))
    alternative = _int(str(source.get("alt", "0"))) or 0
    known = re.fullmatch(r"[a-z]{2,3}", language) and (directory / f"{language}.yaml").is_file()
    if key not in REGISTRY or not known:
        raise web.HTTPNotFound(text="No such message.")
    return directory, language, key, alternative


@routes.get("/messages/edit")
async def edit_message(request: web.Request) -> web.Response:
    directory, language, key, alternative = _edit_target(request, request.query)
    text = await asyncio.to_thread(editing.current_text, directory, language, key, alternative)
    return await _edit_page(request, language, key, alternative, {"text": text or "", "missing": text is None},
                            current=text)


@routes.post("/messages/edit")
async def save_message(request: web.Request) -> web.Response:
    form = await _form(request)
    directory, language, key, alternative = _edit_target(request, form)
    return await _edit(request, directory, language, key, alternative, form.get("text", ""),
                       save=form.get("action") == "save")


@routes.post("/messages/restore/{id:[0-9]{1,18}}")
async def restore_message(request: web.Request) -> web.Response:
    """Save again the text a template had before one of its changes (the audit log keeps it), through the
    same checks and reload as an edit; audited as a restore."""
    audit_id = int(request.match_info["id"])
    change = await _db(request, lambda store: q.template_change(store, audit_id))
    where = re.fullmatch(r"([a-z]{2,3})/(\w+)(?:\[([0-9]{1,3})\])?", change["target"] or "") if change else None
    if change is None or where is None:
        raise web.HTTPNotFound(text="No such saved text.")
    directory, language, key, alternative = _edit_target(
        request, {"lang": where.group(1), "key": where.group(2), "alt": where.group(3) or "0"})
    return await _edit(request, directory, language, key, alternative, change["previous"], save=True,
                       restoring=change)


def _template_target(language: str, key: str, alternative: int) -> str:
    """How the audit log names one template: `en/help`, `ja/menu[2]`."""
    return f"{language}/{key}" + (f"[{alternative}]" if alternative else "")


async def _edit(request: web.Request, directory: Path, language: str, key: str, alternative: int, text: str, *,
                save: bool, restoring: dict[str, Any] | None = None) -> web.Response:
    """Check `text` (and with `save`, save it if valid, audit it with the text it replaces and reload): the
    edit page with the outcome."""
    config = _config(request)
    shown = {"text": text, "restoring": restoring}
    try:
        result = await asyncio.to_thread(
            editing.edit_apart, directory, language, key, alternative, text, save=save,
            default_language=config.default_language, warn_segments=config.warn_segments,
            page_segments=config.page_segments)
    except editing.PreviewTooCostly as problem:
        log.warning("console: preview of %s/%s refused: %s", language, key, problem)
        return await _edit_page(request, language, key, alternative, {
            **shown, "too_costly": f"Not saved: {problem}. A message template cannot compute that much."},
            status=422)
    if result.saved:
        action: q.AuditAction = "template_restore" if restoring else "template_save"
        saved = text.replace("\r\n", "\n").strip()
        operator, now = _session(request).operator, _now(request)
        await _db(request, lambda store: q.audit(store, operator, action,
                                                 _template_target(language, key, alternative), saved, now,
                                                 previous=result.previous))
        # Serve it now rather than at the watcher's next look (which every other worker still makes).
        await request.config_dict[RELOADER].reload_soon(f"saved in the console by {operator}")
    return await _edit_page(request, language, key, alternative, {**shown, "result": result},
                            status=200 if not result.errors else 422)


async def _edit_page(request: web.Request, language: str, key: str, alternative: int, shown: dict[str, Any],
                     status: int = 200, *, current: str | None = None) -> web.Response:
    """The edit page: the text box (`shown`: its text and what became of it) and the template's history.
    `current`: the text the file holds, where the caller has just read it (else read here, if needed)."""
    target = _template_target(language, key, alternative)
    history = await _db(request, lambda store: q.template_history(store, target))
    # Which earlier text is the one the file holds now (its Restore would change nothing).
    if history and current is None:
        current = await asyncio.to_thread(editing.current_text, _messages_dir(_config(request)), language, key,
                                          alternative)
    text = str(shown["text"])
    return _page(request, "edit.html", {
        "lang": language, "key": key, "alt": alternative, "spec": REGISTRY[key], "result": None, "missing": False,
        "too_costly": None, "restoring": None, **shown, "text_lines": text.replace("\r\n", "\n").split("\n"),
        "history": history, "current": current,
    }, status=status)


# -- audit ------------------------------------------------------------------------------------------------


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.Response:
    now = _now(request)

    def read(store: Store) -> dict[str, Any]:
        return {"rows": q.audit_log(store), "slowed": q.slowed_sign_ins(store, now)}

    return _page(request, "audit.html", await _db(request, read))


@routes.post("/sign-ins/lift")
async def lift_wait(request: web.Request) -> web.StreamResponse:
    """Let a name sign in again at once from one client (or from all): its failed tries are forgotten."""
    form = await _form(request)
    name, client = form.get("name", "")[:auth.NAME_KEPT], form.get("client") or None
    operator, now = _session(request).operator, _now(request)

    def lift(store: Store) -> int:
        forgotten = q.forget_sign_in_tries(store, name, client)
        if forgotten:
            q.audit(store, operator, "lift_sign_in_wait", name, f"from {client or 'anywhere'}", now)
        return forgotten

    forgotten = await _db(request, lift)
    return await _done(request, "/audit", "lifted" if forgotten else "unchanged", name=name)


# -- dev phone --------------------------------------------------------------------------------------------


def dev_number_allowed(config: Config, number: str) -> bool:
    if config.console_dev_phone_prefix:
        return number.startswith(config.console_dev_phone_prefix) and number[1:].isdigit()
    return bool(FICTIONAL.match(number))


def _dev_phone_config(request: web.Request) -> Config:
    config = _config(request)
    if not config.dev_phone_enabled:
        raise web.HTTPNotFound(text="The dev phone is off (console.dev_phone).")
    return config


@routes.get("/phone")
async def phone_page(request: web.Request) -> web.Response:
    config = _dev_phone_config(request)
    number = request.query.get("number") or "+15550100"
    if config.console_dev_phone_prefix and not dev_number_allowed(config, number):
        number = config.console_dev_phone_prefix
    return _page(request, "phone.html", {"number": number, "prefix": config.console_dev_phone_prefix})


def _number(request: web.Request, config: Config, number: str) -> str:
    number = number.strip().replace(" ", "").replace("-", "")
    if not dev_number_allowed(config, number):
        allowed = config.console_dev_phone_prefix + "..." if config.console_dev_phone_prefix else \
            "+1 555 01xx (e.g. +15550100 or +12025550123)"
        raise web.HTTPBadRequest(text=f'{{"error": "the dev phone texts only as {allowed}"}}',
                                 content_type="application/json")
    return number


@routes.post("/api/phone/send")
async def phone_send(request: web.Request) -> web.Response:
    """Text the bot as a fictional number: the form Twilio would post, through the webhook's own entry
    (`webhook.text_in`): exactly what happens to a real text once its signature is checked. Audited with
    the operator's name: a text as someone is an operator's act."""
    config = _dev_phone_config(request)
    try:
        payload = await request.json()
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise web.HTTPBadRequest(text='{"error": "expected a JSON object: {\\"number\\": ..., \\"body\\": ...}"}',
                                 content_type="application/json")
    number = _number(request, config, str(payload.get("number", "")))
    form = MultiDictProxy(MultiDict({
        "MessageSid": "SMDEV" + secrets.token_hex(15), "From": number, "To": config.twilio_phone_number or "console",
        "Body": str(payload.get("body", "")), "NumMedia": "0",
    }))
    reply: Reply = await text_in(request.config_dict[ENGINE], form)
    await _audit(request, "dev_phone_text", number, form["Body"])
    return web.json_response({"replies": [m.body for m in reply.messages]})


def _with_carrier_answers(request: web.Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """After each text Twilio itself answers (STOP, START...), Twilio's answer, as the person's phone shows it:
    the dev phone shows what a texter sees, though Airtng never sends those words."""
    shown: list[dict[str, Any]] = []
    for item in items:
        shown.append(item)
        if item["kind"] != "in":
            continue
        today = request.config_dict[CLOCK].now().date()
        body = carrier_reply(request.config_dict[CATALOG](), today, Text(item["body"] or ""))
        if body is not None:
            shown.append({"kind": "carrier", "at": item["at"], "body": body})
    return shown


async def _phone_thread(request: web.Request, number: str) -> dict[str, Any]:
    zone = _zone(request)
    items = _with_carrier_answers(request, await _db(request, lambda store: q.thread(store, number)))
    return {"number": number, "items": [
        {"kind": item["kind"], "at": _when(item["at"], zone), "body": item["body"] or "",
         "status": item.get("status"), "delivery": item.get("delivery_status"), "error": item.get("last_error"),
         "code": item.get("error_code"), "state": item.get("state"), "label": state_name(item.get("state")) or None}
        for item in items]}


def state_name(state: str | None) -> str:
    """An SMS's state in the console's words (words.yaml `outbox_states`): every page's pills and tabs
    (`_words.html` state_label) and the dev phone's JSON name it so."""
    return WORDS["outbox_states"].get(state, {}).get("label") or (state or "").replace("_", " ")


@routes.get("/api/phone/thread")
async def phone_thread(request: web.Request) -> web.Response:
    config = _dev_phone_config(request)
    number = _number(request, config, request.query.get("number", ""))
    return web.json_response(await _phone_thread(request, number))


@routes.get("/api/phone/events")
async def phone_events(request: web.Request) -> web.StreamResponse:
    config = _dev_phone_config(request)
    number = _number(request, config, request.query.get("number", ""))
    return await _event_stream(request, lambda: _phone_thread(request, number), config.live_phone_seconds)
