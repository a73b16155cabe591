"""Configuration: each setting declared once, here, as a `Config` field (`setting(...)`: its default, its key in
`config.yaml`, the environment variable that overrides it, and what it means). `config.yaml` is written
from these declarations (`python run.py config --write`), so its comments are these `doc` texts."""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import math
import os
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = ROOT / "config.yaml"

T = TypeVar("T")


class ConfigError(ValueError):
    """A setting that cannot be used, said in one line that names it (the key, or the variable)."""


@dataclass(frozen=True)
class Setting:
    """How one `Config` field is configured: `yaml` is its dotted path in config.yaml ("outbox.max_attempts"),
    `env` the variable that overrides it, `doc` the comment config.yaml shows above it."""

    yaml: str
    env: str | None
    doc: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None


def setting(default: T, *, yaml: str, env: str | None = None, doc: str = "", secret: bool = False,
            choices: tuple[str, ...] = (), minimum: float | None = None) -> T:
    """A `Config` field that operators set (a field declared without it is internal: tests only).
    `secret`: never shown in the repr (and so never in a log line that prints the config). `choices`: the
    only texts it takes (YAML's on/off, read as booleans, count as "on"/"off"). `minimum`: the least
    number it takes."""
    spec = Setting(yaml, env, " ".join(doc.split()), choices, minimum)
    return field(default=default, repr=not secret, metadata={"setting": spec})


