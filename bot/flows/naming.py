"""Asking a person's name the first time a flow needs it (listing or booking), then remembering it."""

from __future__ import annotations

from bot.context import Context
from bot.text import Text

NAME_MAX = 40


def needs_name(ctx: Context) -> bool:
    return not ctx.texter.name


def ask_name(ctx: Context) -> None:
    """Ask; the calling flow goes on at its own name step."""
    ctx.say("ask_name")


def take_name(ctx: Context, text: Text) -> bool:
    """Store the name if it looks like one; otherwise ask again. True when the name is set."""
    name = text.clean
    if not name or len(name) > NAME_MAX or not any(ch.isalpha() for ch in name):
        ctx.say("name_invalid", max_length=NAME_MAX)
        return False
    ctx.store.set_name(ctx.texter.id, name)
    ctx.texter.name = name
    return True
