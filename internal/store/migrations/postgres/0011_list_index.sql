-- The people list's columns in email order, the default, in an index in
-- that order (store.listCols reads these and no others of users for that
-- order), so that a page in email order, the first or one at row 90,000,
-- either way, is an index-only scan: no visit of each row in the table
-- once vacuum has marked its page all-visible, and no sort, as the order
-- (email, id) is the index's own. The index holds no search text, so that
-- searches keep walking the narrower users_org_email_search.
CREATE INDEX users_org_email_list ON users (org_id, email, id) INCLUDE (first_name, last_name, status, role_id,
    license_type, extension, last_login_at, created_at, updated_at, last_active_at, team_list);
