-- 0005-iam.sql — IAM roles created through CreateRole (server/query.c).
--
-- sagelite does not enforce IAM: GetRole answers for any role name in the
-- caller's account (SageMaker execution roles are just ARNs to us).  Roles
-- created explicitly are kept here so that their path, trust policy and
-- creation date round-trip, and so that ListRoles can show them.  Role
-- names are unique per account without regard to case, as in IAM.

CREATE TABLE iam_roles (
    account_id      TEXT NOT NULL,
    name            TEXT NOT NULL,          -- as created
    name_lc         TEXT NOT NULL,          -- lower-cased, for uniqueness and lookup
    path            TEXT NOT NULL DEFAULT '/',
    role_id         TEXT NOT NULL,          -- "AROA" + 17 upper-case characters
    create_date     REAL NOT NULL,          -- epoch seconds
    trust_policy    TEXT NOT NULL,          -- the AssumeRolePolicyDocument as given (JSON)
    description     TEXT,
    max_session     INTEGER NOT NULL DEFAULT 3600,
    PRIMARY KEY (account_id, name_lc)
) WITHOUT ROWID;
