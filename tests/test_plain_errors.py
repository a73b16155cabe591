"""Catalog errors an operator reads in plain words (the console's editor shows the same lines as check)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_check import check, line_of, replace


@pytest.mark.parametrize(("broken", "said"), [
    ("OK, {{ back to the start.", "`{{` is not closed (a `}}` is missing)"),
    ("OK, {% if x back to the start.", "`{%` is not closed (a `%}` is missing)"),
])
def test_an_unclosed_tag_is_named_with_its_line(messages: Path, broken: str, said: str) -> None:
    en = messages / "en.yaml"
    replace(en, "OK, back to the start.", broken)
    status, out = check(messages)
    assert status == 1
    assert f"ERROR messages/en.yaml:{line_of(en, 'menu:') + 1}: menu: template syntax: {said}" in out
    assert "end of print statement" not in out
