"""The README and docs/ say what is true today: the code layout names every module a newcomer meets, every
command shown runs as written from the project root, and the performance figures name the commit they
were measured at."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
from pathlib import Path

import pytest

from run import arguments

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PERFORMANCE = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
DOCS = {path.name: path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]}
# A command written to be typed (a bare `python` is whatever the shell finds, not the project's .venv).
BARE_PYTHON = re.compile(r"(?<![/\w.])python3? run\.py")
MEASURED_AT = re.compile(r"measured at `?([0-9a-f]{7,40})`?", re.IGNORECASE)


def section(text: str, title: str) -> str:
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def test_the_code_layout_names_every_module_and_every_flow() -> None:
    layout = section(README, "How the code is laid out")
    [flows] = [line for line in layout.splitlines() if line.startswith("| `bot/flows/` |")]
    missing = [f"bot/{path.name}" for path in sorted((ROOT / "bot").glob("*.py"))
               if path.name != "__init__.py" and f"`bot/{path.name}`" not in layout]
    missing += [f"bot/flows/{path.name}" for path in sorted((ROOT / "bot" / "flows").glob("*.py"))
                if path.name != "__init__.py" and f"`{path.name}`" not in flows]
    assert missing == []


@pytest.mark.parametrize("name", sorted(DOCS))
def test_every_run_py_command_shown_runs_from_the_project_root(name: str) -> None:
    text = DOCS[name]
    assert BARE_PYTHON.findall(text) == []
    parser = arguments()
    unknown = []
    for command in sorted(set(re.findall(r"\.venv/bin/python run\.py (\w+)", text))):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                parser.parse_known_args([command, "--help"])
            except SystemExit as exit:  # --help ends with 0; a command run.py does not know with 2
                if exit.code != 0:
                    unknown.append(command)
    assert unknown == []


def test_every_make_target_shown_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, re.MULTILINE))
    shown = set(re.findall(r"`make ([a-z]+)", README))
    assert shown - targets == set()


@pytest.mark.parametrize("figures", [section(README, "Performance"), section(PERFORMANCE, "Now")])
def test_the_performance_figures_name_the_commit_they_were_measured_at(figures: str) -> None:
    commits = MEASURED_AT.findall(figures)
    assert commits
    if not (ROOT / ".git").exists():
        return  # an exported tree: the hash is there, git is not
    for commit in commits:
        known = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True)
        assert known.returncode == 0, f"{commit} is not a commit of this repository"
