"""`run.py chat`: the terminal simulator labels the bot's words once, shows each number only what is new,
and picks up message edits as the server does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.chat import chat
from bot.clock import FakeClock
from bot.config import Config

HOST, GUEST, OTHER = "+15551230001", "+15551230002", "+15551230003"
NEW_HELP = "Airtng help, edited: BROWSE, BOOK, STATUS. MENU to start over."


@pytest.fixture
def config(config: Config, messages: Path) -> Config:
    return config.with_(messages_dir=str(messages), twilio_account_sid="", twilio_auth_token="")


def script(*steps: str | Callable[[], None]) -> Callable[[], str | None]:
    """A terminal typing `steps` in order (a callable step runs, e.g. an edit, and the next line is typed)."""
    pending = list(steps)

    def read_line() -> str | None:
        while pending:
            step = pending.pop(0)
            if isinstance(step, str):
                return step
            step()
        return None

    return read_line


async def test_the_chat_labels_answers_once_and_shows_new_sms_after_switching(config: Config) -> None:
    lines: list[str] = []
    await chat(config, HOST, out=lines.append, clock=FakeClock(), read_line=script(
        "HOST", "Ana", "Harbour Loft", "120", "4", "Sunny loft by the harbour, two bedrooms", "SKIP",
        f"/as {GUEST}", "BOOK 1 Dec 20-23 2 guests", "Bob",
        f"/as {HOST}", "YES", "HELP"))
    text = "\n".join(lines)
    assert "Airtng: Airtng:" not in text and "<< Airtng: BROWSE" in text
    switched = lines.index(f"Now texting as {HOST}")
    assert lines[switched + 1].startswith("<< (SMS) Bob would like to stay at #1")  # queued while away
    assert any(line.startswith("<< Accepted: Bob") for line in lines)


async def test_switching_to_a_number_does_not_replay_its_history(config: Config) -> None:
    await chat(config, HOST, out=lambda _: None, clock=FakeClock(), read_line=script(
        "HOST", "Ana", "Harbour Loft", "120", "4", "Sunny loft by the harbour, two bedrooms", "SKIP",
        f"/as {GUEST}", "BOOK 1 Dec 20-23 2 guests", "Bob", f"/as {HOST}", "YES"))
    lines: list[str] = []
    await chat(config, OTHER, out=lines.append, read_line=script(f"/as {GUEST}", f"/as {HOST}"))
    assert lines[1:] == [f"Now texting as {GUEST}", f"Now texting as {HOST}"]  # no "Good news", no prompt


async def test_the_chat_picks_up_an_edited_message(config: Config, messages: Path) -> None:
    en = messages / "en.yaml"

    def edit() -> None:
        text = en.read_text(encoding="utf-8")
        start = text.index("help: >-\n")
        end = text.index("menu: >-\n")
        en.write_text(text[:start] + f"help: >-\n  {NEW_HELP}\n" + text[end:], encoding="utf-8")

    lines: list[str] = []
    await chat(config, HOST, out=lines.append, read_line=script("HELP", edit, "HELP"))
    answers = [line for line in lines if line.startswith("<< ")]
    assert NEW_HELP not in answers[0] and answers[1] == f"<< {NEW_HELP}"
