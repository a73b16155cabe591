"""Who may use the console: argon2 password hashes, server-side sessions, CSRF tokens, login throttling.

A session is a row (`operator_sessions`); the browser holds only a random 256-bit token in an HttpOnly,
SameSite=Strict cookie (Secure when PUBLIC_URL is https), and the row keeps the token's SHA-256, so a copy
of the database signs nobody in. Every POST must carry the session's CSRF token (form field `csrf` or header
`X-CSRF-Token`); the login form, before any session exists, carries a token that must match a cookie of
its own (double submit). Five failed sign-ins for one account or from one address within 15 minutes refuse
further tries with 429 until the window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.config import Config

MIN_PASSWORD = 12
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,39}\Z")
SESSION_COOKIE = "airtng_console"
LOGIN_COOKIE = "airtng_console_login"
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)



@dataclass(frozen=True)
class Session:
    token_hash: str
    operator_id: int
    operator: str
    csrf_token: str


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
    return hashlib.sha256(token.encode()).hexdigest()


def same_token(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
