"""Guests' own requests and stays: STATUS, CANCEL <ref>."""

from __future__ import annotations

from bot import outcomes
from bot.context import Context
from bot.router import Router
from bot.text import Text

router = Router("stays")

STATUS_LIMIT = 5


@router.command("STATUS", "TRIPS", "BOOKINGS", "状況", "予約状況", "確認", "予約確認", "ステータス",
                "じょうきょう")
def status(ctx: Context, text: Text) -> None:
    mine = ctx.store.guest_reservations(ctx.texter.id, STATUS_LIMIT)
    if not mine:
        ctx.say("status_none")
        return
    items = [
        {"ref": r.ref, "listing": r.listing_id, "check_in": r.check_in, "check_out": r.check_out,
         "nights": r.nights, "status": r.status}
        for r in mine
    ]
    ctx.say("status", reservations=items)


@router.command("CANCEL", "WITHDRAW", "取消", "取り消し", "キャンセル", "取り消す", "とりけし")
def cancel(ctx: Context, text: Text) -> None:
    # A lone CANCEL never reaches here: it is an opt-out keyword, handled before any flow.
    ref = text.args.strip().lstrip("#").upper()
    if not ref:
        ctx.say("cancel_usage")
        return
    reservation = ctx.store.guest_reservation_by_ref(ctx.texter.id, ref)
    if reservation.status == "confirmed" and reservation.check_in <= ctx.today():
        ctx.say("cancel_too_late", ref=reservation.ref)
        return
    if not outcomes.cancel_by_guest(ctx, reservation):
        ctx.say("cancel_not_open", ref=reservation.ref, status=reservation.status)
        return
    ctx.say("cancelled", ref=reservation.ref, listing=reservation.listing_id)
