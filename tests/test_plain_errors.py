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


@pytest.mark.parametrize(("broken", "said"), [
    ('menu: "OK, back to the start.', "a quote opened on this line is not closed"),
    ("menu: 'OK, back to the start.", "a quote opened on this line is not closed"),
    ("menu: [OK, back to the start.", "a `[` or `{` opened on this line is not closed"),
    ("menu: {{ name }}, back to the start.", "more text after a quoted or bracketed start"),
])
def test_a_yaml_error_names_the_line_to_fix_not_where_the_parser_gave_up(messages: Path, broken: str,
                                                                        said: str) -> None:
    en = messages / "en.yaml"
    replace(en, "menu: >-", broken)
    line = line_of(en, broken)
    status, out = check(messages)
    assert status == 1
    assert f"ERROR messages/en.yaml:{line}: YAML: {said}" in out, out


def test_a_text_line_left_unindented_is_named(messages: Path) -> None:
    en = messages / "en.yaml"
    replace(en, "  OK, back to the start.", "OK, back to the start.")
    status, out = check(messages)
    assert status == 1
    assert f"en.yaml:{line_of(en, 'menu:') + 1}: YAML: this line is neither `key: text` nor indented" in out, out


def test_an_unclosed_tag_on_a_later_line_of_a_text_names_that_line(messages: Path) -> None:
    en = messages / "en.yaml"
    replace(en, "  Text HELP for what you can do.", "  Text {{ HELP for what you can do.")
    _, out = check(messages)
    assert f"en.yaml:{line_of(en, 'Text {{ HELP')}: unknown: template syntax: `{{{{` is not closed" in out, out


def test_a_variable_the_message_does_not_have_is_named_with_those_it_has(messages: Path) -> None:
    en = messages / "en.yaml"
    replace(en, "  Text HELP for what you can do.", "  Text HELP, {{ name }}.")
    status, out = check(messages)
    assert status == 1
    assert (f"en.yaml:{line_of(en, '{{ name }}')}: unknown: `name` is not a variable of this message;"
            " it can use: suggestion (docs/messages.md)") in out, out
