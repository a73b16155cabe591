-- What a guest needs after the yes: the same columns and meaning as db/sqlite/013_arrival_and_payment.sql.
-- All NULL until the host gives them; the address and the way in are private (only the guest of a
-- confirmed stay and the operator's console see them), the check-in and check-out times are public.
ALTER TABLE listings ADD COLUMN address text;
ALTER TABLE listings ADD COLUMN check_in_time text;    -- 'HH:MM', the place's local time
ALTER TABLE listings ADD COLUMN check_out_time text;
ALTER TABLE listings ADD COLUMN access text;           -- how to get in, in the host's words
-- How guests pay the host; Airtng itself takes no payment. NULL: not said (guests are told to ask).
ALTER TABLE listings ADD COLUMN payment text CHECK (payment IN ('on_arrival', 'bank_transfer', 'payment_link'));
ALTER TABLE listings ADD COLUMN payment_note text;
