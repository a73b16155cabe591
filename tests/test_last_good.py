"""A broken message file on disk never stops a restart: the last good catalog, kept beside the database,
serves until the files are fixed; with no good copy, start-up ends with one line, not a traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import run
from bot.app import create_app
from bot.catalog import CatalogError
from bot.clock import FakeClock
from bot.config import Config
from bot.keys import CATALOG
from bot.last_good import last_good_dir
from bot.reload import RELOADER
from tests.conftest import AiohttpClient, Sms
from tests.console.support import signed_in
from tests.support.fake_twilio import FakeTwilio

MENU = "OK, back to the start."
BROKEN = "OK, {{ back to the start."


@pytest.fixture
def config(config: Config, messages: Path) -> Config:
    return config.with_(messages_dir=str(messages))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


async def test_a_restart_on_broken_files_serves_the_last_good_copy_and_says_so(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, messages: Path,
        fake_twilio: tuple[FakeTwilio, str], caplog: pytest.LogCaptureFixture) -> None:
    create_app(config, clock=clock)  # a good start keeps a copy
    assert (last_good_dir(config) / "en.yaml").read_text(encoding="utf-8") == \
        (messages / "en.yaml").read_text(encoding="utf-8")
    edit(messages / "en.yaml", MENU, BROKEN)
    caplog.set_level(logging.ERROR)
    app = create_app(config, clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    assert MENU in await sms.text("+15557770001", "MENU")
    assert "en.yaml:13: menu: template syntax: `{{` is not closed" in caplog.text
    console = await signed_in(sms)
    page = await console.page("/admin/")
    assert 'id="catalog-banner"' in page and "en.yaml:13: menu" in page
    # Fixing the file (here: the console's own editor) loads it, refreshes the copy and drops the banner.
    saved = await console.post("/admin/messages/edit", {"lang": "en", "key": "menu", "alt": "0",
                                                        "text": "Back to the start: BROWSE or HOST.", "action": "save"})
    assert "Saved to en.yaml" in await saved.text()
    assert 'id="catalog-banner"' not in await console.page("/admin/")
    assert "Back to the start" in (last_good_dir(config) / "en.yaml").read_text(encoding="utf-8")


def test_broken_files_and_no_good_copy_stop_start_up(config: Config, clock: FakeClock, messages: Path) -> None:
    edit(messages / "en.yaml", MENU, BROKEN)
    with pytest.raises(CatalogError) as raised:
        create_app(config, clock=clock)
    assert "en.yaml:13: menu: template syntax" in raised.value.report[0]


def test_start_up_names_a_yaml_error_on_the_line_check_names(config: Config, clock: FakeClock,
                                                            messages: Path) -> None:
    edit(messages / "en.yaml", "menu: >-", 'menu: "OK,')
    line = next(n for n, text in enumerate((messages / "en.yaml").read_text().splitlines(), 1) if 'menu: "OK,' in text)
    with pytest.raises(CatalogError) as raised:
        create_app(config, clock=clock)
    assert f"en.yaml:{line}: YAML: a quote opened on this line is not closed" in raised.value.report[0]


def test_serve_says_so_in_one_line(tmp_path: Path, messages: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    edit(messages / "en.yaml", MENU, BROKEN)
    settings = tmp_path / "config.yaml"
    settings.write_text(f"database: {tmp_path / 'db' / 'airtng.db'}\nmessages:\n  directory: {messages}\n",
                        encoding="utf-8")
    monkeypatch.setenv("AIRTNG_CONFIG", str(settings))
    assert run.main(["serve"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith("cannot start, the messages have errors") and "en.yaml:13: menu:" in err[0]


async def test_a_good_reload_refreshes_the_copy(sms: Sms, messages: Path, config: Config) -> None:
    edit(messages / "en.yaml", MENU, "Start again: BROWSE or HOST.")
    assert sms.app[RELOADER].reload()
    assert "Start again" in (last_good_dir(config) / "en.yaml").read_text(encoding="utf-8")
    assert sms.app[CATALOG].problem is None
