"""Stays and requests after filing: a guest's STATUS, a host's STAYS, and CANCEL <ref> by either side.

STATUS puts what is still to come first (requests waiting, stays not yet over), then the three latest
that are over or closed; STAYS lists a host's guests to come. Both are pages (`Context.say_page`) that
MORE continues. Cancelling a confirmed stay asks for YES first (it cannot be undone); a waiting request
is withdrawn at once, as it always was.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from bot import outcomes
from bot.answers import is_no, is_yes
from bot.context import Context
from bot.errors import ReservationNotFound
from bot.flows.browse import clear_cursor, continues, set_cursor
from bot.models import CancelledBy, Reservation
from bot.presenting import describe
from bot.router import Router, StepGroup, StepName
from bot.text import Text


class Steps(StepGroup, flow="stays"):
    confirm_cancel = StepName()


router = Router("stays", Steps)

# The latest stays that are over, or requests that were closed, shown after the open ones (MORE for older).
PAST_SHOWN = 3


# -- STATUS (guests) ---------------------------------------------------------------------------------


def _state(ctx: Context, reservation: Reservation) -> str:
    if reservation.status == "confirmed":
        if reservation.check_out <= ctx.today():
            return "over"
        return "staying" if outcomes.has_begun(ctx, reservation) else "confirmed"
    return reservation.status


def _status_item(ctx: Context, reservation: Reservation) -> dict[str, Any]:
    state = _state(ctx, reservation)
    return {**describe(ctx, reservation), "state": state, "cancellable": state in ("pending", "confirmed")}


def _status_page(ctx: Context, open_shown: int, before: int | None) -> None:
    """The guest's open requests and stays from `open_shown` on, then closed ones before id `before`."""
    today = ctx.today()
    still_open = ctx.store.guest_open(ctx.texter.id, today)[open_shown:]
    past = ctx.store.guest_past(ctx.texter.id, today, before, PAST_SHOWN + 1)
    older = len(past) > PAST_SHOWN
    items = still_open + past[:PAST_SHOWN]
    if not items:
        clear_cursor(ctx)
        ctx.say("status_none" if open_shown == 0 and before is None else "status_end")
        return
    shown = ctx.say_page("status", "reservations", [_status_item(ctx, r) for r in items], more=older)
    if shown == len(items) and not older:
        clear_cursor(ctx)
        return
    open_now = min(shown, len(still_open))
    last_past = items[shown - 1].id if shown > len(still_open) else before
    set_cursor(ctx, "status", open=open_shown + open_now, before=last_past)


@router.command("STATUS", "TRIPS", "BOOKINGS", "状況", "予約状況", "確認", "予約確認", "予約の確認", "予約の状況",
                "ステータス", "じょうきょう")
def status(ctx: Context, text: Text) -> None:
    _status_page(ctx, 0, None)


@continues("status")
def _more_status(ctx: Context, cursor: dict[str, Any]) -> None:
    _status_page(ctx, int(cursor["open"]), cursor["before"])


# -- STAYS (hosts) -----------------------------------------------------------------------------------


def _stays_page(ctx: Context, after: tuple[date, int] | None) -> None:
    size = ctx.config.browse_page_size * 2
    found = ctx.store.host_stays(ctx.texter.id, ctx.today(), after, size + 1)
    page, more = found[:size], len(found) > size
    if not page:
        clear_cursor(ctx)
        ctx.say("stays_none" if after is None else "stays_end")
        return
    items = [{**describe(ctx, r), "staying": outcomes.has_begun(ctx, r)} for r in page]
    shown = ctx.say_page("stays", "stays", items, more=more)
    if shown == len(page) and not more:
        clear_cursor(ctx)
        return
    last = page[shown - 1]
    set_cursor(ctx, "stays", check_in=last.check_in.isoformat(), id=last.id)


@router.command("STAYS", "GUESTS", "宿泊予定", "ゲスト")
def stays(ctx: Context, text: Text) -> None:
    _stays_page(ctx, None)


@continues("stays")
def _more_stays(ctx: Context, cursor: dict[str, Any]) -> None:
    _stays_page(ctx, (date.fromisoformat(cursor["check_in"]), int(cursor["id"])))


# -- CANCEL <ref> ------------------------------------------------------------------------------------


def cancellable_ref(ctx: Context, *, only: bool = False) -> str:
    """One of the texter's own references that CANCEL would act on ('' when none): what HELP and the CANCEL
    usage write, so that every "CANCEL ..." shown is one that works. `only`: the reference only when it is
    the one such reference, which a cancel that names none ("キャンセルしたいです") means."""
    refs = [reservation.ref for reservation in ctx.store.guest_open(ctx.texter.id, ctx.today())
            if not outcomes.has_begun(ctx, reservation)]
    if only and len(refs) != 1:
        return ""
    return refs[0] if refs else ""


