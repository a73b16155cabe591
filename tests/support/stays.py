"""Stay dates for tests that talk to a server in another process: always relative to that server's today,
never a calendar day (a fixed "Dec 1-2" is refused as past for two months of every year).

The server's clock is the real one moved by the test-only offset (bot/clock.py `clock_from_environment`),
and its today is counted in its `booking.timezone`; `server_today` reads both from the environment the
server is started with, so the two agree whatever the date, and whatever offset `make test` moves it by.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.clock import clock_from_environment
from bot.config import load_config
from bot.dates import needs_year

# Month names as a guest types them (strftime's %b would follow the machine's locale).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def server_today(env: Mapping[str, str]) -> date:
    """The day it is for a server started with `env`: its clock, in its booking timezone."""
    timezone = ZoneInfo(load_config(env=env).timezone)
    return clock_from_environment(env).now().astimezone(timezone).date()


def typed_stay(today: date, days_ahead: int, nights: int) -> str:
    """What a guest types for the stay `days_ahead` days after `today`, `nights` long: "Dec 28-30",
    "Dec 30 - Jan 2", or, for a stay in another year, "Jan 2-4, 2027" (the year once, at the end, as the
    bot writes it). `days_ahead` should be 1 or more: the server's day may turn while the test runs."""
    check_in = today + timedelta(days=days_ahead)
    check_out = check_in + timedelta(days=nights)
    if (check_in.year, check_in.month) == (check_out.year, check_out.month):
        text = f"{MONTHS[check_in.month - 1]} {check_in.day}-{check_out.day}"
    else:
        text = f"{MONTHS[check_in.month - 1]} {check_in.day} - {MONTHS[check_out.month - 1]} {check_out.day}"
    return f"{text}, {check_out.year}" if needs_year(check_in, today) else text
