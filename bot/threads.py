"""`python run.py thread <ref>`: what guest and host of a stay wrote each other through Airtng (read-only).

For an operator settling a disagreement: every relayed message of the stay, oldest first, who wrote it,
when, any picture, and what became of it (the outbox's status and Twilio's delivery report). No phone
number is printed: the direction says who wrote.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.clock import clock_from_environment
from bot.config import Config
from bot.storage import read_only_store

WHO = {"guest_to_host": "guest -> host", "host_to_guest": "host -> guest"}


def thread_report(config: Config, ref: str, out: TextIO = sys.stdout) -> int:
    with read_only_store(config.storage_url, clock_from_environment()) as store:
        if store is None:
            print(f"No database at {config.resolve_path(config.database)}.", file=out)
            return 1
        stay = store.reservation_by_ref(ref)
        messages = store.relay_thread(ref) if stay else []
    if stay is None:
        print(f"No stay {ref.upper()}.", file=out)
        return 1
    print(f"Stay {stay.ref}: #{stay.listing_id}, {stay.check_in} to {stay.check_out}, {stay.status};"
          f" {len(messages)} message(s)", file=out)
    for m in messages:
        delivery = m["delivery_status"] or m["status"]
        problem = f" ({m['last_error']})" if m["last_error"] else ""
        picture = f" [picture {m['media_url']}]" if m["media_url"] else ""
        print(f"  {m['created_at']} {WHO.get(m['direction'], m['direction'])} [{delivery}{problem}]:"
              f" {m['body']}{picture}", file=out)
    return 0
