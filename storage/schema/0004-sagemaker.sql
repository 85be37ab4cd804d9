-- 0004-sagemaker.sql — SageMaker resources, their tags, and CloudWatch Logs.
--
-- Every SageMaker resource (training job, model, endpoint config, endpoint,
-- transform job, tuning job, processing job, notebook instance) is one row
-- holding its whole Describe* document as JSON, plus the columns List*
-- filters and sorts on.  Names are unique per account and kind without
-- regard to case, as AWS's lower-cased ARNs imply.

CREATE TABLE sm_resources (
    account_id      TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('training-job', 'model', 'endpoint-config',
                        'endpoint', 'transform-job', 'hyper-parameter-tuning-job',
                        'processing-job', 'notebook-instance')),
    name            TEXT NOT NULL,          -- as created
    name_lc         TEXT NOT NULL,          -- lower-cased, for uniqueness and lookup
    arn             TEXT NOT NULL UNIQUE,
    status          TEXT,                   -- the kind's primary status, for StatusEquals
    creation_time   REAL NOT NULL,          -- epoch seconds
    last_modified   REAL NOT NULL,
    parent          TEXT,                   -- tuning job name of a child training job
    doc             TEXT NOT NULL,          -- the Describe* response document (JSON)
    PRIMARY KEY (account_id, kind, name_lc)
) WITHOUT ROWID;
CREATE INDEX sm_resources_by_time ON sm_resources(account_id, kind, creation_time);
CREATE INDEX sm_resources_by_parent ON sm_resources(account_id, parent, kind);

CREATE TABLE sm_tags (
    arn     TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;

-- CloudWatch Logs.  Events are append-only; (stream, seq) is the durable
-- cursor GetLogEvents tokens encode.
CREATE TABLE log_groups (
    account_id      TEXT NOT NULL,
    name            TEXT NOT NULL,
    creation_time   INTEGER NOT NULL,       -- epoch milliseconds
    PRIMARY KEY (account_id, name)
) WITHOUT ROWID;

CREATE TABLE log_streams (
    id              INTEGER PRIMARY KEY,
    account_id      TEXT NOT NULL,
    group_name      TEXT NOT NULL,
    name            TEXT NOT NULL,
    creation_time   INTEGER NOT NULL,
    first_event     INTEGER,                -- epoch ms of the first/last event
    last_event      INTEGER,
    last_ingestion  INTEGER,
    stored_bytes    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, group_name, name),
    FOREIGN KEY (account_id, group_name) REFERENCES log_groups(account_id, name) ON DELETE CASCADE
);

CREATE TABLE log_events (
    stream_id       INTEGER NOT NULL REFERENCES log_streams(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,       -- per stream, increasing
    timestamp       INTEGER NOT NULL,       -- epoch ms (event time)
    ingestion_time  INTEGER NOT NULL,
    message         TEXT NOT NULL,
    PRIMARY KEY (stream_id, seq)
) WITHOUT ROWID;
CREATE INDEX log_events_by_time ON log_events(stream_id, timestamp, seq);
