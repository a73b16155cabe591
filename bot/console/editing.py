"""Editing one message in the console: validate the change exactly as `run.py check` would, show the text
rendered with the samples, and save it to its YAML file atomically, keeping the file's comments and layout.

The file is edited with ruamel.yaml's round-trip mode (comments, key order, block styles and quoting kept;
an unchanged file dumps back byte for byte). The candidate is validated by `validate_catalog` on a copy of
the whole messages folder, so every rule applies (variables, lengths, the default language...), and the
problems are reported against the real file, as `check` reports them.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from bot.catalog import (
    Alternative,
    LocaleFile,
    OutOfTime,
    Problem,
    Rendered,
    Validation,
    read_locale,
    time_limit,
    validate_catalog,
)
from bot.registry import REGISTRY

FOLD_WIDTH = 100  # where a folded (`>-`) text is wrapped in the file
# A preview (or a save, which previews first) is stopped after this long. The templates' own bounds
# (bot.catalog: MAX_BITS, MAX_TEXT, MAX_LOOP_STEPS) keep any template well inside it.
PREVIEW_SECONDS = 30.0


@dataclass
class EditResult:
    problems: list[Problem] = field(default_factory=list)
    rendered: list[Rendered] = field(default_factory=list)
    saved: bool = False
    previous: str | None = None  # the template as the file held it before (None: the key was not in it)
    # The line of the edited text (1: its first, as the text box shows it) each problem of this text is on.
    lines: dict[Problem, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "ERROR"]


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap texts the operator did not touch
    return yaml


def current_text(directory: Path, language: str, key: str, alternative: int) -> str | None:
    """The template as the file holds it (alternative 1-based; 0 for a key with a single text)."""
    return _text_of(read_locale(directory / f"{language}.yaml")[0], key, alternative)


def _alternative(locale: LocaleFile, key: str, alternative: int) -> Alternative | None:
    alternatives = locale.texts.get(key)
    index = max(alternative, 1) - 1
    return alternatives[index] if alternatives and index < len(alternatives) else None


def _text_of(locale: LocaleFile, key: str, alternative: int) -> str | None:
    found = _alternative(locale, key, alternative)
    return found.source if found is not None else None


def _folded(text: str) -> object:
    """A `>-` text wrapped near FOLD_WIDTH at spaces (only single spaces between words can be folded)."""
    scalar = FoldedScalarString(text)
    positions, line_start = [], 0
    for index, char in enumerate(text):
        if char == "\n":
            line_start = index + 1
        elif (char == " " and index - line_start > FOLD_WIDTH and text[index - 1] != " "
              and index + 1 < len(text) and text[index + 1] not in " \n"):
            positions.append(index)
            line_start = index + 1
    scalar.fold_pos = positions
    return scalar


def _styled_like(old: object, text: str) -> object:
    """The new text in the style the old one had: `|` stays `|`, `>` stays `>` (folded again), quoted
    stays quoted; a text that gains a line break becomes a `|` block."""
    if isinstance(old, LiteralScalarString) or ("\n" in text and not isinstance(old, FoldedScalarString)):
        return LiteralScalarString(text)
    if isinstance(old, FoldedScalarString):
        return _folded(text) if "\n" not in text else LiteralScalarString(text)
    if isinstance(old, str) and type(old) is not str:
        return type(old)(text)  # a quoted scalar keeps its quotes
    return text


def edited_file(source: str, key: str, alternative: int, text: str) -> str:
    """The locale file's text with one template replaced (or the key added at the end)."""
    yaml = _yaml()
    data = yaml.load(source)
    current = data.get(key)
    if isinstance(current, list):
        index = max(alternative, 1) - 1
        if index >= len(current):
            raise ValueError(f"{key} has {len(current)} alternative(s)")
        current[index] = _styled_like(current[index], text)
    elif current is not None:
        data[key] = _styled_like(current, text)
    else:
        data[key] = _styled_like(FoldedScalarString(""), text)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _validate_with(directory: Path, path: Path, content: str, default_language: str, warn_segments: int,
                   page_segments: int) -> Validation:
    """Validate the folder as it would be with `path` holding `content`, reporting against the real files."""
    with tempfile.TemporaryDirectory(prefix="airtng-edit-") as scratch:
        copy = Path(scratch)
        for other in directory.glob("*.yaml"):
            shutil.copyfile(other, copy / other.name)
        (copy / path.name).write_text(content, encoding="utf-8")
        result = validate_catalog(copy, default_language, warn_segments, page_segments)
    result.problems = [replace(p, path=directory / p.path.name if p.path.parent == copy else directory)
                       for p in result.problems]
    result.rendered = [replace(r, path=directory / r.path.name) for r in result.rendered]
    return result


