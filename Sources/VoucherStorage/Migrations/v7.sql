-- Version 7: the ledger's code keeps the account balances and the use totals instead of triggers,
-- and keeps them by day too.
-- An operation gathers what its postings, uses, settlements and reversals change, and a batch of
-- them (an import) writes each balance and each total once, in key order, when it commits, instead
-- of seven upserts and two updates as each use's rows are inserted. The tables and what they hold
-- are unchanged; `voucher verify` recomputes them as before.
DROP TRIGGER IF EXISTS posting_keeps_the_balance;
DROP TRIGGER IF EXISTS use_total_adds_a_use;
DROP TRIGGER IF EXISTS use_total_adds_a_settlement;
DROP TRIGGER IF EXISTS use_total_takes_out_a_reversal;
DROP VIEW IF EXISTS use_key;

-- The same totals by the day of each change, for the dimensions with few keys, so that a report to
-- any date reads a few rows a day instead of every use: a use adds to its keys on the day it was
-- used, a settlement on the day it was settled, and a reversal takes out what it reverses on its
-- own day. A report to a date sums the rows up to it. (Changes can be negative; the sums to any day
-- are what `use_total` holds.) Applicants and products are not kept by day: with a row for nearly
-- every use, they added about a fifth to an import of 20,000 uses, and at 1,000,000 uses took
-- verify from 11 s and 124 MB to 15 s and 456 MB; a report to a date counts them from the uses.
CREATE TABLE use_day_total (
    programme_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    dimension TEXT NOT NULL CHECK (dimension IN ('all', 'provider', 'category', 'region', 'month')),
    key TEXT NOT NULL,
    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    uses INTEGER NOT NULL,
    service_amount INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    returned INTEGER NOT NULL,
    paid INTEGER NOT NULL,
    over_rate INTEGER NOT NULL,
    PRIMARY KEY (programme_id, dimension, key, day, year)
) STRICT, WITHOUT ROWID;

-- The postings' sums by programme, account type, year and day: a report's balances to a date.
CREATE TABLE account_day_total (
    programme_id TEXT NOT NULL,
    account_type TEXT NOT NULL CHECK (account_type IN ('budget', 'quota', 'awaiting', 'paid', 'forfeited', 'lapsed')),
    year INTEGER NOT NULL,
    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    amount INTEGER NOT NULL,
    PRIMARY KEY (programme_id, account_type, day, year)
) STRICT, WITHOUT ROWID;

-- MARK: filled from the postings, uses, settlements and reversals already recorded

INSERT INTO account_day_total (programme_id, account_type, year, day, amount)
SELECT programme_id, account_type, year, business_date, SUM(amount) FROM posting
GROUP BY programme_id, account_type, year, business_date;

WITH use_change AS (
    SELECT u.event_seq AS use_seq, u.used_on AS day, 1 AS uses, u.service_amount AS service, u.amount AS amount,
        0 AS returned, 0 AS paid,
        u.amount > CASE u.rounding
            WHEN 'half-up to fen' THEN (u.service_amount * u.rate_basis_points + 5000) / 10000
            WHEN 'half-up to yuan' THEN (u.service_amount * u.rate_basis_points + 500000) / 1000000 * 100
            WHEN 'half-even to fen' THEN u.service_amount * u.rate_basis_points / 10000
                + (u.service_amount * u.rate_basis_points % 10000 > 5000
                    OR (u.service_amount * u.rate_basis_points % 10000 = 5000 AND u.service_amount * u.rate_basis_points / 10000 % 2 = 1))
            WHEN 'half-even to yuan' THEN (u.service_amount * u.rate_basis_points / 1000000
                + (u.service_amount * u.rate_basis_points % 1000000 > 500000
                    OR (u.service_amount * u.rate_basis_points % 1000000 = 500000 AND u.service_amount * u.rate_basis_points / 1000000 % 2 = 1))) * 100
            WHEN 'down to yuan' THEN u.service_amount * u.rate_basis_points / 1000000 * 100
            ELSE u.service_amount * u.rate_basis_points / 10000 END AS over_rate
    FROM voucher_use u
),
change AS (
    SELECT use_seq, day, uses, service, amount, returned, paid, over_rate FROM use_change
    UNION ALL
    SELECT s.use_seq, e.business_date, 0, 0, 0, CASE WHEN s.unpaid_effect = 'returned' THEN s.unpaid ELSE 0 END, s.paid, 0
    FROM settlement s JOIN event e ON e.seq = s.event_seq
    UNION ALL
    SELECT c.use_seq, r.business_date, -c.uses, -c.service, -c.amount, 0, 0, -c.over_rate
    FROM event r JOIN use_change c ON c.use_seq = r.reverses
    UNION ALL
    SELECT s.use_seq, r.business_date, 0, 0, 0, -(CASE WHEN s.unpaid_effect = 'returned' THEN s.unpaid ELSE 0 END), -s.paid, 0
    FROM event r JOIN settlement s ON s.event_seq = r.reverses
)
INSERT INTO use_day_total (programme_id, year, dimension, key, day, uses, service_amount, amount, returned, paid, over_rate)
SELECT u.programme_id, u.year, d.column1,
    CASE d.column1 WHEN 'all' THEN '' WHEN 'provider' THEN u.provider_id WHEN 'category' THEN u.category
        WHEN 'region' THEN u.provider_region ELSE substr(u.used_on, 1, 7) END,
    c.day, SUM(c.uses), SUM(c.service), SUM(c.amount), SUM(c.returned), SUM(c.paid), SUM(c.over_rate)
FROM change c JOIN voucher_use u ON u.event_seq = c.use_seq
CROSS JOIN (VALUES ('all'), ('provider'), ('category'), ('region'), ('month')) AS d
GROUP BY 1, 2, 3, 4, 5;
