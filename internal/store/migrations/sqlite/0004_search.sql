-- Indexes that keep the people list fast at 100,000 users in one org.
--
-- Substring search (the q filter) goes through an FTS5 trigram index over
-- users.search. It is an external-content table keyed by the users table's
-- rowid and kept in step by triggers, so the text is stored once. Trigrams
-- cannot serve fragments shorter than three characters; ListUsers scans the
-- org's rows for those.
CREATE VIRTUAL TABLE users_search USING fts5(
    search,
    content = 'users',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search (rowid, search) VALUES (new.rowid, new.search);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, search) VALUES ('delete', old.rowid, old.search);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF search ON users WHEN old.search <> new.search BEGIN
    INSERT INTO users_search (users_search, rowid, search) VALUES ('delete', old.rowid, old.search);
    INSERT INTO users_search (rowid, search) VALUES (new.rowid, new.search);
END;

INSERT INTO users_search (users_search) VALUES ('rebuild');

-- One index per sort order, ending in the ID tie-break, so that every page
-- (the first or the 900th) is a range scan of at most limit+1 entries.
CREATE INDEX users_org_email_id ON users (org_id, email, id);
CREATE INDEX users_org_name_id ON users (org_id, sort_name, id);
CREATE INDEX users_org_created_id ON users (org_id, created_at, id);
CREATE INDEX users_org_login_id ON users (org_id, COALESCE(last_login_at, 0), id);
CREATE INDEX users_org_status_email_id ON users (org_id, status, email, id);
CREATE INDEX users_org_status_created_id ON users (org_id, status, created_at, id);
-- Role and status together, in email order: the "agents who are active" view.
DROP INDEX users_org_role;
CREATE INDEX users_org_role_status_email ON users (org_id, role_id, status, email, id);
DROP INDEX users_org_status_email;
