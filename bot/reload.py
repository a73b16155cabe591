"""Hot reload of the message catalog: an operator's saved edit takes effect without a restart.

`CatalogReloader.reload()` validates `messages/` exactly like start-up and `python run.py check` do and
swaps the catalog in force only when there is no error; a broken edit is logged with the whole report and
the last good catalog keeps serving. `watch()` polls the files' modification times (works on every
platform and file system, including bind mounts where inotify events never arrive) and reloads once a
change has settled; SIGHUP reloads at once. Both validate in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from pathlib import Path

from aiohttp import web

from bot.catalog import CatalogHolder, validate_catalog
from bot.last_good import keep_copy

log = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int, int], ...]


def files_signature(directory: Path) -> Signature:
    """What changes when a message file is edited, added, removed or replaced: name, mtime, size, inode."""
    found: list[tuple[str, int, int, int]] = []
    try:
        paths = sorted(directory.glob("*.yaml"))
    except OSError:
        return ()
    for path in paths:
        try:
            stat = path.stat()
        except OSError:  # removed between glob and stat: the next poll sees the settled state
            continue
        found.append((path.name, stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(found)


class CatalogReloader:
    def __init__(self, holder: CatalogHolder, directory: Path, default_language: str,
                 warn_segments: int = 2, page_segments: int = 2, keep_in: Path | None = None) -> None:
        self.holder = holder
        self.keep_in = keep_in  # where each good catalog is copied (bot/last_good.py)
        self.directory = directory
        self.default_language = default_language
        self.warn_segments = warn_segments
        self.page_segments = page_segments
        self.loaded = files_signature(directory)  # what the catalog in force was read from
        self._seen = self.loaded
        self._lock = threading.Lock()  # the watcher and SIGHUP both validate in worker threads
        self._background: set[asyncio.Task[bool]] = set()  # reloads started by SIGHUP, referenced till done

    def reload(self, reason: str = "requested") -> bool:
        """Validate the files now; swap the catalog in force only if there is no error. True if swapped."""
        with self._lock:
            signature = files_signature(self.directory)
            result = validate_catalog(self.directory, self.default_language, self.warn_segments,
                                      self.page_segments)
            self.loaded = self._seen = signature  # this state was judged: do not retry it until it changes
            if result.catalog is not None:
                self.holder.current = result.catalog  # one attribute store: readers see old or new
                self.holder.problem = None
                if self.keep_in is not None:
                    keep_copy(self.directory, self.keep_in)
        if result.catalog is None:
            log.error(
                "message catalog NOT reloaded (%s): %d error(s); still serving the last good messages:\n%s",
                reason, len(result.errors), "\n".join(result.report),
            )
            return False
        log.info("message catalog reloaded (%s): %s, %d warning(s)", reason,
                 ", ".join(result.catalog.languages), len(result.warnings))
        for warning in result.warnings:
            log.info("%s", warning)
        return True

    def reload_soon(self, reason: str) -> asyncio.Task[bool]:
        """Start `reload` in a worker thread, for callers on the event loop (the SIGHUP handler): validating
        takes ~0.1 s and may wait for the watcher's check in progress, and webhooks must not wait meanwhile."""
        task = asyncio.get_running_loop().create_task(asyncio.to_thread(self.reload, reason))
        self._background.add(task)
        task.add_done_callback(self._reload_done)
        return task

    def _reload_done(self, task: asyncio.Task[bool]) -> None:
        self._background.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("reloading the message catalog failed", exc_info=error)

    def poll(self) -> bool | None:
        """One look at the files: reload when they changed and have stayed unchanged since the last look
        (an editor half-way through saving is not judged). None when nothing was reloaded."""
        signature = files_signature(self.directory)
        if signature == self.loaded:
            self._seen = signature
            return None
        if signature != self._seen:
            self._seen = signature  # still changing, or just changed: look again next time
            return None
        return self.reload("files changed")

    async def watch(self, interval: float = 1.0) -> None:
        """Poll every `interval` seconds until cancelled; never dies on an error. Validation (~0.1 s) runs
        in a worker thread so webhooks are not held up while an edit is checked."""
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.poll)
            except Exception:
                log.exception("checking %s for edits failed", self.directory)


RELOADER = web.AppKey("reloader", CatalogReloader)

RELOAD_SIGNAL = getattr(signal, "SIGHUP", None)  # absent on Windows


def install_sighup(loop: asyncio.AbstractEventLoop, reloader: CatalogReloader) -> bool:
    """`kill -HUP <pid>` reloads the messages. False where the platform has no SIGHUP."""
    if RELOAD_SIGNAL is None:
        return False
    try:
        loop.add_signal_handler(RELOAD_SIGNAL, reloader.reload_soon, "SIGHUP")
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signal support
        return False
    return True


def remove_sighup(loop: asyncio.AbstractEventLoop) -> None:
    if RELOAD_SIGNAL is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(RELOAD_SIGNAL)
