-- Version 8: the controls around the arithmetic (issue 12).
-- What an applicant is recognised as, which a policy's eligibility may require: sorted names, `;`
-- between (`jic-member;tech-sme`); NULL when none. The applicant event's payload holds the same
-- string under "attributes", and leaves the key out when there are none, as before this version.
ALTER TABLE applicant ADD COLUMN attributes TEXT CHECK (length(attributes) > 0);

-- The provider's invoice a use paid (发票号码): one invoice is funded once, in any programme. NULL
-- when not given (and for every use recorded before this version); the use's payload leaves the
-- key out then.
ALTER TABLE voucher_use ADD COLUMN invoice TEXT CHECK (length(invoice) > 0);
CREATE INDEX voucher_use_by_invoice ON voucher_use(provider_id, invoice) WHERE invoice IS NOT NULL;

-- A provider suspended, or reinstated, from a date: a use with the provider on a day it is
-- suspended is refused. Its event's payload: provider, status, from, reason.
CREATE TABLE provider_status (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    provider_id TEXT NOT NULL CHECK (length(provider_id) > 0),
    status TEXT NOT NULL CHECK (status IN ('suspended', 'reinstated')),
    effective_from TEXT NOT NULL CHECK (effective_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    reason TEXT,
    CHECK (status = 'reinstated' OR reason IS NOT NULL)
) STRICT;

CREATE INDEX provider_status_by_provider ON provider_status(provider_id, event_seq);

CREATE TRIGGER provider_status_no_update BEFORE UPDATE ON provider_status BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: provider_status cannot be updated'); END;
CREATE TRIGGER provider_status_no_delete BEFORE DELETE ON provider_status BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: provider_status cannot be deleted'); END;

-- A programme year's appropriation (the fund grants draw on), with the funders' shares
-- (`city=6000;district=4000`, basis points; NULL when not given); a later row for the same year
-- revises it. Its event's payload: programme, year, amount, shares (left out when NULL).
CREATE TABLE budget (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    programme_id TEXT NOT NULL REFERENCES programme(id),
    year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    shares TEXT CHECK (length(shares) > 0)
) STRICT;

CREATE INDEX budget_by_year ON budget(programme_id, year, event_seq);

CREATE TRIGGER budget_no_update BEFORE UPDATE ON budget BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: budget cannot be updated'); END;
CREATE TRIGGER budget_no_delete BEFORE DELETE ON budget BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: budget cannot be deleted'); END;

-- An amount owed back on a paid use (with the reason), and an amount received back. A paid
-- settlement is not reversed (that would lower the redeemed figure without a word); the money owed
-- back is recorded here, and the report shows it beside what was redeemed.
CREATE TABLE recovery (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    use_seq INTEGER NOT NULL REFERENCES voucher_use(event_seq),
    amount INTEGER NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL CHECK (length(reason) > 0)
) STRICT;

CREATE INDEX recovery_by_use ON recovery(use_seq);

CREATE TABLE recovery_receipt (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    use_seq INTEGER NOT NULL REFERENCES voucher_use(event_seq),
    amount INTEGER NOT NULL CHECK (amount > 0)
) STRICT;

CREATE INDEX recovery_receipt_by_use ON recovery_receipt(use_seq);

CREATE TRIGGER recovery_no_update BEFORE UPDATE ON recovery BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: recovery cannot be updated'); END;
CREATE TRIGGER recovery_no_delete BEFORE DELETE ON recovery BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: recovery cannot be deleted'); END;
CREATE TRIGGER recovery_receipt_no_update BEFORE UPDATE ON recovery_receipt BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: recovery_receipt cannot be updated'); END;
CREATE TRIGGER recovery_receipt_no_delete BEFORE DELETE ON recovery_receipt BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: recovery_receipt cannot be deleted'); END;

-- The event kinds gain 'provider-status', 'budget', 'recovery' and 'recovery-received'. SQLite
-- cannot alter a CHECK constraint; widening the list loosens it, which SQLite's documentation
-- allows by editing the table's SQL in place (every existing row still satisfies it, so no row is
-- rewritten). The statements above change the schema version, so every connection reloads the
-- schema; the code that runs this migration checks that the new list is in place, and refuses
-- (changing nothing) if it is not.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''payment'', ''expiry'', ''reversal''))', '''payment'', ''expiry'', ''reversal'', ''provider-status'', ''budget'', ''recovery'', ''recovery-received''))')
WHERE type = 'table' AND name = 'event';
PRAGMA writable_schema = RESET;
