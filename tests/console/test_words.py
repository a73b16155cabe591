"""The console says what a code means (issue 24, item 12, and why a stay needs attention): one name per
outbox state on every tab, pill and tile, Twilio's errors with their meaning, a try that never reached
Twilio as a sentence, no "sent" claim where no Twilio is configured, a conversation's step in words, and
what each scheduled job will do. The words are the table's (bot/console/words.yaml), so a rewording there
changes no test; markers (data-*) say which entry a page used."""

from __future__ import annotations

import html
import re
from typing import Any, get_args

from bot.app import create_app
from bot.clock import FakeClock
from bot.config import Config
from bot.console import queries as q
from bot.console.views import JOB_ACTS_WHEN, WORDS
from bot.engine import UNREACHABLE_CALLBACK_CODES
from bot.gateway import OPTED_OUT_CODE, PERMANENT_CODES, RATE_LIMITED_CODE
from bot.models import CANCELLED_BY, DECLINE_REASONS, JOB_KINDS, OUTBOX_STATUSES, RESERVATION_STATUSES
from bot.routing import ROUTERS
from tests.conftest import GUEST, HOST, AiohttpClient, Sms, book, list_place
from tests.console.support import signed_in
from tests.support.fake_twilio import FakeTwilio


def _said(text: str) -> str:
    """Words of the table as a page shows them (escaped)."""
    return html.escape(text, quote=False)


async def _user_id(sms: Sms, phone: str) -> int:
    user = await sms.db.run(lambda store: store.user_by_phone(phone))
    assert user is not None
    return int(user.id)


async def _reservation_id(sms: Sms, ref: str) -> int:
    return int(await sms.db.run(lambda store: store.reservation_by_ref(ref).id))


