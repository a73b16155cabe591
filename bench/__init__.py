"""The booking-workload benchmark: `python run.py bench [--quick] [--scale] [--engine] [--outbound]
[--database postgresql://...] [--servers N]` (docs/performance.md), and `--takeover` (bench/takeover.py).

Tooling, not the product: it lives beside `bot/`, and `run.py` imports it only when the `bench` sub-command
runs (`main` below), so serving never loads it.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="a few-second smoke run at concurrency 32")
    parser.add_argument("--scale", action="store_true", help="also run against 1,000,000 reservations")
    parser.add_argument("--duration", type=float, default=None, help="seconds per measurement")
    parser.add_argument("--json", type=Path, default=None, help="write the full report here as JSON")
    parser.add_argument("--durable-floor", action="store_true",
                        help="with --quick: also measure the durable floor (full runs always do)")
    parser.add_argument("--database", default="", metavar="URL",
                        help="postgresql://...: seed and serve from this PostgreSQL, in a schema of the run's own"
                             " (created, then dropped); default: a SQLite file in a temporary directory")
    parser.add_argument("--servers", type=int, default=1,
                        help="serve processes on ports of their own sharing the database (PostgreSQL only); the"
                             " load generator spreads its connections across them")
    parser.add_argument("--engine", action="store_true",
                        help="the engine alone, in-process: CPU per text (for comparing engine changes)")
    parser.add_argument("--outbound", action="store_true",
                        help="CPU per outbound SMS through the gateway (twilio's client) and a bare aiohttp POST")
    parser.add_argument("--takeover", action="store_true",
                        help="with --database: SIGKILL one of three servers --kills times; how soon its messages"
                             " move on, and how many calls to Twilio's log that takes")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs for --takeover")
    parser.add_argument("--texts", type=int, default=8000, help="texts for --engine (messages for --outbound)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="sample the server with py-spy at concurrency 32 (collapsed stacks to this file)")


def main(argv: list[str], prog: str = "python run.py bench") -> int:
    """Parse the bench sub-command's arguments and run what they ask for."""
    parser = argparse.ArgumentParser(prog=prog, description="benchmark the booking workload (docs/performance.md)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.servers < 1:
        parser.error("--servers must be at least 1")
    if args.database and not args.database.startswith(("postgresql://", "postgres://")):
        parser.error("--database takes a postgresql:// URL (without it, the run uses a SQLite file of its own)")
    if args.servers > 1 and not args.database:
        parser.error("--servers > 1 needs --database postgresql://... (servers share one database)")
    if args.takeover:
        if not args.database:
            parser.error("--takeover needs --database postgresql://... (three servers share it)")
        from bench.takeover import cli as takeover_bench

        return takeover_bench(args.database, args.kills)
    if args.outbound:
        from bench.outbound import cli as outbound_bench

        return outbound_bench(args.texts)
    if args.engine:
        from bench.engine import cli as engine_bench

        return engine_bench(args.texts, args.database)
    from bench.runner import cli as bench

    return bench(quick=args.quick, scale=args.scale, duration=args.duration, json_path=args.json,
                 profile=args.profile, durable_floor=args.durable_floor, database=args.database,
                 servers=args.servers)
