"""What every storage backend offers, and what the `Store` runs its SQL through.

The `Store` writes one portable SQL text per query, with `?` positional placeholders; an `Executor` runs
it on its backend's connection (PostgreSQL's translates the placeholders). The few statements that truly
differ come from the backend's `Dialect`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.clock import Clock, to_db

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS_ROOT = Path(__file__).resolve().parent.parent.parent / "db"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class Row(Protocol):
    """A result row, read by column name (`sqlite3.Row` on SQLite, a dict on PostgreSQL)."""

    def __getitem__(self, key: str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


@dataclass(frozen=True)
class Dialect:
    """The statements that differ between backends; everything else in the Store is one SQL text."""

    name: str
    # Units may run at snapshot isolation (`Storage.run(..., snapshot=True)`), where two units conflict only
    # when both write one row: then a unit writes back every conversation it read, changed or not, so
    # that any two units about one person conflict and one runs again (Engine._settle). False where one
    # writer at a time makes every unit serial already.
    write_touched: bool
    # A data-modifying statement may sit in a WITH clause (PostgreSQL; not SQLite): a write whose result a
    # read needs can travel in the read's statement.
    writes_in_with: bool
    # Deletes up to `limit` (1st parameter) replies received before a time (2nd), oldest first.
    forget_replies: str
    # A case-insensitive "contains" test of a column against a LIKE pattern (one parameter); ASCII letters
    # fold on both backends and nothing else does, so a search finds the same listings on either.
    contains: str
    # The database's own clock as ISO-8601 UTC text, now and `{seconds}` ago: liveness is judged on one
    # clock, whichever machine's server wrote a heartbeat.
    clock_now: str
    clock_ago: str

    def contains_ci(self, column: str) -> str:
        return self.contains.format(column=column)


class Executor(Protocol):
    """Runs the Store's SQL inside the unit of work's transaction."""

    dialect: Dialect

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def changed(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute an UPDATE or DELETE; returns how many rows it changed."""
        ...


class Storage(Protocol):
    """A backend: runs units of work, migrates, owns its background tasks, closes."""

    url: str
    dialect: Dialect

    async def run(self, work: Callable[[Store], T], *, first: bool = False, key: str | None = None,
                  snapshot: bool = False) -> T:
        """Run one unit of work: all of it or none of it, durable when this returns. `work` may be run
        again from the start (PostgreSQL retries a unit that lost a conflict), so it changes nothing but
        the database. `first`: a small unit others wait on, run ahead of those queued where units queue.
        `key` (a phone): units with one key run one at a time across every server, each seeing all that
        the one before it committed. `snapshot`: the unit needs only snapshot isolation (it conflicts
        with another unit only where both write one row; see `Dialect.write_touched`) instead of full
        serialisability. Where one writer at a time runs every unit, both are so already."""
        ...

    async def migrate(self, root: Path = MIGRATIONS_ROOT) -> int:
        """Apply every migration newer than the recorded version (from `root`'s folder named for the
        backend: tests give migrations of their own); returns the version now in force."""
        ...

    async def ready(self) -> bool:
        """The database answers and its schema is the one this code expects (for /readyz)."""
        ...

    def background(self) -> list[Coroutine[Any, Any, None]]:
        """The backend's own background work, for the app to run while serving."""
        ...

    async def close(self) -> None: ...


def migration_files(backend: str, root: Path = MIGRATIONS_ROOT) -> list[tuple[int, Path]]:
    """A backend's numbered migrations in order; a gap or a duplicate number is a programming error."""
    directory = root / backend
    found = sorted(
        (int(m.group(1)), path)
        for path in directory.glob("*.sql")
        if (m := _MIGRATION_NAME.match(path.name))
    )
    numbers = [number for number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations in {directory} must be numbered 001, 002, ... without gaps: {numbers}")
    return found


# Store.schema_version reads the version with this too.
SCHEMA_VERSION = "SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations"


def apply_migrations(db: Executor, run_script: Callable[[str], None], root: Path, clock: Clock) -> int:
    """Every migration in `root` (in its folder named for the dialect) newer than the version recorded, in
    order, each run by `run_script` (the backend's way to run one file's SQL) and recorded with it. The same
    on every backend: the caller holds the backend's migration lock (servers starting at once take turns;
    the next finds the work done) and one transaction around the whole run, so a migration that fails
    leaves nothing of the run applied and nothing recorded. Returns the version now in force."""
    db.changed("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    row = db.one(SCHEMA_VERSION)
    current = int(row["version"]) if row else 0
    for number, path in migration_files(db.dialect.name, root):
        if number <= current:
            continue
        log.info("applying migration %s", path.name)
        run_script(path.read_text(encoding="utf-8"))
        db.changed("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                   (number, to_db(clock.now())))
        current = number
    return current

