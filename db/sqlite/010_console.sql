-- The operators' web console (/admin): who may sign in, their server-side sessions, what they did, and the
-- failed sign-ins that throttle guessing.
CREATE TABLE operators (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,                  -- argon2id, with its own salt and parameters
    created_at    TEXT    NOT NULL
);

-- One row per signed-in browser. The cookie holds a random 256-bit token; only its SHA-256 is stored, so a
-- copy of the database signs nobody in. Logout deletes the row; idle and absolute expiry are checked on use.
CREATE TABLE operator_sessions (
    token_hash    TEXT    PRIMARY KEY,
    operator_id   INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    csrf_token    TEXT    NOT NULL,                  -- every POST of this session must carry it
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions(operator_id);

-- Every operator action, by name (kept after the operator is removed).
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    operator      TEXT    NOT NULL,
    action        TEXT    NOT NULL,                  -- login, logout, hide, unhide, retry, give_up, template_save
    target        TEXT,
    detail        TEXT,
    at            TEXT    NOT NULL
);

-- Failed sign-ins (never the password tried): five for one account or one address in 15 minutes refuse more.
CREATE TABLE login_failures (
    id            INTEGER PRIMARY KEY,
    operator      TEXT    NOT NULL,
    address       TEXT    NOT NULL,
    at            TEXT    NOT NULL
);
CREATE INDEX login_failures_operator ON login_failures(operator, at);
CREATE INDEX login_failures_address ON login_failures(address, at);

-- A person's thread in the console shows what they texted, not only what we answered: the text is kept with
-- its MessageSid for as long as the exactly-once record is (storage.inbound_retention_days). The thread
-- reads a phone's texts by time, which this index serves (one more index write per text).
ALTER TABLE inbound ADD COLUMN body TEXT;
CREATE INDEX inbound_phone_time ON inbound(phone, received_at);
