-- 0003-s3-objects.sql — S3 objects, multipart uploads and their parts.
-- Keys are TEXT compared with SQLite's BINARY collation, i.e. memcmp of the
-- UTF-8 bytes: exactly S3's listing order.

CREATE TABLE objects (
    bucket              TEXT NOT NULL REFERENCES buckets(name),
    key                 TEXT NOT NULL,
    blob_id             TEXT NOT NULL,      -- storage/blobs.c file id
    size                INTEGER NOT NULL CHECK (size >= 0),
    etag                TEXT NOT NULL,      -- hex MD5, or hex-N for multipart
    last_modified       REAL NOT NULL,      -- epoch seconds
    content_type        TEXT,
    content_encoding    TEXT,
    content_disposition TEXT,
    content_language    TEXT,
    cache_control       TEXT,
    expires             TEXT,
    user_meta           TEXT,               -- JSON object of x-amz-meta-* (names lower-case)
    checksum_algo       TEXT,               -- CRC32, CRC32C, CRC64NVME, SHA1, SHA256
    checksum_value      TEXT,               -- base64 (composite ones end "-N")
    checksum_type       TEXT CHECK (checksum_type IN ('FULL_OBJECT', 'COMPOSITE')),
    parts_count         INTEGER,            -- multipart objects
    storage_class       TEXT NOT NULL DEFAULT 'STANDARD',
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;

CREATE TABLE uploads (
    upload_id           TEXT PRIMARY KEY NOT NULL,
    bucket              TEXT NOT NULL REFERENCES buckets(name),
    key                 TEXT NOT NULL,
    account_id          TEXT NOT NULL,      -- initiator
    created_at          REAL NOT NULL,
    content_type        TEXT,
    content_encoding    TEXT,
    content_disposition TEXT,
    content_language    TEXT,
    cache_control       TEXT,
    expires             TEXT,
    user_meta           TEXT,
    checksum_algo       TEXT,
    checksum_type       TEXT,
    storage_class       TEXT NOT NULL DEFAULT 'STANDARD'
);
CREATE INDEX uploads_by_key ON uploads(bucket, key, created_at);

CREATE TABLE parts (
    upload_id       TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
    part_number     INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
    blob_id         TEXT NOT NULL,
    size            INTEGER NOT NULL,
    etag            TEXT NOT NULL,          -- hex MD5
    checksum_value  TEXT,                   -- base64 raw part checksum
    last_modified   REAL NOT NULL,
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;

DROP VIEW blob_refs;
CREATE VIEW blob_refs(blob_id) AS
    SELECT blob_id FROM objects
    UNION ALL SELECT blob_id FROM parts;

-- The start-up sweep asks "is this blob id referenced?" once per file.
CREATE INDEX objects_by_blob ON objects(blob_id);
CREATE INDEX parts_by_blob ON parts(blob_id);
