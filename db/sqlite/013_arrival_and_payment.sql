-- What a guest needs after the yes (issue 23): how to arrive and how to pay, per place. All NULL until the
-- host gives them (at the end of HOST, or with EDIT n ARRIVAL / EDIT n PAYMENT). The address and the way in
-- are private: only the guest of a confirmed stay and the operator's console are shown them (the code
-- keeps them out of BROWSE, SEARCH and VIEW); the check-in and check-out times are public.
-- Twin: db/postgresql/013_arrival_and_payment.sql.
ALTER TABLE listings ADD COLUMN address TEXT;
ALTER TABLE listings ADD COLUMN check_in_time TEXT;    -- 'HH:MM', the place's local time
ALTER TABLE listings ADD COLUMN check_out_time TEXT;
ALTER TABLE listings ADD COLUMN access TEXT;           -- how to get in, in the host's words
-- How guests pay the host; Airtng itself takes no payment. NULL: not said (guests are told to ask).
ALTER TABLE listings ADD COLUMN payment TEXT CHECK (payment IN ('on_arrival', 'bank_transfer', 'payment_link'));
ALTER TABLE listings ADD COLUMN payment_note TEXT;
