"""What `make run` says when it starts, and a database it cannot open said in one line."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import run
from bot.config import Config, load_config
from bot.serve import describe_start, event_loop


def test_start_up_names_the_address_the_database_and_the_gateway(config: Config) -> None:
    line = describe_start(config.with_(bind="127.0.0.1", port=8080))
    assert "listening on http://127.0.0.1:8080 (console: /admin/)" in line
    if config.database_url:  # PostgreSQL: where it is, never who signs in or with what password
        parts = urlsplit(config.database_url)
        assert f"database postgresql://{parts.hostname}:{parts.port or 5432}{parts.path};" in line
        assert "@" not in line and f"{parts.username}:" not in line
    else:
        assert f"database {config.database}" in line
    assert "SMS go to Twilio REST as +15550000000" in line
    bare = describe_start(config.with_(twilio_account_sid="", twilio_auth_token=""))
    assert "SMS go to the log (no Twilio credentials: nothing is really sent)" in bare


@pytest.mark.parametrize("where", ["under-a-file", "directory"])
def test_a_database_that_cannot_be_opened_ends_start_up_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: str) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    database = blocker / "airtng.db" if where == "under-a-file" else tmp_path  # a folder is no database
    monkeypatch.setenv("DATABASE", str(database))
    assert run.main(["serve"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith(f"cannot open the database {database}: ")


def test_a_postgresql_that_cannot_be_reached_ends_start_up_in_one_line_without_its_password(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://airtng:s3cret@127.0.0.1:1/airtng")  # nothing listens on 1
    assert run.main(["serve"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith("cannot open the database postgresql://127.0.0.1:1/airtng: ")
    assert "s3cret" not in err[0]


def test_the_event_loop_is_uvloop_unless_asyncio_is_asked_for_and_a_wrong_name_ends_start_up(
        config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert "/admin/) on uvloop; database" in describe_start(config)  # uvloop is in requirements.txt
    forced = load_config(env={**os.environ, "EVENT_LOOP": "asyncio"})
    assert "/admin/) on asyncio; database" in describe_start(forced)
    loop = event_loop(forced.event_loop)
    assert type(loop).__module__.startswith("asyncio")
    loop.close()
    monkeypatch.setenv("EVENT_LOOP", "uvlop")
    assert run.main(["serve"]) == 2  # a setting refused by its declaration (choices), before anything starts
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "EVENT_LOOP" in err[0] and "'uvlop'" in err[0]
    assert all(choice in err[0] for choice in ("auto", "uvloop", "asyncio"))
