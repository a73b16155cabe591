"""`run.py chat`: the terminal simulator labels the bot's words once, shows each number only what is new,
runs the sender and the scheduler as the server does (a message shows once delivered, a skipped one says
so, an unanswered request expires), and picks up message edits as the server does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.chat import chat
from bot.clock import FakeClock
from bot.config import Config
from bot.last_good import starting_catalog
from tests.support.dbview import query

HOST, GUEST, OTHER = "+15551230001", "+15551230002", "+15551230003"
NEW_HELP = "Airtng help, edited: BROWSE, BOOK, STATUS. MENU to start over."
LISTING = ("HOST", "Ana", "Harbour Loft", "120", "4", "Sunny loft by the harbour, two bedrooms", "SKIP", "SKIP",
           "SKIP")
# How long a test waits for the chat's background parts (scheduler, sender) to act before it fails.
DEADLINE_SECONDS = 10.0


@pytest.fixture
def config(config: Config, messages: Path) -> Config:
    # No Twilio credentials: the console gateway, as `make chat` has. The scheduler looks often, so a test
    # that moves the clock waits little for it.
    return config.with_(messages_dir=str(messages), twilio_account_sid="", twilio_auth_token="",
                        scheduler_poll_seconds=0.05)


class Terminal:
    """The chat's screen: the lines it printed, and a way for a typed step to wait for one."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._printed = threading.Condition()

    def out(self, line: str) -> None:
        with self._printed:
            self.lines.append(line)
            self._printed.notify_all()

    def wait_for(self, what: str, shown: Callable[[str], bool]) -> Callable[[], None]:
        """A step that waits (in the chat's reader thread, so the chat's own work goes on) until a line
        `shown` is printed; fails after DEADLINE_SECONDS."""
        def step() -> None:
            with self._printed:
                assert self._printed.wait_for(lambda: any(map(shown, self.lines)), DEADLINE_SECONDS), what
        return step


def outbox(config: Config, key: str, to: str) -> list[dict[str, Any]]:
    return query(config.storage_url, "SELECT body, status, last_error FROM outbox WHERE message_key = ?"
                 " AND to_phone = ? ORDER BY id", (key, to))


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


async def test_the_chat_labels_answers_once_and_shows_sms_delivered_while_away(config: Config,
                                                                              clock: FakeClock) -> None:
    lines: list[str] = []
    await chat(config, HOST, out=lines.append, clock=clock, read_line=script(
        *LISTING, f"/as {GUEST}", "BOOK 1 Dec 20-23 2 guests", "Bob", f"/as {HOST}", "YES", "HELP",
        f"/as {GUEST}"))  # switching waits for what the sender delivers to that number
    text = "\n".join(lines)
    assert "Airtng: Airtng:" not in text and any(line.startswith("<< BROWSE, SEARCH") for line in lines)
    [prompt] = outbox(config, "host_prompt", HOST)
    assert prompt["status"] == "sent"  # delivered by the chat's own sender, not merely queued
    switched = lines.index(f"Now texting as {HOST}")
    assert lines[switched + 1] == f"<< (SMS) {prompt['body']}"  # delivered while the guest was typing
    [accepted] = outbox(config, "guest_accepted", GUEST)
    assert accepted["status"] == "sent" and lines[-1] == f"<< (SMS) {accepted['body']}"
    assert any(line.startswith("<< Accepted: Bob") for line in lines)


async def test_a_message_the_sender_skipped_shows_as_skipped_with_its_reason(config: Config,
                                                                             clock: FakeClock) -> None:
    lines: list[str] = []
    await chat(config, HOST, out=lines.append, clock=clock, read_line=script(
        *LISTING, f"/as {GUEST}", "BOOK 1 Dec 20-23 2 guests", "Bob", f"/as {HOST}", "YES",
        f"/as {GUEST}", "STOP",  # the guest opts out of texts: their confirmed stay stands
        f"/as {HOST}", "UNLIST 1", "YES",  # the host unlists the place: its guests are told, by text
        f"/as {GUEST}"))
    [told] = outbox(config, "guest_stay_cancelled_unlisted", GUEST)
    assert (told["status"], told["last_error"]) == ("skipped", "opted_out")
    assert lines[-1] == f"<< (SMS, skipped: opted_out) {told['body']}"
    assert f"<< (SMS) {told['body']}" not in lines


async def test_a_request_left_unanswered_expires_and_the_guest_sees_it(config: Config, clock: FakeClock) -> None:
    screen = Terminal()

    def a_day_passes() -> None:
        clock.advance(hours=config.request_ttl_hours + 1)

    await chat(config, HOST, out=screen.out, clock=clock, read_line=script(
        *LISTING, f"/as {GUEST}", "BOOK 1 Dec 20-23 2 guests", "Bob", a_day_passes,
        screen.wait_for("an SMS to the guest", lambda line: line.startswith("<< (SMS) "))))
    [expired] = outbox(config, "guest_expired", GUEST)
    assert expired["status"] == "sent"
    assert [line for line in screen.lines if line.startswith("<< (SMS")] == [f"<< (SMS) {expired['body']}"]


async def test_switching_to_a_number_does_not_replay_its_history(config: Config, clock: FakeClock) -> None:
    await chat(config, HOST, out=lambda _: None, clock=clock, read_line=script(
        *LISTING, f"/as {GUEST}", "BOOK 1 Dec 20-23 2 guests", "Bob", f"/as {HOST}", "YES"))
    lines: list[str] = []
    await chat(config, OTHER, out=lines.append, clock=clock, read_line=script(f"/as {GUEST}", f"/as {HOST}"))
    assert lines[1:] == [f"Now texting as {GUEST}", f"Now texting as {HOST}"]  # no "Good news", no prompt


async def test_the_chat_picks_up_an_edited_message(config: Config, messages: Path) -> None:
    en = messages / "en.yaml"

    def edit() -> None:
        text = en.read_text(encoding="utf-8")
        start = text.index("help: >-\n")
        end = text.index("menu: >-\n")
        en.write_text(text[:start] + f"help: >-\n  {NEW_HELP}\n" + text[end:], encoding="utf-8")

    lines: list[str] = []
    await chat(config, HOST, out=lines.append, clock=FakeClock(), read_line=script("HELP", edit, "HELP"))
    answers = [line for line in lines if line.startswith("<< ")]
    assert NEW_HELP not in answers[0] and answers[1] == f"<< {NEW_HELP}"


async def test_the_chat_shows_what_twilio_itself_answers_and_the_bots_own_confirmation_otherwise(
        config: Config, clock: FakeClock) -> None:
    lines: list[str] = []
    await chat(config, GUEST, out=lines.append, clock=clock, read_line=script("hi", "STOP", "START", "停止"))
    today = clock.now().date()
    catalog, _ = starting_catalog(config)
    carrier_out = "<< (Twilio itself) " + catalog.render_on(today, "carrier_opted_out", "en")
    carrier_in = "<< (Twilio itself) " + catalog.render_on(today, "carrier_opted_in", "en")
    # STOP: Twilio's confirmation only (the bot says nothing); START: Twilio's, then the bot's welcome back.
    stop = lines.index(carrier_out)
    assert lines[stop - 1] != "<< " + catalog.render_on(today, "opted_out", "en", requests=0, listings=0)
    assert carrier_in in lines
    # 停止 is no keyword of Twilio's: the bot's own one confirmation, and no carrier line.
    assert lines[-1] == "<< " + catalog.render_on(today, "opted_out", "en", requests=0, listings=0)
    assert lines.count(carrier_out) == 1
