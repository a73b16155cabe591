"""`python run.py bench [--quick] [--scale] [--durable-floor] [--json PATH] [--database URL] [--servers N]`:
the booking-workload benchmark.

Everything runs as separate processes on loopback: the real server (`run.py serve` with real config,
Twilio credentials so signatures are checked, a real SQLite file in a temporary directory or, with
`--database postgresql://...`, a schema of the run's own in that PostgreSQL, TWILIO_API_URL pointing at
`fake_twilio_server`; with `--servers N`, N of them on N ports sharing the PostgreSQL, the generator's
connections spread evenly across them), the bare aiohttp floor (`floor`), and one load-generator process per
measurement (`loadgen`). At each concurrency level the same generator drives the floor and then the server;
the ratio of their messages/s is the figure of merit (absolute numbers depend on the machine). Full runs
(and `--quick --durable-floor`) also measure the durable floor (`floor --durable`) beside the floor at c=32:
the ceiling of any signed, durable, exactly-once webhook on this stack.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import yaml
from twilio.request_validator import RequestValidator

from bench.loadgen import LoadResult, LoadSpec, process_cpu_seconds
from bench.seed import HOST_PHONE_BASE, QUICK_WORLD, SCALE_WORLD, SMALL_WORLD, World, seed
from bot.clock import clock_from_environment
from bot.storage import describe, is_postgresql, read_only_store
from bot.storage.bulk import scratch_schema, server_version

ROOT = Path(__file__).resolve().parents[1]
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "b" * 32
BOT_NUMBER = "+15550000000"
LEVELS = (1, 8, 32, 128)
QUICK_LEVELS = (32,)
# Requests pre-built per second of a timed phase for the server; one faster than this runs out (reported).
# The floor is stateless: it replays a smaller set over and over.
APP_REQUESTS_PER_SECOND = 8_000


@dataclass
class Level:
    concurrency: int
    floor: LoadResult
    app: LoadResult
    ratio: float  # the server's messages/s over the floor's
    delivered_per_s: float  # outbound SMS the fake Twilio accepted per second of the server's timed phase
    server_cpu: float  # CPU seconds of the server process per second of its timed phase
    # Where the machine's CPU went during the timed phase, per text answered (ms): the server process(es),
    # this machine's PostgreSQL processes (0 on SQLite, which runs inside the server), and every process
    # on the machine (the load generator, the fake Twilio and the floor's idle process included). Their
    # sum over the cores bounds the texts/s one machine can serve, whatever the code around them does.
    server_ms_per_text: float = 0.0
    database_ms_per_text: float = 0.0
    machine_ms_per_text: float = 0.0
    machine_busy: float = 0.0  # the share of all the machine's cores busy during the timed phase


@dataclass
class RunReport:
    label: str
    world: dict[str, int]
    seed_seconds: float
    startup_seconds: float  # process start to the first answered (signed) webhook, on an existing database
    levels: list[Level]
    peak_rss_mb: float  # VmHWM at the end of the run, summed over the server and its worker processes
    peak_rss_max_mb: float  # the largest VmHWM of any one of them (= peak_rss_mb when serving alone)
    processes: int  # the server's process tree at the end of the run (1 when serving alone)
    outbox: dict[str, int]  # outbox rows by status once the sender has drained
    delivered: int  # messages the fake Twilio accepted during this run
    all_delivered: bool
    reservations_created: int
    server_log_errors: int  # ERROR lines / tracebacks in the servers' logs
    servers: int = 1  # serve processes on ports of their own, sharing the database


@dataclass
class DurableFloor:
    """The durable floor (`floor.py --durable`) beside the plain floor, at c=32, back to back."""

    floor: LoadResult
    durable: LoadResult
    ratio: float  # the durable floor's messages/s over the floor's
    cpu: float  # CPU seconds of the durable floor's process per second of its timed phase


@dataclass
class BenchReport:
    command: str
    date: str
    machine: dict[str, str]
    ceiling: LoadResult | None
    runs: list[RunReport] = field(default_factory=list)
    durable_floor: DurableFloor | None = None

    @property
    def ok(self) -> bool:
        return all(level.app.errors == 0 and level.floor.errors == 0 for run in self.runs for level in run.levels) \
            and all(run.all_delivered for run in self.runs) \
            and (self.durable_floor is None or self.durable_floor.durable.errors == 0)


# -- processes ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A child process we started, its output in a log file; stopped by its own pid only."""

    def __init__(self, name: str, args: list[str], log_dir: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        self.started = time.perf_counter()
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()

    def tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _post(port: int, path: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def get_json(port: int, path: str) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def wait_until_answering(process: Process, port: int, path: str, body: bytes, headers: dict[str, str],
                         timeout: float = 30) -> float:
    """Poll (with a deadline) until `path` answers 200; returns seconds since the process started."""
    deadline = time.perf_counter() + timeout
    while True:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited early:\n{process.tail()}")
        try:
            status, answer = _post(port, path, body, headers)
        except OSError:
            status, answer = 0, b""
        if status == 200:
            return time.perf_counter() - process.started
        if status:
            raise RuntimeError(f"{process.name} answered {status}: {answer[:300]!r}")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{process.name} did not answer within {timeout}s:\n{process.tail()}")
        time.sleep(0.005)


def signed_text(port: int, phone: str, body: str, sid: str) -> tuple[bytes, dict[str, str]]:
    form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": phone, "To": BOT_NUMBER,
            "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"http://127.0.0.1:{port}/sms", form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return urlencode(form).encode(), headers


def process_tree(pid: int) -> list[int]:
    """`pid` and its live descendants (WORKERS=N serves from child processes), found by scanning
    /proc/*/stat for parent pids: /proc/<pid>/task/*/children is not available on every kernel."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants (all threads: the aiosqlite worker too)."""
    total = 0.0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):  # a process that just exited
            total += process_cpu_seconds(Path(f"/proc/{member}/stat").read_text())
    return total


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """(sum, max) of VmHWM over the process and its live descendants; equal when it serves alone.
    The sum of per-process peaks is an upper bound of their peak together."""
    peaks: list[float] = []
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
    return sum(peaks), max(peaks, default=0.0)


def run_loadgen(spec: LoadSpec) -> LoadResult:
    """One measurement in a load-generator process of its own."""
    payload = asdict(spec)
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"], cwd=ROOT, input=json.dumps(payload).encode(),
        capture_output=True, timeout=spec.duration + 300, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{done.stderr.decode(errors='replace')[-3000:]}")
    return LoadResult(**json.loads(done.stdout))


def error_markers() -> dict[str, str]:
    """Answers that are a 200 to Twilio but an error to the texter: the generic error and rate limiting."""
    catalog = yaml.safe_load((ROOT / "messages" / "en.yaml").read_text(encoding="utf-8"))
    markers: dict[str, str] = {}
    for key in ("error_generic", "rate_limited"):
        texts = catalog[key] if isinstance(catalog[key], list) else [catalog[key]]
        for index, text in enumerate(texts):
            markers[f"{key}#{index}" if index else key] = escape(str(text).split("{{")[0].strip()[:40])
    return markers


# -- the benchmark -----------------------------------------------------------------------------------


@dataclass
class Shared:
    """Processes shared by every run: the fake Twilio and the floor."""

    work: Path
    twilio: Process
    twilio_port: int
    floor: Process
    floor_port: int


@contextlib.contextmanager
def shared_processes(work: Path) -> Iterator[Shared]:
    twilio_port, floor_port = free_port(), free_port()
    started: list[Process] = []
    try:
        twilio = Process("fake_twilio", [sys.executable, "-m", "bench.fake_twilio_server",
                                         "--port", str(twilio_port)], work)
        started.append(twilio)
        floor = Process("floor", [sys.executable, "-m", "bench.floor", "--port", str(floor_port)], work)
        started.append(floor)
        probe = urlencode({"Body": "hi"}).encode()
        form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        wait_until_answering(floor, floor_port, "/sms", probe, form_headers)
        deadline = time.perf_counter() + 30
        while True:
            try:
                get_json(twilio_port, "/stats")
                break
            except OSError:
                if time.perf_counter() > deadline or twilio.popen.poll() is not None:
                    raise RuntimeError(f"fake Twilio did not start:\n{twilio.tail()}") from None
                time.sleep(0.01)
        yield Shared(work, twilio, twilio_port, floor, floor_port)
    finally:
        for process in reversed(started):
            process.stop()


def measure_ceiling(work: Path, duration: float) -> LoadResult:
    """The generator against a bare asyncio responder: how fast the client alone can go."""
    port = free_port()
    raw = Process("raw_ceiling", [sys.executable, "-m", "bench.floor", "--port", str(port), "--raw"], work)
    try:
        probe = urlencode({"Body": "hi"}).encode()
        wait_until_answering(raw, port, "/sms", probe, {"Content-Type": "application/x-www-form-urlencoded"})
        return run_loadgen(load_spec(port, 32, duration, 4_000, SMALL_WORLD, 0, 1, repeat=True))
    finally:
        raw.stop()


def measure_durable_floor(shared: Shared, duration: float) -> DurableFloor:
    """The floor, then the durable floor, at c=32 with the same generator: what a signed, durable,
    exactly-once webhook costs before any workflow (the booking workload can only be slower)."""
    port = free_port()
    env = {**os.environ, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    durable = Process("durable_floor", [sys.executable, "-m", "bench.floor", "--port", str(port),
                                        "--durable", str(shared.work / "durable_floor.db")], shared.work, env)
    try:
        body, headers = signed_text(port, "+19990000001", "HELP", "SM" + "f" * 32)
        wait_until_answering(durable, port, "/sms", body, headers)
        floor = run_loadgen(load_spec(shared.floor_port, 32, duration, 2_000, SMALL_WORLD, 0, 7, repeat=True))
        cpu_start = cpu_seconds(durable.pid)
        result = run_loadgen(load_spec(port, 32, duration, int(2 * APP_REQUESTS_PER_SECOND * duration),
                                       SMALL_WORLD, 0, 7))
        cpu = (cpu_seconds(durable.pid) - cpu_start) / result.elapsed
    finally:
        durable.stop()
    return DurableFloor(floor, result, result.rate / floor.rate, cpu)


def load_spec(ports: int | list[int], connections: int, duration: float, max_requests: int, world: World,
              level_index: int, seed_value: int, *, repeat: bool = False) -> LoadSpec:
    return LoadSpec(
        ports=[ports] if isinstance(ports, int) else ports, connections=connections, duration=duration,
        max_requests=max_requests, signing_url="http://127.0.0.1:{port}/sms", auth_token=AUTH_TOKEN,
        account_sid=ACCOUNT_SID,
        bot_number=BOT_NUMBER, hosts=world.hosts, listings=world.listings, host_phone_base=HOST_PHONE_BASE,
        guest_phone_base=4_000_000_000 + level_index * 200_000_000, seed=seed_value, error_markers=error_markers(),
        repeat=repeat,
    )


def _outbox(url: str) -> dict[str, int]:
    with read_only_store(url, clock_from_environment()) as store:
        return store.outbox_summary() if store is not None else {}


def _created_reservations(url: str, world: World) -> int:
    """Reservations the run filed (the seeded ones have ids up to `world.reservations`)."""
    with read_only_store(url, clock_from_environment()) as store:
        row = store._one("SELECT COUNT(*) AS n FROM reservations WHERE id > ?", (world.reservations,)) \
            if store is not None else None
        return int(row["n"]) if row is not None else 0


@contextlib.contextmanager
def run_database(work: Path, label: str, database: str) -> Iterator[str]:
    """Where a run's world lives: a SQLite file in the work directory, or, given a PostgreSQL URL, a schema
    of the run's own in that database (created empty, dropped with everything in it afterwards)."""
    if not is_postgresql(database):
        yield str(work / f"{label}.db")
        return
    with scratch_schema(database, "bench") as url:
        yield url


def start_servers(shared: Shared, label: str, url: str, count: int) -> list[tuple[Process, int]]:
    """`count` real servers (`run.py serve`), each on a port of its own, all on the database at `url`."""
    servers: list[tuple[Process, int]] = []
    for number in range(count):
        port = free_port()
        env = {
            **os.environ, "PORT": str(port), "BIND": "127.0.0.1", "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_PHONE_NUMBER": BOT_NUMBER,
            "TWILIO_API_URL": f"http://127.0.0.1:{shared.twilio_port}",
            **({"DATABASE_URL": url} if is_postgresql(url) else {"DATABASE": url, "DATABASE_URL": ""}),
        }
        name = f"server_{label}" + (f"_{number + 1}" if count > 1 else "")
        servers.append((Process(name, [sys.executable, "run.py", "serve"], shared.work, env), port))
    return servers


def bench_run(shared: Shared, label: str, world: World, levels: tuple[int, ...], duration: float,
              log: IO[str], profile: Path | None = None, database: str = "", servers: int = 1) -> RunReport:
    """Seed a database, start the real server(s) on it, and measure every level against them and the floor."""
    with run_database(shared.work, label, database) as url:
        return _bench_run(shared, label, world, levels, duration, log, profile, url, servers)


def _bench_run(shared: Shared, label: str, world: World, levels: tuple[int, ...], duration: float,
               log: IO[str], profile: Path | None, url: str, server_count: int) -> RunReport:
    log.write(f"\n[{label}] seeding {world} into {describe(url)} ...\n")
    log.flush()
    seed_seconds = seed(url, world)
    log.write(f"[{label}] seeded in {seed_seconds:.1f}s; starting {server_count} server(s)\n")
    log.flush()
    delivered_before = int(get_json(shared.twilio_port, "/stats")["delivered"])
    servers = start_servers(shared, label, url, server_count)
    ports = [port for _, port in servers]
    pids = [server.pid for server, _ in servers]
    try:
        startup = 0.0
        for server, port in servers:
            body, headers = signed_text(port, "+19990000001", "HELP", "SM" + "f" * 32)
            startup = max(startup, wait_until_answering(server, port, "/sms", body, headers))
        log.write(f"[{label}] first webhook answered {startup:.2f}s after start\n")
        log.flush()
        results: list[Level] = []
        run_seed = random.randrange(2**24) * 16
        for index, concurrency in enumerate(levels):
            floor = run_loadgen(
                load_spec(shared.floor_port, concurrency, duration, 2_000, world, index, run_seed + index, repeat=True)
            )
            spec = load_spec(ports, concurrency, duration, int(APP_REQUESTS_PER_SECOND * duration), world, index,
                             run_seed + index)
            delivered_start = int(get_json(shared.twilio_port, "/stats")["delivered"])
            cpu_start = sum(cpu_seconds(pid) for pid in pids)
            with _profiling(pids[0], profile if concurrency == 32 else None, duration):
                app = run_loadgen(spec)
            cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_start
            delivered = int(get_json(shared.twilio_port, "/stats")["delivered"]) - delivered_start
            texts = max(app.completed, 1)
            level = Level(concurrency, floor, app, app.rate / floor.rate, delivered / app.elapsed,
                          cpu / app.elapsed, cpu / texts * 1000, app.database_cpu * app.elapsed / texts * 1000,
                          app.machine_cpu * app.elapsed / texts * 1000, app.machine_cpu / (os.cpu_count() or 1))
            results.append(level)
            log.write(_level_line(level) + "\n")
            log.flush()
        # Let the senders finish: every outbox row sent (or failed), polled with a deadline.
        deadline = time.perf_counter() + 120
        outbox = _outbox(url)
        while outbox.get("pending", 0) + outbox.get("sending", 0) and time.perf_counter() < deadline:
            time.sleep(0.1)
            outbox = _outbox(url)
        delivered_total = int(get_json(shared.twilio_port, "/stats")["delivered"]) - delivered_before
        processes = sum(len(process_tree(pid)) for pid in pids)
        peaks = [peak_rss_mb(pid) for pid in pids]
        peak, peak_max = sum(total for total, _ in peaks), max(largest for _, largest in peaks)
        created = _created_reservations(url, world)
    finally:
        for server, _ in servers:
            server.stop()
    log_errors = 0
    for server, _ in servers:
        log_text = server.log_path.read_text(encoding="utf-8", errors="replace")
        log_errors += sum(1 for line in log_text.splitlines() if " ERROR " in line or line.startswith("Traceback"))
    # Every row settled and each sent one accepted by the fake Twilio. Skipped rows are host prompts that
    # went stale before their turn (the load's hosts answer as soon as a request is filed): never sent.
    all_delivered = outbox.get("sent", 0) == delivered_total and set(outbox) <= {"sent", "skipped"}
    return RunReport(label, asdict(world), seed_seconds, startup, results, peak, peak_max, processes, outbox,
                     delivered_total, all_delivered, created, log_errors, server_count)


@contextlib.contextmanager
def _profiling(pid: int, out: Path | None, duration: float) -> Iterator[None]:
    """Sample the server with py-spy (if asked, and on PATH) while the body runs: collapsed stacks to `out`
    (with WORKERS=N, the worker processes too)."""
    spy = shutil.which("py-spy") if out is not None else None
    if out is None or spy is None:
        if out is not None:
            print("py-spy is not on PATH (pip install py-spy): not profiling", file=sys.stderr)
        yield
        return
    recorder = subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "250", "--gil",
                                 "--subprocesses", "--duration", str(max(1, int(duration))), "--output", str(out),
                                 "--nonblocking"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        recorder.wait(60)


def _level_line(level: Level) -> str:
    app, floor = level.app, level.floor
    return (f"  c={level.concurrency:<4} floor {floor.rate:8.0f} msg/s p99 {floor.p99_ms:6.1f} ms | server "
            f"{app.rate:7.0f} msg/s p50 {app.p50_ms:6.1f} ms p99 {app.p99_ms:6.1f} ms | ratio {level.ratio:5.3f}"
            f" | out {level.delivered_per_s:6.0f}/s | server cpu {level.server_cpu:4.2f} | errors {app.errors}"
            + (f" {app.error_kinds} {app.sample_error}" if app.errors else "")
            + (" (ran out of pre-built requests)" if app.exhausted else "")
            + (f"\n         CPU per text: server {level.server_ms_per_text:.2f} ms, PostgreSQL here "
               f"{level.database_ms_per_text:.2f} ms, whole machine {level.machine_ms_per_text:.2f} ms (busy "
               f"{level.machine_busy:.0%} of {os.cpu_count()} cores: at most ~"
               f"{(os.cpu_count() or 1) * 1000 / max(level.machine_ms_per_text, 1e-9):.0f} texts/s here)"
               if level.machine_ms_per_text else ""))


def machine(database: str) -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    found = {"nproc": str(os.cpu_count()), "cpu": model, "python": platform.python_version(),
             "platform": platform.platform(), "database": server_version(database or ":memory:"),
             "load": " ".join(f"{figure:.2f}" for figure in os.getloadavg())}
    for package in ("aiohttp", "aiosqlite", "psycopg", "uvloop"):
        with contextlib.suppress(PackageNotFoundError):
            found[package] = version(package)
    return found


def run_bench(*, quick: bool, scale: bool, duration: float | None, log: IO[str],
              profile: Path | None = None, durable_floor: bool = False, database: str = "",
              servers: int = 1) -> BenchReport:
    command = "python run.py bench" + (" --quick" if quick else "") + (" --scale" if scale else "")
    durable_floor = durable_floor or not quick
    command += " --durable-floor" if durable_floor and quick else ""
    command += f" --duration {duration:g}" if duration else ""
    command += f" --database {describe(database)}" if database else ""
    command += f" --servers {servers}" if servers > 1 else ""
    report = BenchReport(command, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), machine(database), None)
    levels = QUICK_LEVELS if quick else LEVELS
    seconds = duration or (1.5 if quick else 5.0)
    with tempfile.TemporaryDirectory(prefix="airtng-bench-") as tmp:
        work = Path(tmp)
        if not quick:
            report.ceiling = measure_ceiling(work, seconds)
            log.write(f"generator ceiling (bare asyncio responder, c=32): {report.ceiling.rate:.0f} msg/s, "
                      f"client cpu {report.ceiling.client_cpu:.2f}\n")
        with shared_processes(work) as shared:
            report.runs.append(bench_run(shared, "quick" if quick else "small", QUICK_WORLD if quick else SMALL_WORLD,
                                         levels, seconds, log, profile, database, servers))
            if scale:
                report.runs.append(bench_run(shared, "scale", SCALE_WORLD, levels, seconds, log, None, database,
                                             servers))
            if durable_floor:
                report.durable_floor = measure_durable_floor(shared, seconds)
                log.write(_durable_line(report.durable_floor) + "\n")
    return report


def _durable_line(measured: DurableFloor) -> str:
    durable = measured.durable
    return (f"durable floor (signature check + one exactly-once row per text, group-committed; no workflow, no "
            f"outbound), c=32: {durable.rate:.0f} msg/s p99 {durable.p99_ms:.1f} ms = {measured.ratio:.3f} of "
            f"the floor ({measured.floor.rate:.0f} msg/s) | cpu {measured.cpu:.2f} | errors {durable.errors}"
            + (" (ran out of pre-built requests)" if durable.exhausted else ""))


def summary(report: BenchReport) -> str:
    lines = [f"{report.command}  ({report.date}; {report.machine['nproc']} x {report.machine['cpu']}, "
             f"Python {report.machine['python']}, {report.machine['database']}, load average at start "
             f"{report.machine['load']})"]
    for run in report.runs:
        rss = f"peak RSS {run.peak_rss_mb:.0f} MB" + (
            f" (sum over {run.processes} processes; largest {run.peak_rss_max_mb:.0f} MB)" if run.processes > 1 else "")
        servers = f"{run.servers} servers, " if run.servers > 1 else ""
        lines.append(f"[{run.label}] {servers}startup {run.startup_seconds:.2f}s, {rss}, "
                     f"reservations filed {run.reservations_created}, outbound delivered {run.delivered} "
                     f"({'all' if run.all_delivered else 'NOT all'}; outbox {run.outbox}), "
                     f"server log errors {run.server_log_errors}")
        lines.extend(_level_line(level) for level in run.levels)
    if len(report.runs) == 2:
        small, big = report.runs
        for a, b in zip(small.levels, big.levels, strict=True):
            lines.append(f"  scale/small p99 at c={a.concurrency}: {b.app.p99_ms / max(a.app.p99_ms, 1e-9):.2f}x")
    if report.durable_floor is not None:
        lines.append(_durable_line(report.durable_floor))
    lines.append("OK" if report.ok else "ERRORS (see above)")
    return "\n".join(lines)


def cli(*, quick: bool = False, scale: bool = False, duration: float | None = None,
        json_path: Path | None = None, profile: Path | None = None, durable_floor: bool = False,
        database: str = "", servers: int = 1) -> int:
    """Run, print the summary, optionally write the JSON report; exit status 1 on any error."""
    report = run_bench(quick=quick, scale=scale, duration=duration, log=sys.stdout, profile=profile,
                       durable_floor=durable_floor, database=database, servers=servers)
    print(summary(report))
    if json_path is not None:
        json_path.write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    from bench import main

    sys.exit(main(sys.argv[1:], prog="python -m bench.runner"))
