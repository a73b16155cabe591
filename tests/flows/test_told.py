"""A reply that says the other side was told is true (issue 21, behaviour 8): when that side opted out or
cannot take SMS, the texter hears so, and a stay is marked for an operator, who tells them another way."""

from __future__ import annotations

import pytest

from tests.conftest import ACCOUNT_SID, BOT_NUMBER, GUEST, GUEST2, HOST, Sms, book, list_place
from tests.flows.test_stays_carried import confirmed, described_ref, japanese
from tests.support.dbview import rows

LANGUAGES = ["en", "ja"]
YES = {"en": "YES", "ja": "はい"}
NO = {"en": "NO", "ja": "いいえ"}
CANCEL = {"en": "CANCEL", "ja": "取消"}


async def unreachable(sms: Sms, phone: str) -> None:
    """Twilio reports a message to `phone` undeliverable for good (30006: a landline), as a status callback
    may before our own record of the send: the number is marked as one that cannot take SMS."""
    sid = sms.next_sid()
    form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": "undelivered", "SmsStatus": "undelivered",
            "ErrorCode": "30006", "AccountSid": ACCOUNT_SID, "To": phone, "From": BOT_NUMBER,
            "ApiVersion": "2010-04-01"}
    assert (await sms.post("/sms/status", form)).status == 204
    await sms.deliver()


def attention(sms: Sms, ref: str) -> str | None:
    """The operator's mark on the reservation `ref`."""
    mark: str | None = rows(sms, "SELECT attention FROM reservations WHERE ref = ?", (ref,))[0]["attention"]
    return mark


async def in_language(sms: Sms, language: str, *phones: str) -> None:
    if language == "ja":
        await japanese(sms, *phones)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_host_accepting_a_guest_who_cannot_be_reached_is_told_so_and_the_stay_marked(
        sms: Sms, language: str) -> None:
    number = await list_place(sms)
    await in_language(sms, language, HOST)  # before the request's question, which a yes then answers
    ref = await book(sms, GUEST, number, "Dec 20-23")
    await unreachable(sms, GUEST)
    reply = await sms.text(HOST, YES[language])
    stay = await described_ref(sms, ref)
    assert reply == sms.render("host_accepted", language, declined=0, told=False, **stay)
    assert reply != sms.render("host_accepted", language, declined=0, told=True, **stay)
    assert attention(sms, ref) == "guest_unreachable"  # an operator sees the stay


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_host_declining_a_guest_who_cannot_be_reached_is_told_so(sms: Sms, language: str) -> None:
    number = await list_place(sms)
    await in_language(sms, language, HOST)  # before the request's question, which a yes then answers
    ref = await book(sms, GUEST, number, "Dec 20-23")
    await unreachable(sms, GUEST)
    reply = await sms.text(HOST, NO[language])
    request = await described_ref(sms, ref)
    assert reply == sms.render("host_declined", language, told=False, **request)
    assert reply != sms.render("host_declined", language, told=True, **request)
    assert attention(sms, ref) is None  # a request turned down is no stay for an operator to carry


async def test_a_host_accepting_a_reachable_guest_still_says_they_were_told(sms: Sms) -> None:
    number = await list_place(sms)
    ref = await book(sms, GUEST, number, "Dec 20-23")
    reply = await sms.text(HOST, "YES")
    assert reply == sms.render("host_accepted", "en", declined=0, told=True, **await described_ref(sms, ref))
    assert attention(sms, ref) is None


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_host_cancelling_the_stay_of_a_guest_who_opted_out_is_told_so(sms: Sms, language: str) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23")
    await in_language(sms, language, HOST)
    await sms.text(GUEST, "STOP")
    stay = await described_ref(sms, ref)
    ask = await sms.text(HOST, f"{CANCEL[language]} {ref}")
    assert ask == sms.render("cancel_confirm", language, as_guest=False, told=False, **stay)
    assert ask != sms.render("cancel_confirm", language, as_guest=False, told=True, **stay)
    done = await sms.text(HOST, YES[language])
    assert done == sms.render("stay_cancelled", language, as_guest=False, told=False, **stay)
    assert done != sms.render("stay_cancelled", language, as_guest=False, told=True, **stay)
    assert attention(sms, ref) == "guest_opted_out"


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_guest_cancelling_with_a_host_who_opted_out_is_told_so(sms: Sms, language: str) -> None:
    number = await list_place(sms)
    ref = await confirmed(sms, GUEST, number, "Dec 20-23")
    await in_language(sms, language, GUEST)
    await sms.text(HOST, "STOP")  # the stay stands, marked; the guest is told the host is gone
    stay = await described_ref(sms, ref)
    ask = await sms.text(GUEST, f"{CANCEL[language]} {ref}")
    assert ask == sms.render("cancel_confirm", language, as_guest=True, told=False, **stay)
    assert ask != sms.render("cancel_confirm", language, as_guest=True, told=True, **stay)
    done = await sms.text(GUEST, YES[language])
    assert done == sms.render("stay_cancelled", language, as_guest=True, told=False, **stay)
    assert done != sms.render("stay_cancelled", language, as_guest=True, told=True, **stay)
    assert attention(sms, ref) == "host_opted_out"  # marked once, when the host left


@pytest.mark.parametrize("language", LANGUAGES)
async def test_unlisting_says_how_many_guests_could_not_be_told(sms: Sms, language: str) -> None:
    number = await list_place(sms)
    gone = await confirmed(sms, GUEST, number, "Dec 20-23", name="Gina")
    here = await confirmed(sms, GUEST2, number, "Dec 1-3", name="Hugo")
    await in_language(sms, language, HOST)
    await sms.text(GUEST, "STOP")
    await sms.text(HOST, f"{'UNLIST' if language == 'en' else '掲載終了'} {number}")
    reply = await sms.text(HOST, YES[language])
    assert reply == sms.render("unlisted", language, number=number, declined=0, cancelled=2, untold=1)
    assert reply != sms.render("unlisted", language, number=number, declined=0, cancelled=2, untold=0)
    assert attention(sms, gone) == "guest_opted_out" and attention(sms, here) is None
    assert here in sms.inbox(GUEST2)[-1]
