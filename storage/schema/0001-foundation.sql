-- 0001-foundation.sql — the first schema: accounts' access keys, and the
-- view the start-up sweep reads to tell which blob files are still in use.

-- One row per access key.  The built-in key test/test is inserted by the
-- daemon at start (db_seed_default_key) so its account follows --account.
CREATE TABLE credentials (
    access_key    TEXT PRIMARY KEY NOT NULL,
    secret_key    TEXT NOT NULL,
    account_id    TEXT NOT NULL CHECK (length(account_id) = 12),
    canonical_id  TEXT NOT NULL,   -- S3 owner ID (64 hex characters)
    display_name  TEXT NOT NULL,   -- S3 owner DisplayName
    created_at    REAL NOT NULL    -- epoch seconds
);

-- Every blob file under blobs/ must be named by some row.  Later migrations
-- that add tables holding blob ids redefine this view as a UNION; the sweep
-- deletes any blob file whose id the view does not return.
CREATE VIEW blob_refs(blob_id) AS SELECT NULL WHERE 0;

-- Daemon start-ups, for the health page and crash forensics.
CREATE TABLE boots (
    id          INTEGER PRIMARY KEY,
    started_at  REAL NOT NULL,
    version     TEXT NOT NULL,
    pid         INTEGER NOT NULL
);
