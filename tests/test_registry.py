"""The registry is the truth about message keys: every key the code sends is registered (with the variables
it passes), every registered key is sent by some code, and docs/messages.md is generated from it."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.config import ROOT
from bot.models import (
    CANCELLED_BY,
    DECLINE_REASONS,
    JOB_KINDS,
    RESERVATION_STATUSES,
    job_kind,
    reservation_status,
)
from bot.registry import DOC_PATH, REGISTRY, messages_doc

BOT = ROOT / "bot"
SENDERS = {"say": 0, "render": 0, "tell": 1, "say_page": 0, "render_on": 1}  # method -> the key's position


@dataclass(frozen=True)
class Use:
    key: str
    where: str
    passed: frozenset[str] | None  # keyword variables at the call; None when unknown (**spread)


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(BOT.rglob("*.py"))]


def _reasons(modules: list[tuple[Path, ast.Module]], param: str) -> set[str]:
    """The string literals passed as `param` to any function that takes it (e.g. decline's `reason`)."""
    positions: dict[str, int] = {}
    for _, tree in modules:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = [a.arg for a in node.args.args]
                if param in names:
                    positions[node.name] = names.index(param)
    found: set[str] = set()
    for _, tree in modules:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name not in positions:
                continue
            values = [kw.value for kw in node.keywords if kw.arg == param]
            if len(node.args) > positions[name]:
                values.append(node.args[positions[name]])
            found |= {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return found


def _keys(node: ast.expr, modules: list[tuple[Path, ast.Module]]) -> set[str] | None:
    """The keys an expression can name, or None when it cannot be resolved statically."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        a, b = _keys(node.body, modules), _keys(node.orelse, modules)
        return a | b if a is not None and b is not None else None
    if isinstance(node, ast.JoinedStr):  # f"guest_declined_{reason}"
        parts = node.values
        if (len(parts) == 2 and isinstance(parts[0], ast.Constant) and isinstance(parts[1], ast.FormattedValue)
                and isinstance(parts[1].value, ast.Name)):
            return {f"{parts[0].value!s}{reason}" for reason in _reasons(modules, parts[1].value.id)}
    return None


def _uses() -> tuple[list[Use], list[str]]:
    modules = _modules()
    uses: list[Use] = []
    unresolved: list[str] = []
    for path, tree in modules:
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method = node.func.attr
                if method in SENDERS and len(node.args) > SENDERS[method]:
                    arg = node.args[SENDERS[method]]
                    keys = _keys(arg, modules)
                    spread = any(kw.arg is None for kw in node.keywords)
                    passed = None if spread else frozenset(kw.arg for kw in node.keywords
                                                           if kw.arg and kw.arg != "media_url")
                    if method == "say_page" and passed is not None:
                        # say_page(key, items_name, items, more=...): the list's name is a literal, and the
                        # page always gets `more`.
                        passed = None if not isinstance(node.args[1], ast.Constant) else \
                            passed | {str(node.args[1].value), "more"}
                    if keys is not None:
                        uses += [Use(key, where, passed) for key in keys]
                    elif not (isinstance(arg, ast.Name) and arg.id == "key") and not (
                        isinstance(arg, ast.Attribute) and arg.attr in ("key", "help_key")
                    ):
                        unresolved.append(f"{where}: {ast.unparse(arg)}")
                if method == "step" and len(node.args) >= 2:  # router.step(name, help_key)
                    uses += [Use(key, where, None) for key in _keys(node.args[1], modules) or ()]
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("DateError", "PriceError")
                    and node.args):
                uses += [Use(key, where, None) for key in _keys(node.args[0], modules) or ()]
            if isinstance(node, ast.ClassDef):  # DomainError subclasses: key = "..."
                for item in node.body:
                    if (isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "key" for t in item.targets)
                            and isinstance(item.value, ast.Constant)):
                        uses.append(Use(str(item.value.value), f"{rel}:{item.lineno}", None))
    return uses, unresolved


def test_every_key_the_code_sends_is_registered_and_every_registered_key_is_sent() -> None:
    uses, unresolved = _uses()
    assert unresolved == [], "message keys this test cannot read; name them with string literals"
    used = {use.key for use in uses}
    assert {"guest_declined_host", "guest_declined_opted_out", "help_dates", "listing_not_found",
            "dates_too_long", "error_generic"} <= used  # each way of naming a key is understood
    missing = sorted(f"{use.where}: {use.key}" for use in uses if use.key not in REGISTRY)
    assert missing == [], "sent by the code but not in bot/registry.py"
    assert sorted(set(REGISTRY) - used) == [], "registered but never sent"


def test_every_call_passes_the_variables_the_registry_promises() -> None:
    uses, _ = _uses()
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
