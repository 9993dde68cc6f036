-- Each user's record in the people list in email order, the default (the
-- expression store.listCols builds for that order, written the same way,
-- as SQLite recognises an indexed expression only when the query's is
-- the same), kept in an index in that order: a page in email order, the
-- first or one at row 90,000, either way, is then read from this index
-- alone, with no look-up of each row in the table and no record built
-- while the page is read (a quarter of the page's time before). The
-- index holds no search text, so that searches keep walking the narrower
-- users_org_email_search (store.textWalkFrom names it).
CREATE INDEX users_org_email_list ON users (org_id, email, id, concat_ws(char(29), email, first_name, last_name,
    status, role_id, license_type, extension, COALESCE(last_login_at, ''), created_at, updated_at,
    COALESCE(last_active_at, ''), COALESCE(email, ''), team_list));
