-- Roles and teams, queues, presence, call statistics and CRM integrations
-- (SQLite dialect). Every table carries org_id so that each query filters
-- on the tenant.

-- Permissions granted to a user directly, on top of their role.
CREATE TABLE user_permissions (
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, permission)
);
CREATE INDEX user_permissions_org ON user_permissions (org_id, permission);

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0,
    avatar      BLOB,
    avatar_type TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE team_members (
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    team_id    TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    leader     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- Teams a role puts its holders in.
CREATE TABLE role_teams (
    org_id  TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, team_id)
);
CREATE INDEX role_teams_team ON role_teams (team_id);

CREATE TABLE queues (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (org_id, name_key)
);

CREATE TABLE queue_members (
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    queue_id   TEXT NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    penalty    INTEGER NOT NULL DEFAULT 0,
    priority   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (queue_id, user_id)
);
CREATE INDEX queue_members_user ON queue_members (user_id);

-- What the telephony side last said of a user, and their do-not-disturb
-- flag while the phone settings do not hold one.
CREATE TABLE presence (
    user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    status     TEXT NOT NULL DEFAULT '',
    dnd        INTEGER NOT NULL DEFAULT 0,
    set_at     INTEGER NOT NULL
);

-- Calls reported by the telephony side; the event ID makes a retried batch
-- harmless.
CREATE TABLE call_events (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    direction   TEXT NOT NULL,
    answered    INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    day         TEXT NOT NULL,
    duration_s  INTEGER NOT NULL DEFAULT 0,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX call_events_user_day ON call_events (org_id, user_id, day);

-- Dials a trial org has made, counted against its allowance.
ALTER TABLE orgs ADD COLUMN dials_used INTEGER NOT NULL DEFAULT 0;

CREATE TABLE integrations (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (org_id, key)
);

CREATE TABLE user_integrations (
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    account        TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (user_id, integration_id)
);
