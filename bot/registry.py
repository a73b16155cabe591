"""Every message key the bot can send: when it is sent, and the variables it gets (with samples).

`python run.py check` renders every template with these samples; `python run.py messages --docs` turns
this table into docs/messages.md. A key used in code but missing here fails the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.message_uses import sending_modules
from bot.money import Money


@dataclass(frozen=True)
class MessageSpec:
    when: str
    variables: dict[str, Any] = field(default_factory=dict)
    # A page (BROWSE, STATUS...): the name of its list variable. The code shows as many items as fit
    # `messages.page_segments`; `check` fails a page template that cannot fit its budget with one item.
    page: str | None = None
    # An everyday message (what most bookings show: the listing prompts, a browse line, the date question,
    # the request, the host's prompt, the answer each side gets): it must fit one SMS in every language with
    # the samples, or `check` fails it. A page must fit one SMS with one item (it still fills
    # `page_segments`). VIEW (listing_view) is not one: it carries the host's own description (20-500
    # characters), and in Japanese its other facts alone (price, guests, host, free nights, 「予約 12」)
    # take most of the 70 characters.
    one_sms: bool = False


_PRICE = Money(12000, "USD")  # $120 a night, in cents
# The day `run.py check` renders the samples on (the test clock's day): a sample date in another year is
# written with its year, as it would be to a texter.
SAMPLE_TODAY = date(2026, 11, 27)
_STAY: dict[str, Any] = {
    "ref": "K7QX2M",
    "listing": 12,
    "place": "Harbour Loft",  # the listing's title (up to 40; ja.yaml shows a 12-character excerpt)
    "title": "Harbour Loft",
    "guest": "Maria",
    "check_in": date(2026, 12, 20),
    "check_out": date(2026, 12, 23),
    "nights": 3,
    "guests": 2,  # None for requests filed before the party size was asked
    "price": _PRICE,  # per night, as filed; None: the place had no price ("price on request")
    "total": _PRICE.times(3),  # nights x price; None without a price
}
_LISTING_ITEMS = [
    {"number": 12, "title": "Harbour Loft with a Sea View", "price": Money(1250000, "USD"), "sleeps": 16},
    {"number": 15, "title": "Quiet cabin in the pines", "price": None, "sleeps": None},
]
# Free nights: the first and the last free night of each range (bot/availability.py).
_FREE = [{"first": date(2026, 12, 1), "last": date(2026, 12, 19)},
         {"first": date(2026, 12, 24), "last": date(2026, 12, 31)}]
_PRICE_EXAMPLE: dict[str, Any] = {"currency": "USD", "example": _PRICE}
# The example stay the date questions offer: two weeks out, three nights (flows/booking.py example_dates).
_EXAMPLE: dict[str, Any] = {"example_in": date(2026, 12, 11), "example_out": date(2026, 12, 14)}
_DATES: dict[str, Any] = {"text": "Dec 40", **_EXAMPLE}
# A stay shown back with its weekdays before it is filed (book_ask_name, book_confirm_dates).
_SHOWN: dict[str, Any] = {"number": 12, "check_in": date(2026, 12, 11), "check_out": date(2026, 12, 13), "guests": 2}

_RELAY_STAY: dict[str, Any] = {k: _STAY[k] for k in ("ref", "check_in", "check_out")}
_RELAY: dict[str, Any] = {"sender": "Maria", "from_guest": True, **_RELAY_STAY}
_RELAY_RECIPIENT: dict[str, Any] = {"name": "Ana", "is_guest": False, "ref": "K7QX2M"}

REGISTRY: dict[str, MessageSpec] = {
    # -- anyone ---------------------------------------------------------------------------------------
    "welcome": MessageSpec("First text from an unknown number that is not a command."),
    "help": MessageSpec("HELP when the person is not in any flow and has nothing to decide: only the words "
                        "that work for them now; `more` after a BROWSE/SEARCH/STATUS page, `ref` one of the "
                        "guest's own open references to cancel ('' when none), `host` they have listed a "
                        "place, `msg_ref` a stay open for messages ('' when none).",
                        {"more": True, "ref": "K7QX2M", "host": True, "msg_ref": "P3RT9A"}, one_sms=True),
    "carrier_opted_out": MessageSpec(
        "Never sent by Airtng: Twilio's own answer to its opt-out keywords (STOP, CANCEL...), shown by `make chat` "
        "and the console's dev phone so a tester sees what the phone shows. Keep it as your Twilio account says it."),
    "carrier_opted_in": MessageSpec(
        "Never sent by Airtng: Twilio's own answer to START / UNSTOP, shown by `make chat` and the dev phone."),
    "opted_out": MessageSpec("An opt-out word Twilio does not act on itself (停止, 配信停止): the one confirmation, "
                             "what changed (`requests` withdrawn, `listings` hidden) and how to come back.",
                             {"requests": 1, "listings": 2}),
    "menu": MessageSpec("MENU: the current flow was abandoned; what can be done now."),
    "unknown": MessageSpec(
        "A text that is no command and no answer to a question; `suggestion` is a close command or ''.",
        {"suggestion": "BROWSE"},
    ),
    "error_generic": MessageSpec("Something broke on our side while handling the text (logged)."),
    "rate_limited": MessageSpec("The first text over the per-phone rate limit; later ones get no answer."),
    "opted_in": MessageSpec("START / UNSTOP (or YES from an opted-out number): welcome back."),
    "help_opted_out": MessageSpec("HELP from a number that opted out: how to opt back in."),
    "language_set": MessageSpec("LANG <language> switched the person's language (sent in the new one)."),
    "language_unknown": MessageSpec("LANG with a language we do not have.", {"languages": ["en", "ja"]}),
    "ask_name": MessageSpec("The first time a flow needs the person's name (listing or booking)."),
    "name_invalid": MessageSpec("The name answer was empty, too long or had no letters.", {"max_length": 40}),
    "help_name": MessageSpec("HELP while we wait for the person's name."),
    # -- guests: looking ------------------------------------------------------------------------------
    "browse_page": MessageSpec(
        "BROWSE / SEARCH / MORE: one page of listings; `more` says whether MORE has another page.",
        {"listings": _LISTING_ITEMS, "more": True, "query": "harbour"}, page="listings", one_sms=True),
    "browse_empty": MessageSpec("BROWSE when there are no listings at all.", {"query": ""}),
    "browse_empty_search": MessageSpec("SEARCH found nothing.", {"query": "castle"}),
    "browse_end": MessageSpec("MORE after the last page."),
    "more_nothing": MessageSpec("MORE without an earlier BROWSE or SEARCH."),
    "search_usage": MessageSpec("SEARCH without words."),
    "view_usage": MessageSpec("VIEW without a listing number."),
    "listing_view": MessageSpec(
        "VIEW <n>: one listing; its photo goes along as MMS media. `own` is true for the host's own place; "
        "`host` is the host's first name; `free`: the next free ranges within `days` days (empty: none); "
        "`price`/`sleeps` are empty for places listed before they were asked; `payment` how guests pay "
        "(on_arrival, bank_transfer, payment_link; '' when not said); `check_in_time`/`check_out_time` ('' "
        "when not given): public, unlike the address.",
        {"number": 12, "title": "Harbour Loft", "price": _PRICE, "sleeps": 4,
         "description": "Sunny loft by the harbour, two bedrooms.", "host": "Ana", "own": False,
         "free": _FREE, "days": 60, "payment": "payment_link", "check_in_time": "15:00", "check_out_time": "11:00"},
    ),
    "listing_not_found": MessageSpec("A listing number that does not exist or is no longer listed.",
                                     {"number": 99}),
    # -- guests: booking ------------------------------------------------------------------------------
    "book_usage": MessageSpec("BOOK without a listing number."),
    "ask_dates": MessageSpec("BOOK <n> without dates: ask for them. `example_in`/`example_out`: a stay that "
                             "would be accepted (two weeks out, three nights).", {"number": 12, **_EXAMPLE},
                             one_sms=True),
    "help_dates": MessageSpec("HELP while we wait for the stay's dates.", _EXAMPLE),
    "dates_unreadable": MessageSpec("Dates we could not read.", _DATES),
    "dates_past": MessageSpec("A check-in date in the past.", _DATES),
    "dates_order": MessageSpec("Check-out not after check-in.", _DATES),
    "dates_too_long": MessageSpec("A stay over the configured maximum.",
                                  {**_DATES, "nights": 45, "max_nights": 30}),
    # The dates questions (bot.dates.DateQuestion): half a stay, or one that could be two; each also gets the
    # example stay.
    "dates_which_day": MessageSpec("A length alone (3泊4日, '3 nights'): from which day? The next answer's "
                                   "day completes it.", {**_EXAMPLE, "nights": 3}),
    "dates_how_many_nights": MessageSpec("One day alone ('Dec 20', 明日): for how many nights? A number or a "
                                         "later day answers it.", {**_EXAMPLE, "day": date(2026, 12, 20)}),
    "dates_weekday_mismatch": MessageSpec("A weekday written with a date that falls on another (12月19日(日) when "
                                          "the 19th is a Saturday): `day` as written, `other` the nearest day "
                                          "on the weekday written.",
                                          {**_EXAMPLE, "day": date(2026, 12, 19), "other": date(2026, 12, 20)}),
    "dates_which_weekend": MessageSpec("'next weekend' / 来週末 said on a Saturday or Sunday: the coming "
                                       "weekend or the one after, both offered.",
                                       {**_EXAMPLE, "first_in": date(2026, 12, 4), "first_out": date(2026, 12, 6),
                                        "second_in": date(2026, 12, 11), "second_out": date(2026, 12, 13)}),
    "dates_holiday": MessageSpec("A holiday named instead of dates (年末年始, お正月, GW, お盆, Christmas): which "
                                 "days of it? `text` as typed; `holiday_in`/`holiday_out` the holiday's next "
                                 "dates, as the example.",
                                 {**_EXAMPLE, "text": "GW", "holiday_in": date(2026, 12, 29),
                                  "holiday_out": date(2027, 1, 3)}),
    "book_own_listing": MessageSpec("A host tried to book their own place.", {"number": 12}),
    "book_too_many": MessageSpec("The guest already holds the maximum number of pending requests.",
                                 {"limit": 3}),
    "book_unavailable": MessageSpec(
        "The dates overlap a confirmed stay of that place; `free`: the nearest free ranges (may be empty).",
        {"number": 12, "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23), "free": _FREE},
        one_sms=True),
    "book_duplicate": MessageSpec("The guest already has a pending request for those dates there.",
                                  {"number": 12}),
    "book_requested": MessageSpec(
        "The request was filed; `ref` is what the guest quotes to CANCEL; nights x price = total.",
        {**_STAY, "number": 12}, one_sms=True),
    # -- guests: their stays --------------------------------------------------------------------------
    "status": MessageSpec(
        "STATUS / MORE: a page of the guest's requests and stays: every waiting or upcoming one first, then "
        "the three latest that are over or closed. Each item has the variables of a reservation message "
        "plus `state` (pending, confirmed, staying, over, declined, cancelled, expired) and `cancellable`; "
        "`more`: MORE shows the rest.",
        {"reservations": [
            {**_STAY, "state": "pending", "cancellable": True},
            {**_STAY, "ref": "P3RT9A", "listing": 15, "check_in": date(2027, 1, 2), "check_out": date(2027, 1, 4),
             "nights": 2, "state": "confirmed", "cancellable": True},
            {**_STAY, "ref": "H4WN8C", "state": "cancelled", "cancellable": False},
        ], "more": True}, page="reservations",
    ),
    "status_none": MessageSpec("STATUS with no requests at all."),
    "cancel_usage": MessageSpec("CANCEL followed by nothing usable (a lone CANCEL is an opt-out); `ref` is one "
                                "of the guest's own references that can be cancelled ('' when none).",
                                {"ref": "K7QX2M"}),
    "cancelled": MessageSpec("CANCEL <ref> withdrew the request or cancelled the stay.",
                             {"ref": "K7QX2M", "listing": 12}),
    "cancel_not_open": MessageSpec("CANCEL <ref> for a request that is already decided or over; `status` is "
                                   "one of confirmed, declined, cancelled, expired.",
                                   {"ref": "K7QX2M", "status": "declined"}),
    "cancel_too_late": MessageSpec(
        "CANCEL <ref> (or its YES) for a stay that has already begun: whom to contact. `other` is the other "
        "side's name ('' if unknown); `as_guest` whether the texter is the guest.",
        {**_STAY, "other": "Ana", "as_guest": True}),
    "reservation_not_found": MessageSpec("CANCEL with a reference that is not one of the guest's.",
                                         {"ref": "ZZZZZZ"}),
    "guest_accepted": MessageSpec("To the guest: the host accepted; `host` is the host's name (may be empty); "
                                  "`payment` how to pay (as in listing_view); `details` the "
                                  "`stay_details` when they still fit this one SMS, else '' (they follow as "
                                  "a second message).", {**_STAY, "host": "Ana", "payment": "payment_link",
                                                         "details": ""}, one_sms=True),
    "guest_declined_host": MessageSpec("To the guest: the host declined; `note` the host's own words with "
                                       "their no ('' when none).", {**_STAY, "note": ""}, one_sms=True),
    "guest_declined_overlap": MessageSpec("To the guest: another request for those dates was accepted.",
                                          _STAY, one_sms=True),
    "guest_declined_unlisted": MessageSpec("To the guest: the host unlisted the place.", _STAY),
    "guest_declined_opted_out": MessageSpec("To the guest: the host stopped using Airtng.", _STAY),
    "guest_expired": MessageSpec("To the guest: the host did not answer in time.", _STAY, one_sms=True),
    # -- hosts: listing -------------------------------------------------------------------------------
    "ask_description": MessageSpec("HOST: ask for the place's description.",
                                   {"min_length": 20, "max_length": 500}, one_sms=True),
    "help_description": MessageSpec("HELP while we wait for the description.",
                                    {"min_length": 20, "max_length": 500}),
    "description_too_short": MessageSpec("The description is under the minimum.",
                                         {"length": 8, "min_length": 20}),
    "description_too_long": MessageSpec("The description is over the maximum.",
                                        {"length": 612, "max_length": 500}),
    "ask_photo": MessageSpec("Ask for a photo (MMS or an http(s) link) or SKIP.", one_sms=True),
    "help_photo": MessageSpec("HELP while we wait for the photo."),
    "photo_invalid": MessageSpec("Neither a picture, an http(s) link, nor SKIP."),
    "listed": MessageSpec("The listing is live; asks for the address guests will need (the first of the "
                          "skippable questions after listing).", {"number": 12, "has_photo": True}, one_sms=True),
    "listings": MessageSpec(
        "LISTINGS / MORE: a page of the host's places, each with its `title`, its waiting requests "
        "(`pending`) and its confirmed stays not yet over (`stays`); `more`: MORE shows the rest.",
        {"listings": [{"number": 12, "title": "Harbour Loft", "pending": 2, "stays": 1},
                      {"number": 15, "title": "Quiet cabin in the pines", "pending": 0, "stays": 3}],
         "more": True}, page="listings",
        one_sms=True),
    "listings_none": MessageSpec("LISTINGS from someone with no places."),
    "unlist_usage": MessageSpec("UNLIST without a number."),
    "unlist_not_yours": MessageSpec("UNLIST of someone else's listing.", {"number": 12}),
    "unlisted": MessageSpec("UNLIST done (after YES when it had stays to come); `declined` pending requests "
                            "were declined, `cancelled` stays to come were cancelled and their guests told, "
                            "except `untold` of them who cannot be texted (those stays are marked for an "
                            "operator).", {"number": 12, "declined": 2, "cancelled": 2, "untold": 1}),
    # -- hosts: calendars (bot/flows/calendars.py, bot/calendars.py) -----------------------------------
    "calendar_usage": MessageSpec("CALENDAR without a place number."),
    "calendar_not_yours": MessageSpec("CALENDAR, BLOCK or UNBLOCK of someone else's place.", {"number": 12}),
    "calendar_bad_url": MessageSpec("CALENDAR <n> followed by something that is not an http(s) link.",
                                    {"number": 12}),
    "calendar_too_many": MessageSpec("CALENDAR <n> <url> when the place has `most` feeds already.",
                                     {"number": 12, "most": 10}),
    "calendar_added": MessageSpec("CALENDAR <n> <url>: feed number `feed` added; it is read within seconds and "
                                  "the host told what it held (`calendar_read` / `calendar_failed`).",
                                  {"number": 12, "feed": 2}, one_sms=True),
    "calendar_none": MessageSpec("CALENDAR <n> for a place with no feeds.", {"number": 12}),
    "calendar_list": MessageSpec(
        "CALENDAR <n>: the place's feeds; each with its number `feed`, the site it is read from, when it was "
        "last read well (`read_day`, `read_time`; None: not yet), the busy nights that read held and `error`, "
        "why the last read failed (None: it worked).",
        {"number": 12, "more": False, "feeds": [
            {"feed": 1, "site": "www.airbnb.com", "read_day": date(2026, 11, 27), "read_time": "14:05",
             "nights": 12, "error": None},
            {"feed": 2, "site": "www.vrbo.com", "read_day": None, "read_time": "", "nights": 0,
             "error": "timeout"}]},
        page="feeds"),
    "calendar_removed": MessageSpec("CALENDAR <n> REMOVE <k> done: the feed and its busy nights are gone.",
                                    {"number": 12, "feed": 2}),
    "calendar_no_such_feed": MessageSpec("CALENDAR <n> REMOVE with no such feed number; `feeds`: how many.",
                                         {"number": 12, "feeds": 2}),
    "calendar_read": MessageSpec(
        "To the host: the first read of feed `feed` (or the first good one after a failure) held `nights` busy "
        "nights; `runs`: the first of the place's busy runs (first night, day after the last).",
        {"number": 12, "feed": 1, "nights": 5,
         "runs": [{"first": date(2026, 12, 20), "end": date(2026, 12, 23)},
                  {"first": date(2026, 12, 28), "end": date(2026, 12, 30)}]}, one_sms=True),
    "calendar_failed": MessageSpec(
        "To the host, once until a read works again: feed `feed` could not be read; `why`: scheme, address, "
        "unreachable, timeout, too_large, status, redirects or malformed; `kept`: the busy nights of its last "
        "good read, still closed; `first`: it was never read; tried again every `minutes`.",
        {"number": 12, "feed": 1, "why": "timeout", "kept": 12, "first": False, "minutes": 30}),
    "calendar_conflict": MessageSpec(
        "To the host, once per stay: a feed holds nights of this confirmed stay (sold twice). Nothing is "
        "cancelled; the stay is marked for an operator.", _STAY),
    "guest_declined_calendar": MessageSpec(
        "To the guest: the place's calendar (another platform's feed, or the host's BLOCK) took some of the "
        "nights of their waiting request.", _STAY, one_sms=True),
    "calendar_link": MessageSpec(
        "CALENDAR <n> LINK / NEW LINK (`new`: the old link no longer works): the place's own feed to import "
        "elsewhere.", {"number": 12, "new": False,
                       "url": "https://airtng.example.com/calendar/Q2hlY2tJbkRlYzIwMjZIYXJib3VyTG9mdEFpcnRuZ0.ics"}),
    "calendar_event_stay": MessageSpec("The summary of a confirmed stay in a place's own feed (no names)."),
    "calendar_event_blocked": MessageSpec("The summary of nights the host blocked, in a place's own feed."),
    "block_usage": MessageSpec("BLOCK without a place number or dates.", _EXAMPLE),
    "unblock_usage": MessageSpec("UNBLOCK without a place number or dates.", _EXAMPLE),
    "blocked": MessageSpec("BLOCK done: the nights check_in to check_out are closed; `declined` waiting "
                           "requests on them were declined.",
                           {"number": 12, "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23),
                            "nights": 3, "declined": 1}, one_sms=True),
    "block_over_stay": MessageSpec("BLOCK of nights a confirmed stay holds: nothing was blocked.",
                                   {"number": 12, "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23),
                                    "ref": "K7QX2M", "stay_in": date(2026, 12, 21),
                                    "stay_out": date(2026, 12, 24)}),
    "unblocked": MessageSpec("UNBLOCK done: `nights` of the nights named were blocked and are open again.",
                             {"number": 12, "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23),
                              "nights": 3}, one_sms=True),
    # -- hosts: deciding ------------------------------------------------------------------------------
    "host_prompt": MessageSpec("To the host: the one request to decide now; `payment` how the guest "
                               "pays (as in listing_view); `asked` the guest asked about the place first (ASK).",
                               {**_STAY, "payment": "payment_link", "asked": False},
                               one_sms=True),
    "host_reminder": MessageSpec("To the host: the request is still waiting (one reminder).", _STAY),
    "help_deciding": MessageSpec("HELP from a host with a request in front of them.", _STAY),
    "host_accepted": MessageSpec("The host said YES; `declined` overlapping requests were declined; `told`: "
                                 "the guest can be texted (else the stay is marked for an operator).",
                                 {**_STAY, "declined": 1, "told": True}, one_sms=True),
    "host_declined": MessageSpec("The host said NO; `note` the reason they gave with it ('' when none), "
                                 "which the guest is told; `told`: the guest can be texted.",
                                 {**_STAY, "note": "", "told": True}, one_sms=True),
    "decision_again": MessageSpec(
        "A yes or no from a host whose last message from us was not this request's question (a guest's "
        "message, a notice came in between), or a text nothing understood: the question again.", _STAY,
        one_sms=True),
    "unknown_request_waiting": MessageSpec(
        "A text nothing understood from a guest whose request waits for the host (`host`: their name): "
        "what is waiting and the next step.", {**_STAY, "host": "Ana"}),
    "decision_nothing_pending": MessageSpec("YES or NO with no request in front of the host."),
    "host_guest_cancelled": MessageSpec("To the host: the guest withdrew the request they were shown, "
                                        "or cancelled a confirmed stay.", _STAY),
    "host_request_expired": MessageSpec("To the host: the request they were shown expired.", _STAY),
    # -- relay (guest and host talk) ------------------------------------------------------------------
    "relay_message": MessageSpec(
        "MSG: what the other party of the stay receives. `sender` is the sender's name (empty: write the role "
        "word); `from_guest` says which side wrote; `text` is what they typed (empty for a picture alone, "
        "which goes along as MMS); `with_ref` is true when the recipient has several open stays and must "
        "name this one to answer; `first`: the first message of the thread this way (later ones may carry a "
        "shorter header and no reply hint).",
        {**_RELAY, "text": "What time can we check in? Our train arrives at 2pm.", "with_ref": False, "first": True},
    ),
    "relay_photo": MessageSpec(
        "MSG with several pictures: each picture after the first goes as a message of its own with this "
        "caption (picture `number` of `count`).",
        {k: _RELAY[k] for k in ("sender", "from_guest", "ref")} | {"number": 2, "count": 3},
    ),
    "relay_choose": MessageSpec(
        "MSG without a reference from someone with several open stays: the stays (the other party's name, "
        "empty: the role word by `is_guest`; place; dates) and how to choose; nothing is sent. `more`: open "
        "stays not listed.",
        {"stays": [
            {"ref": "K7QX2M", "name": "Maria", "is_guest": True, "place": "Sunny loft by the har...",
             "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23)},
            {"ref": "P3RT9A", "name": "", "is_guest": True, "place": "Quiet cabin in the pines",
             "check_in": date(2026, 12, 30), "check_out": date(2027, 1, 2)},
        ], "more": 0},
    ),
    "relay_none": MessageSpec("MSG from someone with no stay open for messages, ever or lately; `days`: "
                              "relay.close_days_after_checkout.", {"days": 3}),
    "relay_closed": MessageSpec(
        "MSG for a stay whose messages closed `days` days after check-out (the last day was `closed_after`).",
        {**_RELAY_STAY, "closed_after": date(2026, 12, 26), "days": 3},
    ),
    "relay_closed_cancelled": MessageSpec("MSG for a stay that was cancelled: its messages closed then.",
                                          _RELAY_STAY),
    "relay_not_confirmed": MessageSpec("MSG <ref> for a request that was never confirmed (waiting, declined "
                                       "or expired).", {"ref": "K7QX2M"}),
    "relay_empty": MessageSpec("MSG with no text and no picture; nothing is sent.", {"ref": "K7QX2M"}),
    "relay_offer": MessageSpec(
        "A text nothing understood from someone with one stay open for messages: it is kept; YES sends it to "
        "the other party (`name`, empty: the role word by `is_guest`), NO drops it.",
        {"ref": "K7QX2M", "name": "Ana", "is_guest": False, "place": "Harbour Loft",
         "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23)}),
    "relay_offer_choose": MessageSpec(
        "The same with several open stays: the text is kept; a number picks the stay, NO drops it.",
        {"stays": [{"ref": "K7QX2M", "name": "Ana", "is_guest": False, "place": "Harbour Loft",
                    "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23)},
                   {"ref": "P3RT9A", "name": "", "is_guest": True, "place": "Quiet cabin",
                    "check_in": date(2027, 1, 4), "check_out": date(2027, 1, 6)}]}),
    "relay_not_sent": MessageSpec("NO to sending a kept text: nothing was sent."),
    "relay_sent_first": MessageSpec(
        "The first message of a thread was queued for the other party: sent, and they will hear back only "
        "if one cannot be delivered.", _RELAY_RECIPIENT),
    "relay_opens_when_accepted": MessageSpec(
        "MSG from a guest with no stay open but a request waiting: messages open once the host accepts it.",
        {"ref": "K7QX2M", "listing": 12, "place": "Harbour Loft", "check_in": date(2026, 12, 20),
         "check_out": date(2026, 12, 23)}),
    "relay_recipient_opted_out": MessageSpec(
        "MSG to someone who opted out (STOP); nothing is queued. `name` may be empty: the role word by `is_guest`.",
        _RELAY_RECIPIENT,
    ),
    "relay_recipient_unreachable": MessageSpec(
        "MSG to someone whose number cannot take SMS (invalid, landline); nothing is queued.", _RELAY_RECIPIENT,
    ),
    "relay_too_long": MessageSpec("MSG whose text with the header would pass 1,600 characters; `limit` is what "
                                  "fits for this recipient.", {"length": 1590, "limit": 1528}),
    "relay_rate_limited": MessageSpec(
        "MSG over relay.max_per_hour for the stay (both ways together): said once in the hour to each sender; "
        "`minutes` until the oldest message of the hour leaves the window.",
        {"ref": "K7QX2M", "limit": 30, "minutes": 12},
    ),
    # -- real Twilio accounts (unreachable hosts) -------------------------------------------------------
    "guest_declined_unreachable": MessageSpec(
        "To the guest: Twilio reported the host's number cannot take SMS (invalid, landline, unroutable), "
        "so their waiting requests were closed at once.", _STAY),
    # -- listings carry what a guest decides on (title, price, guests, EDIT, FREE, party size) ------------
    "ask_title": MessageSpec("HOST (or EDIT <n> TITLE): ask for the place's title.",
                             {"min_length": 3, "max_length": 40}, one_sms=True),
    "help_title": MessageSpec("HELP while we wait for the title.", {"min_length": 3, "max_length": 40}),
    "title_invalid": MessageSpec("The title is too short, too long or has no letters.",
                                 {"length": 52, "min_length": 3, "max_length": 40}),
    "ask_price": MessageSpec("HOST (or EDIT <n> PRICE): ask for the price per night in `currency` "
                             "(booking.currency); `example` is a price to copy.", _PRICE_EXAMPLE, one_sms=True),
    "help_price": MessageSpec("HELP while we wait for the price.", _PRICE_EXAMPLE),
    "price_invalid": MessageSpec("The price is not a whole amount (or is zero, or absurdly high).", _PRICE_EXAMPLE),
    "price_currency": MessageSpec("The price names another currency than booking.currency (e.g. 15000 yen "
                                  "where prices are in USD).", _PRICE_EXAMPLE),
    "price_confirm": MessageSpec("The price read is far from what a night usually costs (1,500,000円, $15,000): "
                                 "asked back before it is taken; also HELP at that question.",
                                 {"price": Money(1500000, "USD")}),
    "ask_capacity": MessageSpec("HOST (or EDIT <n> GUESTS): ask how many guests the place sleeps at most.",
                                {"most": 16}, one_sms=True),
    "help_capacity": MessageSpec("HELP while we wait for the most guests.", {"most": 16}),
    "capacity_invalid": MessageSpec("The most guests is not a number from 1 to `most`.", {"most": 16}),
    "edit_usage": MessageSpec("EDIT without a listing number."),
    "edit_not_yours": MessageSpec("EDIT of someone else's listing.", {"number": 12}),
    "edit_which": MessageSpec("EDIT <n> alone (or with a field we do not know): ask which field; also HELP "
                              "then. `amount`: an example price as a bare number.", {"number": 12, "amount": 120}),
    "edit_ask_photo": MessageSpec("EDIT <n> PHOTO without a picture: ask for it.", {"number": 12}),
    "help_edit": MessageSpec("HELP while EDIT waits for a new value; `field` is title, price, guests or photo.",
                             {"number": 12, "field": "price", "most": 16, **_PRICE_EXAMPLE}),
    "edited": MessageSpec(
        "EDIT changed one field (`field`: title, price, guests or photo); the listing as it is now. Filed "
        "requests keep their price.",
        {"number": 12, "field": "price", "title": "Harbour Loft", "price": Money(14000, "USD"), "sleeps": 4,
         "has_photo": True},
        one_sms=True),
    "free_usage": MessageSpec("FREE without a listing number."),
    "free_nights": MessageSpec(
        "FREE <n>: the free nights of the next `days` days as ranges (first and last free night); "
        "`example_in`/`example_out`: a stay in the first range to copy.",
        {"number": 12, "title": "Harbour Loft", "days": 60, "ranges": _FREE, "more": True,
         "example_in": date(2026, 12, 1), "example_out": date(2026, 12, 4)},
        page="ranges",
    ),
    "free_none": MessageSpec("FREE <n> for a place booked every night of the next `days` days.",
                             {"number": 12, "title": "Harbour Loft", "days": 60}),
    "ask_guest_count": MessageSpec("BOOK: ask how many guests will stay (`most`: what the place sleeps).",
                                   {"number": 12, "most": 4}, one_sms=True),
    "ask_guest_count_dates": MessageSpec("BOOK: ask how many guests, showing back with weekdays dates read "
                                         "from relative or incomplete words (next weekend, 明日, the 20th).",
                                         {"number": 12, "most": 4, "check_in": date(2026, 12, 11),
                                          "check_out": date(2026, 12, 13)}, one_sms=True),
    "book_ask_name": MessageSpec("BOOK: the guest's name is not known yet; the dates (with weekdays) and party "
                                 "are shown back before it is asked.", _SHOWN, one_sms=True),
    "book_confirm_dates": MessageSpec("BOOK with everything known but dates read from relative or incomplete "
                                      "words not yet shown back: YES files the request, other dates replace them.",
                                      _SHOWN, one_sms=True),
    "help_book_confirm_dates": MessageSpec("HELP while dates shown back wait for YES.", _SHOWN),
    "help_guest_count": MessageSpec("HELP while we wait for the number of guests.", {"number": 12, "most": 4}),
    "guest_count_invalid": MessageSpec("The number of guests is not a number (or is zero).",
                                       {"number": 12, "most": 4}),
    "book_over_capacity": MessageSpec("More guests than the place sleeps; asks again.",
                                      {"number": 12, "most": 4, "guests": 6}),
    "book_overlaps_own_stay": MessageSpec(
        "BOOK for nights that overlap the guest's own confirmed stay at another place (`own_*`): YES books "
        "anyway, NO drops it, anything else asks again.",
        {"number": 12, "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23), "own_ref": "P3RT9A",
         "own_listing": 15, "own_title": "Quiet Cabin", "own_check_in": date(2026, 12, 21),
         "own_check_out": date(2026, 12, 24)},
        one_sms=True),
    "help_book_confirm": MessageSpec("HELP while the overlap with the guest's own stay waits for YES.",
                                     {"number": 12, "check_in": date(2026, 12, 20),
                                      "check_out": date(2026, 12, 23)}),
    "book_dropped": MessageSpec("A no to the overlap question: nothing was filed (anything neither yes nor no "
                                "is asked again).",
                                {"number": 12, "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23)}),
    # -- Japanese speakers served as well -------------------------------------------------------------
    "decision_unclear": MessageSpec("A host with a request in front of them answered with a reply that may "
                                    "mean yes or no (大丈夫です, 結構です): ask again with the two words "
                                    "that work.", _STAY),
    # -- stays after the yes, small talk and help (issue 10) -----------------------------------------
    "name_not_a_date": MessageSpec("The name answer had digits (a date, a number, a command with its number).",
                                   {"max_length": 40}),
    "name_not_booking": MessageSpec("The name answer had booking words or a party size (next weekend, 来週末に2人, "
                                    "'2 guests', 3泊) or digits among letters.", {"max_length": 40}),
    "name_is_a_command": MessageSpec("The name answer was a command word, a yes/no or small talk; `word` is it.",
                                     {"word": "BROWSE", "max_length": 40}),
    "small_talk": MessageSpec("A greeting, thanks or a plain ok (`kind`: greeting, thanks, ok) out of any flow "
                              "and with nothing to decide: a kind word and what to text next.", {"kind": "thanks"}),
    "small_talk_deciding": MessageSpec("Small talk from a host with a request in front of them (a lone ok "
                                       "there decides it instead): the request again.",
                                       {"kind": "greeting", **_STAY}),
    "small_talk_in_flow": MessageSpec("Small talk in the middle of a flow; `hint` is that step's HELP text.",
                                      {"kind": "ok", "hint": "Send your name to go on, or MENU to stop."}),
    "decision_after_flow": MessageSpec(
        "A yes or no in the middle of a step that did not ask one (`flow`: hosting, booking, ...) while a "
        "request waits for the host: finish this first.", {"flow": "hosting", **_STAY}),
    "opted_in_changes": MessageSpec(
        "START / UNSTOP from an opted-out number when things changed while away, in one message: `listings` "
        "(a host's places, `number` and `title`, live again), `requests` (references of requests closed: "
        "withdrawn, declined, expired) and `stays` (stays cancelled); `more`: LISTINGS shows the other places.",
        {"listings": [{"number": 12, "title": "Harbour Loft"}], "requests": ["K7QX2M", "P3RT9A"],
         "stays": ["H4WN8C"], "more": False}, page="listings"),
    "status_end": MessageSpec("MORE after the last page of STATUS."),
    "stays": MessageSpec(
        "STAYS / MORE: a page of the host's confirmed stays not yet over, soonest first; each item has the "
        "variables of a reservation message plus `staying` (begun); `more`: MORE shows the rest.",
        {"stays": [{**_STAY, "staying": False},
                   {**_STAY, "guest": "Ken", "ref": "P3RT9A", "check_in": date(2027, 1, 2),
                    "check_out": date(2027, 1, 4), "nights": 2, "staying": True}], "more": True},
        page="stays"),
    "stays_none": MessageSpec("STAYS with no confirmed stays to come."),
    "stays_end": MessageSpec("MORE after the last page of STAYS."),
    "listings_end": MessageSpec("MORE after the last page of LISTINGS."),
    "cancel_confirm": MessageSpec(
        "CANCEL <ref> of a confirmed stay not yet begun (by its guest, or the host of its place, `as_guest`): "
        "ask for YES first; NO keeps it, anything else asks again. `told`: the other side can be texted.",
        {**_STAY, "as_guest": True, "told": True}, one_sms=True),
    "help_cancel_confirm": MessageSpec("HELP while we wait for the YES that cancels a stay.",
                                       {**_STAY, "as_guest": True}),
    "cancel_kept": MessageSpec("A no after cancel_confirm: the stay stands (anything neither yes nor no is "
                               "asked again).", _STAY),
    "stay_cancelled": MessageSpec("YES after cancel_confirm: the stay is cancelled, the other side told when "
                                  "`told` (else the stay is marked for an operator).",
                                  {**_STAY, "as_guest": False, "told": True}),
    "cancel_host_request": MessageSpec("A host's CANCEL <ref> of a request still waiting (hosts decline with NO).",
                                       _STAY),
    "guest_stay_cancelled_host": MessageSpec("To the guest: the host cancelled their confirmed stay.", _STAY),
    "guest_stay_cancelled_unlisted": MessageSpec("To the guest: the host unlisted the place of their stay.",
                                                 _STAY),
    "guest_host_unreachable": MessageSpec(
        "To the guest: the host of their confirmed stay opted out or cannot be reached by SMS; the stay stands "
        "and is marked for an operator (`reservations.attention`).", _STAY, one_sms=True),
    "guest_host_back": MessageSpec(
        "To the guest: the host of their stay to come, who had opted out (or could not be reached), can be "
        "texted again (the reverse of guest_host_unreachable).", _STAY),
    "unlist_confirm": MessageSpec(
        "UNLIST <n> of a place with confirmed stays to come: how many (`stays`, the first `first`-`first_out`) "
        "and YES to go on, NO to keep it listed; anything else is asked again.",
        {"number": 12, "stays": 2, "first": date(2026, 12, 20), "first_out": date(2026, 12, 23)}, one_sms=True),
    "help_unlist_confirm": MessageSpec("HELP while we wait for the YES that unlists a place with stays.",
                                       {"number": 12, "stays": 2}),
    "unlist_kept": MessageSpec("A no after unlist_confirm: the place stays listed.", {"number": 12}),
    "listing_view_stay": MessageSpec(
        "VIEW <n> of a place no longer shown (its host left or cannot be reached) by a guest whose stay there "
        "still stands: the place and the stay.", {**_STAY, "description": "Sunny loft by the harbour."}),
    "stay_reminder_guest": MessageSpec("To the guest, the day before check-in at booking.reminder_local_hour; "
                                       "`details` as in guest_accepted.", {**_STAY, "payment": "", "details": ""}),
    "stay_reminder_host": MessageSpec("To the host, the day before a guest's check-in at "
                                      "booking.reminder_local_hour.", _STAY),
}


_PAYMENT: dict[str, Any] = {"payment": "bank_transfer", "payment_note": "Mizuho Bank, details after booking"}
_ARRIVAL: dict[str, Any] = {"address": "2-3-5 Minato, Harbour House 301, Tokyo", "check_in_time": "15:00",
                            "check_out_time": "11:00", "access": "Key box left of the door, code sent the day before"}
_ASKED: dict[str, Any] = {"number": 12, "current": "", "editing": False, "field": "address", "address_max": 200,
                          "access_max": 300, "note_max": 100}
_TERMS = "Payment: by bank transfer before arrival (Mizuho Bank, details after booking)."
REGISTRY.update({
    # -- after the yes: arriving and paying; a host changes every part of a listing (issue 23) ------------
    "payment_terms": MessageSpec("Never sent alone: how guests pay, whole, with the host's `payment_note` ('' "
                                 "when none): in the stay's details and the answer to 'how do I pay?'.",
                                 _PAYMENT),
    "ask_address": MessageSpec("After HOST lists the place, or EDIT n ADDRESS / ARRIVAL: the address; "
                               "`current` what it is now ('' none), `editing` true in EDIT.", _ASKED,
                               one_sms=True),
    "ask_times": MessageSpec("The check-in and check-out times (HOST after listing, EDIT n ARRIVAL).", _ASKED,
                             one_sms=True),
    "ask_access": MessageSpec("How guests get in (HOST after listing, EDIT n ARRIVAL / ACCESS).", _ASKED,
                              one_sms=True),
    "ask_payment": MessageSpec("How guests pay (HOST after listing, EDIT n PAYMENT): a number and a note.",
                               _ASKED, one_sms=True),
    "help_after_listing": MessageSpec("HELP at one of the questions after the place is listed.", _ASKED),
    "host_setup_done": MessageSpec("The last question after listing was answered or skipped.", {"number": 12},
                                   one_sms=True),
    "address_invalid": MessageSpec("An address too short or too long.",
                                   {"length": 2, "min_length": 5, "max_length": 200}),
    "access_invalid": MessageSpec("A way in too short or too long.",
                                  {"length": 2, "min_length": 3, "max_length": 300}),
    "times_invalid": MessageSpec("Not two times of day (check-in, check-out)."),
    "time_invalid": MessageSpec("EDIT n CHECKIN / CHECKOUT: not one time of day."),
    "payment_invalid": MessageSpec("An answer naming no way to pay."),
    "payment_note_too_long": MessageSpec("A payment note over the limit.", {"length": 140, "max_length": 100}),
    "edit_ask_description": MessageSpec("EDIT n DESCRIPTION without the text.", {"number": 12}),
    "edit_ask_time": MessageSpec("EDIT n CHECKIN / CHECKOUT without a time; `field` check_in or check_out.",
                                 {**_ASKED, "field": "check_in", "current": "15:00"}),
    "edited_arrival": MessageSpec("EDIT changed an arrival detail: all of them as the guest of a confirmed "
                                  "stay gets them ('' for what is not given).", {"number": 12, **_ARRIVAL}),
    "edited_payment": MessageSpec("EDIT n PAYMENT changed how guests pay; `pay` the whole terms.",
                                  {"number": 12, "pay": _TERMS}),
    "stay_details": MessageSpec("To the guest of a confirmed stay only: the arrival details and `pay` (the "
                                "whole payment terms), with the confirmation and the day-before reminder (in "
                                "them when they fit one SMS, else as this second message) and on ARRIVAL; ''"
                                " for what the host has not given.", {**_STAY, **_ARRIVAL, "pay": _TERMS}),
    "arrival_not_given": MessageSpec("ARRIVAL for a stay whose host gave no details yet.", _STAY),
    "arrival_not_open": MessageSpec("ARRIVAL <ref> for a stay that is over, cancelled or not confirmed; "
                                    "`status` the stay's.", {**_STAY, "status": "cancelled"}),
    "arrival_unknown_ref": MessageSpec("ARRIVAL <ref> naming none of the texter's stays."),
    "arrival_which": MessageSpec("ARRIVAL (or 'what's the address?') with several stays to come.",
                                 {"stays": [_STAY, {**_STAY, "ref": "P3RT9A", "listing": 15}]}),
    "arrival_none": MessageSpec("ARRIVAL (or 'what's the address?') with no confirmed stay to come."),
    "pay_answer": MessageSpec("'How do I pay?' / PAY: the terms of the guest's soonest stay (or request) with "
                              "its total; `pay` '' when the host has not said; `confirmed` a stay, not a "
                              "request.", {**_STAY, "pay": _TERMS, "confirmed": True}),
    "pay_none": MessageSpec("'How do I pay?' with no stay or request: Airtng takes no payment itself."),
    "relist_usage": MessageSpec("RELIST without a number."),
    "relist_not_yours": MessageSpec("RELIST of a place that is not the texter's.", {"number": 12}),
    "relist_listed_already": MessageSpec("RELIST of a place that is listed.", {"number": 12, "title": "Harbour Loft"}),
    "relist_confirm": MessageSpec("RELIST n: what relisting does, asked first (also HELP then).",
                                  {"number": 12, "title": "Harbour Loft", "price": _PRICE}),
    "relist_kept": MessageSpec("RELIST answered NO.", {"number": 12}),
    "relisted": MessageSpec("RELIST answered YES: the place is live again.", {"number": 12}),
    "host_listing_hidden": MessageSpec(
        "To the host: an operator hid their place in the console, as UNLIST would (after showing the operator "
        "what it does): `declined` waiting requests declined and `cancelled` stays to come cancelled, their "
        "guests told.", {"number": 12, "title": "Harbour Loft", "declined": 2, "cancelled": 1}),
    "host_listing_shown": MessageSpec("To the host: an operator listed their hidden place again in the console.",
                                      {"number": 12, "title": "Harbour Loft"}),
    "ask_usage": MessageSpec("ASK without a place's number."),
    "ask_empty": MessageSpec("ASK <n> without a question.", {"number": 12}),
    "ask_own": MessageSpec("ASK about the texter's own place.", {"number": 12}),
    "ask_offer": MessageSpec("A question naming a place ('is there parking at #12?'): send it to the host "
                             "as ASK? (also HELP then); `text` the question.",
                             {"number": 12, "title": "Harbour Loft", "text": "Is there parking at #12?"}),
    "ask_not_sent": MessageSpec("The offered question answered NO.", {"number": 12}),
    "ask_sent": MessageSpec("The first question of a thread went to the host (later ones: no answer); the "
                            "thread is open `days` days.", {"number": 12, "days": 7}, one_sms=True),
    "ask_relayed": MessageSpec("To the host: a guest's question about their place; `guest` the guest's name "
                               "('' when not known), `ref` the thread's, for MSG.",
                               {"guest": "Maria", "number": 12, "title": "Harbour Loft", "ref": "Q7K2MX",
                                "text": "Is there parking nearby?"}),
    "ask_answered": MessageSpec("To the guest: the host's answer; `host` the host's name ('' when not known).",
                                {"host": "Ana", "number": 12, "title": "Harbour Loft", "ref": "Q7K2MX",
                                 "text": "Yes, one free space behind the house."}),
    "ask_closed": MessageSpec("MSG <ref> of a question thread that closed (its days passed, an opt-out, an "
                              "unlisting).", {"number": 12, "ref": "Q7K2MX"}),
    "listing_unlisted": MessageSpec("VIEW n from a guest whose stay there was cancelled because the place "
                                    "was unlisted (by its host, or hidden by an operator: the words fit both).",
                                    _STAY),
})


# -- where each message is used ----------------------------------------------------------------------------

# The keys in groups, by where the code that sends them is (bot.message_uses reads it from the source), for
# docs/messages.md and the console's Messages page. Each group names its modules (paths inside bot/); a key
# sent from several goes to the first group naming one of them; a key no group claims goes to ELSEWHERE.
MESSAGE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Anywhere: the first text, HELP, MENU, STOP and START, LANG, small talk, errors",
     ("flows/general.py", "engine.py", "errors.py", "routing.py")),
    ("Asking a person's name", ("flows/naming.py",)),
    ("Guests looking: BROWSE, SEARCH, MORE, VIEW, FREE", ("flows/browse.py",)),
    ("Guests booking: BOOK", ("flows/booking.py",)),
    ("Dates as people type them", ("dates.py",)),
    ("Hosts deciding: a request, YES and NO, reminders", ("flows/decisions.py", "presenting.py", "scheduler.py")),
    ("What each side is told: accepted, declined, expired, cancelled, reminders before a stay", ("outcomes.py",)),
    ("Stays: STATUS, STAYS, CANCEL", ("flows/stays.py",)),
    ("After the yes: ARRIVAL and paying", ("flows/arriving.py",)),
    ("Guest and host texting each other: MSG", ("flows/relay.py",)),
    ("Guests asking a host before booking: ASK", ("flows/asking.py",)),
    ("Hosts listing a place: HOST, LISTINGS, UNLIST, RELIST", ("flows/hosting.py",)),
    ("A listing's details, asked by HOST and EDIT", ("flows/details.py", "money.py")),
    ("Hosts changing a place: EDIT", ("flows/editing.py",)),
    ("Hosts' calendars: CALENDAR, BLOCK, UNBLOCK", ("flows/calendars.py", "calendars.py")),
    ("Sent when an operator acts in the console: Hide, List it again", ("console/views.py",)),
)
ELSEWHERE = "Elsewhere"


def group_of(modules: tuple[str, ...]) -> str:
    """The group of a key sent from `modules` (paths inside bot/)."""
    return next((title for title, named in MESSAGE_GROUPS if set(named) & set(modules)), ELSEWHERE)


def message_groups() -> dict[str, list[str]]:
    """Every registered key in its group (bot.message_uses), groups in MESSAGE_GROUPS' order then ELSEWHERE,
    keys in the registry's order within each; groups without a key left out."""
    senders = sending_modules()
    grouped: dict[str, list[str]] = {title: [] for title, _ in MESSAGE_GROUPS}
    grouped[ELSEWHERE] = []
    for key in REGISTRY:
        grouped[group_of(senders.get(key, ()))].append(key)
    return {title: keys for title, keys in grouped.items() if keys}


