"""Every message key the bot can send: when it is sent, and the variables it gets (with samples).

`python run.py check` renders every template with these samples; `python run.py messages --docs` turns
this table into docs/messages.md. A key used in code but missing here fails the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class MessageSpec:
    when: str
    variables: dict[str, Any] = field(default_factory=dict)


_STAY: dict[str, Any] = {
    "ref": "K7QX2M",
    "listing": 12,
    "place": "Sunny loft by the harbour, two bedrooms",
    "guest": "Maria",
    "check_in": date(2026, 12, 20),
    "check_out": date(2026, 12, 23),
    "nights": 3,
}
_LISTING_ITEMS = [
    {"number": 12, "text": "Sunny loft by the harbour, two bedrooms, balcony with a vi…"},
    {"number": 15, "text": "Quiet cabin in the pines"},
]
_DATES = {"text": "Dec 40", "example": "Dec 11-14"}

REGISTRY: dict[str, MessageSpec] = {
    # -- anyone ---------------------------------------------------------------------------------------
    "welcome": MessageSpec("First text from an unknown number that is not a command."),
    "help": MessageSpec("HELP when the person is not in any flow and has nothing to decide."),
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
        {"listings": _LISTING_ITEMS, "more": True, "query": "harbour"},
    ),
    "browse_empty": MessageSpec("BROWSE when there are no listings at all.", {"query": ""}),
    "browse_empty_search": MessageSpec("SEARCH found nothing.", {"query": "castle"}),
    "browse_end": MessageSpec("MORE after the last page."),
    "more_nothing": MessageSpec("MORE without an earlier BROWSE or SEARCH."),
    "search_usage": MessageSpec("SEARCH without words."),
    "view_usage": MessageSpec("VIEW without a listing number."),
    "listing_view": MessageSpec(
        "VIEW <n>: one listing; its photo goes along as MMS media. `own` is true for the host's own place.",
        {"number": 12, "description": "Sunny loft by the harbour, two bedrooms.", "host": "Ana", "own": False},
    ),
    "listing_not_found": MessageSpec("A listing number that does not exist or is no longer listed.",
                                     {"number": 99}),
    # -- guests: booking ------------------------------------------------------------------------------
    "book_usage": MessageSpec("BOOK without a listing number."),
    "ask_dates": MessageSpec("BOOK <n> without dates: ask for them.", {"number": 12, "example": "Dec 11-14"}),
    "help_dates": MessageSpec("HELP while we wait for the stay's dates.", {"example": "Dec 11-14"}),
    "dates_unreadable": MessageSpec("Dates we could not read.", _DATES),
    "dates_past": MessageSpec("A check-in date in the past.", _DATES),
    "dates_order": MessageSpec("Check-out not after check-in.", _DATES),
    "dates_too_long": MessageSpec("A stay over the configured maximum.",
                                  {**_DATES, "nights": 45, "max_nights": 30}),
    "book_own_listing": MessageSpec("A host tried to book their own place.", {"number": 12}),
    "book_too_many": MessageSpec("The guest already holds the maximum number of pending requests.",
                                 {"limit": 3}),
    "book_unavailable": MessageSpec(
        "The dates overlap a confirmed stay of that place.",
        {"number": 12, "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23)},
    ),
    "book_duplicate": MessageSpec("The guest already has a pending request for those dates there.",
                                  {"number": 12}),
    "book_requested": MessageSpec(
        "The request was filed; `ref` is what the guest quotes to CANCEL.",
        {k: _STAY[k] for k in ("ref", "check_in", "check_out", "nights")} | {"number": 12},
    ),
    # -- guests: their stays --------------------------------------------------------------------------
    "status": MessageSpec(
        "STATUS: the guest's latest requests and stays.",
        {"reservations": [
            {"ref": "K7QX2M", "listing": 12, "check_in": date(2026, 12, 20), "check_out": date(2026, 12, 23),
             "nights": 3, "status": "pending"},
            {"ref": "P3RT9A", "listing": 15, "check_in": date(2027, 1, 2), "check_out": date(2027, 1, 4),
             "nights": 2, "status": "confirmed"},
        ]},
    ),
    "status_none": MessageSpec("STATUS with no requests at all."),
    "cancel_usage": MessageSpec("CANCEL followed by nothing usable (a lone CANCEL is an opt-out)."),
    "cancelled": MessageSpec("CANCEL <ref> withdrew the request or cancelled the stay.",
                             {"ref": "K7QX2M", "listing": 12}),
    "cancel_not_open": MessageSpec("CANCEL <ref> for a request that is already decided or over.",
                                   {"ref": "K7QX2M", "status": "declined"}),
    "cancel_too_late": MessageSpec("CANCEL <ref> for a stay that has already begun.", {"ref": "K7QX2M"}),
    "reservation_not_found": MessageSpec("CANCEL with a reference that is not one of the guest's.",
                                         {"ref": "ZZZZZZ"}),
    "guest_accepted": MessageSpec("To the guest: the host accepted.", _STAY),
    "guest_declined_host": MessageSpec("To the guest: the host declined.", _STAY),
    "guest_declined_overlap": MessageSpec("To the guest: another request for those dates was accepted.",
                                          _STAY),
    "guest_declined_unlisted": MessageSpec("To the guest: the host unlisted the place.", _STAY),
    "guest_declined_opted_out": MessageSpec("To the guest: the host stopped using Airtng.", _STAY),
    "guest_expired": MessageSpec("To the guest: the host did not answer in time.", _STAY),
    # -- hosts: listing -------------------------------------------------------------------------------
    "ask_description": MessageSpec("HOST: ask for the place's description.",
                                   {"min_length": 20, "max_length": 500}),
    "help_description": MessageSpec("HELP while we wait for the description.",
                                    {"min_length": 20, "max_length": 500}),
    "description_too_short": MessageSpec("The description is under the minimum.",
                                         {"length": 8, "min_length": 20}),
    "description_too_long": MessageSpec("The description is over the maximum.",
                                        {"length": 612, "max_length": 500}),
    "ask_photo": MessageSpec("Ask for a photo (MMS or an http(s) link) or SKIP."),
    "help_photo": MessageSpec("HELP while we wait for the photo."),
    "photo_invalid": MessageSpec("Neither a picture, an http(s) link, nor SKIP."),
    "listed": MessageSpec("The listing is live.", {"number": 12, "has_photo": True}),
    "listings": MessageSpec(
        "LISTINGS: the host's places with their pending request counts.",
        {"listings": [{"number": 12, "text": "Sunny loft by the harbour", "pending": 2}]},
    ),
    "listings_none": MessageSpec("LISTINGS from someone with no places."),
    "unlist_usage": MessageSpec("UNLIST without a number."),
    "unlist_not_yours": MessageSpec("UNLIST of someone else's listing.", {"number": 12}),
    "unlisted": MessageSpec("UNLIST done; `declined` pending requests were declined.",
                            {"number": 12, "declined": 2}),
    # -- hosts: deciding ------------------------------------------------------------------------------
    "host_prompt": MessageSpec("To the host: the one request to decide now.", _STAY),
    "host_reminder": MessageSpec("To the host: the request is still waiting (one reminder).", _STAY),
    "help_deciding": MessageSpec("HELP from a host with a request in front of them.", _STAY),
    "host_accepted": MessageSpec("The host said YES; `declined` overlapping requests were declined.",
                                 {**_STAY, "declined": 1}),
    "host_declined": MessageSpec("The host said NO.", _STAY),
    "decision_nothing_pending": MessageSpec("YES or NO with no request in front of the host."),
    "host_guest_cancelled": MessageSpec("To the host: the guest withdrew the request they were shown, "
                                        "or cancelled a confirmed stay.", _STAY),
    "host_request_expired": MessageSpec("To the host: the request they were shown expired.", _STAY),
}
