"""Who may use the console: argon2 password hashes, server-side sessions, CSRF tokens, login throttling.

A session is a row (`operator_sessions`); the browser holds only a random 256-bit token in an HttpOnly,
SameSite=Strict cookie (Secure when PUBLIC_URL is https), and the row keeps the token's SHA-256, so a copy
of the database signs nobody in. Every POST must carry the session's CSRF token (form field `csrf` or header
`X-CSRF-Token`); the login form, before any session exists, carries a token that must match a cookie of
its own (double submit).

Sign-in throttling (`Throttle`): every try for a name from one client is counted before its password is
checked, in one unit of work keyed on the name (one at a time across every server on the database), so any
number of simultaneous tries get no more checks than the policy allows. The first FREE_TRIES go at once;
each later one must wait twice as long as the one before (1 s, 2 s, 4 s ... up to 15 minutes): a person who
mistypes is slowed, never locked out, and a guesser gets a handful of checks an hour. The count is per
(name, client), the client being the address that connected, or behind a configured reverse proxy the
address it names (`client_address`), so nobody elsewhere can lock an operator out by failing on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.config import Config

MIN_PASSWORD = 12
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,39}\Z")
SESSION_COOKIE = "airtng_console"
LOGIN_COOKIE = "airtng_console_login"
# Tries for one name from one client that go at once; each later one waits twice as long as the one before.
FREE_TRIES = 3
FIRST_WAIT = timedelta(seconds=1)
LONGEST_WAIT = timedelta(minutes=15)
# Tries older than this (counted from the last) are forgotten: the next try is a first one again.
TRY_WINDOW = timedelta(minutes=15)
# What a name tried is kept as (the audit log and the throttle hold what strangers typed).
NAME_KEPT = 64


@dataclass(frozen=True)
class Session:
    token_hash: str
    operator_id: int
    operator: str
    csrf_token: str


def wait_after(tries: int) -> timedelta:
    """How long after the `tries`-th try (of one name from one client) the next may come."""
    if tries < FREE_TRIES:
        return timedelta(0)
    return min(FIRST_WAIT * (1 << min(tries - FREE_TRIES, 20)), LONGEST_WAIT)


@dataclass(frozen=True)
class Verdict:
    """May this try be checked? `tries`: this one's number; `retry_at`: when the next may come."""

    allowed: bool
    tries: int
    retry_at: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, int((self.retry_at - now).total_seconds() + 0.999))


Networks = Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: Networks) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(remote: str | None, forwarded_for: Sequence[str], proxies: Networks) -> str:
    """Who is signing in: the address that connected, unless it is a trusted proxy; then the last address
    of X-Forwarded-For that is not one (the ones before it were written by the client and prove nothing)."""
    connected = _address(remote or "")
    if not _trusted(connected, proxies):
        return remote or "unknown"
    hops = [hop for header in forwarded_for for hop in header.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a hop nobody trusted wrote: stop at the proxy that passed it on
        if not _trusted(address, proxies):
            return str(address)
    return remote or "unknown"


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"the password must have at least {MIN_PASSWORD} characters"
    return None


def name_problem(name: str) -> str | None:
    if not NAME.match(name):
        return "a name is 1-40 letters, digits and . _ @ - (starting with a letter or digit)"
    return None


class Passwords:
    """argon2id at the configured cost (`console.password_time_cost`, `console.password_memory_kib`). A hash
    carries the parameters it was made with, so changing them leaves stored passwords valid; each is
    rehashed at the new cost when its operator next signs in (`needs_rehash`)."""

    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Checked against when the name is unknown, so that a wrong name costs as long as a wrong password.
        self._dummy_hash = self._hasher.hash("not a password anyone has")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """Slow on purpose: call it off the event loop."""
        try:
            return self._hasher.verify(stored_hash or self._dummy_hash, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


@cache
def _passwords(time_cost: int, memory_kib: int) -> Passwords:
    return Passwords(time_cost, memory_kib)


def passwords(config: Config) -> Passwords:
    """The configured hasher (one per cost in a process: making one hashes a dummy password)."""
    return _passwords(config.console_password_time_cost, config.console_password_memory_kib)


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 a session row keeps (a cookie's bytes as they came, whatever they are)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def same_token(expected: str, given: str | None) -> bool:
    """Tokens are ASCII: anything else (a byte that is not UTF-8 in a header) is simply not the token."""
    if not given or not given.isascii():
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
