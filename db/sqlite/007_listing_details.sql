-- What a guest decides on: a listing's title, nightly price, capacity, and a search copy of its words.
-- Money is an integer in the currency's minor unit (cents, or whole yen) beside its ISO 4217 code, never a
-- float. A NULL price is "price on request" (places listed before prices were asked), a NULL capacity is
-- "not stated" (no limit is checked).
ALTER TABLE listings ADD COLUMN title TEXT;
ALTER TABLE listings ADD COLUMN price_per_night INTEGER;
ALTER TABLE listings ADD COLUMN currency TEXT;
ALTER TABLE listings ADD COLUMN max_guests INTEGER;
-- SEARCH matches title and description whatever their case, in every script. SQLite's lower() and LIKE
-- fold ASCII only, so the application writes this case-folded (NFKC + casefold) copy with every change
-- and SEARCH compares folded words against it: plain LIKE, the same on PostgreSQL.
ALTER TABLE listings ADD COLUMN search_text TEXT;
-- Places listed before titles existed take theirs from the description, up to 40 characters: cut after the
-- last whole word that fits (rtrim with a set of characters drops the cut word's letters, portably), or at
-- 37 characters when there is no word to cut at (one long word, or Japanese, written without spaces).
UPDATE listings SET title = CASE
    WHEN length(description) <= 40 THEN description
    WHEN substr(description, 38, 1) = ' '
         OR rtrim(substr(description, 1, 37), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') = ''
        THEN rtrim(substr(description, 1, 37), ' ,.') || '...'
    ELSE rtrim(rtrim(substr(description, 1, 37),
                     'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), ' ,.') || '...'
END;
-- lower() folds only ASCII: accented capitals in these older rows match only as written (new rows fold all).
UPDATE listings SET search_text = lower(title || ' ' || description);
-- A request keeps the party size and the nightly price it was filed at: a later EDIT of the price changes
-- no filed request. NULL for requests filed before this (no total is shown for them).
ALTER TABLE reservations ADD COLUMN guests INTEGER;
ALTER TABLE reservations ADD COLUMN price_per_night INTEGER;
ALTER TABLE reservations ADD COLUMN currency TEXT;
