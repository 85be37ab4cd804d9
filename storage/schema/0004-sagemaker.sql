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
CREATE INDEX sm_resources_by_time ON sm_resources(account_id, kind, creation_time, name_lc);
CREATE INDEX sm_resources_by_parent ON sm_resources(account_id, parent, kind);

CREATE TABLE sm_tags (
    arn     TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;

-- CloudWatch Logs (storage/logs.c).  Events are append-only; within a
-- stream they are ordered by (timestamp, seq), and that pair is the durable
-- cursor GetLogEvents tokens encode.  seq is per stream and increasing, in
-- ingestion order (log_streams.last_seq is the last one handed out).
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
    first_event     INTEGER,                -- epoch ms of the earliest/latest event
    last_event      INTEGER,
    last_ingestion  INTEGER,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    stored_bytes    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, group_name, name),
    FOREIGN KEY (account_id, group_name) REFERENCES log_groups(account_id, name) ON DELETE CASCADE
);
CREATE INDEX log_streams_by_last_event ON log_streams(account_id, group_name, last_event);

CREATE TABLE log_events (
    stream_id       INTEGER NOT NULL REFERENCES log_streams(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,       -- per stream, increasing
    timestamp       INTEGER NOT NULL,       -- epoch ms (event time)
    ingestion_time  INTEGER NOT NULL,
    message         TEXT NOT NULL,
    PRIMARY KEY (stream_id, seq)
) WITHOUT ROWID;
CREATE INDEX log_events_by_time ON log_events(stream_id, timestamp, seq);
