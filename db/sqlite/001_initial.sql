-- Airtng core schema. Times are ISO-8601 UTC text ("...Z"); dates are ISO dates.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    phone         TEXT    NOT NULL UNIQUE,           -- E.164
    name          TEXT,
    language      TEXT    NOT NULL DEFAULT 'en',
    opted_out     INTEGER NOT NULL DEFAULT 0,
    unreachable   TEXT,                              -- why sends to this number fail for good (21211, 21614)
    created_at    TEXT    NOT NULL
);

CREATE TABLE listings (
    id            INTEGER PRIMARY KEY,
    host_id       INTEGER NOT NULL REFERENCES users(id),
    description   TEXT    NOT NULL,
    photo_url     TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL
);
CREATE INDEX listings_host ON listings(host_id, active);
CREATE INDEX listings_active ON listings(active, id);

CREATE TABLE reservations (
    id            INTEGER PRIMARY KEY,
    ref           TEXT    NOT NULL UNIQUE,
    listing_id    INTEGER NOT NULL REFERENCES listings(id),
    host_id       INTEGER NOT NULL REFERENCES users(id),   -- copied from the listing: the host's queue
    guest_id      INTEGER NOT NULL REFERENCES users(id),
    check_in      TEXT    NOT NULL,
    check_out     TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'confirmed', 'declined', 'cancelled', 'expired')),
    reason        TEXT,                                    -- why declined: host, overlap, unlisted, opted_out
    created_at    TEXT    NOT NULL,
    presented_at  TEXT,
    decided_at    TEXT,
    CHECK (check_out > check_in)
);
CREATE INDEX reservations_host_queue ON reservations(host_id, status, id);
CREATE INDEX reservations_guest ON reservations(guest_id, status, id);
CREATE INDEX reservations_listing ON reservations(listing_id, status, check_in);

CREATE TABLE conversations (
    user_id       INTEGER PRIMARY KEY REFERENCES users(id),
    flow          TEXT,
    step          TEXT,
    data          TEXT    NOT NULL DEFAULT '{}',
    presented_id  INTEGER REFERENCES reservations(id),   -- the one request shown to this host for decision
    flow_expires_at TEXT,                                -- a half-finished flow is forgotten after this
    updated_at    TEXT    NOT NULL
);
CREATE INDEX conversations_flow_expiry ON conversations(flow_expires_at) WHERE flow_expires_at IS NOT NULL;

-- Exactly-once inbound: each MessageSid with the TwiML we answered, written in the same transaction
-- as the state change it caused.
CREATE TABLE inbound (
    message_sid   TEXT PRIMARY KEY,
    phone         TEXT NOT NULL,
    reply         TEXT NOT NULL,
    received_at   TEXT NOT NULL
);
CREATE INDEX inbound_phone_time ON inbound(phone, received_at);

-- Transactional outbox: every REST message, written with the change that causes it.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER REFERENCES users(id),
    to_phone      TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    media_url     TEXT,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT  NOT NULL,
    lease_until   TEXT,
    last_error    TEXT,
    twilio_sid    TEXT,
    delivery_status TEXT,
    error_code    INTEGER,
    created_at    TEXT    NOT NULL,
    sent_at       TEXT
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_sid ON outbox(twilio_sid);
CREATE INDEX outbox_recipient ON outbox(to_phone, id);

-- Work due later (request expiry, host reminders): rows a scheduler works, never timers in memory.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    reservation_id INTEGER REFERENCES reservations(id),
    due_at        TEXT    NOT NULL,
    done_at       TEXT
);
CREATE INDEX jobs_due ON jobs(due_at) WHERE done_at IS NULL;
CREATE INDEX jobs_reservation ON jobs(reservation_id);

-- Per-phone inbound rate limiting (fixed windows).
CREATE TABLE rate_limits (
    phone         TEXT PRIMARY KEY,
    window_start  TEXT    NOT NULL,
    count         INTEGER NOT NULL,
    noticed       INTEGER NOT NULL DEFAULT 0
);
