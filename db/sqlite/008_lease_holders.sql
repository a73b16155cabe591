-- Who holds an outbox row's lease, and whether they are alive: each server process (a boot id) stamps
-- `servers.heartbeat_at` every few seconds with the database's own clock; a row leased by a server whose
-- heartbeat stopped is sent by the others at once instead of after its whole lease.
CREATE TABLE servers (
    boot_id       TEXT PRIMARY KEY,
    heartbeat_at  TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN lease_holder TEXT;
