-- The list's default order with each user's search text carried in the
-- index: a search with many matches walks the org in email order and
-- tests the text on the index entries alone (an index-only scan), reading
-- the table only for the page's rows, instead of for every row it passes.
-- It replaces the plain (org_id, email, id) index, whose every use it
-- serves. SQLite keeps its own plan (an FTS5 table), so it has no
-- counterpart.
CREATE INDEX users_org_email_search ON users (org_id, email, id) INCLUDE (search);
DROP INDEX users_org_email_id;
