"""`python run.py check`: validate every locale file and report each message's size."""

from __future__ import annotations

from bot.catalog import load_catalog
from bot.config import Config


def run_check(config: Config) -> int:
    catalog, report = load_catalog(config.resolve_path(config.messages_dir), config.default_language)
    for line in report:
        print(line)
    errors = sum(line.startswith("ERROR") for line in report)
    print(f"{'FAILED' if errors or catalog is None else 'OK'}: {errors} error(s)")
    return 1 if errors or catalog is None else 0
