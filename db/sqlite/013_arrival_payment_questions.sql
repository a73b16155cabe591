-- What a guest needs after the yes (issue 23): how to arrive and how to pay, per place. All NULL until the
-- host gives them (at the end of HOST, or with EDIT n ARRIVAL / EDIT n PAYMENT). The address and the way in
-- are private: only the guest of a confirmed stay and the operator's console are shown them (the code
-- keeps them out of BROWSE, SEARCH and VIEW); the check-in and check-out times are public.
-- Twin: db/postgresql/013_arrival_payment_questions.sql.
ALTER TABLE listings ADD COLUMN address TEXT;
ALTER TABLE listings ADD COLUMN check_in_time TEXT;    -- 'HH:MM', the place's local time
ALTER TABLE listings ADD COLUMN check_out_time TEXT;
ALTER TABLE listings ADD COLUMN access TEXT;           -- how to get in, in the host's words
-- How guests pay the host; Airtng itself takes no payment. NULL: not said (guests are told to ask).
ALTER TABLE listings ADD COLUMN payment TEXT CHECK (payment IN ('on_arrival', 'bank_transfer', 'payment_link'));
ALTER TABLE listings ADD COLUMN payment_note TEXT;

-- A guest's questions about a place before booking (ASK <n>, bot/flows/asking.py): one thread per guest and
-- place while it is open (`closes_at`, relay.ask_days after it opened; `closed_at` when an opt-out or an
-- unlisting closed it sooner). The host answers with MSG <ref>: a reference drawn from the stays' alphabet
-- and never one a stay has. Neither number is ever shown to the other side.
CREATE TABLE questions (
    id            INTEGER PRIMARY KEY,
    ref           TEXT    NOT NULL UNIQUE,
    listing_id    INTEGER NOT NULL REFERENCES listings(id),
    guest_id      INTEGER NOT NULL REFERENCES users(id),
    host_id       INTEGER NOT NULL REFERENCES users(id),
    opened_at     TEXT    NOT NULL,
    closes_at     TEXT    NOT NULL,
    closed_at     TEXT,
    guest_told_at TEXT,                                 -- the rate limit's notice, once an hour per side
    host_told_at  TEXT
);
-- The guest's open thread about a place (ASK again) and whether they ever asked (the host's prompt).
CREATE INDEX questions_guest ON questions(guest_id, listing_id, closes_at);
-- Closing a host's or a place's threads (an opt-out, an unlisting).
CREATE INDEX questions_host ON questions(host_id, closes_at);
CREATE INDEX questions_listing ON questions(listing_id, closes_at);
-- Every message of a thread, kept as relayed stays' messages are, pointing at the outbox row it went as.
CREATE TABLE question_messages (
    id            INTEGER PRIMARY KEY,
    question_id   INTEGER NOT NULL REFERENCES questions(id),
    direction     TEXT    NOT NULL CHECK (direction IN ('guest_to_host', 'host_to_guest')),
    body          TEXT    NOT NULL,
    outbox_id     INTEGER NOT NULL REFERENCES outbox(id),
    created_at    TEXT    NOT NULL
);
-- A thread in order, and its rate limit (messages of the last hour): one range each.
CREATE INDEX question_messages_thread ON question_messages(question_id, created_at);
