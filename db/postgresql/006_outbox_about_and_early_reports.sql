-- The same columns, table and meaning as db/sqlite/006_outbox_about_and_early_reports.sql.

-- What each outbox row is about: the message key it was rendered from and the reservation it concerns
-- (NULL for a message about none). Just before a send the sender reads both, so that a host prompt or
-- reminder whose request was decided, cancelled or expired while the row waited (no sender running, a long
-- Twilio outage) is recorded as 'skipped' (stale) instead of asking about something already settled.
-- Read by the row's primary key only: no index.
ALTER TABLE outbox ADD COLUMN message_key text;
ALTER TABLE outbox ADD COLUMN reservation_id bigint REFERENCES reservations(id);

-- Delivery reports that overtake our record of the send: Twilio may call back between accepting a message
-- and our marking its row sent (with the SID). Kept by SID until that row is written, which takes the
-- status then; the scheduler deletes reports nobody claimed (by received_at).
CREATE TABLE early_deliveries (
    twilio_sid    text    PRIMARY KEY,
    status        text    NOT NULL,
    error_code    integer,
    received_at   text    COLLATE "C" NOT NULL
);
CREATE INDEX early_deliveries_received ON early_deliveries(received_at);
