"""Plain records the store hands out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class User:
    id: int
    phone: str
    name: str | None
    language: str
    opted_out: bool


@dataclass
class Listing:
    id: int
    host_id: int
    description: str
    photo_url: str | None
    active: bool


@dataclass
class Reservation:
    id: int
    ref: str
    listing_id: int
    host_id: int
    guest_id: int
    check_in: date
    check_out: date
    status: str
    reason: str | None

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


@dataclass
class Conversation:
    user_id: int
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    presented_id: int | None = None

    @property
    def idle(self) -> bool:
        """Not in the middle of any flow."""
        return self.flow is None


@dataclass
class OutboxRow:
    id: int
    user_id: int | None
    to_phone: str
    body: str
    media_url: str | None
    attempts: int