# -- docs/messages.md ---------------------------------------------------------------------------------------

DOC_HEADER = """\
# Messages: everything the bot says, and how to change it

<!-- Generated from bot/registry.py by `.venv/bin/python run.py messages --docs` (`make docs`). Edit the
     registry, not this file: a test fails when this file is stale. -->

Every word a texter reads lives in `messages/<language>.yaml` (`en.yaml`, `ja.yaml`, ...). Operators edit
these files; no code changes, no restart.

## The format

Each entry is a message key and a [Jinja2](https://jinja.palletsprojects.com/templates/) template:

```yaml
book_requested: >-
  Request sent! #{{ number }}, {{ check_in|stay(check_out) }} ({{ nights }} nights).
  Your reference: {{ ref }}.
```

- `>-` joins the lines below it with spaces (one paragraph); `|-` keeps line breaks (lists).
- `{{ name }}` inserts a variable. Only the variables listed for a key below exist; using another one is
  an error `check` reports (with file and line) and the service refuses.
- `{% if more %}...{% else %}...{% endif %}` and `{% for l in listings %}...{% endfor %}` for choices and
  lists; `{{ 's' if nights != 1 else '' }}` for plurals.
- Dates: `{{ check_in|day }}` gives `Dec 20`, `{{ check_in|stay(check_out) }}` gives `Dec 20-23` (or
  `Dec 30-Jan 2` across months); in Japanese `{{ check_in|day_ja }}` gives `12月20日` and
  `{{ check_in|stay_ja(check_out) }}` gives `12月20日〜23日`. Each filter writes the year of a date that is
  not in the reader's current year (`Jan 2-4, 2027`, `2027年1月2日〜4日`). The parts `{{ check_in.month }}`,
  `{{ check_in.day }}` and `{{ check_in.year }}` let a language write its own.
- A long value cut to fit: `{{ place|truncate(12, true, '…', 0) }}` keeps a title's first 11 characters
  and adds `…` (ja.yaml does this in the host's prompt and the guest's request: a title may be 40).
- Variations: a list of texts instead of one; each time one is picked at random. Every one is checked.

  ```yaml
  menu:
    - OK, back to the start. BROWSE to find a place, HOST to list yours.
    - Starting over. BROWSE for places, HOST to list yours.
  ```

Templates run in Jinja's sandbox and what people type is only ever passed in as a variable, never
compiled, so a name like `{{ x }}` is shown as written.

## Checking and publishing an edit

`.venv/bin/python run.py check` (also `make check`, part of `make test`) reads every file and prints the problems
with file and line, then every message rendered with the sample values below: its length, its encoding and
the SMS segments it costs. Errors (the exit status is then non-zero): YAML mistakes, a key the default
language lacks, template syntax, variables the code does not pass, a message over Twilio's 1,600
characters, an everyday message (marked below: the listing prompts, a browse line, the date question, the
request, the host's prompt, each side's answer) over one SMS with the samples. After each file's table,
`check` lists that file's other messages over one SMS, with the sample values used, so you see what costs
more. Warnings: a key another language lacks (that language falls back to the default one), a key
nothing sends (a typo?), more segments than `messages.warn_segments` in config.yaml.

One SMS holds 160 GSM-7 characters (153 each when split). A single character outside GSM-7 (an emoji, a
curly quote ’, an ellipsis …, any Japanese) turns the whole message into UCS-2: 70 characters (67 each when
split). Characters from GSM-7's extension table (`^ { } [ ] ~ | € \\`) count twice.

The running service picks up a saved edit within a second or two (or at once on `kill -HUP <pid>`). It
checks the files exactly like `check`; if there is any error it logs the report and keeps serving the last
good messages.

## Languages

Each person has a language: a new number gets Japanese when its first text is in Japanese script or it is a
+81 number, else `messages.default_language`. `LANG JA`, `LANG EN` (or the
language's name: `LANG 日本語`, `LANG English`, or just `日本語` / `English`) switch it. A message to
someone else (a host's request, a guest's answer) is written in the recipient's language.

## Every message

Grouped by where the code sends them (the Messages page of the console shows the same groups).

"""


