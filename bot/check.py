"""`python run.py check`: validate every locale file and report each message's size.

The same validation guards start-up and hot reload; this command shows its whole report: the problems
with file and line first, then one table row per message (each alternative of a key on its own row)
rendered with the registry's sample values: characters, encoding and SMS segments. Everyday messages
(registry `one_sms`) over one SMS are errors; the other messages over one SMS are listed after each file's
table with the sample values they were measured with, so that operators see what costs more.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.catalog import MAX_CHARACTERS, Rendered, Validation, shown, validate_catalog
from bot.config import Config
from bot.registry import REGISTRY

Printer = Callable[[str], None]


def _flag(row: Rendered, warn_segments: int) -> str:
    if row.size.characters > MAX_CHARACTERS:
        return "ERROR"
    notes = []
    if row.one_sms:
        notes.append("everyday: one item per SMS" if REGISTRY[row.key].page else "everyday: one SMS")
    if row.size.segments > warn_segments:
        notes.append("long")
    if row.size.encoding == "UCS-2" and len(row.size.non_gsm) <= 3:
        notes.append("UCS-2 because of " + " ".join(repr(ch) for ch in row.size.non_gsm))
    return ", ".join(notes)


def format_report(result: Validation, warn_segments: int, show_texts: bool = False) -> list[str]:
    lines: list[str] = []
    if result.problems:
        lines.append("Problems:")
        lines.extend(f"  {problem}" for problem in result.problems)
        lines.append("")
    for locale in result.locales:
        rows = [row for row in result.rendered if row.path == locale.path]
        if not rows:
            continue
        width = max(len(row.key) + (len(f"[{row.alternative}]") if row.alternative else 0) for row in rows)
        lines.append(f"{shown(locale.path)} ({len(locale.texts)} keys), rendered with the sample values:")
        lines.append(f"  {'line':>5}  {'key':<{width}}  {'chars':>5}  {'encoding':<8}  {'SMS':>3}  note")
        for row in rows:
            key = row.key + (f"[{row.alternative}]" if row.alternative else "")
            lines.append(
                f"  {row.line:>5}  {key:<{width}}  {row.size.characters:>5}  {row.size.encoding:<8}  "
                f"{row.size.segments:>3}  {_flag(row, warn_segments)}".rstrip()
            )
            if show_texts:
                lines.extend(f"  {'':>5}  | {text_line}" for text_line in row.text.splitlines())
        lines.append("")
        lines.extend(_costly(result, locale.path))
    errors, warnings = len(result.errors), len(result.warnings)
    verdict = "FAILED" if result.catalog is None else "OK"
    lines.append(f"{verdict}: {len(result.locales)} locale file(s), {len(result.rendered)} message(s) rendered, "
                 f"{errors} error(s), {warnings} warning(s)")
    return lines


def _costly(result: Validation, path: Path) -> list[str]:
    """The file's messages over one SMS that may be (everyday ones over it are errors, listed above)."""
    rows = result.costly(path)
    if not rows:
        return []
    lines = [f"{shown(path)}: {len(rows)} message(s) over one SMS (allowed, but each costs more; everyday "
             "messages must fit one), with the sample values used:"]
    for row in rows:
        key = row.key + (f"[{row.alternative}]" if row.alternative else "")
        lines.append(f"  {key}: {row.size.segments} SMS, {row.size.characters} characters"
                     + (f"; {row.samples}" if row.samples else ""))
    return [*lines, ""]


def run_check(config: Config, *, show_texts: bool = False, out: Printer = print) -> int:
    """Print the report; exit status 1 when there is any error (the service would refuse this catalog)."""
    result = validate_catalog(config.resolve_path(config.messages_dir), config.default_language,
                              config.warn_segments, config.page_segments)
    for line in format_report(result, config.warn_segments, show_texts):
        out(line)
    return 1 if result.catalog is None else 0
