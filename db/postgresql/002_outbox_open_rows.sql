-- The outbox sender keeps each recipient's messages in order: before claiming a row it looks for an earlier
-- open (pending or sending) row to the same phone. Only open rows are indexed, so that look-up stays small
-- however much history a phone has.
CREATE INDEX outbox_open_recipient ON outbox(to_phone, id) WHERE status IN ('pending', 'sending');
