"""Settings: declared once in bot/config.py; config.yaml is written from the declarations, read back with
every key checked, and environment variables override it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import run
from bot.config import DEFAULT_CONFIG_PATH, ROOT, Config, ConfigError, declared, load_config, render_config_yaml


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_config_yaml_is_what_the_declarations_write() -> None:
    assert DEFAULT_CONFIG_PATH.read_text(encoding="utf-8") == render_config_yaml(), (
        "config.yaml is stale: run `.venv/bin/python run.py config --write`")
    assert load_config(env={}) == Config()


def test_every_setting_is_in_config_yaml_with_its_comment_and_variable() -> None:
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    for item in declared():
        key = item.spec.yaml.rsplit(".", 1)[-1]
        assert re.search(rf"^\s*# .*\n\s*{key}: ", text, re.MULTILINE), item.spec.yaml
        assert item.spec.doc, f"{item.spec.yaml} has no doc: operators read it in config.yaml"
        if item.spec.env:
            assert f"[{item.spec.env}]" in text


def test_every_variable_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for item in declared():
        if item.spec.env:
            assert f"`{item.spec.env}`" in readme, item.spec.env


def test_a_setting_is_read_from_the_file_and_the_variable_wins(tmp_path: Path) -> None:
    path = write(tmp_path, "outbox:\n  max_attempts: 3\nserver:\n  port: 9000\n  access_log: on\n")
    config = load_config(path, env={})
    assert (config.outbox_max_attempts, config.port, config.access_log) == (3, 9000, True)
    assert config.outbox_lease_seconds == Config().outbox_lease_seconds  # unset: the default
    assert load_config(path, env={"PORT": "9100", "ACCESS_LOG": "0"}).port == 9100
    assert load_config(path, env={"ACCESS_LOG": "0"}).access_log is False
    assert load_config(path, env={"PORT": ""}).port == 9000  # an empty variable is unset


def test_the_variable_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "booking:\n  currency: JPY\n")
    assert load_config(env={"AIRTNG_CONFIG": str(path)}).currency == "JPY"


@pytest.mark.parametrize(("text", "env", "message"), [
    ("outbox:\n  max_attempt: 3\n", {},
     "config.yaml: unknown setting outbox.max_attempt (did you mean outbox.max_attempts?)"),
    ("server:\n  port: 9000\nsms:\n  x: 1\n", {}, "config.yaml: unknown setting sms.x"),
    ("outbox: 3\n", {}, "config.yaml: outbox is a section of settings, not a value"),
    ("outbox:\n  max_attempts: lots\n", {}, "config.yaml: outbox.max_attempts: expected a whole number, got 'lots'"),
    ("outbox:\n  max_attempts: 2.5\n", {}, "config.yaml: outbox.max_attempts: expected a whole number, got 2.5"),
    ("booking:\n  reminder_hours: soon\n", {}, "config.yaml: booking.reminder_hours: expected a number, got 'soon'"),
    ("twilio:\n  phone_number: +15550000000\n", {},
     'config.yaml: twilio.phone_number: expected text; put it in quotes, e.g. "+15551234567", got 15550000000'),
    ("console:\n  dev_phone: maybe\n", {}, "config.yaml: console.dev_phone: expected auto or on or off, got 'maybe'"),
    ("console:\n  password_memory_kib: 16\n", {},
     "config.yaml: console.password_memory_kib: expected at least 32, got 16"),
    ("", {"PORT": "eighty"}, "environment variable PORT: expected a whole number, got 'eighty'"),
    ("", {"GROUP_COMMIT": "sometimes"}, "environment variable GROUP_COMMIT: expected true or false, got 'sometimes'"),
    ("server:\n  port: 1: 2\n", {}, "config.yaml:2: not valid YAML (mapping values are not allowed here)"),
])
def test_a_bad_setting_is_refused_in_one_line_naming_it(tmp_path: Path, text: str, env: dict[str, str],
                                                        message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text), env=env)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_yaml_on_and_off_are_what_the_operator_meant(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "console:\n  dev_phone: off\n"), env={}).console_dev_phone == "off"
    assert load_config(write(tmp_path, 'console:\n  dev_phone: "ON"\n'), env={}).dev_phone_enabled


def test_the_server_refuses_to_start_with_a_misspelt_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AIRTNG_CONFIG", str(write(tmp_path, "outbox:\n  max_atempts: 3\n")))
    assert run.main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["cannot start, a setting is wrong: config.yaml: unknown setting outbox.max_atempts"
                   " (did you mean outbox.max_attempts?)"]


def test_rewriting_an_operators_file_keeps_their_values_and_adds_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "# mine\nbooking:\n  currency: JPY\ntwilio:\n  phone_number: '+15550000000'\n")
    monkeypatch.setenv("AIRTNG_CONFIG", str(path))
    assert run.main(["config", "--write"]) == 0
    text = path.read_text(encoding="utf-8")
    assert "currency: JPY\n" in text and "phone_number: '+15550000000'\n" in text
    assert "# How long a server holds the messages it is sending" in text  # the comments come with it
    config = load_config(path, env={})
    assert (config.currency, config.twilio_phone_number) == ("JPY", "+15550000000")
    assert config.with_(currency="USD", twilio_phone_number="") == Config()
