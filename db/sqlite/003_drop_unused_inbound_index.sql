-- `inbound_phone_time` served the first rate limit, which counted a phone's recent inbound rows. The limit
-- has had its own table (`rate_limits`) since, and nothing reads `inbound` but by MessageSid: the index was
-- only ever written, once for every text that arrives.
DROP INDEX IF EXISTS inbound_phone_time;
