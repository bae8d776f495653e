-- Version 5: a use records the rounding of the policy version it was computed under, and its amount
-- is bounded by rate × service amount rounded that way. Before, the bound was always "rounded down
-- to the fen", so a policy that rounds half-up could quote an amount that the ledger then refused.
-- Uses recorded before version 5 have no rounding (NULL): "down to fen", the only one they could
-- record above that bound.
--
-- SQLite cannot change a CHECK in place: the table is rebuilt, and what reads it (the view of use
-- keys, the use-total triggers, the append-only triggers) is dropped first and made again after.

DROP TRIGGER IF EXISTS use_total_adds_a_use;
DROP TRIGGER IF EXISTS use_total_adds_a_settlement;
DROP TRIGGER IF EXISTS use_total_takes_out_a_reversal;
DROP TRIGGER IF EXISTS voucher_use_no_update;
DROP TRIGGER IF EXISTS voucher_use_no_delete;
DROP VIEW IF EXISTS use_key;

CREATE TABLE voucher_use_v5 (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    ref TEXT NOT NULL UNIQUE CHECK (length(ref) > 0),
    claim_seq INTEGER NOT NULL REFERENCES claim(event_seq),
    programme_id TEXT NOT NULL REFERENCES programme(id),
    year INTEGER NOT NULL,
    applicant_id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    product_code TEXT NOT NULL,
    category TEXT NOT NULL,
    provider_region TEXT NOT NULL,
    project TEXT,
    used_on TEXT NOT NULL,
    service_amount INTEGER NOT NULL CHECK (service_amount >= 0),
    eligible_amount INTEGER CHECK (eligible_amount BETWEEN 0 AND service_amount),
    tax_amount INTEGER CHECK (tax_amount BETWEEN 0 AND service_amount),
    rate_basis_points INTEGER NOT NULL CHECK (rate_basis_points BETWEEN 1 AND 10000),
    amount INTEGER NOT NULL CHECK (amount > 0),
    redemption_deadline TEXT,
    -- The rounding of the policy version the amount was computed under ("half-up to fen", ...);
    -- NULL for uses recorded before version 5, which rounded down to the fen.
    rounding TEXT CHECK (rounding IN (
        'down to fen', 'down to yuan', 'half-up to fen', 'half-up to yuan', 'half-even to fen', 'half-even to yuan')),
    -- The amount is at most rate × service amount (fen × 10,000), rounded as the use's policy says.
    CHECK (amount <= CASE rounding
        WHEN 'half-up to fen' THEN (service_amount * rate_basis_points + 5000) / 10000
        WHEN 'half-up to yuan' THEN (service_amount * rate_basis_points + 500000) / 1000000 * 100
        WHEN 'half-even to fen' THEN service_amount * rate_basis_points / 10000
            + (service_amount * rate_basis_points % 10000 > 5000
                OR (service_amount * rate_basis_points % 10000 = 5000 AND service_amount * rate_basis_points / 10000 % 2 = 1))
        WHEN 'half-even to yuan' THEN (service_amount * rate_basis_points / 1000000
            + (service_amount * rate_basis_points % 1000000 > 500000
                OR (service_amount * rate_basis_points % 1000000 = 500000 AND service_amount * rate_basis_points / 1000000 % 2 = 1))) * 100
        WHEN 'down to yuan' THEN service_amount * rate_basis_points / 1000000 * 100
        ELSE service_amount * rate_basis_points / 10000 END)
) STRICT;

INSERT INTO voucher_use_v5 (event_seq, ref, claim_seq, programme_id, year, applicant_id, provider_id, product_code,
    category, provider_region, project, used_on, service_amount, eligible_amount, tax_amount, rate_basis_points, amount,
    redemption_deadline)
SELECT event_seq, ref, claim_seq, programme_id, year, applicant_id, provider_id, product_code,
    category, provider_region, project, used_on, service_amount, eligible_amount, tax_amount, rate_basis_points, amount,
    redemption_deadline
