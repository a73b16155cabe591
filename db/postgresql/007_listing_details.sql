-- What a guest decides on: the same columns and meaning as db/sqlite/007_listing_details.sql, and the same
-- backfill (older places get the same titles and search copies on either backend).
-- Money is a bigint in the currency's minor unit (cents, or whole yen) beside its ISO 4217 code, never a
-- float. A NULL price is "price on request" (places listed before prices were asked), a NULL capacity is
-- "not stated" (no limit is checked).
ALTER TABLE listings ADD COLUMN title text;
ALTER TABLE listings ADD COLUMN price_per_night bigint;
ALTER TABLE listings ADD COLUMN currency text;
ALTER TABLE listings ADD COLUMN max_guests integer;
-- SEARCH matches title and description whatever their case, in every script: the application writes this
-- case-folded (NFKC + casefold) copy with every change and SEARCH compares folded words against it.
ALTER TABLE listings ADD COLUMN search_text text;
-- Places listed before titles existed take theirs from the description, up to 40 characters: cut after the
-- last whole word that fits (rtrim with a set of characters drops the cut word's letters), or at 37
-- characters when there is no word to cut at (one long word, or Japanese, written without spaces).
-- length/substr count characters and rtrim takes a set of characters on both backends: the same titles.
UPDATE listings SET title = CASE
    WHEN length(description) <= 40 THEN description
    WHEN substr(description, 38, 1) = ' '
         OR rtrim(substr(description, 1, 37), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') = ''
        THEN rtrim(substr(description, 1, 37), ' ,.') || '...'
    ELSE rtrim(rtrim(substr(description, 1, 37),
                     'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), ' ,.') || '...'
END;
-- lower() under the C collation folds only ASCII, as SQLite's lower() does: accented capitals in these older
-- rows match only as written (new rows fold all), the same on both backends.
UPDATE listings SET search_text = lower((title || ' ' || description) COLLATE "C");
-- A request keeps the party size and the nightly price it was filed at: a later EDIT of the price changes
-- no filed request. NULL for requests filed before this (no total is shown for them).
ALTER TABLE reservations ADD COLUMN guests integer;
ALTER TABLE reservations ADD COLUMN price_per_night bigint;
ALTER TABLE reservations ADD COLUMN currency text;
