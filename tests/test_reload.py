"""Hot reload: an operator's edit to messages/ reaches texters without a restart; a broken edit never does."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.catalog import CatalogHolder
from bot.config import Config
from bot.keys import CATALOG
from bot.reload import RELOADER, CatalogReloader, install_sighup, remove_sighup
from tests.conftest import GUEST, Sms
from tests.support.polling import until as poll_until


@pytest.fixture
def config(config: Config, messages: Path) -> Config:
    return config.with_(messages_dir=str(messages))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def until(condition: Callable[[], bool]) -> None:
    """Poll with a deadline (the watcher runs on its own schedule). A reload takes milliseconds; the deadline
    bounds a failure only, and 5 s was seen to pass by on a machine busy with other suites."""
    await poll_until(condition, 30, "the reload")


MENU = "OK, back to the start."


async def test_a_valid_edit_is_served_after_reload(sms: Sms, messages: Path) -> None:
    assert MENU in await sms.text(GUEST, "MENU")
    edit(messages / "en.yaml", MENU, "Fresh start!")
    assert sms.app[RELOADER].reload() is True
    assert "Fresh start!" in await sms.text(GUEST, "MENU")


async def test_a_broken_edit_is_refused_logged_and_the_last_good_messages_keep_serving(
    sms: Sms, messages: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = sms.app[CATALOG].current
    edit(messages / "en.yaml", MENU, "Hi {{ nam }}, back to the start.")
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        assert sms.app[RELOADER].reload() is False
    assert sms.app[CATALOG].current is good
    logged = caplog.text
    assert "NOT reloaded" in logged and "still serving the last good messages" in logged
    assert "en.yaml:13: menu: `nam` is not a variable of this message; it has no variables" in logged
    reply = await sms.text(GUEST, "MENU")
    assert MENU in reply and "{{" not in reply and "nam" not in reply
    # Fixing it goes live again.
    edit(messages / "en.yaml", "Hi {{ nam }}, back to the start.", "Back to square one.")
    assert sms.app[RELOADER].reload() is True
    assert "Back to square one." in await sms.text(GUEST, "MENU")


async def test_a_yaml_error_or_a_deleted_default_language_is_refused(sms: Sms, messages: Path) -> None:
    edit(messages / "en.yaml", "menu: >-", "menu: : >-")
    assert sms.app[RELOADER].reload() is False
    (messages / "en.yaml").unlink()
    assert sms.app[RELOADER].reload() is False
    assert MENU in await sms.text(GUEST, "MENU")


async def test_the_watcher_notices_an_edit_and_a_broken_one_changes_nothing(
    sms: Sms, messages: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = sms.app[CATALOG]
    reloader = CatalogReloader(holder, messages, "en")
    watcher = asyncio.create_task(reloader.watch(interval=0.01))
    try:
        first = holder.current
        edit(messages / "en.yaml", MENU, "Edited while running.")
        await until(lambda: holder.current is not first)
        assert "Edited while running." in await sms.text(GUEST, "MENU")

        second = holder.current
        with caplog.at_level(logging.ERROR, logger="bot.reload"):
            edit(messages / "en.yaml", "Edited while running.", "{% if %}")
            await until(lambda: "NOT reloaded" in caplog.text)
        assert holder.current is second
        assert "Edited while running." in await sms.text(GUEST, "MENU")

        # A new language file is picked up too.
        (messages / "ja.yaml").unlink()
        edit(messages / "en.yaml", "{% if %}", "Japanese is gone.")
        await until(lambda: holder.current is not second)
        assert holder.current.languages == ["en"]
        assert "Sorry, I only speak: en" in await sms.text(GUEST, "LANG JA")
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher


async def test_the_watcher_waits_for_an_edit_to_settle(messages: Path, sms: Sms) -> None:
    holder: CatalogHolder = sms.app[CATALOG]
    reloader = CatalogReloader(holder, messages, "en")
    first = holder.current
    edit(messages / "en.yaml", MENU, "Half-way through saving")
    assert reloader.poll() is None and holder.current is first  # just changed: look again next time
    assert reloader.poll() is True and holder.current is not first
    assert reloader.poll() is None  # nothing new


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")
async def test_sighup_reloads_at_once(sms: Sms, messages: Path) -> None:
    holder = sms.app[CATALOG]
    first = holder.current
    loop = asyncio.get_running_loop()
    assert install_sighup(loop, sms.app[RELOADER])
    try:
        edit(messages / "en.yaml", MENU, "Reloaded by a signal.")
        os.kill(os.getpid(), signal.SIGHUP)
        await until(lambda: holder.current is not first)
    finally:
        remove_sighup(loop)
    assert "Reloaded by a signal." in await sms.text(GUEST, "MENU")


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")
async def test_sighup_reloads_off_the_event_loop_so_texts_are_answered_meanwhile(sms: Sms, messages: Path) -> None:
    """SIGHUP arrives while the watcher is half-way through its own check (it holds the reload lock): the
    reload waits for it in a worker thread, and texts are answered meanwhile."""
    reloader, holder = sms.app[RELOADER], sms.app[CATALOG]
    first = holder.current
    checking, finish_check = threading.Event(), threading.Event()
    finished_on_time: list[bool] = []

    def watcher_checking() -> None:
        with reloader._lock:
            checking.set()
            # If the loop were blocked waiting for this lock, nothing could set the event: give up at last.
            finished_on_time.append(finish_check.wait(5))

    watcher = threading.Thread(target=watcher_checking)
    watcher.start()
    loop = asyncio.get_running_loop()
    assert install_sighup(loop, reloader)
    try:
        assert await asyncio.to_thread(checking.wait, 5)
        edit(messages / "en.yaml", MENU, "Reloaded by a signal.")
        os.kill(os.getpid(), signal.SIGHUP)
        assert MENU in await sms.text(GUEST, "MENU")  # answered while the reload waits its turn
        finish_check.set()
        await until(lambda: holder.current is not first)
    finally:
        finish_check.set()
        remove_sighup(loop)
        await asyncio.to_thread(watcher.join, 5)
    assert finished_on_time == [True]
    assert "Reloaded by a signal." in await sms.text(GUEST, "MENU")

