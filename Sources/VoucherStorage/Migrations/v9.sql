-- Version 9: the uses filed for redemption past their deadline, kept apart with how many days late.
-- The annual report counts them and lists the most days late first. Found from the filings' items,
-- each needed its use and its filing's event, and where many are late that was most of the report's
-- time (docs/performance.md, "Late filings kept apart"). Each row is recomputed from hashed rows (the
-- item, its use's deadline, its filing's date), and `voucher verify` recomputes every one. A filing
-- that is reversed keeps its rows here, as it keeps its items; a report leaves it out as before.
CREATE TABLE late_item (
    filing_seq INTEGER NOT NULL REFERENCES redemption_filing(event_seq),
    use_seq INTEGER NOT NULL REFERENCES voucher_use(event_seq),
    programme_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    filed_on TEXT NOT NULL CHECK (filed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    days_late INTEGER NOT NULL,
    PRIMARY KEY (filing_seq, use_seq)
) STRICT, WITHOUT ROWID;

-- How many were filed by a date: a programme year's rows in order of the day they were filed.
CREATE INDEX late_item_by_day ON late_item(programme_id, year, filed_on);
-- The most days late first.
CREATE INDEX late_item_by_lateness ON late_item(programme_id, days_late DESC, filed_on, year);

CREATE TRIGGER late_item_no_update BEFORE UPDATE ON late_item BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: late_item cannot be updated'); END;
CREATE TRIGGER late_item_no_delete BEFORE DELETE ON late_item BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: late_item cannot be deleted'); END;

-- MARK: filled from the filings already recorded

INSERT INTO late_item (filing_seq, use_seq, programme_id, year, filed_on, days_late)
SELECT i.filing_seq, i.use_seq, u.programme_id, u.year, e.business_date,
    COALESCE(CAST(julianday(e.business_date) - julianday(u.redemption_deadline) AS INTEGER), 0)
FROM redemption_item i JOIN voucher_use u ON u.event_seq = i.use_seq JOIN event e ON e.seq = i.filing_seq
WHERE i.past_deadline = 1
ORDER BY i.filing_seq, i.use_seq;