def _lines_in_text(problems: list[Problem], file_name: str, key: str, edited: Alternative,
                   blank_lines_dropped: int) -> dict[Problem, int]:
    """The line of the text box each problem of the edited text is on. `check` names a line of the file: in a
    `|` block (every text of more than one line is saved as one) the text's line n is the file's
    `edited.line + n - 1`; a text of one line is folded over several file lines but is one line in the box.
    `blank_lines_dropped`: empty lines typed before the text (not saved, but shown in the box)."""
    last_line = edited.line + max(len(edited.lines), 1) - 1
    lines = {}
    for problem in problems:
        ours = problem.path.name == file_name and (problem.key or "").split("[")[0] == key
        if not ours or problem.line is None or not edited.line <= problem.line <= last_line:
            continue
        line = problem.line - edited.line + 1 if edited.literal else 1
        lines[problem] = line + blank_lines_dropped
    return lines


def write_atomically(path: Path, content: str) -> None:
    """Readers (the reloader, another worker) see the old file or the new one, never half of it."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def edit(directory: Path, language: str, key: str, alternative: int, text: str, *, save: bool,
         default_language: str, warn_segments: int = 2, page_segments: int = 2) -> EditResult:
    """Validate one template change; with `save`, write it if the catalog has no error with it."""
    if key not in REGISTRY:
        raise KeyError(key)
    path = directory / f"{language}.yaml"
    source = path.read_text(encoding="utf-8")
    typed = text.replace("\r\n", "\n")
    content = edited_file(source, key, alternative, typed.strip())
    result = _validate_with(directory, path, content, default_language, warn_segments, page_segments)
    outcome = EditResult(
        problems=[p for p in result.problems if p.key is None or p.key.split("[")[0] == key or p.level == "ERROR"],
        rendered=[r for r in result.rendered if r.key == key and r.language == language],
        previous=_text_of(read_locale(path, source.encode("utf-8"))[0], key, alternative),
    )
    edited = next((_alternative(loc, key, alternative) for loc in result.locales if loc.language == language), None)
    if edited is not None:
        blank_lines_dropped = typed[:len(typed) - len(typed.lstrip())].count("\n")
        outcome.lines = _lines_in_text(outcome.problems, path.name, key, edited, blank_lines_dropped)
    if save and result.catalog is not None:
        write_atomically(path, content)
        outcome.saved = True
    return outcome



class PreviewTooCostly(Exception):
    """The preview took longer than it may (nothing was saved)."""


def edit_apart(directory: Path, language: str, key: str, alternative: int, text: str, *, save: bool,
               default_language: str, warn_segments: int = 2, page_segments: int = 2,
               seconds: float = PREVIEW_SECONDS) -> EditResult:
    """`edit`, stopped after `seconds` (call it off the event loop, in a thread of its own: it blocks).
    Every operation a template may make is bounded (bot.catalog), so the limit is checked often enough
    to hold. Raises PreviewTooCostly, having saved nothing."""
    try:
        with time_limit(seconds):
            return edit(directory, language, key, alternative, text, save=save, default_language=default_language,
                        warn_segments=warn_segments, page_segments=page_segments)
    except OutOfTime:
        raise PreviewTooCostly(f"the preview took longer than {seconds:g} s") from None
