-- Version 4: the index of late filings, which schema.sql gained without a migration; ledgers
-- created between versions 2 and 3 of the code lack it.
-- The report lists the uses filed for redemption past their deadline: a few among many.
CREATE INDEX IF NOT EXISTS redemption_item_past_deadline ON redemption_item(filing_seq) WHERE past_deadline = 1;
