"""Airtng entry point. From the project root, `.venv/bin/python run.py <command>` (or its `make` target):

    [serve]                    serve the webhook (PORT, BIND, DATABASE, TWILIO_* from the environment)
    migrate                    bring the database (DATABASE, or DATABASE_URL) up to date and exit
    chat +15551230001          text the bot from this terminal as that number (`make chat`)
    check [--show]             validate messages/*.yaml and report lengths and segments (`make check`)
    messages --docs            write docs/messages.md from the registry of message keys (`make docs`)
    config --write             write config.yaml from the settings declared in bot/config.py
    outbox                     read-only: outbox counts by status and failed messages with reasons
    thread 5DKKXJ              read-only: what guest and host of that stay wrote each other
    operator add NAME          a console operator (password from stdin or asked); list; remove NAME
    bench [--quick] [--scale]  booking-workload benchmark beside a bare aiohttp floor (`make bench`)
    bench --quick --durable-floor  also the floor of any durable, signed webhook
    bench --engine             the engine alone, in-process: CPU per text
    bench --outbound           CPU per outbound SMS through twilio's client
    bench --database postgresql://... [--servers 2]  the same workload on PostgreSQL
    bench --takeover --database postgresql://...     SIGKILL one of three servers: how soon its messages move on
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.config import ConfigError, load_config


def arguments() -> argparse.ArgumentParser:
    """The commands and their arguments (the README's commands are checked against these)."""
    parser = argparse.ArgumentParser(prog="run.py", description="Airtng: SMS vacation-rental booking")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the Twilio webhook (default)")
    sub.add_parser("migrate", help="apply the database migrations and exit")
    chat = sub.add_parser("chat", help="text the bot from this terminal")
    chat.add_argument("phone", nargs="?", default="+15551230001")
    check = sub.add_parser("check", help="validate the message catalog")
    check.add_argument("--show", action="store_true", help="print every message rendered with the samples")
    messages = sub.add_parser("messages", help="operator documentation of the message keys")
    messages.add_argument("--docs", action="store_true", required=True, help="write docs/messages.md")
    settings = sub.add_parser("config", help="config.yaml from the settings declared in bot/config.py")
    settings.add_argument("--write", action="store_true", required=True,
                          help="(re)write config.yaml: every setting with its comment, keeping the values set")
    sub.add_parser("outbox", help="read-only: outbox counts by status and failed messages with reasons")
    thread = sub.add_parser("thread", help="read-only: the messages guest and host of a stay relayed")
    thread.add_argument("ref", help="the stay's reference")
    operator = sub.add_parser("operator", help="console operators: add NAME, list, remove NAME")
    operator.add_argument("action", choices=["add", "list", "remove"])
    operator.add_argument("name", nargs="?")
    # The benchmark (top-level `bench/`, tooling) parses its own arguments, so it is imported only when run.
    sub.add_parser("bench", add_help=False, help="benchmark the booking workload (run.py bench --help)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = arguments()
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        from bench import main as bench_main

        return bench_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    from bot.serve import configure_logging

    configure_logging()
    command = args.command or "serve"
    try:
        if command == "config":
            from bot.config import write_config_yaml

            own = os.environ.get("AIRTNG_CONFIG")  # an operator's own file, if they named one
            print(f"wrote {write_config_yaml(Path(own)) if own else write_config_yaml()}")
            return 0
        config = load_config()
    except ConfigError as error:  # a misspelt key or a bad value: say which, in one line
        print(f"cannot start, a setting is wrong: {error}", file=sys.stderr)
        return 2
    if command == "serve":
        from bot.catalog import CatalogError
        from bot.serve import StartupError, serve

        try:
            return serve(config)
        except CatalogError as error:  # broken messages and no good copy kept: say where, not a traceback
            print("cannot start, the messages have errors (.venv/bin/python run.py check lists them):",
                  error.report[0], file=sys.stderr)
            return 1
        except StartupError as error:
            print(str(error), file=sys.stderr)
            return 1
    if command == "migrate":
        from bot.serve import migrate

        return migrate(config)
    if command == "chat":
        from bot.chat import chat as run_chat

        logging.getLogger().setLevel(logging.WARNING)
        return asyncio.run(run_chat(config, args.phone))
    if command == "check":
        from bot.check import run_check

        return run_check(config, show_texts=args.show)
    if command == "messages":
        from bot.registry import write_docs

        print(f"wrote {write_docs()}")
        return 0
    if command == "outbox":
        from bot.sender import outbox_report

        return outbox_report(config)
    if command == "thread":
        from bot.threads import thread_report

        return thread_report(config, args.ref)
    if command == "operator":
        from bot.console.operators import operator_command

        return operator_command(config, args.action, args.name)
    parser.error(f"unknown command {command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