@dataclass(frozen=True)
class Config:
    port: int = setting(8080, yaml="server.port", env="PORT", doc="Listen port.")
    bind: str = setting("127.0.0.1", yaml="server.bind", env="BIND", doc="Listen address.")
    workers: int = setting(1, yaml="server.workers", env="WORKERS", doc="""
        Processes sharing the port and the database (README "Performance").""")
    event_loop: str = setting("auto", yaml="server.event_loop", env="EVENT_LOOP",
                              choices=("auto", "uvloop", "asyncio"), doc="""
        The event loop: uvloop where it is installed ("auto"), or force "uvloop" or "asyncio" (Python's own).""")
    stop_timeout: float = setting(30, yaml="server.stop_timeout_seconds", env="STOP_TIMEOUT", minimum=1, doc="""
        With several workers: how long a worker told to stop may take to finish its requests and close before
        it is killed, so that a stuck one cannot keep the service from going down and being restarted.""")
    access_log: bool = setting(False, yaml="server.access_log", env="ACCESS_LOG", doc="""
        One INFO line per request. Twilio's console logs every webhook already, and the server handles
        noticeably more texts per second without it.""")
    public_url: str = setting("", yaml="server.public_url", env="PUBLIC_URL", doc="""
        What Twilio calls, e.g. https://example.ngrok.app (behind a load balancer: the balancer's URL); used
        for signatures and status callbacks.""")
    max_request_bytes: int = setting(65536, yaml="server.max_request_bytes", doc="""
        Larger webhook bodies are refused (413); Twilio's are a few kilobytes.""")
    database: str = setting("data/airtng.db", yaml="database", env="DATABASE", doc="""
        The SQLite file (created and migrated at start-up), relative to this directory unless absolute.""")
    database_url: str = setting("", yaml="database_url", env="DATABASE_URL", doc="""
        A PostgreSQL shared by several servers (postgresql://user@host/db) instead of the SQLite file above
        (README "Running on several machines").""")
    group_commit: bool = setting(True, yaml="storage.group_commit", env="GROUP_COMMIT", doc="""
        Webhooks that arrive while a commit is under way share the next one (one fsync for many), and none
        is answered before its data is on disk. Off: each commits on its own (for comparisons).""")
    inbound_retention_days: float = setting(30, yaml="storage.inbound_retention_days", doc="""
        Each text's MessageSid and the reply it got, kept so that Twilio's retry of a webhook (within
        minutes) is answered the same and applied once. The scheduler deletes older ones, so the table stays
        bounded. 0 keeps them forever.""")
    twilio_account_sid: str = setting("", yaml="twilio.account_sid", env="TWILIO_ACCOUNT_SID", doc="""
        With auth_token: real SMS and signature checks; without: messages go to the log (and the console's
        dev phone).""")
    twilio_auth_token: str = setting("", yaml="twilio.auth_token", env="TWILIO_AUTH_TOKEN", secret=True,
                                     doc="Never logged; better given in the environment than written here.")
    twilio_phone_number: str = setting("", yaml="twilio.phone_number", env="TWILIO_PHONE_NUMBER", doc="""
        The number messages are sent from, quoted ("+15551234567").""")
    twilio_messaging_service_sid: str = setting(
        "", yaml="twilio.messaging_service_sid", env="TWILIO_MESSAGING_SERVICE_SID", doc="""
        A Messaging Service (MG...) to send through instead of from phone_number (required for US A2P 10DLC;
        README "Pointing a real Twilio number at it").""")
    twilio_api_url: str = setting("https://api.twilio.com", yaml="twilio.api_url", env="TWILIO_API_URL", doc="""
        Twilio's REST base URL (tests point it at a local fake).""")
    twilio_request_timeout: float = setting(10, yaml="twilio.request_timeout_seconds", doc="""
        A REST call that takes longer is retried like any transient failure.""")
    messages_dir: str = setting("messages", yaml="messages.directory", doc="""
        Where en.yaml and ja.yaml are (the message catalog, reloaded when edited).""")
    default_language: str = setting("en", yaml="messages.default_language", doc="""
        The catalog's main language: used when a person's language is unknown, or a message is missing from
        theirs.""")
    warn_segments: int = setting(2, yaml="messages.warn_segments", doc="""
        `.venv/bin/python run.py check` warns about a message longer than this many SMS segments.""")
    page_segments: int = setting(2, yaml="messages.page_segments", doc="""
        Pages (BROWSE, STATUS...) show as many items as fit this many segments.""")
    timezone: str = setting("UTC", yaml="booking.timezone", doc="""
        What "today" means for dates; the console shows every time in this zone, named (JST, UTC).""")
    max_nights: int = setting(30, yaml="booking.max_nights", doc="The longest stay one request may ask for.")
    max_pending_per_guest: int = setting(3, yaml="booking.max_pending_per_guest", doc="""
        Undecided requests one guest may have at once.""")
    browse_page_size: int = setting(3, yaml="booking.browse_page_size", doc="Places per BROWSE page at most.")
    request_ttl_hours: float = setting(24, yaml="booking.request_ttl_hours", doc="""
        An undecided request expires after this.""")
    reminder_hours: float = setting(20, yaml="booking.reminder_hours", doc="""
        One reminder to the host this long after presenting a request (0: none).""")
    currency: str = setting("USD", yaml="booking.currency", doc="""
        ISO 4217 code hosts price their places in (whole amounts: USD, JPY, EUR...).""")
    reminder_local_hour: int = setting(10, yaml="booking.reminder_local_hour", doc="""
        Guest and host are reminded of a stay the day before check-in at this hour (0-23, in
        booking.timezone); a stay confirmed after that moment gets none.""")
    description_min: int = setting(20, yaml="hosting.description_min", doc="""
        Fewest characters a place's description may have.""")
    description_max: int = setting(500, yaml="hosting.description_max", doc="""
        Most characters a place's description may have.""")
    flow_timeout_minutes: float = setting(30, yaml="conversation.flow_timeout_minutes", doc="""
        A half-finished flow is forgotten after this.""")
    texts_per_window: int = setting(20, yaml="limits.texts_per_window", doc="Inbound texts per phone ...")
    window_seconds: float = setting(60, yaml="limits.window_seconds", doc="... per this window.")
    outbox_max_attempts: int = setting(8, yaml="outbox.max_attempts", doc="""
        Calls to Twilio for one message before it is parked as failed (`.venv/bin/python run.py outbox` lists
        those). A send cut off by a crash before Twilio was called is not one.""")
    outbox_base_delay: float = setting(2, yaml="outbox.base_delay_seconds", doc="""
        The first retry's delay; each later one doubles it (with jitter) ...""")
    outbox_max_delay: float = setting(600, yaml="outbox.max_delay_seconds", doc="... up to this.")
    outbox_lease_seconds: float = setting(60, yaml="outbox.lease_seconds", doc="""
        How long a server holds the messages it is sending (at least twice the REST timeout). A server that
        stops gives its messages to the others sooner, once its heartbeat stops.""")
    outbox_concurrency: int = setting(8, yaml="outbox.concurrency", doc="""
        Recipients sent to at once by one server (each recipient's messages go out in order).""")
    scheduler_poll_seconds: float = setting(5, yaml="scheduler.poll_seconds", doc="""
        How often work that falls due (expiries, reminders, retries) is looked for.""")
    relay_close_days_after_checkout: int = setting(3, yaml="relay.close_days_after_checkout", doc="""
        Guest and host text each other with MSG from the host's YES until this many days after check-out
        (counted in booking.timezone); cancelling the stay closes it at once.""")
    relay_max_per_hour: int = setting(30, yaml="relay.max_per_hour", doc="""
        Messages relayed per stay per hour, both ways together (they cost SMS).""")
    relay_ask_days: int = setting(7, yaml="relay.ask_days", doc="""
        A guest's ASK about a place opens a thread with its host for this many days: the host answers with
        MSG and the thread's reference, the guest with ASK again (opting out or unlisting closes it).""")
    relay_retention_days: int = setting(180, yaml="relay.retention_days", doc="""
        Relayed messages are kept for operators (a dispute) this many days after the stay's check-out; the
        scheduler deletes older ones. 0 keeps them forever.""")
    calendar_refresh_minutes: float = setting(30, yaml="calendar.refresh_minutes", minimum=1, doc="""
        A place's iCal feeds from other platforms (CALENDAR <n> <url>) are read again this often, with
        conditional GETs; a feed that fails keeps its last good nights.""")
    calendar_fetch_timeout_seconds: float = setting(10, yaml="calendar.fetch_timeout_seconds", minimum=0.1, doc="""
        The most one read of a feed may take, redirects included (it is also at most 1 MB and 3 redirects).""")
    calendar_allow_private_addresses: bool = setting(False, yaml="calendar.allow_private_addresses", doc="""
        Read feeds from loopback and private addresses too (tests and a feed on the same machine only).
        Off, a feed URL naming or resolving to one, at any redirect, is refused; link-local and cloud
        metadata addresses are refused either way.""")
    console_session_idle_minutes: float = setting(60, yaml="console.session_idle_minutes", doc="""
        The operators' web console at /admin (README "Console") and `run.py operator add|list|remove` use the
        database above, the SQLite file or DATABASE_URL's PostgreSQL alike (operators and sessions are rows
        there). A console session unused this long is over ...""")
    console_session_max_hours: float = setting(12, yaml="console.session_max_hours", doc="""
        ... and any session after this long, used or not.""")
    console_password_time_cost: int = setting(3, yaml="console.password_time_cost", minimum=1, doc="""
        Passes argon2id makes over its memory for each password hashed or checked ...""")
    console_password_memory_kib: int = setting(65536, yaml="console.password_memory_kib", minimum=32, doc="""
        ... and that memory, in KiB (these two are argon2-cffi's defaults, RFC 9106's second choice).
        Changed, stored passwords still work and are rehashed at the new cost at their next sign-in.""")
    console_dev_phone: str = setting("auto", yaml="console.dev_phone", choices=("auto", "on", "off"), doc="""
        The dev phone texts the bot from the browser as a fictional number. auto: on only when no Twilio
        credentials are set (nothing real can be sent); on / off force it.""")
    console_dev_phone_prefix: str = setting("", yaml="console.dev_phone_prefix", doc="""
        Which numbers the dev phone may text as: empty means the reserved fictional range 555-01xx
        (+1 555 01xx, or with an area code, +1 202 555 0142); a prefix such as "+44770090" allows those
        instead.""")
    console_trusted_proxies: str = setting("", yaml="console.trusted_proxies", doc="""
        The reverse proxies or tunnels in front of the server (addresses or networks, e.g. "127.0.0.1,
        10.0.0.0/8"): from these, the client signing in to the console is the address they name in
        X-Forwarded-For, and sign-in tries are counted per name and that address. Empty: the address that
        connected, and X-Forwarded-For is ignored (anyone can write it).""")
    # Not settings (no key, no variable): what tests and the benchmark choose in code.
    # Run the background sender/scheduler tasks (tests may drive them by hand).
    background_tasks: bool = True
    # How often the console's live pages read their figures again (an event goes out only when they changed).
    live_dashboard_seconds: float = 2.0
    live_phone_seconds: float = 1.0

    def __post_init__(self) -> None:
        # `https://x.ngrok.app/` and `https://x.ngrok.app` name the same base: keep one form, so that
        # signatures and the status callback URL are built the same whichever was configured.
        object.__setattr__(self, "public_url", self.public_url.strip().rstrip("/"))
        try:
            self.trusted_proxies()
        except ValueError as error:
            raise ConfigError(f"console.trusted_proxies: {error}") from None

    def trusted_proxies(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """`console.trusted_proxies` read: addresses or networks, separated by commas or spaces."""
        return [ipaddress.ip_network(part, strict=False)
                for part in self.console_trusted_proxies.replace(",", " ").split()]

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
        choice = self.console_dev_phone.strip().lower()
        if choice in _TRUE:
            return True
        if choice in _FALSE:
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


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class _Declared:
    name: str  # the Config field
    kind: type  # bool, int, float or str
    spec: Setting

    @property
    def default(self) -> Any:
        return getattr(_DEFAULTS, self.name)


@cache
def declared() -> tuple[_Declared, ...]:
    """Every setting, in declaration order (the order of config.yaml)."""
    hints = get_type_hints(Config)
    return tuple(_Declared(f.name, hints[f.name], f.metadata["setting"]) for f in fields(Config)
                 if "setting" in f.metadata)


_DEFAULTS = Config()


def _coerce(item: _Declared, value: Any, where: str) -> Any:
    """`value` (from YAML, or an environment variable's text) as the setting's type, or a ConfigError that
    says where it came from and what was expected."""
    if item.kind is bool:
        read: Any = _as_bool(value)
        expected = "true or false"
    elif item.spec.choices:
        read, expected = _as_choice(value, item.spec.choices), " or ".join(item.spec.choices)
    elif item.kind is str:
        # YAML reads +15551234567 as a number and on/off as booleans: the text an operator meant is lost.
        read, expected = _as_text(value), 'text; put it in quotes, e.g. "+15551234567"'
    else:
        read, expected = _as_number(value, item.kind is int), "a whole number" if item.kind is int else "a number"
        if read is not None and item.spec.minimum is not None and read < item.spec.minimum:
            read, expected = None, f"at least {item.spec.minimum:g}"
    if read is None:
        raise ConfigError(f"{where}: expected {expected}, got {value!r}")
    return read


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str | int) else None
    return word in _TRUE if word in _TRUE | _FALSE else None


