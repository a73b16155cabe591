"""A template an operator writes cannot stop the server: what it may compute is bounded (huge numbers,
repetition, loop steps, output), and previews run in a thread of their own with a time limit."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from jinja2.exceptions import SecurityError

from bot.catalog import make_environment
from bot.config import Config
from bot.console import editing
from tests.conftest import Sms
from tests.console.support import signed_in

COSTLY = {
    "{{ (9 ** 4000000) % 7 }}": "that power is more than a message needs",
    "{{ 'x' * 400000000 }}": "that repetition is more than a message needs",
    "{% for a in range(99999) %}{% for b in range(99999) %}{% for c in range(99999) %}{% endfor %}{% endfor %}"
    "{% endfor %}Hi": "that range is more than a message needs",
    "{% for a in range(999) %}{% for b in range(999) %}{% endfor %}{% endfor %}Hi":
        "a loop that long is more than a message needs",
    "{% set ns = namespace(x='x') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}Hi":
        "that text is more than a message needs",
    "{{ 'x'|center(400000000) }}": "that width is more than a message needs",
    "{{ '%999999999d'|format(1) }}": "a %-format that wide is more than a message needs",
    "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}":
        "a loop that long is more than a message needs",
    "{% for a in range(999) %}{{ 'x' * 9999 }}{% endfor %}": "a text that long is more than a message needs",
}


@pytest.mark.parametrize("template", list(COSTLY))
def test_a_template_cannot_compute_more_than_a_message_needs(template: str) -> None:
    started = time.monotonic()
    with pytest.raises(SecurityError, match=COSTLY[template]):
        make_environment().from_string(template).render()
    assert time.monotonic() - started < 2


def test_ordinary_templates_still_compute() -> None:
    env = make_environment()
    assert env.from_string("{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ 'x' ~ 'y' }}{% for i in range(3) %}{{ i }}{% endfor %}"
                           ).render() == "1024 ababab xy012"


@pytest.mark.parametrize("template", ["{{ (9 ** 4000000) % 7 }}", "{{ 'x' * 400000000 }}",
                                      "{% for a in range(999) %}{% for b in range(999) %}{% endfor %}{% endfor %}Hi"])
async def test_a_costly_preview_is_refused_saves_nothing_and_texts_are_answered_meanwhile(
        sms_edit: Sms, messages: Path, template: str) -> None:
    console = await signed_in(sms_edit)
    before = (messages / "en.yaml").read_text(encoding="utf-8")
    preview = asyncio.create_task(console.post("/admin/messages/edit", {
        "lang": "en", "key": "help", "alt": "0", "text": template, "action": "save"}))
    assert "BROWSE" in await sms_edit.text("+15557770001", "HELP")  # the server answers texts meanwhile
    response = await preview
    page = await response.text()
    assert response.status == 422 and "Not saved" in page and COSTLY[template] in page
    assert (messages / "en.yaml").read_text(encoding="utf-8") == before
    assert 'data-action="template_save"' not in await console.page("/admin/audit")


def test_a_preview_past_its_time_limit_is_stopped_and_saves_nothing(edited: Config, messages: Path) -> None:
    before = (messages / "en.yaml").read_text(encoding="utf-8")
    with pytest.raises(editing.PreviewTooCostly, match="took longer than"):
        editing.edit_apart(messages, "en", "help", 0, "Text HELP again.", save=True,
                           default_language=edited.default_language, seconds=0.0)
    assert (messages / "en.yaml").read_text(encoding="utf-8") == before


def test_a_preview_apart_gives_what_edit_gives(edited: Config, messages: Path) -> None:
    result = editing.edit_apart(messages, "en", "help", 0, "Text MENU to start over.", save=False,
                                default_language=edited.default_language)
    assert not result.errors and result.rendered[0].text == "Text MENU to start over."
