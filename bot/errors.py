"""Domain errors raised by the data layer and the rules, translated once at the edge into a template."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An error a texter should hear about: `key` names the message template, `params` fill it."""

    key = "error_generic"

    def __init__(self, **params: Any) -> None:
        super().__init__(self.key, params)
        self.params = params


class ListingNotFound(DomainError):
    key = "listing_not_found"


class ReservationNotFound(DomainError):
    key = "reservation_not_found"
