"""Flows: one module each, joined by the engine in `bot.engine.ROUTERS`."""
