-- Version 11: the two indexes a report to an earlier date passes over hold what it reads. Such a
-- report reads each use up to the date (each applicant's figures, the products used) and each
-- posting up to it (the accounts below zero), found through these indexes by programme and date.
-- Each row was then read from its table, a page at random for each: at 1,000,000 shanghai uses
-- the two passes took about 0.8 s and 2.1 s in SQLite, and 0.1 s and 0.4 s reading the index
-- alone (docs/performance.md, "Reports to a date, fourth pass"). The reports through today read the kept
-- totals, not these. Each index keeps its name and the columns it began with, so every query that
-- used it still can. Holding more, the index of uses also drew a query that used another: the sum
-- of a group's uses now names the index by applicant (Ledger.groupUsedSQL).
DROP INDEX voucher_use_by_programme;
CREATE INDEX voucher_use_by_programme ON voucher_use(programme_id, year, used_on, applicant_id, product_code, service_amount, amount);
DROP INDEX posting_for_reports;
CREATE INDEX posting_for_reports ON posting(programme_id, account_type, year, business_date, account_id, amount, event_seq);