def _as_choice(value: Any, choices: tuple[str, ...]) -> str | None:
    if isinstance(value, bool):  # YAML's on / off
        value = "on" if value else "off"
    word = value.strip().lower() if isinstance(value, str) else None
    return word if word in choices else None


def _as_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _as_number(value: Any, whole: bool) -> float | int | None:
    number: float | int | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value.strip())
    if number is None or not math.isfinite(number) or (whole and number != int(number)):
        return None
    return int(number) if whole else number


def _leaves(node: Mapping[Any, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Each (dotted key, value) the YAML sets; a section is a mapping, anything else a setting's value."""
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _leaves(value, path + ".")
        else:
            yield path, value


def _read_yaml(path: Path) -> dict[str, Any]:
    """The settings the file sets, by dotted key; an unknown key is an error that names it (a misspelt
    setting would otherwise be ignored without a word)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path.name}{line}: not valid YAML ({getattr(error, 'problem', None) or error})") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path.name}: expected sections of settings (server:, outbox: ...)")
    by_key = {item.spec.yaml: item for item in declared()}
    found: dict[str, Any] = {}
    for key, value in _leaves(raw):
        if key not in by_key:
            sections = {known.rsplit(".", 1)[0] for known in by_key if "." in known}
            if key in sections:
                raise ConfigError(f"{path.name}: {key} is a section of settings, not a value")
            close = difflib.get_close_matches(key, by_key, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(f"{path.name}: unknown setting {key}{hint}")
        found[key] = value
    return found


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read `config.yaml` (or `path`, or the file AIRTNG_CONFIG names), then apply environment overrides.
    A value left empty (or an empty variable) keeps the default. Raises ConfigError (one line, naming the
    key or variable) for an unknown key or a value of the wrong kind."""
    env = os.environ if env is None else env
    if path is None and env.get("AIRTNG_CONFIG"):
        path = Path(env["AIRTNG_CONFIG"])
    path = path or DEFAULT_CONFIG_PATH
    from_file = _read_yaml(path)
    values: dict[str, Any] = {}
    for item in declared():
        found = from_file.get(item.spec.yaml)
        if found is not None and found != "":
            values[item.name] = _coerce(item, found, f"{path.name}: {item.spec.yaml}")
        if item.spec.env and env.get(item.spec.env):
            values[item.name] = _coerce(item, env[item.spec.env], f"environment variable {item.spec.env}")
    return Config(**values)


def _scalar(value: Any) -> str:
    """A value as config.yaml writes it."""
    if value == "":
        return '""'
    return str(yaml.safe_dump(value, allow_unicode=True, width=1000)).split("\n", 1)[0]


def render_config_yaml(current: Mapping[str, Any] | None = None, width: int = 110) -> str:
    """config.yaml written from the declarations: every setting under its section, its `doc` above it as a
    comment (with the variable that overrides it). `current`: values by dotted key to keep instead of the
    defaults (an operator's own file, rewritten after an upgrade, keeps what they set)."""
    current = current or {}
    lines = ["# Airtng settings. Written from the declarations in bot/config.py by",
             "# `.venv/bin/python run.py config --write`, which keeps the values set here; the environment",
             "# variable named [LIKE_THIS] overrides a setting.",
             "# Every key is checked at start-up: a misspelt one stops the server with its name."]
    section = None
    for item in declared():
        parent, _, key = item.spec.yaml.rpartition(".")
        if parent != section:
            if parent:
                lines.append(f"{parent}:")
            section = parent
        indent = "  " if parent else ""
        doc = item.spec.doc + (f" [{item.spec.env}]" if item.spec.env else "")
        lines += textwrap.wrap(doc, width - len(indent) - 2, initial_indent=f"{indent}# ",
                               subsequent_indent=f"{indent}# ", break_on_hyphens=False)
        value = current.get(item.spec.yaml, item.default)
        lines.append(f"{indent}{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def write_config_yaml(path: Path = DEFAULT_CONFIG_PATH) -> Path:
    """`python run.py config --write`: (re)write config.yaml from the declarations, keeping its values."""
    current = _read_yaml(path) if path.exists() else {}
    for item in declared():  # refuse to write a value the server would refuse to read
        if current.get(item.spec.yaml) not in (None, ""):
            _coerce(item, current[item.spec.yaml], f"{path.name}: {item.spec.yaml}")
    path.write_text(render_config_yaml(current), encoding="utf-8")
    return path