# A reference is written in Latin letters and digits: "取消 予約" (from "予約をキャンセルしたい") names none.
_REF = re.compile(r"^[A-Z0-9]{4,12}$")


def cancel_only(ctx: Context) -> StepName | None:
    """CANCEL of the texter's one cancellable request or stay ("やっぱりやめます", "キャンセルしたいです")."""
    return _cancel(ctx, cancellable_ref(ctx, only=True))


def _own_reservation(ctx: Context, ref: str) -> Reservation:
    """The texter's reservation with this reference, as its guest or as the host of its place; anyone
    else's is as good as missing."""
    found = ctx.store.reservation_by_ref(ref)
    if found is None or ctx.texter.id not in (found.guest_id, found.host_id):
        raise ReservationNotFound(ref=ref.upper())
    return found


def _other_id(ctx: Context, reservation: Reservation) -> int:
    return reservation.host_id if reservation.guest_id == ctx.texter.id else reservation.guest_id


def _other_side(ctx: Context, reservation: Reservation) -> str:
    """Whom to contact about a stay that cannot be cancelled by text: the other side, by name."""
    return ctx.person(_other_id(ctx, reservation)).name or ""


@router.command("CANCEL", "WITHDRAW", "取消", "取消し", "取り消し", "取り消", "キャンセル", "取り消す", "とりけし")
def cancel(ctx: Context, text: Text) -> StepName | None:
    # A lone CANCEL never reaches here: it is an opt-out keyword, handled before any flow. A Japanese cancel
    # without a reference ("取消しお願いします") is of the texter's one cancellable booking, if they have one.
    ref = unicodedata.normalize("NFKC", text.args).strip(" 。.!！").lstrip("#").upper()
    if not _REF.match(ref) and not text.word.isascii():
        ref = cancellable_ref(ctx, only=True)
    return _cancel(ctx, ref)


def _cancel(ctx: Context, ref: str) -> StepName | None:
    if not ref:
        ctx.say("cancel_usage", ref=cancellable_ref(ctx))
        return None
    reservation = _own_reservation(ctx, ref)
    as_guest = reservation.guest_id == ctx.texter.id
    if reservation.status == "confirmed":
        if outcomes.has_begun(ctx, reservation):
            ctx.say("cancel_too_late", other=_other_side(ctx, reservation), as_guest=as_guest,
                    **describe(ctx, reservation))
            return None
        ctx.state["cancel"] = reservation.id
        ctx.say("cancel_confirm", as_guest=as_guest, told=outcomes.reaches(ctx, _other_id(ctx, reservation)),
                **describe(ctx, reservation))
        return Steps.confirm_cancel
    if not as_guest and reservation.status == "pending":
        # A host turns a request down with NO when it is their turn; CANCEL is for stays.
        ctx.say("cancel_host_request", **describe(ctx, reservation))
        return None
    if not outcomes.cancel_by_guest(ctx, reservation):
        ctx.say("cancel_not_open", ref=reservation.ref, status=reservation.status)
        return None
    ctx.say("cancelled", ref=reservation.ref, listing=reservation.listing_id)
    return None


def _confirm_help(ctx: Context) -> dict[str, Any]:
    reservation = ctx.store.reservation(int(ctx.state["cancel"]))
    return {"as_guest": reservation.guest_id == ctx.texter.id, **describe(ctx, reservation)}


@router.step(Steps.confirm_cancel, "help_cancel_confirm", asks="yes_or_no",
             help_variables=_confirm_help)
def confirm_cancel(ctx: Context, text: Text) -> StepName | None:
    reservation = ctx.store.reservation(int(ctx.state["cancel"]))
    variables = describe(ctx, reservation)
    if is_no(text):
        ctx.say("cancel_kept", **variables)
        return None
    if not is_yes(text):
        ctx.say("help_cancel_confirm", **_confirm_help(ctx))
        return Steps.confirm_cancel
    by: CancelledBy = "guest" if reservation.guest_id == ctx.texter.id else "host"
    if reservation.status == "confirmed" and outcomes.has_begun(ctx, reservation):
        ctx.say("cancel_too_late", other=_other_side(ctx, reservation), as_guest=by == "guest", **variables)
    elif outcomes.cancel_stay(ctx, reservation, by):
        ctx.say("stay_cancelled", as_guest=by == "guest", told=outcomes.reaches(ctx, _other_id(ctx, reservation)),
                **variables)
    else:
        ctx.say("cancel_not_open", ref=reservation.ref, status=reservation.status)
    return None
