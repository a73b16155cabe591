"""How a flow module declares itself: its steps, its commands, and the handler for each.

A flow declares its steps as objects, in a class (like aiogram's `StatesGroup`):

    class Steps(StepGroup, flow="booking"):
        dates = StepName()
        name = StepName()

Handlers name the step that comes next by that object (`return Steps.name`), so a misspelt step is an
AttributeError at import (in a decorator) or a mypy error (in a return), never a conversation silently
dropped at run time. A handler returns the next step of its own flow, or `None` when the flow is over (for a
command: when it needs no further step). Note this differs from python-telegram-bot's ConversationHandler,
where `None` keeps the current state: here `None` ends the flow, and a handler that wants the same question
asked again returns its own step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from bot.context import Context
from bot.text import Text


class StepName:
    """One declared step of a flow; its name and flow are filled in by the `StepGroup` that declares it."""

    flow: str
    name: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<step {getattr(self, 'flow', '?')}/{getattr(self, 'name', '?')}>"


class StepGroup:
    """The steps of one flow, declared as `StepName` class attributes."""

    flow: ClassVar[str]
    members: ClassVar[dict[str, StepName]]

    def __init_subclass__(cls, *, flow: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.flow = flow
        cls.members = {}
        for name, value in vars(cls).items():
            if isinstance(value, StepName):
                value.flow = flow
                cls.members[name] = value


Handler = Callable[[Context, Text], StepName | None]
# What a step asked, and so which answers are its own before anything else reads the text:
# - "text": a free answer (a name, a title, dates). A lone decision word is not its answer: it is meant for
#   a request waiting for the host, who is told to finish this first.
# - "yes_or_no": the step asked a yes/no question (cancel this stay?): every answer is the step's, and one
#   that is neither yes nor no is asked again, never taken as no.
# - "photo": a picture, a link, or a no-photo word (SKIP, なし); other decision words are not its answer.
StepAsks = Literal["text", "yes_or_no", "photo"]
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
    asks: StepAsks = "text"


@dataclass
class Router:
    """A flow's commands and steps. `steps` is the declared `StepGroup`, if the flow has any steps."""

    flow: str
    step_group: type[StepGroup] | None = None
    commands: dict[str, Handler] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    # Command words that are the command only when sent alone ("掲載", "掲載します"): "掲載料はいくら？" asks
    # something, it does not start a listing.
    lone_words: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.step_group is not None and self.step_group.flow != self.flow:
            raise RuntimeError(f"router {self.flow} declares the steps of flow {self.step_group.flow}")
        _ROUTERS.append(self)

    def command(self, *words: str, lone: bool = False) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for word in words:
                self.commands[word] = handler
                if lone:
                    self.lone_words.add(word)
            return handler

        return register

    def step(self, declared: StepName, help_key: str, *, commands_interrupt: bool = False,
             lone_commands_interrupt: bool = False, help_variables: HelpVariables | None = None,
             asks: StepAsks = "text") -> Callable[[Handler], Handler]:
        if self.step_group is None or self.step_group.members.get(declared.name) is not declared:
            raise RuntimeError(f"{declared!r} is not a step of flow {self.flow}")

        def register(handler: Handler) -> Handler:
            self.steps[declared.name] = Step(handler, help_key, commands_interrupt, lone_commands_interrupt,
                                             help_variables, asks)
            return handler

        return register

    def check(self) -> None:
        """Every declared step has a handler (called once when the engine joins the flows)."""
        declared = set(self.step_group.members) if self.step_group else set()
        if declared != set(self.steps):
            raise RuntimeError(f"flow {self.flow}: steps without a handler: {sorted(declared - set(self.steps))}")

    def owns(self, step: StepName) -> bool:
        return step.flow == self.flow


# Every router made, in import order: `command_words` reads it at run time (when every flow is imported), so
# a flow can know every command word without importing the module that joins the flows.
_ROUTERS: list[Router] = []


def command_words() -> frozenset[str]:
    """Every command word of every flow."""
    return frozenset(word for router in _ROUTERS for word in router.commands)
