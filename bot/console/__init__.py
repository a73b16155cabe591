"""The operators' web console, served under /admin by the same aiohttp app (see `views` and README "Console")."""

from bot.console.views import console_app, mount

__all__ = ["console_app", "mount"]
