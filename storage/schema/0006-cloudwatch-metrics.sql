-- 0006-cloudwatch-metrics.sql — CloudWatch metrics (server/cloudwatch.c,
-- storage/metrics.c).
--
-- A metric is (account, namespace, name, dimension set): AWS treats each
-- distinct dimension set as its own metric.  The dimension set is stored in
-- one canonical text form (sorted by name, then value; see
-- storage/metrics.c) so that the uniqueness constraint finds it.
-- Training jobs record one datapoint per matching log line (jobs/metrics.c);
-- PutMetricData records what clients send.  A datapoint carries its own
-- statistic set, so raw values (count 1) and pre-aggregated StatisticValues
-- live side by side.  As in CloudWatch, metrics belong to the account, not
-- to the job that produced them: deleting a job leaves them in place.

CREATE TABLE cw_metrics (
    id              INTEGER PRIMARY KEY,
    account_id      TEXT NOT NULL,
    namespace       TEXT NOT NULL,
    name            TEXT NOT NULL,
    dims            TEXT NOT NULL,          -- canonical dimension set ('' for none)
    last_ts         REAL NOT NULL,          -- when a datapoint last arrived (RecentlyActive)
    UNIQUE (account_id, namespace, name, dims)
);

CREATE TABLE cw_datapoints (
    metric_id       INTEGER NOT NULL REFERENCES cw_metrics(id) ON DELETE CASCADE,
    ts              REAL NOT NULL,          -- epoch seconds
    unit            TEXT NOT NULL DEFAULT 'None',
    sample_count    REAL NOT NULL,
    sum             REAL NOT NULL,
    minimum         REAL NOT NULL,
    maximum         REAL NOT NULL
);

CREATE INDEX cw_datapoints_by_time ON cw_datapoints (metric_id, ts);
