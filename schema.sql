-- voucher-ledger: the schema a ledger has once every migration has run (version 10). This file
-- documents it; the migrations in Sources/VoucherStorage/Migrations/ make it, one file each, never
-- edited once landed, and a test holds a ledger migrated from nothing equal to this file.
-- Version 2 added the use totals; 3 dropped an index of postings by account; 4 added the index of
-- late filings; 5 gave each use the rounding of its policy, which bounds its amount; 6 set the
-- file's application id; 7 dropped the triggers that kept the balances and use totals (the ledger's
-- code keeps them, writing a batch's changes once each); 8 added applicants' attributes, uses'
-- invoices, providers' suspensions, appropriations, recoveries and the event kinds
-- 'provider-status', 'budget', 'recovery' and 'recovery-received' (issue 12's controls); 9 kept
-- the late filings apart (`late_item`); 10 rebuilt `event` without the unique index of its hash.
--
-- Money is INTEGER fen (0.01 CNY); dates are TEXT 'YYYY-MM-DD'; hashes are lower-case hex SHA-256.
-- Every fact is one row of `event`, chained by hash; the other ledger tables hold the event's
-- facts and postings, keyed by the event's sequence number. Ledger tables are append-only:
-- triggers refuse UPDATE and DELETE. `account` and `use_total` are the tables that change: they
-- cache each account's balance and the use totals, kept by the ledger's code from the postings,
-- uses and settlements it inserts; verification recomputes them.
-- docs/ledger.md explains the accounts, the event kinds and the hashed encoding.

-- MARK: events

CREATE TABLE event (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN (
        'programme', 'applicant', 'provider', 'product', 'claim', 'decision', 'use',
        'redemption-filed', 'redemption-settled', 'payment', 'expiry', 'reversal', 'provider-status', 'budget', 'recovery', 'recovery-received')),
    business_date TEXT NOT NULL CHECK (business_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL CHECK (length(actor) > 0),
    idempotency_key TEXT NOT NULL UNIQUE CHECK (length(idempotency_key) > 0),
    request_hash TEXT NOT NULL,
    programme_id TEXT REFERENCES programme(id) DEFERRABLE INITIALLY DEFERRED,
    policy_hash TEXT REFERENCES policy_version(hash) DEFERRABLE INITIALLY DEFERRED,
    reverses INTEGER UNIQUE REFERENCES event(seq),
    payload TEXT NOT NULL,
    explanation TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;

CREATE INDEX event_by_programme ON event(programme_id, kind, business_date);

CREATE TRIGGER event_sequence_has_no_gap BEFORE INSERT ON event
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM event)
BEGIN
    SELECT RAISE(ABORT, 'event.seq must be the next number after the last event');
END;

CREATE TRIGGER event_links_to_the_previous BEFORE INSERT ON event
WHEN NEW.prev_hash IS NOT COALESCE(
    (SELECT hash FROM event WHERE seq = NEW.seq - 1),
    '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
    SELECT RAISE(ABORT, 'event.prev_hash must be the previous event''s hash');
END;

-- MARK: programmes and their policies

CREATE TABLE programme (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('voucher', 'matching', 'grant')),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    event_seq INTEGER NOT NULL REFERENCES event(seq)
) STRICT;

-- Every policy file installed, whole; a programme's policy is its latest file.
CREATE TABLE policy_file (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    programme_id TEXT NOT NULL REFERENCES programme(id),
    file_name TEXT NOT NULL,
    yaml TEXT NOT NULL,
    sha256 TEXT NOT NULL
) STRICT;

CREATE INDEX policy_file_by_programme ON policy_file(programme_id, event_seq);

-- Each version once, by the hash of its canonical encoding; events pin the version they used.
CREATE TABLE policy_version (
    hash TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programme(id),
    effective_from TEXT NOT NULL,
    effective_until TEXT,
    canonical TEXT NOT NULL,
    event_seq INTEGER NOT NULL REFERENCES event(seq)
) STRICT;

-- MARK: parties and products (a change is a new row; the latest row of an id is current)

CREATE TABLE applicant (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    id TEXT NOT NULL CHECK (length(id) > 0),
    kind TEXT NOT NULL CHECK (kind IN ('enterprise', 'team')),
    name TEXT NOT NULL CHECK (length(name) > 0),
    district TEXT NOT NULL,
    region TEXT NOT NULL,
    group_id TEXT,
    override_reason TEXT,
    override_by TEXT, attributes TEXT CHECK (length(attributes) > 0),
    CHECK ((override_reason IS NULL) = (override_by IS NULL))
) STRICT;

CREATE INDEX applicant_by_id ON applicant(id, event_seq);
CREATE INDEX applicant_by_group ON applicant(group_id);

CREATE TABLE provider (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    id TEXT NOT NULL CHECK (length(id) > 0),
    name TEXT NOT NULL CHECK (length(name) > 0),
    region TEXT NOT NULL CHECK (length(region) > 0),
    override_reason TEXT,
    override_by TEXT,
    CHECK ((override_reason IS NULL) = (override_by IS NULL))
) STRICT;

CREATE INDEX provider_by_id ON provider(id, event_seq);

-- A provider suspended, or reinstated, from a date (version 8): a use with the provider on a day it
-- is suspended is refused. Its event's payload: provider, status, from, reason.
CREATE TABLE provider_status (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    provider_id TEXT NOT NULL CHECK (length(provider_id) > 0),
    status TEXT NOT NULL CHECK (status IN ('suspended', 'reinstated')),
    effective_from TEXT NOT NULL CHECK (effective_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    reason TEXT,
    CHECK (status = 'reinstated' OR reason IS NOT NULL)
) STRICT;

CREATE INDEX provider_status_by_provider ON provider_status(provider_id, event_seq);

-- A programme year's appropriation (version 8), with the funders' shares (`city=6000;district=4000`,
-- basis points); a later row for the same year revises it.
CREATE TABLE budget (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    programme_id TEXT NOT NULL REFERENCES programme(id),
    year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    shares TEXT CHECK (length(shares) > 0)
) STRICT;

CREATE INDEX budget_by_year ON budget(programme_id, year, event_seq);

CREATE TABLE product (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    code TEXT NOT NULL CHECK (length(code) > 0),
    provider_id TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) > 0),
    category TEXT NOT NULL CHECK (length(category) > 0),
    list_price INTEGER NOT NULL CHECK (list_price >= 0)
) STRICT;

