"""The console uses the rest of the service through public names only: the Store's public methods (its SQL
runs through `Store.report_*`), and the webhook's own entry for a text (`webhook.text_in`)."""

from __future__ import annotations

import ast
from pathlib import Path

CONSOLE = Path(__file__).resolve().parents[2] / "bot" / "console"


def _private_uses(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name in ("store", "db", "webhook", "engine") or name.endswith("store"):
                found.append(f"{name}.{node.attr} (line {node.lineno})")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.") and \
                not (node.module or "").startswith("bot.console"):
            found += [f"from {node.module} import {a.name} (line {node.lineno})" for a in node.names
                      if a.name.startswith("_")]
    return found


def test_the_console_uses_no_private_member_of_the_store_or_the_webhook() -> None:
    problems = {path.name: uses for path in sorted(CONSOLE.glob("*.py"))
                if (uses := _private_uses(ast.parse(path.read_text(encoding="utf-8"))))}
    assert problems == {}
