"""The console's words for what is stored as codes: `words.yaml` beside the templates, read once, and the few
look-ups its templates (`_words.html`) cannot make themselves. Only keys come from here, never words."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.gateway import PERMANENT_CODES

WORDS_FILE = Path(__file__).resolve().parent / "words.yaml"
# A reason the sender or a delivery report stored that is a Twilio error: a name bot/gateway.py gives a code
# ("invalid_number"), or "error 30005" (`engine.Engine.record_delivery`).
REASON_CODES = {name: code for code, name in PERMANENT_CODES.items()}
_ERROR_REASON = re.compile(r"error (\d{5})\Z")
# Where a failure Twilio answered carries its code (`gateway.describe_failure`: "... HTTP 400 code 21211: ...")
# when the row's error_code column does not (a try that is retried keeps only its text).
_CODE_IN_TEXT = re.compile(r"\bHTTP \d{3} code (\d{5})\b")
# "given up by NAME" (`queries.give_up`).
GIVEN_UP = "given up by "

SendProblemKind = Literal["code", "blocked", "retrying", "unsure", "failed", "given_up"]


def load_words(path: Path = WORDS_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as file:
        words = yaml.safe_load(file)
    if not isinstance(words, dict):
        raise ValueError(f"{path}: expected a mapping")
    return words


def reason_code(reason: str | None) -> int | None:
    """The Twilio error a stored reason stands for, or None (opted out, stale, a connection's own words)."""
    if not reason:
        return None
    if (found := _ERROR_REASON.match(reason)) is not None:
        return int(found.group(1))
    return REASON_CODES.get(reason)


def send_problem(row: dict[str, Any]) -> dict[str, Any] | None:
    """What went wrong with an outbox row, as keys `_words.html` words: `kind` and, for a Twilio error, its
    `code`, for a skipped row the `reason`; `raw` the text stored (shown behind a toggle). None: nothing did."""
    raw, code = row.get("last_error") or "", row.get("error_code")
    if code is None and (found := _CODE_IN_TEXT.search(raw)) is not None:
        code = int(found.group(1))
    if row["status"] == "skipped":
        return {"kind": "blocked", "reason": raw, "code": reason_code(raw), "raw": raw}
    kind: SendProblemKind
    if row["status"] == "failed" and raw.startswith(GIVEN_UP):
        kind = "given_up"
    elif code is not None:
        kind = "code"
    elif not raw:
        return None
    elif row["status"] == "failed":
        kind = "failed"
    else:
        kind = "unsure" if row["status"] == "sending" else "retrying"
    return {"kind": kind, "code": code, "raw": raw}