CREATE INDEX product_by_code ON product(code, event_seq);
-- A new code differing from a registered one only in the case of its letters is refused; this
-- finds such a code (migration v12).
CREATE INDEX product_by_code_without_case ON product(code COLLATE NOCASE);

-- MARK: the lifecycle

CREATE TABLE claim (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    ref TEXT NOT NULL UNIQUE CHECK (length(ref) > 0),
    applicant_id TEXT NOT NULL,
    programme_id TEXT NOT NULL REFERENCES programme(id),
    year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    requested INTEGER NOT NULL CHECK (requested >= 0),
    project TEXT,
    paid INTEGER CHECK (paid >= 0)
) STRICT;

CREATE INDEX claim_by_applicant ON claim(applicant_id, programme_id, year);

CREATE TABLE decision (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    claim_seq INTEGER NOT NULL REFERENCES claim(event_seq),
    level TEXT NOT NULL CHECK (level IN ('district', 'city')),
    outcome TEXT NOT NULL CHECK (outcome IN ('granted', 'rejected')),
    granted INTEGER NOT NULL CHECK (granted >= 0),
    reviewer TEXT NOT NULL CHECK (length(reviewer) > 0),
    reason TEXT,
    valid_until TEXT,
    CHECK (outcome = 'granted' OR (granted = 0 AND reason IS NOT NULL))
) STRICT;

CREATE INDEX decision_by_claim ON decision(claim_seq, event_seq);

CREATE TABLE "voucher_use" (
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
        'down to fen', 'down to yuan', 'half-up to fen', 'half-up to yuan', 'half-even to fen', 'half-even to yuan')), invoice TEXT CHECK (length(invoice) > 0),
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

-- With the columns a report to an earlier date reads of each use (version 11).
CREATE INDEX voucher_use_by_programme ON voucher_use(programme_id, year, used_on, applicant_id, product_code, service_amount, amount);
CREATE INDEX voucher_use_by_applicant ON voucher_use(applicant_id, programme_id, year);
CREATE INDEX voucher_use_by_project ON voucher_use(programme_id, project);
-- One invoice is funded once, in any programme (version 8).
CREATE INDEX voucher_use_by_invoice ON voucher_use(provider_id, invoice) WHERE invoice IS NOT NULL;

CREATE TABLE redemption_filing (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    ref TEXT NOT NULL UNIQUE CHECK (length(ref) > 0),
    provider_id TEXT NOT NULL
) STRICT;

CREATE TABLE redemption_item (
    filing_seq INTEGER NOT NULL REFERENCES redemption_filing(event_seq),
    use_seq INTEGER NOT NULL REFERENCES voucher_use(event_seq),
    past_deadline INTEGER NOT NULL CHECK (past_deadline IN (0, 1)),
    PRIMARY KEY (filing_seq, use_seq)
) STRICT;

