"""The load generator: pre-built, Twilio-signed HTTP/1.1 requests replayed over keep-alive connections by
bare asyncio protocols (no HTTP client library, no per-request coroutine), one process of its own.

The runner starts one process per measurement: it reads a `LoadSpec` as JSON on stdin, builds every request
of the booking workload before the clock starts, opens `connections` keep-alive connections, and then each
connection sends its next request as soon as the previous answer is complete (a closed loop: concurrency is
the number of texts in flight). It prints a `LoadResult` as JSON on stdout.

The workload, per connection: new guests BROWSE (sometimes MORE), VIEW a place, BOOK it with dates and the
number of guests (inline, or each in the next text), give their name when asked, sometimes ask STATUS; after
each booking, the host of the previous guest's booking answers YES or NO. Every phone belongs to one
connection, so one person's texts arrive in order, as they do from Twilio.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bot.clock import clock_from_environment

GUEST_NAMES = ["Maria", "Tom", "Aiko", "Luis", "Priya", "Noah", "Sofia", "Omar", "Ella", "Jonas"]


@dataclass
class LoadSpec:
    ports: list[int]  # connection n goes to ports[n % len(ports)]: several servers share the load evenly
    connections: int
    duration: float
    max_requests: int
    signing_url: str  # the URL Twilio signs, the server's PUBLIC_URL + /sms, with `{port}` for the port
    auth_token: str
    account_sid: str
    bot_number: str
    hosts: int
    listings: int
    host_phone_base: int
    guest_phone_base: int  # new guests text from +1 (guest_phone_base + connection * 1e6 + n)
    seed: int
    error_markers: dict[str, str] = field(default_factory=dict)  # error kind -> text in a 200 answer
    repeat: bool = False  # start over when a connection has sent all its requests (stateless targets only)


@dataclass
class LoadResult:
    connections: int
    completed: int
    errors: int
    error_kinds: dict[str, int]
    elapsed: float
    rate: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    client_cpu: float  # CPU seconds of this process per second of the timed phase (1.0 = one core)
    build_seconds: float
    exhausted: bool  # some connection ran out of pre-built requests before the time was up
    sample_error: str = ""
    # CPU seconds per second of the timed phase (1.0 = one core) of this machine's PostgreSQL processes and
    # of the whole machine (every process: the servers, the database, this generator).
    database_cpu: float = 0.0
    machine_cpu: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)  # texts answered, by kind (browse, view, book...)


def _dates(rng: random.Random, today: date) -> str:
    check_in = today + timedelta(days=rng.randint(7, 300))
    check_out = check_in + timedelta(days=rng.randint(1, 6))
    if check_in.month == check_out.month and rng.random() < 0.5:
        return f"{check_in:%b} {check_in.day}-{check_out.day}"
    return f"{check_in.isoformat()} to {check_out.isoformat()}"


def script(spec: LoadSpec, connection: int, count: int, rng: random.Random,
           today: date) -> list[tuple[str, str, str]]:
    """The (phone, body, kind) texts one connection sends, in order."""
    hosts = list(range(connection, spec.hosts, spec.connections))
    if not hosts or spec.listings < spec.hosts:
        raise ValueError("the world needs at least one host per connection and a listing per host")
    texts: list[tuple[str, str, str]] = []
    waiting_host: int | None = None
    guest_number = 0
    while len(texts) < count:
        guest = f"+1{spec.guest_phone_base + connection * 1_000_000 + guest_number}"
        guest_number += 1
        host = rng.choice(hosts)
        listing = rng.choice(range(host + 1, spec.listings + 1, spec.hosts))
        texts.append((guest, "BROWSE", "browse"))
        if rng.random() < 0.3:
            texts.append((guest, "MORE", "more"))
        texts.append((guest, f"VIEW {listing}", "view"))
        party = rng.randint(1, 2)  # every seeded place sleeps at least two (seed.MIN_CAPACITY)
        chance = rng.random()
        if chance < 0.35:
            texts.append((guest, f"BOOK {listing} {_dates(rng, today)} {party} guests", "book"))
        elif chance < 0.7:
            texts.append((guest, f"BOOK {listing} {_dates(rng, today)}", "book"))
            texts.append((guest, str(party), "guests"))
        else:
            texts.append((guest, f"book {listing}", "book"))
            texts.append((guest, _dates(rng, today), "dates"))
            texts.append((guest, str(party), "guests"))
        texts.append((guest, rng.choice(GUEST_NAMES), "name"))
        if rng.random() < 0.1:
            texts.append((guest, "STATUS", "status"))
        if waiting_host is not None:
            answer = "YES" if rng.random() < 0.7 else "NO"
            texts.append((f"+1{spec.host_phone_base + waiting_host}", answer, "decide"))
        waiting_host = host
    return texts[:count]


def port_of(spec: LoadSpec, connection: int) -> int:
    return spec.ports[connection % len(spec.ports)]


def build_requests(spec: LoadSpec) -> list[list[tuple[bytes, str]]]:
    """Every request of the run, signed like Twilio signs its webhooks, as raw HTTP/1.1 bytes."""
    rng = random.Random(spec.seed)
    today = clock_from_environment().now().date()
    validator = RequestValidator(spec.auth_token)
    per_connection = -(-spec.max_requests // spec.connections)
    out: list[list[tuple[bytes, str]]] = []
    for connection in range(spec.connections):
        port = port_of(spec, connection)
        host_header, signing_url = f"127.0.0.1:{port}", spec.signing_url.format(port=port)
        requests = []
        for index, (phone, body, kind) in enumerate(script(spec, connection, per_connection, rng, today)):
            sid = f"SM{spec.seed % 2**32:08x}{connection:04x}{index:020x}"
            form = {
                "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
                "FromZip": "", "SmsSid": sid, "FromState": "CA", "SmsStatus": "received", "FromCity": "",
                "Body": body, "FromCountry": "US", "To": spec.bot_number, "ToZip": "", "NumSegments": "1",
                "MessageSid": sid, "AccountSid": spec.account_sid, "From": phone, "ApiVersion": "2010-04-01",
            }
            payload = urlencode(form).encode()
            signature = validator.compute_signature(signing_url, form)
            requests.append((
                b"POST /sms HTTP/1.1\r\nHost: " + host_header.encode()
                + b"\r\nUser-Agent: TwilioProxy/1.1\r\nContent-Type: application/x-www-form-urlencoded"
                + b"\r\nX-Twilio-Signature: " + signature.encode()
                + b"\r\nContent-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload,
                kind,
            ))
        out.append(requests)
    return out


class _Run:
    """Shared tallies of one timed phase."""

    def __init__(self, connections: int, deadline: float, markers: dict[str, str], repeat: bool) -> None:
        self.deadline = deadline
        self.repeat = repeat
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.sample_error = ""
        self.markers = [(kind, text.encode()) for kind, text in markers.items()]
        self.exhausted = False
        self.kinds: dict[str, int] = {}
        self.last_done = 0.0
        self.open = connections
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def error(self, kind: str, detail: bytes | str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if not self.sample_error:
            self.sample_error = f"{kind}: {detail[:300]!r}"

    def closed(self) -> None:
        self.open -= 1
        if self.open == 0 and not self.finished.done():
            self.finished.set_result(None)


class _Connection(asyncio.Protocol):
    """One keep-alive connection, one request in flight; the next goes out when the answer is complete."""

    def __init__(self, run: _Run, requests: list[tuple[bytes, str]]) -> None:
        self._run = run
        self._requests = requests
        self._index = 0
        self._buffer = b""
        self._need = -1
        self._body_at = 0
        self._status = 0
        self._sent_at = 0.0
        self._done = False
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def start(self) -> None:
        self._send()

    def _send(self) -> None:
        now = time.perf_counter()
        if self._index >= len(self._requests) and self._run.repeat:
            self._index = 0
        if self._index >= len(self._requests):
            self._run.exhausted = True
            self._finish()
        elif now >= self._run.deadline:
            self._finish()
        else:
            self._sent_at = now
            assert self._transport is not None
            self._transport.write(self._requests[self._index][0])
            self._index += 1

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            if self._transport is not None:
                self._transport.close()
            self._run.closed()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while not self._done:
            if self._need < 0:
                end = self._buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self._buffer[:end]
                at = head.lower().find(b"\r\ncontent-length:")
                if at < 0:
                    self._run.error("no content-length", head)
                    self._finish()
                    return
                stop = head.find(b"\r\n", at + 2)
                self._status = int(head[9:12])
                self._body_at = end + 4
                self._need = self._body_at + int(head[at + 17:stop if stop >= 0 else len(head)])
            if len(self._buffer) < self._need:
                return
            body = self._buffer[self._body_at:self._need]
            self._buffer = self._buffer[self._need:]
            self._need = -1
            self._complete(body)

    def _complete(self, body: bytes) -> None:
        run = self._run
        now = time.perf_counter()
        run.latencies.append(now - self._sent_at)
        run.last_done = now
        kind = self._requests[self._index - 1][1]
        run.kinds[kind] = run.kinds.get(kind, 0) + 1
        if self._status != 200:
            run.error(f"http {self._status}", body)
        else:
            for kind, marker in run.markers:
                if marker in body:
                    run.error(kind, body)
                    break
        self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done:
            self._run.error("connection lost", str(exc))
            self._done = True
            self._run.closed()


def process_cpu_seconds(stat: str) -> float:
    """User + system CPU seconds of a process, from the text of its /proc/<pid>/stat."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds() -> float:
    """User + system CPU of this machine's PostgreSQL processes (the postmaster, its backends and helpers:
    every process named `postgres`); 0 when none runs here."""
    total = 0.0
    for path in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = path.read_text()
            if stat.rpartition(")")[0].endswith("(postgres"):
                total += process_cpu_seconds(stat)
    return total


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine since boot, every core (/proc/stat; iowait counts as idle)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))] * 1000


