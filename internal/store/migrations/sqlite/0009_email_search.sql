-- The list's default order with each user's search text carried in the
-- index, as on PostgreSQL (its migration 0008): a search with many matches
-- in email order walks this index and tests the text on its entries
-- alone, reading the table only for the page's rows, where before it
-- looked each entry up among the trigram index's matches (about three
-- times the cost an entry). It replaces the plain (org_id, email, id)
-- index, whose every use it serves; SQLite has no INCLUDE, and the text
-- after the unique ID changes no order.
CREATE INDEX users_org_email_search ON users (org_id, email, id, search);
DROP INDEX users_org_email_id;
