-- Guest and host texting each other through Airtng once a stay is confirmed (bot/flows/relay.py).

-- Every relayed message, kept so an operator can read a stay's thread when guest and host disagree. The
-- outbox row it went out as holds its delivery status (`outbox_id`). `check_out` is the stay's, copied so
-- the scheduler can purge the thread `relay.retention_days` after check-out without reading reservations.
CREATE TABLE relay_messages (
    id             INTEGER PRIMARY KEY,
    reservation_id INTEGER NOT NULL REFERENCES reservations(id),
    direction      TEXT    NOT NULL CHECK (direction IN ('guest_to_host', 'host_to_guest')),
    body           TEXT    NOT NULL,                   -- what the sender typed (without our header)
    media_url      TEXT,
    outbox_id      INTEGER NOT NULL REFERENCES outbox(id),
    check_out      TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
);
-- A stay's thread in order, and the per-stay rate limit (messages of the last hour): one range each.
CREATE INDEX relay_messages_stay ON relay_messages(reservation_id, created_at);
-- The retention purge walks the oldest stays first and stops at the cutoff.
CREATE INDEX relay_messages_check_out ON relay_messages(check_out);

-- When a sender was last told the stay's rate limit tripped, so they are told once, not at every text.
CREATE TABLE relay_notices (
    reservation_id INTEGER NOT NULL REFERENCES reservations(id),
    user_id        INTEGER NOT NULL REFERENCES users(id),
    told_at        TEXT    NOT NULL,
    PRIMARY KEY (reservation_id, user_id)
);
CREATE INDEX relay_notices_told ON relay_notices(told_at);

-- MSG looks up the texter's stays whose relay window may still be open (confirmed, or cancelled: closed
-- at once, and said so), as guest and as host. Only those two statuses are indexed, so requests (most of
-- the table) cost these indexes nothing, and a host's long history is skipped by check_out.
CREATE INDEX reservations_guest_stays ON reservations(guest_id, check_out)
    WHERE status IN ('confirmed', 'cancelled');
CREATE INDEX reservations_host_stays ON reservations(host_id, check_out)
    WHERE status IN ('confirmed', 'cancelled');
