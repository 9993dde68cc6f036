-- Each user's newest use of a session or API token, kept on the user's row
-- so that a page of users derives presence without reading everyone's
-- credentials. Sessions and tokens move it forward as they are used (at
-- most once a minute each); deleting them recounts it.
ALTER TABLE users ADD COLUMN last_active_at INTEGER;

UPDATE users SET last_active_at = NULLIF(MAX(
    COALESCE((SELECT MAX(s.last_seen_at) FROM sessions s WHERE s.user_id = users.id), 0),
    COALESCE((SELECT MAX(t.last_used_at) FROM api_tokens t WHERE t.user_id = users.id), 0)), 0);
