"""The message catalog: every word the bot says, from `messages/<lang>.yaml`, rendered with Jinja2.

Templates are compiled once by a sandboxed environment with StrictUndefined, so a template can never reach
into Python objects and a missing variable is an error at validation time, not `{{ name }}` in a guest's
phone. User-supplied values are only ever passed as variables, never compiled.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from bot.registry import REGISTRY


class CatalogError(Exception):
    """The catalog failed validation; `report` lists every problem with file and line."""

    def __init__(self, report: list[str]) -> None:
        super().__init__("\n".join(report))
        self.report = report


def make_environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    # Dates as a texter writes them: "Dec 20". Locales may format date parts themselves instead.
    env.filters["day"] = lambda d: f"{d:%b} {d.day}"
    return env


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of each top-level key (for `check` reports)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    lines = {loader.construct_object(k): k.start_mark.line + 1 for k, _ in node.value}
    mapping["__lines__"] = lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class LocaleFile:
    language: str
    path: Path
    texts: dict[str, list[str]] = field(default_factory=dict)  # key -> alternatives
    lines: dict[str, int] = field(default_factory=dict)


def read_locale(path: Path) -> tuple[LocaleFile, list[str]]:
    """Parse one locale file; returns it with the problems found (YAML errors, wrong value types)."""
    locale = LocaleFile(path.stem, path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        return locale, [f"ERROR {where}: YAML: {getattr(exc, 'problem', exc)}"]
    if not isinstance(raw, dict):
        return locale, [f"ERROR {path}:1: the file must be a mapping of message keys to templates"]
    lines: dict[str, int] = raw.pop("__lines__", {})
    problems: list[str] = []
    for key, value in raw.items():
        line = lines.get(key, 1)
        alternatives = value if isinstance(value, list) else [value]
        if isinstance(value, dict):
            value.pop("__lines__", None)
        if not alternatives or not all(isinstance(alt, str) for alt in alternatives):
            problems.append(f"ERROR {path}:{line}: {key}: must be a text or a list of texts")
            continue
        locale.texts[str(key)] = [alt.rstrip("\n") for alt in alternatives]
        locale.lines[str(key)] = line
    return locale, problems


class Catalog:
    """Compiled templates per language, falling back to the default language for a missing key."""

    def __init__(self, templates: Mapping[str, Mapping[str, list[Template]]], default_language: str) -> None:
        self._templates = templates
        self.default_language = default_language
        self._random = random.Random()

    @property
    def languages(self) -> list[str]:
        return sorted(self._templates)

    def render(self, key: str, language: str | None = None, **variables: Any) -> str:
        by_key = self._templates.get(language or self.default_language) or {}
        alternatives = by_key.get(key) or self._templates[self.default_language][key]
        template = alternatives[0] if len(alternatives) == 1 else self._random.choice(alternatives)
        return template.render(**variables).strip()


class CatalogHolder:
    """The catalog in force; hot reload swaps `current` only for a catalog that passed validation."""

    def __init__(self, catalog: Catalog) -> None:
        self.current = catalog

    def __call__(self) -> Catalog:
        return self.current


def compile_locales(locales: list[LocaleFile], default_language: str) -> tuple[Catalog | None, list[str]]:
    """Validate and compile; returns (catalog, report). The catalog is None when there are errors."""
    env = make_environment()
    report: list[str] = []
    compiled: dict[str, dict[str, list[Template]]] = {}
    if default_language not in {loc.language for loc in locales}:
        report.append(f"ERROR messages/{default_language}.yaml: the default language has no file")
    for locale in locales:
        compiled[locale.language] = {}
        for key, alternatives in locale.texts.items():
            where = f"{locale.path}:{locale.lines.get(key, 1)}"
            spec = REGISTRY.get(key)
            if spec is None:
                report.append(f"WARNING {where}: {key}: no code sends this key (unused)")
                continue
            templates: list[Template] = []
            for source in alternatives:
                try:
                    parsed = env.parse(source)
                except TemplateSyntaxError as exc:
                    report.append(f"ERROR {where}: {key}: template syntax: {exc.message}")
                    continue
                unknown = sorted(meta.find_undeclared_variables(parsed) - set(spec.variables))
                if unknown:
                    report.append(
                        f"ERROR {where}: {key}: uses {', '.join(unknown)}, but the code passes only "
                        f"{', '.join(sorted(spec.variables)) or 'nothing'}"
                    )
                    continue
                template = env.from_string(source)
                try:
                    template.render(**spec.variables)
                except Exception as exc:  # a template bug must be caught here, never in a conversation
                    report.append(f"ERROR {where}: {key}: fails with the sample values: {exc}")
                    continue
                templates.append(template)
            if templates and len(templates) == len(alternatives):
                compiled[locale.language][key] = templates
        for key in sorted(set(REGISTRY) - set(locale.texts)):
            level = "ERROR" if locale.language == default_language else "WARNING"
            fallback = "" if level == "ERROR" else f" (falls back to {default_language})"
            report.append(f"{level} {locale.path}: {key}: missing{fallback}")
    if any(line.startswith("ERROR") for line in report):
        return None, report
    return Catalog(compiled, default_language), report


def load_catalog(directory: Path, default_language: str) -> tuple[Catalog | None, list[str]]:
    """Read every `*.yaml` in `directory`, validate, compile."""
    locales: list[LocaleFile] = []
    report: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        locale, problems = read_locale(path)
        locales.append(locale)
        report.extend(problems)
    catalog, compile_report = compile_locales(locales, default_language)
    report.extend(compile_report)
    if any(line.startswith("ERROR") for line in report):
        return None, report
    return catalog, report


def load_catalog_or_raise(directory: Path, default_language: str) -> Catalog:
    catalog, report = load_catalog(directory, default_language)
    if catalog is None:
        raise CatalogError(report)
    return catalog
