-- MARK: use totals (version 2)
--
-- Running totals of the live uses of each programme and year, by dimension: what the annual report
-- reads instead of aggregating every use. Kept by triggers as uses and settlements are recorded and
-- reversed, like `account.balance`; `voucher verify` recomputes them. Dimension 'all' has one row
-- (key ''); 'applicant', 'provider', 'product', 'category', 'region' and 'month' (YYYY-MM of the
-- use) have one row per key. A key whose uses were all reversed keeps its row with zero uses.

CREATE TABLE use_total (
    programme_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    dimension TEXT NOT NULL CHECK (dimension IN ('all', 'applicant', 'provider', 'product', 'category', 'region', 'month')),
    key TEXT NOT NULL,
    uses INTEGER NOT NULL CHECK (uses >= 0),
    service_amount INTEGER NOT NULL,
    -- Voucher amounts of the uses, before amounts returned to the quota by settlements.
    amount INTEGER NOT NULL,
    returned INTEGER NOT NULL,
    paid INTEGER NOT NULL,
    -- Uses whose amount is above rate × service amount (none, while the CHECK on voucher_use holds).
    over_rate INTEGER NOT NULL,
    PRIMARY KEY (programme_id, year, dimension, key)
) STRICT, WITHOUT ROWID;

-- Each use under each of its keys, one row per dimension.
CREATE VIEW use_key AS
    SELECT u.event_seq, u.programme_id, u.year, d.column1 AS dimension,
        CASE d.column1 WHEN 'all' THEN '' WHEN 'applicant' THEN u.applicant_id WHEN 'provider' THEN u.provider_id
            WHEN 'product' THEN u.product_code WHEN 'category' THEN u.category WHEN 'region' THEN u.provider_region
            ELSE substr(u.used_on, 1, 7) END AS key,
        u.service_amount, u.amount, u.amount * 10000 > u.service_amount * u.rate_basis_points AS over_rate
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

-- A reversal takes out what the reversed use or settlement added. (A use's settlements are
-- reversed before the use itself.)
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


-- MARK: filled from the live uses and settlements of a ledger created before version 2

INSERT INTO use_total (programme_id, year, dimension, key, uses, service_amount, amount, returned, paid, over_rate)
SELECT k.programme_id, k.year, k.dimension, k.key, COUNT(*), SUM(k.service_amount), SUM(k.amount),
    COALESCE(SUM(s.returned), 0), COALESCE(SUM(s.paid), 0), SUM(k.over_rate)
FROM use_key k LEFT JOIN (
    SELECT use_seq, SUM(paid) AS paid, SUM(CASE WHEN unpaid_effect = 'returned' THEN unpaid ELSE 0 END) AS returned
    FROM settlement WHERE event_seq NOT IN (SELECT reverses FROM event WHERE reverses > 0)
    GROUP BY use_seq
) s ON s.use_seq = k.event_seq
WHERE k.event_seq NOT IN (SELECT reverses FROM event WHERE reverses > 0)
GROUP BY k.programme_id, k.year, k.dimension, k.key;