FROM voucher_use;

DROP TABLE voucher_use;
ALTER TABLE voucher_use_v5 RENAME TO voucher_use;

CREATE INDEX voucher_use_by_programme ON voucher_use(programme_id, year, used_on);
CREATE INDEX voucher_use_by_applicant ON voucher_use(applicant_id, programme_id, year);
CREATE INDEX voucher_use_by_project ON voucher_use(programme_id, project);

-- Each use under each of its keys, one row per dimension; over_rate: the amount is above rate ×
-- service amount rounded as the use's policy says (never, while the CHECK above holds).
CREATE VIEW use_key AS
    SELECT u.event_seq, u.programme_id, u.year, d.column1 AS dimension,
        CASE d.column1 WHEN 'all' THEN '' WHEN 'applicant' THEN u.applicant_id WHEN 'provider' THEN u.provider_id
            WHEN 'product' THEN u.product_code WHEN 'category' THEN u.category WHEN 'region' THEN u.provider_region
            ELSE substr(u.used_on, 1, 7) END AS key,
        u.service_amount, u.amount, u.amount > CASE u.rounding
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
    CROSS JOIN (VALUES ('all'), ('applicant'), ('provider'), ('product'), ('category'), ('region'), ('month')) AS d;

CREATE TRIGGER use_total_adds_a_use AFTER INSERT ON voucher_use
BEGIN
    INSERT INTO use_total (programme_id, year, dimension, key, uses, service_amount, amount, returned, paid, over_rate)
    SELECT programme_id, year, dimension, key, 1, service_amount, amount, 0, 0, over_rate
    FROM use_key WHERE event_seq = NEW.event_seq
    ON CONFLICT (programme_id, year, dimension, key) DO UPDATE SET
        uses = uses + 1, service_amount = service_amount + excluded.service_amount,
        amount = amount + excluded.amount, over_rate = over_rate + excluded.over_rate;
END;

CREATE TRIGGER use_total_adds_a_settlement AFTER INSERT ON settlement
BEGIN
    UPDATE use_total SET paid = paid + NEW.paid,
        returned = returned + (CASE WHEN NEW.unpaid_effect = 'returned' THEN NEW.unpaid ELSE 0 END)
    WHERE (programme_id, year, dimension, key) IN (
        SELECT programme_id, year, dimension, key FROM use_key WHERE event_seq = NEW.use_seq);
END;

CREATE TRIGGER use_total_takes_out_a_reversal AFTER INSERT ON event WHEN NEW.reverses IS NOT NULL
BEGIN
    UPDATE use_total SET uses = uses - 1,
        service_amount = service_amount - (SELECT service_amount FROM voucher_use WHERE event_seq = NEW.reverses),
        amount = amount - (SELECT amount FROM voucher_use WHERE event_seq = NEW.reverses),
        over_rate = over_rate - (SELECT over_rate FROM use_key WHERE event_seq = NEW.reverses AND dimension = 'all')
    WHERE (programme_id, year, dimension, key) IN (
        SELECT programme_id, year, dimension, key FROM use_key WHERE event_seq = NEW.reverses);
    UPDATE use_total SET paid = paid - (SELECT paid FROM settlement WHERE event_seq = NEW.reverses),
        returned = returned - (SELECT CASE WHEN unpaid_effect = 'returned' THEN unpaid ELSE 0 END
            FROM settlement WHERE event_seq = NEW.reverses)
    WHERE (programme_id, year, dimension, key) IN (
        SELECT k.programme_id, k.year, k.dimension, k.key FROM settlement s JOIN use_key k ON k.event_seq = s.use_seq
        WHERE s.event_seq = NEW.reverses);
END;

CREATE TRIGGER voucher_use_no_update BEFORE UPDATE ON voucher_use BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: voucher_use cannot be updated'); END;
CREATE TRIGGER voucher_use_no_delete BEFORE DELETE ON voucher_use BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: voucher_use cannot be deleted'); END;
