-- Version 7: the ledger's code keeps the account balances and the use totals instead of triggers.
-- An operation gathers what its postings, uses, settlements and reversals change, and a batch of
-- them (an import) writes each balance and each total once, in key order, when it commits, instead
-- of seven upserts and two updates as each use's rows are inserted. The tables and what they hold
-- are unchanged; `voucher verify` recomputes them as before.
DROP TRIGGER IF EXISTS posting_keeps_the_balance;
DROP TRIGGER IF EXISTS use_total_adds_a_use;
DROP TRIGGER IF EXISTS use_total_adds_a_settlement;
DROP TRIGGER IF EXISTS use_total_takes_out_a_reversal;
DROP VIEW IF EXISTS use_key;
