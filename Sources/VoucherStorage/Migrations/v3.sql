-- Version 3: postings by account served no query, and at a million uses its inserts, keyed at
-- random, were a cost of every import.
DROP INDEX IF EXISTS posting_by_account;
