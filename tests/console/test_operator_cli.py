"""`python run.py operator add NAME | list | remove NAME`."""

from __future__ import annotations

import asyncio
import io

import pytest

from bot.config import Config
from bot.console.operators import operator_command
from tests.conftest import Sms
from tests.console.support import Console, add_operator


def _run(config: Config, *args: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    action, name = args[0], args[1] if len(args) > 1 else None
    code = operator_command(config, action, name, stdin=io.StringIO(stdin), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_add_list_and_remove_an_operator(config: Config) -> None:
    code, out, _ = _run(config, "add", "ana", stdin="twelve chars ok\n")
    assert code == 0 and "operator ana added; sign in at https://airtng.example.com/admin/" in out
    code, out, _ = _run(config, "list")
    assert code == 0 and out.startswith("ana  added ")
    code, _, err = _run(config, "add", "ana", stdin="another password\n")
    assert code == 1 and "already an operator named ana" in err
    code, out, _ = _run(config, "remove", "ana")
    assert code == 0 and "removed" in out
    assert "no operators yet" in _run(config, "list")[1]
    assert _run(config, "remove", "ana")[0] == 1


@pytest.mark.parametrize(("name", "password", "problem"), [
    ("ana", "short pass\n", "at least 12 characters"),
    ("ana smith", "long enough password\n", "a name is 1-40 letters"),
    ("<b>", "long enough password\n", "a name is 1-40 letters"),
])
def test_bad_names_and_short_passwords_are_refused(config: Config, name: str, password: str,
                                                     problem: str) -> None:
    code, _, err = _run(config, "add", name, stdin=password)
    assert code == 2 and problem in err
    assert "no operators yet" in _run(config, "list")[1]


def test_a_name_is_needed(config: Config) -> None:
    assert _run(config, "add")[0] == 2


def test_the_run_py_command_reads_the_password_from_stdin(database_url: str, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    import run

    # The database as an operator names it: DATABASE (a SQLite file) or DATABASE_URL (PostgreSQL).
    monkeypatch.setenv("DATABASE_URL" if database_url.startswith("postgresql") else "DATABASE", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert run.main(["operator", "add", "ana"]) == 0
    assert run.main(["operator", "list"]) == 0
    assert "ana  added" in capsys.readouterr().out


async def test_an_operator_added_by_the_command_signs_in_and_removing_them_ends_the_session(
        sms: Sms, config: Config) -> None:
    await add_operator(sms, "ana")  # someone stays, so the console does not fall back to its set-up page
    # The command runs its own event loop, as from a terminal: here in a thread beside the app's.
    assert (await asyncio.to_thread(_run, config, "add", "bea", stdin="bea's long password\n"))[0] == 0
    console = await Console(sms).login("bea", "bea's long password")
    assert (await console.get("/admin/")).status == 200
    assert (await asyncio.to_thread(_run, config, "remove", "bea"))[0] == 0
    # The command's own connection changed the file; the app's sees the change at its next unit of work.
    assert (await console.get("/admin/")).status == 303
