"""Airtng: SMS-first vacation-rental booking."""
