"""The booking-workload benchmark: `python run.py bench [--quick] [--scale] [--engine] [--outbound]`
(docs/performance.md).

Only argument parsing lives here, so `run.py` can offer the subcommand without importing the benchmark.
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
    parser.add_argument("--engine", action="store_true",
                        help="the engine alone, in-process: CPU per text (for comparing engine changes)")
    parser.add_argument("--outbound", action="store_true",
                        help="CPU per outbound SMS through the gateway (twilio's client) and a bare aiohttp POST")
    parser.add_argument("--texts", type=int, default=8000, help="texts for --engine (messages for --outbound)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="sample the server with py-spy at concurrency 32 (collapsed stacks to this file)")
