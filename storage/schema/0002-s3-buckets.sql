-- 0002-s3-buckets.sql — S3 buckets.  Bucket names are global, as in AWS:
-- one name, one owner account.

CREATE TABLE buckets (
    name        TEXT PRIMARY KEY NOT NULL,
    account_id  TEXT NOT NULL,        -- owner
    region      TEXT NOT NULL,        -- LocationConstraint ('' = us-east-1)
    created_at  REAL NOT NULL         -- epoch seconds
);
CREATE INDEX buckets_by_account ON buckets(account_id, name);
