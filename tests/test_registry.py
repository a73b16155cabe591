"""The registry is the truth about message keys: every key the code sends is registered (with the variables
it passes), every registered key is sent by some code, and docs/messages.md is generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.message_uses import find_uses
from bot.models import (
    CANCELLED_BY,
    DECLINE_REASONS,
    JOB_KINDS,
    RESERVATION_STATUSES,
    job_kind,
    reservation_status,
)
from bot.registry import DOC_PATH, REGISTRY, messages_doc


def test_every_key_the_code_sends_is_registered_and_every_registered_key_is_sent() -> None:
    uses, unresolved = find_uses()
    assert unresolved == [], "message keys this test cannot read; name them with string literals"
    used = {use.key for use in uses}
    assert {"guest_declined_host", "guest_declined_opted_out", "help_dates", "listing_not_found",
            "dates_too_long", "error_generic"} <= used  # each way of naming a key is understood
    missing = sorted(f"{use.where}: {use.key}" for use in uses if use.key not in REGISTRY)
    assert missing == [], "sent by the code but not in bot/registry.py"
    assert sorted(set(REGISTRY) - used) == [], "registered but never sent"


def test_every_call_passes_the_variables_the_registry_promises() -> None:
    uses, _ = find_uses()
    wrong = [f"{use.where}: {use.key} gets {sorted(use.passed)}, registry says {sorted(REGISTRY[use.key].variables)}"
             for use in uses if use.passed is not None and use.key in REGISTRY
             and set(use.passed) != set(REGISTRY[use.key].variables)]
    assert wrong == []


def test_the_committed_operator_doc_is_generated_from_the_registry() -> None:
    committed = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
    assert committed == messages_doc(), "docs/messages.md is stale: run `.venv/bin/python run.py messages --docs`"
    for key, spec in REGISTRY.items():
        everyday = " **Everyday: must fit one SMS.**" if spec.one_sms else ""
        assert f"| `{key}` | {spec.when.replace('|', chr(92) + '|')}{everyday} |" in committed
    assert committed.count("Everyday: must fit one SMS.") == sum(spec.one_sms for spec in REGISTRY.values())


def test_messages_docs_command_writes_the_doc(tmp_path: Path) -> None:
    from bot.registry import write_docs

    target = write_docs(tmp_path / "docs" / "messages.md")
    assert target.read_text(encoding="utf-8") == messages_doc()
    assert "`check_in`: date, e.g. 2026-12-20" in messages_doc()


# The message keys built from the Literal words of bot/models.py (`f"guest_declined_{reason}"`), as the code
# builds them: every member of each Literal must name a registered key with a text in every language.
def _keys_from_literals() -> dict[str, str]:
    keys = {f"guest_declined_{reason}": f"DeclineReason {reason!r}" for reason in DECLINE_REASONS}
    # outcomes.cancel_stay: the guest cancelling tells the host; the host or unlisting tells the guest.
    for by in CANCELLED_BY:
        keys["host_guest_cancelled" if by == "guest" else f"guest_stay_cancelled_{by}"] = f"CancelledBy {by!r}"
    return keys


def test_every_key_built_from_a_literal_is_registered_in_every_language() -> None:
    keys = _keys_from_literals()
    assert sorted(set(keys) - set(REGISTRY)) == [], "built from a Literal but not in bot/registry.py"
    for path in sorted((ROOT / "messages").glob("*.yaml")):
        texts = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert sorted(key for key in keys if key not in texts) == [], f"no text in {path.name}"
    assert {"en.yaml", "ja.yaml"} <= {path.name for path in (ROOT / "messages").glob("*.yaml")}


def test_the_reservation_statuses_are_those_the_database_allows() -> None:
    # Two tables check a status (reservations, outbox): the reservations' is the one with 'confirmed'.
    paths = sorted((ROOT / "db").glob("*/001_initial.sql"))
    assert len(paths) == 2
    for path in paths:
        checks = [tuple(re.findall(r"'(\w+)'", values))
                  for values in re.findall(r"CHECK \(status IN \(([^)]*)\)\)", path.read_text(encoding="utf-8"))]
        assert [check for check in checks if "confirmed" in check] == [RESERVATION_STATUSES], path


def test_a_status_or_job_kind_no_code_knows_fails_loudly() -> None:
    assert [reservation_status(status) for status in RESERVATION_STATUSES] == list(RESERVATION_STATUSES)
    assert [job_kind(kind) for kind in JOB_KINDS] == list(JOB_KINDS)
    with pytest.raises(ValueError, match="reservation status 'accepted'"):
        reservation_status("accepted")
    with pytest.raises(ValueError, match="job kind 'remind_later'"):
        job_kind("remind_later")


def test_every_message_is_grouped_by_a_module_that_sends_it() -> None:
    from bot.message_uses import BOT, sending_modules
    from bot.registry import ELSEWHERE, MESSAGE_GROUPS, message_groups

    named = [module for _, modules in MESSAGE_GROUPS for module in modules]
    assert [module for module in named if not (BOT / module).is_file()] == [], "MESSAGE_GROUPS names no such module"
    groups = message_groups()
    assert ELSEWHERE not in groups, f"sent from a module no group names: {groups.get(ELSEWHERE)}"
    assert sorted(key for keys in groups.values() for key in keys) == sorted(REGISTRY)
    for title, keys in groups.items():
        modules = dict(MESSAGE_GROUPS)[title]
        assert all(set(sending_modules()[key]) & set(modules) for key in keys), title
    assert "listing_view" in groups["Guests looking: BROWSE, SEARCH, MORE, VIEW, FREE"]