def _describe_sample(value: Any) -> str:
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, Money):
        return f"money, e.g. {value.value:f} {value.currency} (`|money` writes it per language: $120, 15,000円)"
    if isinstance(value, date):
        return f"date, e.g. {value.isoformat()} (`|day` gives {value:%b} {value.day})"
    if isinstance(value, int):
        return f"number, e.g. {value}"
    if isinstance(value, str):
        return f"text, e.g. `{value}`" if value else "text, may be empty"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        fields = ", ".join(f"`{name}`" for name in value[0])
        return f"list; each item has {fields}"
    if isinstance(value, list):
        return "list, e.g. " + ", ".join(f"`{item}`" for item in value)
    return type(value).__name__


def messages_doc() -> str:
    """docs/messages.md: the format, then every key, grouped by where it is used, with when it is sent and
    its variables."""
    sections = []
    for title, keys in message_groups().items():
        rows = [f"### {title}", "", "| key | when it is sent | variables |", "|---|---|---|"]
        rows += [_doc_row(key, REGISTRY[key]) for key in keys]
        sections.append("\n".join(rows) + "\n")
    return DOC_HEADER + "\n".join(sections)


def _doc_row(key: str, spec: MessageSpec) -> str:
    variables = "<br>".join(f"`{name}`: {_describe_sample(value)}" for name, value in spec.variables.items())
    when = spec.when + (" **Everyday: must fit one SMS.**" if spec.one_sms else "")
    cells = [f"`{key}`", when, variables or "none"]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "messages.md"


