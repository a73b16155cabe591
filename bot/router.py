"""How a flow module declares itself: its commands, its steps, and the handler for each.

Like python-telegram-bot's ConversationHandler table, a handler returns the next step of its flow, or
None when the flow is over (or, for a command, when it needs no further step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.context import Context
from bot.text import Text

Handler = Callable[[Context, Text], str | None]
HelpVariables = Callable[[Context], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    handler: Handler
    help_key: str  # what HELP says at this step
    # A known command word (BROWSE, BOOK 4...) abandons the flow and runs instead. Off for free-text steps,
    # where "View of the sea..." is a description, not a command.
    commands_interrupt: bool = False
    # Only a command word sent alone ("BROWSE") abandons the flow: for a name, where "Show Lee" is a name.
    lone_commands_interrupt: bool = False
    # The variables `help_key` needs (the example dates, the length limits...).
    help_variables: HelpVariables | None = None
    # Lone words this step answers itself, before the global YES/NO decision: "No" to "send a photo, or
    # SKIP" means no photo, and must never decline a guest the host was shown before starting the flow.
    own_words: frozenset[str] = frozenset()


@dataclass
class Router:
    flow: str
    commands: dict[str, Handler] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)

    def command(self, *words: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for word in words:
                self.commands[word] = handler
            return handler

        return register

    def step(self, name: str, help_key: str, *, commands_interrupt: bool = False,
             lone_commands_interrupt: bool = False, help_variables: HelpVariables | None = None,
             own_words: frozenset[str] = frozenset()) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.steps[name] = Step(handler, help_key, commands_interrupt, lone_commands_interrupt,
                                    help_variables, own_words)
            return handler

        return register