CREATE INDEX redemption_item_by_use ON redemption_item(use_seq);

CREATE TABLE settlement (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    filing_seq INTEGER NOT NULL REFERENCES redemption_filing(event_seq),
    use_seq INTEGER NOT NULL REFERENCES voucher_use(event_seq),
    outcome TEXT NOT NULL CHECK (outcome IN ('paid', 'reduced', 'rejected')),
    paid INTEGER NOT NULL CHECK (paid >= 0),
    unpaid INTEGER NOT NULL CHECK (unpaid >= 0),
    unpaid_effect TEXT NOT NULL CHECK (unpaid_effect IN ('returned', 'forfeited')),
    reason TEXT,
    CHECK (outcome = 'paid' OR reason IS NOT NULL)
) STRICT;

CREATE INDEX settlement_by_use ON settlement(use_seq);

CREATE TABLE payment (
    event_seq INTEGER PRIMARY KEY REFERENCES event(seq),
    claim_seq INTEGER NOT NULL REFERENCES claim(event_seq),
    amount INTEGER NOT NULL CHECK (amount > 0)
) STRICT;

CREATE INDEX payment_by_claim ON payment(claim_seq);

-- MARK: double entry

CREATE TABLE account (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('budget', 'quota', 'awaiting', 'paid', 'forfeited', 'lapsed')),
    programme_id TEXT NOT NULL REFERENCES programme(id),
    year INTEGER NOT NULL,
    party_id TEXT,
    balance INTEGER NOT NULL DEFAULT 0,
    -- Only the budget (the programme's appropriation) is drawn below zero.
    CHECK (type = 'budget' OR balance >= 0)
) STRICT;

CREATE INDEX account_by_programme ON account(programme_id, type, year);

CREATE TABLE posting (
    event_seq INTEGER NOT NULL REFERENCES event(seq),
    line INTEGER NOT NULL CHECK (line >= 1),
    account_id TEXT NOT NULL REFERENCES account(id),
    amount INTEGER NOT NULL CHECK (amount <> 0),
    -- Copied from the account and the event, so that reports aggregate one indexed table.
    account_type TEXT NOT NULL,
    programme_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    business_date TEXT NOT NULL,
    PRIMARY KEY (event_seq, line)
) STRICT;

-- With the columns a report to an earlier date reads of each posting (version 11).
CREATE INDEX posting_for_reports ON posting(programme_id, account_type, year, business_date, account_id, amount, event_seq);

CREATE TRIGGER account_keeps_its_identity BEFORE UPDATE OF id, type, programme_id, year, party_id ON account
BEGIN
    SELECT RAISE(ABORT, 'an account''s identity cannot change');
END;

CREATE TRIGGER account_no_delete BEFORE DELETE ON account
BEGIN
    SELECT RAISE(ABORT, 'accounts cannot be deleted');
END;