def write_docs(path: Path = DOC_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(messages_doc(), encoding="utf-8")
    return path


# -- realistic values -----------------------------------------------------------------------------------------

# The samples above are short; real values are not. `run.py check` also renders every everyday message with
# values as long as real ones get, in each language: a 40-character title (listing.title_max), a 10-character
# name, every date 10 days later (the sample stay Dec 20-23 becomes Dec 30-Jan 2, across New Year, its year
# written) and prices in yen ($120 a night becomes 15,000円, three nights 45,000円: wider than $360).
REALISTIC_TITLES = {"ja": "港の見える明るいロフト・寝室二つとバルコニー付きの静かな一軒家・駅から徒歩約五分",
                    "en": "Harbour Loft with a Sea View and Garden!"}
REALISTIC_NAMES = {"ja": "マクシミリアン・ロウ", "en": "Maximilian"}
_TITLE_VARIABLES = frozenset({"title", "place", "own_title"})
_NAME_VARIABLES = frozenset({"guest", "host", "name", "sender"})
_LATER = timedelta(days=10)
_YEN_PER_DOLLAR = 125


def realistic(variables: dict[str, Any], language: str) -> dict[str, Any]:
    """`variables` with values as long as real ones get (above), for `language`."""
    return {name: _realistic(name, value, language) for name, value in variables.items()}


def _realistic(name: str, value: Any, language: str) -> Any:
    if isinstance(value, str) and value and name in _TITLE_VARIABLES | _NAME_VARIABLES:
        chosen = REALISTIC_TITLES if name in _TITLE_VARIABLES else REALISTIC_NAMES
        return chosen.get(language, chosen["en"])
    if isinstance(value, date):
        return value + _LATER
    if isinstance(value, Money):
        return Money(value.minor * _YEN_PER_DOLLAR // 100 if value.currency == "USD" else value.minor, "JPY")
    if isinstance(value, list):
        return [realistic(item, language) if isinstance(item, dict) else _realistic(name, item, language)
                for item in value]
    return value
