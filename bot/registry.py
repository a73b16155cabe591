"""Every message key the bot can send: when it is sent, and the variables it gets (with samples).

`python run.py check` renders every template with these samples; `python run.py messages --docs` turns
this table into docs/messages.md. A key used in code but missing here fails the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class MessageSpec:
    when: str
    variables: dict[str, Any] = field(default_factory=dict)
    # A page (BROWSE, STATUS...): the name of its list variable. The code shows as many items as fit
    # `messages.page_segments`; `check` fails a page template that cannot fit its budget with one item.
    page: str | None = None


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
    {"number": 12, "text": "Sunny loft by the harbour, two bedrooms, balcony with..."},
    {"number": 15, "text": "Quiet cabin in the pines"},
]
# The example stay the date questions offer: two weeks out, three nights (flows/booking.py example_dates).
_EXAMPLE: dict[str, Any] = {"example_in": date(2026, 12, 11), "example_out": date(2026, 12, 14)}
_DATES: dict[str, Any] = {"text": "Dec 40", **_EXAMPLE}

REGISTRY: dict[str, MessageSpec] = {
    # -- anyone ---------------------------------------------------------------------------------------
    "welcome": MessageSpec("First text from an unknown number that is not a command."),
    "help": MessageSpec("HELP when the person is not in any flow and has nothing to decide: the words that "
                        "work; `more` after a BROWSE/SEARCH/STATUS page, `ref` one of the guest's own open "
                        "references to cancel ('' when none).", {"more": True, "ref": "K7QX2M"}),
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
        {"listings": _LISTING_ITEMS, "more": True, "query": "harbour"}, page="listings",
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
    "ask_dates": MessageSpec("BOOK <n> without dates: ask for them. `example_in`/`example_out`: a stay that "
                             "would be accepted (two weeks out, three nights).", {"number": 12, **_EXAMPLE}),
    "help_dates": MessageSpec("HELP while we wait for the stay's dates.", _EXAMPLE),
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
        "LISTINGS / MORE: a page of the host's places, each with its waiting requests (`pending`) and its "
        "confirmed stays not yet over (`stays`); `more`: MORE shows the rest.",
        {"listings": [{"number": 12, "text": "Sunny loft by the harbour", "pending": 2, "stays": 1},
                      {"number": 15, "text": "Quiet cabin in the pines", "pending": 0, "stays": 3}],
         "more": True}, page="listings",
    ),
    "listings_none": MessageSpec("LISTINGS from someone with no places."),
    "unlist_usage": MessageSpec("UNLIST without a number."),
    "unlist_not_yours": MessageSpec("UNLIST of someone else's listing.", {"number": 12}),
    "unlisted": MessageSpec("UNLIST done (after YES when it had stays to come); `declined` pending requests "
                            "were declined, `cancelled` stays to come were cancelled (their guests told).",
                            {"number": 12, "declined": 2, "cancelled": 1}),
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
    # -- stays after the yes, small talk and help (issue 10) -----------------------------------------
    "name_not_a_date": MessageSpec("The name answer had digits (a date, a number, a command with its number).",
                                   {"max_length": 40}),
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
        "YES/NO from a host in the middle of a flow (`flow`: hosting, booking, ...) while a request waits to "
        "be shown to them once the flow is over.", {"flow": "hosting", **_STAY}),
    "opted_in_changes": MessageSpec(
        "START / UNSTOP from an opted-out number when things changed while away, in one message: `requests` "
        "(references of requests closed: withdrawn, declined, expired) and `stays` (stays cancelled).",
        {"requests": ["K7QX2M", "P3RT9A"], "stays": ["H4WN8C"]}),
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
        "ask for YES first; anything else keeps it.", {**_STAY, "as_guest": True}),
    "help_cancel_confirm": MessageSpec("HELP while we wait for the YES that cancels a stay.",
                                       {**_STAY, "as_guest": True}),
    "cancel_kept": MessageSpec("Anything but YES after cancel_confirm: the stay stands.", _STAY),
    "stay_cancelled": MessageSpec("YES after cancel_confirm: the stay is cancelled, the other side told.",
                                  {**_STAY, "as_guest": False}),
    "cancel_host_request": MessageSpec("A host's CANCEL <ref> of a request still waiting (hosts decline with NO).",
                                       _STAY),
    "guest_stay_cancelled_host": MessageSpec("To the guest: the host cancelled their confirmed stay.", _STAY),
    "guest_stay_cancelled_unlisted": MessageSpec("To the guest: the host unlisted the place of their stay.",
                                                 _STAY),
    "guest_host_unreachable": MessageSpec(
        "To the guest: the host of their confirmed stay opted out or cannot be reached by SMS; the stay stands "
        "and is marked for an operator (`reservations.attention`).", _STAY),
    "unlist_confirm": MessageSpec(
        "UNLIST <n> of a place with confirmed stays to come: how many (`stays`, the first `first`-`first_out`) "
        "and YES to go on; anything else keeps it listed.",
        {"number": 12, "stays": 2, "first": date(2026, 12, 20), "first_out": date(2026, 12, 23)}),
    "help_unlist_confirm": MessageSpec("HELP while we wait for the YES that unlists a place with stays.",
                                       {"number": 12, "stays": 2}),
    "unlist_kept": MessageSpec("Anything but YES after unlist_confirm.", {"number": 12}),
    "listing_view_stay": MessageSpec(
        "VIEW <n> of a place no longer shown (its host left or cannot be reached) by a guest whose stay there "
        "still stands: the place and the stay.", {**_STAY, "description": "Sunny loft by the harbour."}),
    "stay_reminder_guest": MessageSpec("To the guest, the day before check-in at booking.reminder_local_hour.",
                                       _STAY),
    "stay_reminder_host": MessageSpec("To the host, the day before a guest's check-in at "
                                      "booking.reminder_local_hour.", _STAY),
}


# -- docs/messages.md ---------------------------------------------------------------------------------------

DOC_HEADER = """\
# Messages: everything the bot says, and how to change it

