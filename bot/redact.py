"""What logs may say about people: INFO and WARNING lines carry a phone number's last four digits, never the
whole number nor what a message says (DEBUG may)."""

from __future__ import annotations

import re

# A phone number standing on its own: E.164 or bare digits, 7 to 15 of them (not digits inside a SID).
_PHONE = re.compile(r"(?<![\w+])\+?\d{7,15}(?!\w)")


def masked(text: str) -> str:
    """A phone number cut to its last four digits ('+15551230002' -> '...0002'); in a longer text (Twilio's
    error messages name the number) every phone number in it is."""
    return _PHONE.sub(lambda match: "..." + match.group()[-4:], text)
