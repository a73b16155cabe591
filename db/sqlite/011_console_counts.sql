-- The console's dashboard refreshes itself every few seconds: each of its counts reads an index range, never
-- a whole table. (The outbox's SMS of the last day are counted by id range and need no index.)

-- Requests waiting, and stays to come (confirmed, by check-out): partial indexes holding only those rows, so
-- the texting path's own queries (by host, guest or listing first) never find them a better way in.
CREATE INDEX reservations_waiting ON reservations(status) WHERE status = 'pending';
CREATE INDEX reservations_confirmed ON reservations(check_out) WHERE status = 'confirmed';
-- Texts received in the last 24 hours; also the retention purge's walk on PostgreSQL.
CREATE INDEX inbound_received ON inbound(received_at);
-- Messages Twilio could not deliver: only those few rows are indexed (partial), so a send costs nothing.
CREATE INDEX outbox_undelivered ON outbox(id) WHERE delivery_status IN ('undelivered', 'failed');
-- Numbers that opted out or cannot be reached: few, and only they are indexed.
CREATE INDEX users_opted_out ON users(id) WHERE opted_out = 1;
CREATE INDEX users_unreachable ON users(id) WHERE unreachable IS NOT NULL;