def _row(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[start:page.index("</tr>", start)]


# -- the table covers every code the service declares ------------------------------------------------------


def test_every_declared_step_of_every_flow_has_words() -> None:
    declared = {(router.flow, step) for router in ROUTERS if router.step_group
                for step in router.step_group.members}
    assert declared  # the flows do declare steps
    missing = sorted(f"{flow}/{step}" for flow, step in declared
                     if flow not in WORDS["flows"] or step not in WORDS["steps"].get(flow, {}))
    assert missing == []


def test_every_job_kind_says_what_it_will_do_and_what_it_did() -> None:
    assert set(JOB_ACTS_WHEN) == set(JOB_KINDS)
    for kind in JOB_KINDS:
        assert set(WORDS["jobs"][kind]) == {"title", "will", "will_not", "did", "did_nothing"}, kind
    assert set(WORDS["reservation_states"]) == set(RESERVATION_STATUSES)


def test_every_reason_a_reservation_can_hold_has_words() -> None:
    assert set(WORDS["reasons"]["declined"]) == set(DECLINE_REASONS)
    assert set(WORDS["reasons"]["cancelled"]) == set(CANCELLED_BY)
    assert set(WORDS["reasons"]) <= set(RESERVATION_STATUSES)


def test_every_outbox_state_and_tab_has_one_name() -> None:
    states = set(re.findall(r"THEN '(\w+)'", q.OUTBOX_STATE)) | set(OUTBOX_STATUSES) - {"pending", "sending"}
    assert set(WORDS["outbox_states"]) == states  # pending and sending rows are waiting or retrying
    for view in q.OUTBOX_VIEWS:
        assert view in WORDS["outbox_states"] or view in WORDS["outbox_views"], view


def test_every_twilio_error_the_service_acts_on_has_its_meaning() -> None:
    acted_on = {*PERMANENT_CODES, *UNREACHABLE_CALLBACK_CODES, OPTED_OUT_CODE, RATE_LIMITED_CODE, 30003, 30007, 30008}
    assert sorted(acted_on - set(WORDS["twilio_errors"])) == []
    assert all(entry["meaning"] and entry["todo"] for entry in WORDS["twilio_errors"].values())


# -- pages -------------------------------------------------------------------------------------------------


async def test_a_twilio_error_shows_its_meaning_and_an_unknown_one_its_code_and_link(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    sms.twilio.fail_next(400, 21211, to=HOST)  # the host's prompt: not a valid number
    sms.twilio.fail_next(400, 21999, to=GUEST)  # the guest is told: a code the table does not know
    await book(sms, GUEST, number)
    failed = await console.page("/admin/outbox?view=failed")
    known = WORDS["twilio_errors"][21211]
    assert 'data-error-code="21211"' in failed and _said(known["meaning"]) in failed and _said(known["todo"]) in failed
    assert 'href="https://www.twilio.com/docs/api/errors/21211"' in failed
    assert 'data-error-code="21999"' in failed and "Twilio error 21999" in failed
    assert 'href="https://www.twilio.com/docs/api/errors/21999"' in failed
    assert "<details" in failed and "fake failure 21211" in failed  # Twilio's own words, behind the toggle
    thread = await console.page(f"/admin/conversations/{await _user_id(sms, HOST)}")
    assert _said(known["meaning"]) in thread  # the conversation says it too, and why the number is unreachable
    assert thread.count('data-error-code="21211"') == 2


async def test_a_try_that_never_reached_twilio_is_a_sentence_with_the_raw_error_behind_a_toggle(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    # Twilio at an address nobody answers: every send is refused before it reaches Twilio.
    app = create_app(config.with_(twilio_api_url="http://127.0.0.1:9"), clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    console = await signed_in(sms)
    number = await list_place(sms)
    await book(sms, GUEST, number)
    retrying = await console.page("/admin/outbox?view=retrying")
    row = _row(retrying, 'id="outbox-')
    assert 'data-problem="retrying"' in row
    sentence = WORDS["send_problems"]["retrying"].split("{when}")[0]
    assert _said(sentence) in row and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.", row)
    raw = row[row.index("<details"):]
    assert "Cannot connect to host" in raw or "ClientConnectorError" in raw  # the raw error, behind the toggle
    assert "ClientConnectorError" not in row[:row.index("<details")]


async def test_each_outbox_state_has_one_name_on_tabs_pills_and_the_dashboard(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    await book(sms, GUEST, number)
    sid = sms.twilio.messages[-1].sid  # the host's prompt
    await sms.post("/sms/status", {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    name = _said(WORDS["outbox_states"]["undelivered"]["label"])
    outbox = await console.page("/admin/outbox?view=undelivered")
    assert f'data-view="undelivered" class="on">{name}</a>' in outbox
    assert re.search(rf'data-state="undelivered"[^>]*>{re.escape(name)}</span>', outbox)
    assert _said(WORDS["twilio_errors"][30003]["meaning"]) in outbox
    thread = await console.page(f"/admin/conversations/{await _user_id(sms, HOST)}")
    assert re.search(rf'data-state="undelivered"[^>]*>{re.escape(name)}</span>', thread)
    dashboard = await console.page("/admin/")  # the same names, in the tiles' lower case
    assert f'data-stat="outbox_undelivered">1</b> {name.lower()}</a>' in dashboard
    for state in ("waiting", "retrying", "failed"):
        label = _said(WORDS["outbox_states"][state]["label"]).lower()
        assert f"</b> {label}" in dashboard or f"</span> {label}" in dashboard, state
    for view in q.OUTBOX_VIEWS:  # no tab shows its key where it has a name
        label = WORDS["outbox_views"].get(view, WORDS["outbox_states"].get(view))["label"]
        assert f'data-view="{view}"' in outbox and f">{_said(label)}</a>" in outbox


async def test_without_twilio_no_message_claims_twilio_sent_it(
        aiohttp_client: AiohttpClient, config: Config, clock: FakeClock,
        fake_twilio: tuple[FakeTwilio, str]) -> None:
    # (The dev phone reads any of the tests' numbers.)
    app = create_app(config.with_(twilio_account_sid="", twilio_auth_token="", console_dev_phone_prefix="+1555"),
                     clock=clock)
    sms = Sms(await aiohttp_client(app), fake_twilio[0], clock, app)
    console = await signed_in(sms)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    kept = _said(WORDS["outbox_states"]["kept"]["label"])
    outbox = await console.page("/admin/outbox?view=sent")
    assert 'data-state="kept"' in outbox and kept in outbox
    dashboard = await console.page("/admin/")
    assert _said(WORDS["sms_out"]["console"]) in dashboard and _said(WORDS["sms_out"]["twilio"]) not in dashboard
    assert 'data-state="sent"' not in outbox and "Twilio:" not in outbox
    thread = await console.page(f"/admin/conversations/{await _user_id(sms, HOST)}")
    assert 'data-state="kept"' in thread and "Twilio:" not in thread
    timeline = await console.page(f"/admin/reservations/{await _reservation_id(sms, ref)}")
    assert 'data-state="kept"' in timeline and "Twilio:" not in timeline
    phone = await (await console.get("/admin/api/phone/thread", params={"number": HOST})).json()
    sent = [item for item in phone["items"] if item["kind"] == "sms"]
    assert sent and {item["state"] for item in sent} == {"kept"}
    assert {item["label"] for item in sent} == {WORDS["outbox_states"]["kept"]["label"]}


async def test_a_conversation_names_its_step_and_what_is_waiting_in_words(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    await sms.text(GUEST, f"BOOK {number}")  # asked for the dates
    guest = await console.page(f"/admin/conversations/{await _user_id(sms, GUEST)}")
    flow = guest[guest.index('id="flow"'):guest.index("</dd>", guest.index('id="flow"'))]
    assert 'data-flow="booking" data-step="dates"' in flow
    assert f"{_said(WORDS['flows']['booking'])}: {_said(WORDS['steps']['booking']['dates'])}" in flow
    assert _said(WORDS["languages"]["en"]) in guest
    host = await console.page(f"/admin/conversations/{await _user_id(sms, HOST)}")
    assert _said(WORDS["no_flow"]) in host and _said(WORDS["no_request"]) in host
    assert ">none<" not in host and ">nothing<" not in host


def _job(timeline: str, kind: str) -> str:
    start = timeline.index(f'data-job="{kind}"')
    return timeline[start:timeline.index("</li>", start)]


def _job_says(kind: str, outcome: str, state: str = "") -> str:
    said = WORDS["jobs"][kind][outcome].replace("{state}", WORDS["reservation_states"].get(state, ""))
    return _said(said.split("{date}")[0])


async def test_the_timeline_says_what_each_job_will_do_and_did(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "YES")
    path = f"/admin/reservations/{await _reservation_id(sms, ref)}"
    timeline = (await console.page(path)).split('id="timeline"')[1]
    reminder = _job(timeline, "stay_reminder")  # the confirmed stay's day-before reminder will be sent
    assert 'data-outcome="will"' in reminder and _job_says("stay_reminder", "will") in reminder
    expiry = _job(timeline, "expire")  # the request's time limit no longer matters
    assert 'data-outcome="will_not"' in expiry and _job_says("expire", "will_not", "confirmed") in expiry

    sms.clock.advance(days=40)  # past every job's time
    await sms.run_scheduler()
    await console.login()  # the session has long expired
    timeline = (await console.page(path)).split('id="timeline"')[1]
    assert 'data-outcome="did"' in _job(timeline, "stay_reminder")
    assert 'data-outcome="did_nothing"' in _job(timeline, "expire")


async def test_a_declined_request_says_why_and_its_jobs_will_do_nothing(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "NO")
    timeline = (await console.page(f"/admin/reservations/{await _reservation_id(sms, ref)}")).split('id="timeline"')[1]
    expiry = _job(timeline, "expire")
    assert 'data-outcome="will_not"' in expiry and _job_says("expire", "will_not", "declined") in expiry
    page = await console.page(f"/admin/reservations/{await _reservation_id(sms, ref)}")
    said = _said(WORDS["reasons"]["declined"]["host"])
    assert f'id="reason"><span data-reason="host">{said}</span>' in page  # the reason in words, not "host"
    assert f'data-reason="host">{said}</span>' in timeline


async def _confirmed_stay(sms: Sms) -> tuple[Any, str]:
    console = await signed_in(sms)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    await sms.text(HOST, "YES")
    return console, ref


async def test_a_stay_says_why_it_needs_attention_with_the_error_s_meaning(sms: Sms) -> None:
    console, ref = await _confirmed_stay(sms)
    confirmation = sms.twilio.messages[-1].sid  # to the guest
    await sms.post("/sms/status", {"MessageSid": confirmation, "MessageStatus": "undelivered", "ErrorCode": "30005"})
    page = await console.page(f"/admin/reservations/{await _reservation_id(sms, ref)}")
    why = page[page.index('id="attention"'):page.index("</dd>", page.index('id="attention"'))]
    assert 'data-attention="guest_unreachable"' in why and 'data-error-code="30005"' in why
    assert _said(WORDS["twilio_errors"][30005]["meaning"]) in why
    dashboard = await console.page("/admin/")
    listed = dashboard.split("Stays needing attention")[1].split("Next stays")[0]
    assert ref in listed and 'data-attention="guest_unreachable"' in listed
    assert _said(WORDS["twilio_errors"][30005]["meaning"]) in listed


async def test_a_stay_whose_host_opted_out_says_so(sms: Sms) -> None:
    console, ref = await _confirmed_stay(sms)
    await sms.text(HOST, "STOP")
    page = await console.page(f"/admin/reservations/{await _reservation_id(sms, ref)}")
    assert 'data-attention="host_opted_out"' in page and _said(WORDS["attention"]["host_opted_out"]) in page
    listed = (await console.page("/admin/")).split("Stays needing attention")[1].split("Next stays")[0]
    assert 'data-attention="host_opted_out"' in listed


def test_every_action_an_operator_can_take_is_named_on_the_audit_page() -> None:
    assert set(WORDS["audit_actions"]) == set(get_args(q.AuditAction))


async def test_the_audit_page_says_what_an_operator_did_in_words(sms: Sms) -> None:
    console = await signed_in(sms)
    audit = await console.page("/admin/audit")
    assert '<span data-action="login">Signed in</span>' in audit
    assert ">login<" not in audit