<!-- Generated from bot/registry.py by `python run.py messages --docs`. Edit the registry, not this file:
     a test fails when this file is stale. -->

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
  `Dec 30-Jan 2` across months); the parts `{{ check_in.month }}`, `{{ check_in.day }}` and
  `{{ check_in.year }}` let a language write its own (`{{ check_in.month }}月{{ check_in.day }}日`).
- Variations: a list of texts instead of one; each time one is picked at random. Every one is checked.

  ```yaml
  menu:
    - OK, back to the start. BROWSE to find a place, HOST to list yours.
    - Starting over. BROWSE for places, HOST to list yours.
  ```

Templates run in Jinja's sandbox and what people type is only ever passed in as a variable, never
compiled, so a name like `{{ x }}` is shown as written.

## Checking and publishing an edit

`python run.py check` (also `make check`, part of `make test`) reads every file and prints the problems
with file and line, then every message rendered with the sample values below: its length, its encoding and
the SMS segments it costs. Errors (the exit status is then non-zero): YAML mistakes, a key the default
language lacks, template syntax, variables the code does not pass, a message over Twilio's 1,600
characters. Warnings: a key another language lacks (that language falls back to the default one), a key
nothing sends (a typo?), more segments than `messages.warn_segments` in config.yaml.

One SMS holds 160 GSM-7 characters (153 each when split). A single character outside GSM-7 (an emoji, a
curly quote ’, an ellipsis …, any Japanese) turns the whole message into UCS-2: 70 characters (67 each when
split). Characters from GSM-7's extension table (`^ { } [ ] ~ | € \\`) count twice.

The running service picks up a saved edit within a second or two (or at once on `kill -HUP <pid>`). It
checks the files exactly like `check`; if there is any error it logs the report and keeps serving the last
good messages.

## Languages

Each person has a language; new numbers get `messages.default_language`. `LANG JA`, `LANG EN` (or the
language's name: `LANG 日本語`, `LANG English`, or just `日本語` / `English`) switch it. A message to
someone else (a host's request, a guest's answer) is written in the recipient's language.

## Every message

"""


def _describe_sample(value: Any) -> str:
    if isinstance(value, bool):
        return "yes/no"
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
    """docs/messages.md: the format, then every key with when it is sent and its variables."""
    rows = ["| key | when it is sent | variables |", "|---|---|---|"]
    for key, spec in REGISTRY.items():
        variables = "<br>".join(f"`{name}`: {_describe_sample(value)}" for name, value in spec.variables.items())
        cells = [f"`{key}`", spec.when, variables or "none"]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return DOC_HEADER + "\n".join(rows) + "\n"


DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "messages.md"


def write_docs(path: Path = DOC_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(messages_doc(), encoding="utf-8")
    return path
