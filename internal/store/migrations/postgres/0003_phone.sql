-- Phone identity: org numbers, per-user phone settings, voicemail and app
-- provisioning. The extension stays on users (the people list searches it);
-- this makes it unique per org wherever it is set, inactive users included.
CREATE UNIQUE INDEX users_org_extension ON users (org_id, extension) WHERE extension <> '';
-- The dial-by-name directory lists only active users with an extension, at
-- most ~10,000 per org however large the org; these partial indexes keep
-- its searches within them, in the order they are shown.
CREATE INDEX users_directory_last ON users (org_id, LOWER(last_name), LOWER(first_name), id)
    WHERE status = 'active' AND extension <> '';
CREATE INDEX users_directory_first ON users (org_id, LOWER(first_name), LOWER(last_name), id)
    WHERE status = 'active' AND extension <> '';

CREATE TABLE phone_numbers (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    number     TEXT NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    is_main    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, number)
);
CREATE UNIQUE INDEX phone_numbers_one_main ON phone_numbers (org_id) WHERE is_main;

CREATE TABLE org_phone_settings (
    org_id          TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    directory_match TEXT NOT NULL DEFAULT 'last_name',
    updated_at      BIGINT NOT NULL
);

CREATE TABLE phone_settings (
    user_id              TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id               TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    caller_id            TEXT NOT NULL DEFAULT '',
    mobile_number        TEXT NOT NULL DEFAULT '',
    landline_number      TEXT NOT NULL DEFAULT '',
    linked_mobile_number TEXT NOT NULL DEFAULT '',
    display_numbers      TEXT NOT NULL DEFAULT '',
    country_prefix       TEXT NOT NULL DEFAULT '',
    vm_enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    vm_rings             BIGINT NOT NULL DEFAULT 4,
    vm_pin_hash          TEXT NOT NULL DEFAULT '',
    vm_email             TEXT NOT NULL DEFAULT '',
    vm_email_enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    vm_attach_audio      BOOLEAN NOT NULL DEFAULT FALSE,
    fwd_enabled          BOOLEAN NOT NULL DEFAULT FALSE,
    fwd_mode             TEXT NOT NULL DEFAULT 'simultaneous',
    fwd_destinations     TEXT NOT NULL DEFAULT '',
    dnd                  BOOLEAN NOT NULL DEFAULT FALSE,
    language             TEXT NOT NULL DEFAULT 'en',
    time_zone            TEXT NOT NULL DEFAULT 'UTC',
    lock_extension       BOOLEAN NOT NULL DEFAULT FALSE,
    lock_caller_id       BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX phone_settings_org ON phone_settings (org_id);

CREATE TABLE voicemail_greetings (
    user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL,
    uploaded_at  BIGINT NOT NULL
);

CREATE TABLE voicemails (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    caller_number    TEXT NOT NULL DEFAULT '',
    caller_name      TEXT NOT NULL DEFAULT '',
    duration_seconds BIGINT NOT NULL DEFAULT 0,
    audio_url        TEXT NOT NULL DEFAULT '',
    transcription    TEXT NOT NULL DEFAULT '',
    received_at      BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX voicemails_user ON voicemails (org_id, user_id, id);

CREATE TABLE provisioning_tokens (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    app        TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX provisioning_tokens_user ON provisioning_tokens (user_id);
