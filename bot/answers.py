"""How a step that asked yes or no reads the answer: the one vocabulary of bot/vocabulary.py, at every
question the bot asks (a host's decision, cancel and unlist confirmations, "request it anyway?").

A step calls `is_yes` / `is_no`; an answer that is neither is asked again (the step's HELP text names the
question and the two words that answer it), never taken as no.
"""

from __future__ import annotations

from bot.text import Text
from bot.vocabulary import Decision


def is_yes(text: Text) -> bool:
    return text.decision is Decision.YES


def is_no(text: Text) -> bool:
    return text.decision is Decision.NO
