-- Stays after the yes (issue 10): the same columns, indexes, backfill and meaning as db/sqlite/009_stays.sql.
--
-- `confirmed_at`: when the host said yes. A cancelled row with it set was a stay, not a request (what
-- START reports as "stays cancelled" rather than "requests withdrawn"). Existing confirmed rows take their
-- decision time. ISO text under the C collation, as every time column: compared and ordered bytewise.
ALTER TABLE reservations ADD COLUMN confirmed_at text COLLATE "C";
UPDATE reservations SET confirmed_at = decided_at WHERE status = 'confirmed';
-- `attention`: why an operator must look at this stay (the host opted out or cannot be reached by SMS,
-- while the stay still stands). Only the few marked rows are indexed (a partial index, as on SQLite): the
-- operator console lists them.
ALTER TABLE reservations ADD COLUMN attention text;
CREATE INDEX reservations_attention ON reservations(attention) WHERE attention IS NOT NULL;
-- A host's confirmed stays still to come (STAYS, LISTINGS, a host leaving): read by the end date, so the walk
-- starts at today and never reads the host's past stays, however many years of them there are.
CREATE INDEX reservations_host_upcoming ON reservations(host_id, status, check_out);
-- When the number opted out: START tells what changed from then on (requests withdrawn, stays cancelled).
ALTER TABLE users ADD COLUMN opted_out_at text COLLATE "C";
