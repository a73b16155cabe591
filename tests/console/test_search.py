"""Every search box finds what a caller says: a booking reference, a phone by its last 4 digits, without
`+`, or with spaces."""

from __future__ import annotations

from tests.conftest import GUEST, GUEST2, HOST, Sms, book, list_place
from tests.console.support import signed_in


async def _ids(sms: Sms, phone: str) -> int:
    user = await sms.db.run(lambda store: store.user_by_phone(phone))
    assert user is not None
    return int(user.id)


async def test_a_booking_reference_finds_its_reservation_place_and_people(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    other = await list_place(sms, host=GUEST2, name="Cy", description="Quiet cabin in the woods, one bedroom")
    ref = await book(sms, GUEST, number)
    other_ref = await book(sms, GUEST, other, "Dec 26-28")
    found = await console.page(f"/admin/reservations?place={ref.lower()}")
    assert ref in found and other_ref not in found
    listings = await console.page(f"/admin/listings?q=+{ref}+")
    assert f'href="/admin/listings/{number}"' in listings and f'href="/admin/listings/{other}"' not in listings
    people = await console.page(f"/admin/conversations?q={ref}")
    guest, host, cy = await _ids(sms, GUEST), await _ids(sms, HOST), await _ids(sms, GUEST2)
    assert f"/admin/conversations/{guest}" in people and f"/admin/conversations/{host}" in people
    assert f"/admin/conversations/{cy}\"" not in people


async def test_a_phone_is_found_by_its_last_four_digits_without_plus_or_with_spaces(sms: Sms) -> None:
    console = await signed_in(sms)
    number = await list_place(sms)
    ref = await book(sms, GUEST, number)
    last4, spaced = GUEST[-4:], f"{GUEST[1:2]} {GUEST[2:5]} {GUEST[5:8]} {GUEST[8:]}"
    guest = await _ids(sms, GUEST)
    for typed in (last4, GUEST[1:], spaced):
        assert f"/admin/conversations/{guest}\"" in await console.page(f"/admin/conversations?q={typed}"), typed
        assert ref in await console.page(f"/admin/reservations?place={typed}"), typed
    assert f'href="/admin/listings/{number}"' in await console.page(f"/admin/listings?q={HOST[-4:]}")
