-- Indexes that keep the people list fast at 100,000 users in one org.
--
-- Substring search (the q filter) goes through a pg_trgm GIN index over
-- users.search. The extension lives in the public schema so that every
-- Roster schema of the database shares it (and dropping one schema cannot
-- take it away from the others); the index names the operator class by the
-- schema the extension is actually in, which need not be on search_path.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

DO $$
DECLARE
    ext_schema text;
BEGIN
    SELECT n.nspname INTO ext_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX users_search_trgm ON users USING gin (search %I.gin_trgm_ops)', ext_schema);
END
$$;

-- One index per sort order, ending in the ID tie-break, so that every page
-- (the first or the 900th) is a range scan of at most limit+1 entries.
CREATE INDEX users_org_email_id ON users (org_id, email, id);
CREATE INDEX users_org_name_id ON users (org_id, sort_name, id);
CREATE INDEX users_org_created_id ON users (org_id, created_at, id);
CREATE INDEX users_org_login_id ON users (org_id, COALESCE(last_login_at, 0), id);
CREATE INDEX users_org_status_email_id ON users (org_id, status, email, id);
CREATE INDEX users_org_status_created_id ON users (org_id, status, created_at, id);
DROP INDEX users_org_role;
CREATE INDEX users_org_role_status_email ON users (org_id, role_id, status, email, id);
DROP INDEX users_org_status_email;
