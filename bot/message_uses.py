"""Where the code sends each message key, read from the source (never imported): the calls that name a key
(`say`, `render`, `tell`, ...), a router step's help key, a date or price error, a domain error's `key`.

tests/test_registry.py holds the registry to it (every key sent is registered, with the variables the call
passes); bot/registry.py groups the keys by the module that sends them, for docs/messages.md and the console's
Messages page.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BOT = Path(__file__).resolve().parent
SENDERS = {"say": 0, "render": 0, "tell": 1, "say_page": 0, "render_on": 1}  # method -> the key's position


@dataclass(frozen=True)
class Use:
    key: str
    where: str  # path (from the project's folder):line
    passed: frozenset[str] | None  # keyword variables at the call; None when unknown (**spread)

    @property
    def module(self) -> str:
        """The sending module's path inside bot/: `flows/booking.py`."""
        return self.where.split(":")[0].removeprefix("bot/")


Module = tuple[Path, ast.Module]


def _modules(package: Path) -> list[Module]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(package.rglob("*.py"))]


def _reasons(modules: list[Module], param: str) -> set[str]:
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


def _keys(node: ast.expr, modules: list[Module]) -> set[str] | None:
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


def _passed(node: ast.Call, method: str) -> frozenset[str] | None:
    spread = any(kw.arg is None for kw in node.keywords)
    passed = None if spread else frozenset(kw.arg for kw in node.keywords if kw.arg and kw.arg != "media_url")
    if method == "say_page" and passed is not None:
        # say_page(key, items_name, items, more=...): the list's name is a literal, and the page always
        # gets `more`.
        passed = None if not isinstance(node.args[1], ast.Constant) else passed | {str(node.args[1].value), "more"}
    return passed


def _named_by_variable(arg: ast.expr) -> bool:
    """A key passed on by a helper (`key`, `step.help_key`): its callers name it."""
    return (isinstance(arg, ast.Name) and arg.id == "key") or (
        isinstance(arg, ast.Attribute) and arg.attr in ("key", "help_key"))


def _sender_uses(node: ast.Call, where: str, modules: list[Module]) -> tuple[list[Use], list[str]]:
    """The keys a `say`/`render`/... call names (or the call, when it cannot be read), and a router step's."""
    uses: list[Use] = []
    unresolved: list[str] = []
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if method in SENDERS and len(node.args) > SENDERS[method]:
        arg = node.args[SENDERS[method]]
        keys = _keys(arg, modules)
        if keys is not None:
            passed = _passed(node, method)
            uses += [Use(key, where, passed) for key in keys]
        elif not _named_by_variable(arg):
            unresolved.append(f"{where}: {ast.unparse(arg)}")
    if method == "step" and len(node.args) >= 2:  # router.step(name, help_key)
        uses += [Use(key, where, None) for key in _keys(node.args[1], modules) or ()]
    if getattr(node.func, "id", None) in ("DateError", "PriceError") and node.args:
        uses += [Use(key, where, None) for key in _keys(node.args[0], modules) or ()]
    return uses, unresolved


def _class_keys(node: ast.ClassDef, rel: Path) -> list[Use]:
    """DomainError subclasses: `key = "..."`."""
    return [Use(str(item.value.value), f"{rel}:{item.lineno}", None) for item in node.body
            if isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "key" for t in item.targets)
            and isinstance(item.value, ast.Constant)]


def find_uses(package: Path = BOT) -> tuple[list[Use], list[str]]:
    """Every key the code under `package` names, where, with what; and the calls whose key cannot be read."""
    modules = _modules(package)
    uses: list[Use] = []
    unresolved: list[str] = []
    for path, tree in modules:
        rel = path.relative_to(package.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                found, unread = _sender_uses(node, f"{rel}:{node.lineno}", modules)
                uses += found
                unresolved += unread
            elif isinstance(node, ast.ClassDef):
                uses += _class_keys(node, rel)
    return uses, unresolved


@cache
def sending_modules() -> dict[str, tuple[str, ...]]:
    """Each key the code sends: the modules (paths inside bot/) that send it, in path order. Read once."""
    modules: dict[str, set[str]] = {}
    for use in find_uses()[0]:
        modules.setdefault(use.key, set()).add(use.module)
    return {key: tuple(sorted(found)) for key, found in modules.items()}