-- MARK: use totals (version 2)
--
-- Running totals of the live uses of each programme and year, by dimension: what the annual report
-- reads instead of aggregating every use. Kept as uses and settlements are recorded and reversed,
-- like `account.balance` (by triggers until version 7; since, by the ledger's code, KeptTotals.swift);
-- `voucher verify` recomputes them. Dimension 'all' has one row
-- (key ''); 'applicant', 'provider', 'product', 'category', 'region' and 'month' (YYYY-MM of the
-- use) have one row per key. A key whose uses were all reversed keeps its row with zero uses.
-- `over_rate` counts the uses whose amount is above rate × service amount as their policy rounds
-- it. (The comments inside CREATE TABLE are stored with the table, so they are v2's words.)

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

-- MARK: totals by day (version 7)
--
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

-- The items filed past their deadline (version 4): once the report's way to them; since version 9,
-- verify's and the v9 migration's.
CREATE INDEX redemption_item_past_deadline ON redemption_item(filing_seq) WHERE past_deadline = 1;

-- MARK: recovery (version 8)
--
-- An amount owed back on a paid use (with the reason), and an amount received back. A paid
-- settlement is not reversed; the money owed back is recorded here, beside what was redeemed.
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

-- MARK: late filings (version 9)
--
-- The uses filed for redemption past their deadline, with how many days late: the report counts
-- them and lists the most days late first. Recomputed by `voucher verify`.
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

-- MARK: append-only: no ledger row is ever changed or removed

CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: event cannot be updated'); END;
CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: event cannot be deleted'); END;
CREATE TRIGGER programme_no_update BEFORE UPDATE ON programme BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: programme cannot be updated'); END;
CREATE TRIGGER programme_no_delete BEFORE DELETE ON programme BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: programme cannot be deleted'); END;
CREATE TRIGGER policy_file_no_update BEFORE UPDATE ON policy_file BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: policy_file cannot be updated'); END;
CREATE TRIGGER policy_file_no_delete BEFORE DELETE ON policy_file BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: policy_file cannot be deleted'); END;
CREATE TRIGGER policy_version_no_update BEFORE UPDATE ON policy_version BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: policy_version cannot be updated'); END;
CREATE TRIGGER policy_version_no_delete BEFORE DELETE ON policy_version BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: policy_version cannot be deleted'); END;
CREATE TRIGGER applicant_no_update BEFORE UPDATE ON applicant BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: applicant cannot be updated'); END;
CREATE TRIGGER applicant_no_delete BEFORE DELETE ON applicant BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: applicant cannot be deleted'); END;
CREATE TRIGGER provider_no_update BEFORE UPDATE ON provider BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: provider cannot be updated'); END;
CREATE TRIGGER provider_no_delete BEFORE DELETE ON provider BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: provider cannot be deleted'); END;
CREATE TRIGGER product_no_update BEFORE UPDATE ON product BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: product cannot be updated'); END;
CREATE TRIGGER product_no_delete BEFORE DELETE ON product BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: product cannot be deleted'); END;
CREATE TRIGGER claim_no_update BEFORE UPDATE ON claim BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: claim cannot be updated'); END;
CREATE TRIGGER claim_no_delete BEFORE DELETE ON claim BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: claim cannot be deleted'); END;
CREATE TRIGGER decision_no_update BEFORE UPDATE ON decision BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: decision cannot be updated'); END;
CREATE TRIGGER decision_no_delete BEFORE DELETE ON decision BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: decision cannot be deleted'); END;
CREATE TRIGGER voucher_use_no_update BEFORE UPDATE ON voucher_use BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: voucher_use cannot be updated'); END;
CREATE TRIGGER voucher_use_no_delete BEFORE DELETE ON voucher_use BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: voucher_use cannot be deleted'); END;
CREATE TRIGGER redemption_filing_no_update BEFORE UPDATE ON redemption_filing BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: redemption_filing cannot be updated'); END;
CREATE TRIGGER redemption_filing_no_delete BEFORE DELETE ON redemption_filing BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: redemption_filing cannot be deleted'); END;
CREATE TRIGGER redemption_item_no_update BEFORE UPDATE ON redemption_item BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: redemption_item cannot be updated'); END;
CREATE TRIGGER redemption_item_no_delete BEFORE DELETE ON redemption_item BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: redemption_item cannot be deleted'); END;
CREATE TRIGGER settlement_no_update BEFORE UPDATE ON settlement BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: settlement cannot be updated'); END;
CREATE TRIGGER settlement_no_delete BEFORE DELETE ON settlement BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: settlement cannot be deleted'); END;
CREATE TRIGGER payment_no_update BEFORE UPDATE ON payment BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: payment cannot be updated'); END;
CREATE TRIGGER payment_no_delete BEFORE DELETE ON payment BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: payment cannot be deleted'); END;
CREATE TRIGGER posting_no_update BEFORE UPDATE ON posting BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: posting cannot be updated'); END;
CREATE TRIGGER posting_no_delete BEFORE DELETE ON posting BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: posting cannot be deleted'); END;
CREATE TRIGGER provider_status_no_update BEFORE UPDATE ON provider_status BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: provider_status cannot be updated'); END;
CREATE TRIGGER provider_status_no_delete BEFORE DELETE ON provider_status BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: provider_status cannot be deleted'); END;
CREATE TRIGGER budget_no_update BEFORE UPDATE ON budget BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: budget cannot be updated'); END;
CREATE TRIGGER budget_no_delete BEFORE DELETE ON budget BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: budget cannot be deleted'); END;
CREATE TRIGGER recovery_no_update BEFORE UPDATE ON recovery BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: recovery cannot be updated'); END;
CREATE TRIGGER recovery_no_delete BEFORE DELETE ON recovery BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: recovery cannot be deleted'); END;
CREATE TRIGGER recovery_receipt_no_update BEFORE UPDATE ON recovery_receipt BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: recovery_receipt cannot be updated'); END;
CREATE TRIGGER recovery_receipt_no_delete BEFORE DELETE ON recovery_receipt BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: recovery_receipt cannot be deleted'); END;
CREATE TRIGGER late_item_no_update BEFORE UPDATE ON late_item BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: late_item cannot be updated'); END;
CREATE TRIGGER late_item_no_delete BEFORE DELETE ON late_item BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: late_item cannot be deleted'); END;
