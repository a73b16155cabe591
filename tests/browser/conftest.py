"""Browser tests: the console in Debian's Chromium, driven by the `playwright` package.

Without /usr/bin/chromium (or the file $CHROMIUM names) these tests are skipped, and the run says so in one
line; with CI=true a missing browser fails them instead (CI installs it, see .ci/run).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from tests.conftest import AiohttpClient, Sms
from tests.console.support import PASSWORD, add_operator
from tests.support.fake_twilio import FakeTwilio

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MISSING = None if CHROMIUM.exists() else (
    f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install -y chromium; CI=true fails instead)")
# Playwright waits this long (ms) for what a test expects to appear: the pages refresh every 1-2 s.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if MISSING is None or os.environ.get("CI", "").lower() == "true":
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.skip(reason=MISSING))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MISSING is not None and os.environ.get("CI", "").lower() != "true":
        terminalreporter.write_line(MISSING)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if MISSING is not None:
        pytest.fail(MISSING.replace("skipped", "cannot run"))
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def site(aiohttp_client: AiohttpClient, config: Config, clock: FakeClock, messages: Path,
               fake_twilio: tuple[FakeTwilio, str]) -> Sms:
    """The app on a real port with the dev phone on, its own copy of the messages (a test may edit them) and
    an operator ana. PUBLIC_URL stays https (signed texts still work), so the cookie is Secure: Chromium
    keeps Secure cookies for http://127.0.0.1, a potentially trustworthy origin."""
    served = config.with_(console_dev_phone="on", messages_dir=str(messages))
    app = create_app(served, clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    await add_operator(sms, "ana")
    return sms


def url(sms: Sms, path: str) -> str:
    return str(sms.client.make_url(path))


@pytest.fixture
async def page(browser: Browser, site: Sms) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened = await context.new_page()
    yield opened
    await context.close()


class Shots:
    """Screenshots of each page, under the test's temporary directory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[Path] = []

    async def take(self, page: Page, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(tmp_path: Path) -> Shots:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return Shots(folder)


# Every page a person looks at is tried at both: a laptop and a 390 px phone.
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(SIZES))
async def sized(request: pytest.FixtureRequest, browser: Browser, site: Sms) -> AsyncIterator[tuple[Page, str]]:
    context = await browser.new_context(viewport=SIZES[request.param])  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    yield await context.new_page(), request.param
    await context.close()


async def sign_in(page: Page, password: str = PASSWORD) -> None:
    await page.get_by_label("Name").fill("ana")
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def page_fits(page: Page, size: str) -> None:
    """Nothing makes the page itself scroll sideways at this width (a wide table scrolls inside itself)."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
