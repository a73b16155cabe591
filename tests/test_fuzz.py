"""Random forms at /sms (hypothesis): never a 5xx, always well-formed TwiML, and the booking rules hold.

State accumulates across examples (one app per test run), so later examples meet listings, pending
requests, half-finished flows and opted-out numbers left by earlier ones.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Sms, list_place, twiml_messages
from tests.support.dbview import rows

PHONES = ["+15551230001", "+15551230002", "+15551230003", "+15551230004", "+819012345678"]
WORDS = [
    "HOST", "BROWSE", "MORE", "SEARCH sea", "VIEW 1", "VIEW 2", "BOOK 1", "BOOK 2 Dec 20-23", "BOOK 1 Dec 21-22",
    "BOOK 3 Jan 2-5", "Dec 20-23", "Dec 22-26", "YES", "NO", "yes!", "STATUS", "CANCEL", "STOP", "START", "HELP",
    "MENU", "SKIP", "LISTINGS", "UNLIST 1", "LANG JA", "LANG EN", "Ana", "はい", "A quiet flat near the sea, two rooms",
    "{{ 7*7 }}", "'; DROP TABLE users; --", "https://example.com/p.jpg", "",
]
_sids = itertools.count(10_000)

# Mostly words the bot knows (so bookings, decisions and opt-outs really happen), some pure noise.
HOSTS = ["+15551230001", "+15551230004"]
# Mostly what each side would really send (so bookings, decisions and opt-outs happen), some pure noise.
noise = st.one_of(st.text(max_size=200), st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
guest_bodies = st.one_of(
    st.sampled_from(["BOOK 1 Dec 20-23", "BOOK 2 Dec 20-23", "BOOK 1 Dec 22-24", "BOOK 2 Dec 27-30"]),
    st.sampled_from(WORDS), noise)
host_bodies = st.one_of(st.sampled_from(["YES", "YES", "yes!", "NO", "はい"]), st.sampled_from(WORDS), noise)
media = st.lists(st.sampled_from(["https://example.com/a.jpg", "ftp://x/y", "javascript:x", ""]), max_size=3)


@st.composite
def forms(draw: st.DrawFn) -> dict[str, str]:
    form = {
        "MessageSid": f"SM{next(_sids):032x}", "From": (phone := draw(st.sampled_from(PHONES))),
        "Body": draw(host_bodies if phone in HOSTS else guest_bodies),
        "To": "+15550000000", "AccountSid": "AC" + "a" * 32,
    }
    urls = draw(media)
    form["NumMedia"] = draw(st.sampled_from([str(len(urls)), "0", "-1", "x", "12"]))
    for index, url in enumerate(urls):
        form[f"MediaUrl{index}"] = url
    if draw(st.booleans()) and draw(st.booleans()):  # now and then, something Twilio would never send
        choice = draw(st.sampled_from(["drop", "junk", "from"]))
        if choice == "drop":
            del form[draw(st.sampled_from(["MessageSid", "From", "Body"]))]
        elif choice == "junk":
            # (printable names: the test client itself refuses control characters in a field name)
            printable = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
            name = draw(st.text(alphabet=printable, min_size=1, max_size=10))
            form[name] = draw(st.text(max_size=50))
        else:
            form["From"] = draw(st.text(max_size=20))
    return form


def check_invariants(sms: Sms) -> None:
    # A host is shown at most one request, a pending one of their own, and no request is shown twice.
    shown = rows(sms, "SELECT c.user_id, r.id, r.host_id, r.status FROM conversations c"
                      " JOIN reservations r ON r.id = c.presented_id")
    assert all(s["user_id"] == s["host_id"] and s["status"] == "pending" for s in shown), shown
    assert len({s["id"] for s in shown}) == len(shown)
    # No two confirmed stays overlap at one place.
    overlaps = rows(sms, "SELECT a.id, b.id FROM reservations a JOIN reservations b ON a.listing_id = b.listing_id"
                         " AND a.id < b.id AND a.status = 'confirmed' AND b.status = 'confirmed'"
                         " AND a.check_in < b.check_out AND b.check_in < a.check_out")
    assert overlaps == []
    # Every outbox row was handled, and Twilio got exactly the rows marked sent: each once, none lost.
    outbox = rows(sms, "SELECT status, to_phone, body, twilio_sid FROM outbox")
    assert {r["status"] for r in outbox} <= {"sent", "skipped"}
    sent = sorted((r["twilio_sid"], r["to_phone"], r["body"]) for r in outbox if r["status"] == "sent")
    assert sent == sorted((m.sid, m.to, m.body) for m in sms.twilio.messages)
    # A guest never has more pending requests than the cap.
    assert rows(sms, "SELECT guest_id FROM reservations WHERE status = 'pending' GROUP BY guest_id"
                     " HAVING COUNT(*) > 3") == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(forms(), min_size=1, max_size=10), hours=st.sampled_from([0, 0, 0, 0, 0, 0.6, 21, 25]))
async def test_random_forms_never_break_the_service_or_its_rules(sms: Sms, batch: list[dict[str, Any]],
                                                                  hours: float) -> None:
    if not rows(sms, "SELECT 1 FROM listings"):
        await list_place(sms)
        await list_place(sms, host="+15551230004", name="Kai", description="Cabin in the pines with a wood stove")
        for index, guest in enumerate(PHONES[1:]):  # named guests: a BOOK with dates files a request at once
            await sms.text(guest, "BOOK 1 Dec 1-2")
            await sms.text(guest, f"Guest{index}")
    for host in HOSTS:  # hosts who opted out in an earlier example come back
        await sms.text(host, "START")
    for form in batch:
        response = await sms.post("/sms", form)
        assert response.status < 500, await response.text()
        if response.status == 200:
            twiml_messages(await response.text())  # parses: well-formed TwiML
        else:
            assert response.status in {400, 413}
    sms.clock.advance(hours=hours)
    await sms.run_scheduler()
    check_invariants(sms)
