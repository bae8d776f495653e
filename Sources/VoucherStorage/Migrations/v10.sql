-- Version 10: the event table without the unique index of its hash. No query looks an event up
-- by its hash, and two events cannot share one: each hash covers the event's own sequence number
-- and the hash before it (docs/ledger.md). Keyed by a hash, the index took each new event to a
-- page at random, and once it outgrew the page cache every append read and wrote such a page: in
-- SQLite alone, 300,000 appends to a table of 3,000,000 took 4.5 times as long with it
-- (docs/performance.md, "The index of event hashes"). SQLite drops a column's UNIQUE only by
-- rebuilding the table: the events are copied to a new table, which takes the old one's name,
-- indexes and triggers. GRDB runs the migration with foreign keys off and checks them before it
-- commits; the copy holds every row as it was, so every hash and the chain verify as before.
CREATE TABLE event_new (
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

INSERT INTO event_new (seq, kind, business_date, recorded_at, actor, idempotency_key, request_hash,
    programme_id, policy_hash, reverses, payload, explanation, prev_hash, hash)
SELECT seq, kind, business_date, recorded_at, actor, idempotency_key, request_hash,
    programme_id, policy_hash, reverses, payload, explanation, prev_hash, hash
FROM event ORDER BY seq;

DROP TABLE event;
ALTER TABLE event_new RENAME TO event;

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

CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: event cannot be updated'); END;
CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: event cannot be deleted'); END;
