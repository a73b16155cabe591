-- Cancelling, expiring or declining a request asks which host (if any) is looking at it.
CREATE INDEX conversations_presented ON conversations(presented_id) WHERE presented_id IS NOT NULL;
