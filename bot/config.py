"""Configuration: `config.yaml` defaults, overridden by environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = ROOT / "config.yaml"


@dataclass(frozen=True)
class Config:
    port: int = 8080
    bind: str = "127.0.0.1"
    workers: int = 1
    # "auto": uvloop where it is installed, else asyncio's own loop; "uvloop" / "asyncio" force one.
    event_loop: str = "auto"
    access_log: bool = False
    public_url: str = ""
    max_request_bytes: int = 65536
    database: str = "data/airtng.db"
    database_url: str = ""
    group_commit: bool = True
    inbound_retention_days: float = 30
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_phone_number: str = ""
    # A Messaging Service (MG...) to send through instead of `twilio_phone_number` (A2P 10DLC in the US).
    twilio_messaging_service_sid: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    twilio_request_timeout: float = 10.0
    messages_dir: str = "messages"
    default_language: str = "en"
    warn_segments: int = 2
    page_segments: int = 2
    timezone: str = "UTC"
    max_nights: int = 30
    max_pending_per_guest: int = 3
    browse_page_size: int = 3
    request_ttl_hours: float = 24
    reminder_hours: float = 20
    currency: str = "USD"
    reminder_local_hour: int = 10
    description_min: int = 20
    description_max: int = 500
    flow_timeout_minutes: float = 30
    texts_per_window: int = 20
    window_seconds: float = 60
    outbox_max_attempts: int = 8
    outbox_base_delay: float = 2
    outbox_max_delay: float = 600
    outbox_lease_seconds: float = 60
    outbox_concurrency: int = 8
    scheduler_poll_seconds: float = 5
    relay_close_days_after_checkout: int = 3
    relay_max_per_hour: int = 30
    relay_retention_days: int = 180
    console_session_idle_minutes: float = 60
    console_session_max_hours: float = 12
    # "auto": the dev phone is on only without Twilio credentials; "on" / "off" force it.
    console_dev_phone: str = "auto"
    console_dev_phone_prefix: str = ""
    # Run the background sender/scheduler tasks (tests may drive them by hand).
    background_tasks: bool = True

    def __post_init__(self) -> None:
        # `https://x.ngrok.app/` and `https://x.ngrok.app` name the same base: keep one form, so that
        # signatures and the status callback URL are built the same whichever was configured.
        object.__setattr__(self, "public_url", self.public_url.strip().rstrip("/"))

    @property
    def status_callback_url(self) -> str | None:
        """Where Twilio reports each message's delivery (None: no public URL to give it)."""
        return self.public_url + "/sms/status" if self.public_url else None

    @property
    def twilio_enabled(self) -> bool:
        """True when REST credentials are set: real gateway and signature checks."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def dev_phone_enabled(self) -> bool:
        """The console's dev phone: on by default only when no real SMS can be sent."""
        setting = self.console_dev_phone.strip().lower()
        if setting in {"on", "true", "yes", "1"}:
            return True
        if setting in {"off", "false", "no", "0"}:
            return False
        return not self.twilio_enabled

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    @property
    def storage_url(self) -> str:
        """What `bot.storage.open_storage` opens: DATABASE_URL (PostgreSQL) if set, else the SQLite file."""
        return self.database_url or str(self.resolve_path(self.database))

    def resolve_path(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else ROOT / path


# yaml section/key -> Config field
_YAML_KEYS: dict[tuple[str, ...], str] = {
    ("server", "port"): "port",
    ("server", "bind"): "bind",
    ("server", "workers"): "workers",
    ("server", "event_loop"): "event_loop",
    ("server", "access_log"): "access_log",
    ("server", "public_url"): "public_url",
    ("server", "max_request_bytes"): "max_request_bytes",
    ("database",): "database",
    ("database_url",): "database_url",
    ("storage", "group_commit"): "group_commit",
    ("storage", "inbound_retention_days"): "inbound_retention_days",
    ("twilio", "account_sid"): "twilio_account_sid",
    ("twilio", "auth_token"): "twilio_auth_token",
    ("twilio", "phone_number"): "twilio_phone_number",
    ("twilio", "messaging_service_sid"): "twilio_messaging_service_sid",
    ("twilio", "api_url"): "twilio_api_url",
    ("twilio", "request_timeout_seconds"): "twilio_request_timeout",
    ("messages", "directory"): "messages_dir",
    ("messages", "default_language"): "default_language",
    ("messages", "warn_segments"): "warn_segments",
    ("messages", "page_segments"): "page_segments",
    ("booking", "timezone"): "timezone",
    ("booking", "max_nights"): "max_nights",
    ("booking", "max_pending_per_guest"): "max_pending_per_guest",
    ("booking", "browse_page_size"): "browse_page_size",
    ("booking", "request_ttl_hours"): "request_ttl_hours",
    ("booking", "reminder_hours"): "reminder_hours",
    ("booking", "currency"): "currency",
    ("booking", "reminder_local_hour"): "reminder_local_hour",
    ("hosting", "description_min"): "description_min",
    ("hosting", "description_max"): "description_max",
    ("conversation", "flow_timeout_minutes"): "flow_timeout_minutes",
    ("limits", "texts_per_window"): "texts_per_window",
    ("limits", "window_seconds"): "window_seconds",
    ("outbox", "max_attempts"): "outbox_max_attempts",
    ("outbox", "base_delay_seconds"): "outbox_base_delay",
    ("outbox", "max_delay_seconds"): "outbox_max_delay",
    ("outbox", "lease_seconds"): "outbox_lease_seconds",
    ("outbox", "concurrency"): "outbox_concurrency",
    ("scheduler", "poll_seconds"): "scheduler_poll_seconds",
    ("relay", "close_days_after_checkout"): "relay_close_days_after_checkout",
    ("relay", "max_per_hour"): "relay_max_per_hour",
    ("relay", "retention_days"): "relay_retention_days",
    ("console", "session_idle_minutes"): "console_session_idle_minutes",
    ("console", "session_max_hours"): "console_session_max_hours",
    ("console", "dev_phone"): "console_dev_phone",
    ("console", "dev_phone_prefix"): "console_dev_phone_prefix",
}

_ENV_KEYS = {
    "PORT": "port",
    "BIND": "bind",
    "WORKERS": "workers",
    "EVENT_LOOP": "event_loop",
    "ACCESS_LOG": "access_log",
    "DATABASE": "database",
    "DATABASE_URL": "database_url",
    "GROUP_COMMIT": "group_commit",
    "PUBLIC_URL": "public_url",
    "TWILIO_ACCOUNT_SID": "twilio_account_sid",
    "TWILIO_AUTH_TOKEN": "twilio_auth_token",
    "TWILIO_PHONE_NUMBER": "twilio_phone_number",
    "TWILIO_MESSAGING_SERVICE_SID": "twilio_messaging_service_sid",
    "TWILIO_API_URL": "twilio_api_url",
}


def _coerce(name: str, value: Any) -> Any:
    kind = type(getattr(Config(), name))
    if kind is bool:
        return str(value).lower() in {"1", "true", "yes", "on"} if isinstance(value, str) else bool(value)
    return kind(value) if value is not None else kind()


def _dig(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read `config.yaml` (or `path`, or the file AIRTNG_CONFIG names), then apply environment overrides."""
    env = os.environ if env is None else env
    if path is None and env.get("AIRTNG_CONFIG"):
        path = Path(env["AIRTNG_CONFIG"])
    raw = yaml.safe_load((path or DEFAULT_CONFIG_PATH).read_text(encoding="utf-8")) or {}
    values: dict[str, Any] = {}
    for keys, name in _YAML_KEYS.items():
        found = _dig(raw, keys)
        if found is not None and found != "":
            values[name] = _coerce(name, found)
    for var, name in _ENV_KEYS.items():
        if env.get(var):
            values[name] = _coerce(name, env[var])
    return Config(**values)