async def _connect(loop: asyncio.AbstractEventLoop, protocol: _Connection, port: int) -> None:
    await loop.create_connection(lambda: protocol, "127.0.0.1", port)


async def run_load(spec: LoadSpec) -> LoadResult:
    built_at = time.perf_counter()
    requests = build_requests(spec)
    build_seconds = time.perf_counter() - built_at
    loop = asyncio.get_running_loop()
    run = _Run(spec.connections, float("inf"), spec.error_markers, spec.repeat)
    connections = []
    for connection, own in enumerate(requests):
        protocol = _Connection(run, own)
        await _connect(loop, protocol, port_of(spec, connection))
        connections.append(protocol)
    gc.collect()
    gc.freeze()
    database_before, machine_before = database_cpu_seconds(), machine_cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    run.deadline = started + spec.duration
    for protocol in connections:
        protocol.start()
    await asyncio.wait_for(run.finished, spec.duration + 60)
    elapsed = max(run.last_done - started, 1e-9)
    cpu = time.process_time() - cpu_before
    database, machine = database_cpu_seconds() - database_before, machine_cpu_seconds() - machine_before
    latencies = sorted(run.latencies)
    errors = sum(run.errors.values())
    return LoadResult(
        connections=spec.connections, completed=len(latencies), errors=errors, error_kinds=run.errors,
        elapsed=elapsed, rate=len(latencies) / elapsed, p50_ms=_percentile(latencies, 0.5),
        p90_ms=_percentile(latencies, 0.9), p99_ms=_percentile(latencies, 0.99),
        max_ms=latencies[-1] * 1000 if latencies else 0.0, client_cpu=cpu / elapsed,
        build_seconds=build_seconds, exhausted=run.exhausted, sample_error=run.sample_error, kinds=run.kinds,
        database_cpu=database / elapsed, machine_cpu=machine / elapsed,
    )


def main() -> None:
    spec = LoadSpec(**json.loads(sys.stdin.read()))
    result = asyncio.run(run_load(spec))
    sys.stdout.write(json.dumps(asdict(result)) + "\n")


if __name__ == "__main__":
    main()
