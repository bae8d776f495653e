-- Version 6: the file says it is a voucher ledger (SQLite's application id, 0x564C4452, "VLDR"), so
-- that another program's database given as --db is recognised and left as it is.
PRAGMA application_id = 1447838802;
