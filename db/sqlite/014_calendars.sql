-- Calendars in and out (issue 25). Twin: db/postgresql/014_calendars.sql.
--
-- A place's iCal feeds from other platforms (Airbnb, Vrbo, Booking.com): read by the scheduler when
-- `next_read_at` falls due, by one server at a time (`claimed_until`: the claim of the server reading it).
-- `etag` / `last_modified`: the feed's validators, sent back as a conditional GET. `read_at`, `nights`:
-- the last good read and how many busy nights it held (kept when a later read fails); `error`: why the
-- last read failed (NULL: it worked), `error_told`: the host was texted about that failure (once);
-- `report`: the host waits to hear what the first read found.
CREATE TABLE IF NOT EXISTS calendar_feeds (
    id            INTEGER PRIMARY KEY,
    listing_id    INTEGER NOT NULL REFERENCES listings(id),
    url           TEXT    NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    next_read_at  TEXT    NOT NULL,
    claimed_until TEXT,
    read_at       TEXT,
    nights        INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    error_told    INTEGER NOT NULL DEFAULT 0,
    report        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS calendar_feeds_listing ON calendar_feeds(listing_id, id);
CREATE INDEX IF NOT EXISTS calendar_feeds_due ON calendar_feeds(next_read_at);
-- The nights a place cannot be booked besides its confirmed stays, one row per night and source:
-- `feed_id` is the feed that said so, or 0 for a night its host blocked (BLOCK). A BOOK checks its nights
-- with one probe of the primary key (listing_id, night, ...), beside the reservations' own.
CREATE TABLE IF NOT EXISTS busy_nights (
    listing_id    INTEGER NOT NULL REFERENCES listings(id),
    night         TEXT    NOT NULL,
    feed_id       INTEGER NOT NULL,
    PRIMARY KEY (listing_id, night, feed_id)
);
CREATE INDEX IF NOT EXISTS busy_nights_feed ON busy_nights(feed_id, listing_id);
-- The secret part of each place's own feed URL ($PUBLIC_URL/calendar/<token>.ics), made when first asked for.
-- A table of its own rather than a column of listings: every statement here can run again on a database
-- that has it (IF NOT EXISTS), which SQLite's ADD COLUMN cannot.
CREATE TABLE IF NOT EXISTS calendar_tokens (
    listing_id    INTEGER PRIMARY KEY REFERENCES listings(id),
    token         TEXT    NOT NULL UNIQUE
);
