"""The last good message catalog, kept beside the database, so a broken file on disk cannot stop a restart.

Every catalog that passes validation at start-up or on hot reload is copied to `<database folder>/
messages-last-good/`. A start-up that finds `messages/` broken logs each error (file and line) and serves
that copy instead, and the console shows a banner until a good edit is loaded; with no good copy either,
start-up ends with one line naming the file, the line and the problem (`CatalogError`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from bot.catalog import Catalog, CatalogError, validate_catalog
from bot.config import Config

log = logging.getLogger(__name__)

FOLDER = "messages-last-good"


def last_good_dir(config: Config) -> Path:
    return config.resolve_path(config.database).parent / FOLDER


def keep_copy(source: Path, target: Path) -> None:
    """Replace the copy in `target` with the locale files of `source`, each file atomically."""
    try:
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.glob("*.yaml")):
            fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=target)
            os.close(fd)
            shutil.copyfile(path, temporary)
            os.replace(temporary, target / path.name)
        kept = {path.name for path in source.glob("*.yaml")}
        for stale in target.glob("*.yaml"):
            if stale.name not in kept:
                stale.unlink()
    except OSError as error:  # a read-only disk must not stop the service; it only loses the safety net
        log.warning("could not keep a copy of the good messages in %s: %s", target, error)


def starting_catalog(config: Config) -> tuple[Catalog, str | None]:
    """The catalog to start with, and None or why the files on disk are not it (for the console's banner).
    Raises CatalogError when neither the files nor a kept copy are good."""
    directory = config.resolve_path(config.messages_dir)
    kept = last_good_dir(config)
    result = validate_catalog(directory, config.default_language, config.warn_segments, config.page_segments)
    if result.catalog is not None:
        keep_copy(directory, kept)
        return result.catalog, None
    fallback = validate_catalog(kept, config.default_language, config.warn_segments, config.page_segments) \
        if kept.is_dir() else None
    if fallback is None or fallback.catalog is None:
        raise CatalogError([str(problem) for problem in result.errors])
    for problem in result.errors:
        log.error("message catalog broken, serving the last good copy from %s: %s", kept, problem)
    return fallback.catalog, "; ".join(str(problem) for problem in result.errors[:3])
