"""Airtng entry point.

    python run.py [serve]            serve the webhook (PORT, BIND, DATABASE, TWILIO_* from the environment)
    python run.py chat +15551230001  text the bot from this terminal as that number
    python run.py check              validate messages/*.yaml and report lengths and segments
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from aiohttp import web

from bot.app import create_app
from bot.config import load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description="Airtng: SMS vacation-rental booking")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the Twilio webhook (default)")
    chat = sub.add_parser("chat", help="text the bot from this terminal")
    chat.add_argument("phone", nargs="?", default="+15551230001")
    sub.add_parser("check", help="validate the message catalog")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_config()
    command = args.command or "serve"
    if command == "serve":
        web.run_app(create_app(config), host=config.bind, port=config.port, print=None)
        return 0
    if command == "chat":
        from bot.chat import chat as run_chat

        logging.getLogger().setLevel(logging.WARNING)
        return asyncio.run(run_chat(config, args.phone))
    if command == "check":
        from bot.check import run_check

        return run_check(config)
    parser.error(f"unknown command {command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
