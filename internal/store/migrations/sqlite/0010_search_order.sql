-- The trigram index's rowids carry each user's place in the email order,
-- roughly: a user's entry is keyed by the user's email bucket above 42
-- bits of the user's rowid (store.searchKeyBits), so the index yields a
-- fragment's matches bucket by bucket in the list's default order. A page
-- in that order is drawn from the matches of the first buckets that can
-- fill it, and only those are read from the table to be sorted, where
-- before every match was (store.searchKeys).
--
-- The bucket is the code points of the email's first three characters,
-- seven bits each: 127 for a character past ASCII and for every one after
-- it, 0 past the end (store.emailBucket computes the same). Emails compare
-- as bytes, which for UTF-8 is code point order, so an email that sorts
-- before another is never in a later bucket.
ALTER TABLE users ADD COLUMN email_bucket INTEGER GENERATED ALWAYS AS (CASE
    WHEN coalesce(unicode(email), 0) >= 127 THEN 2097151
    WHEN coalesce(unicode(substr(email, 2, 1)), 0) >= 127 THEN coalesce(unicode(email), 0) * 16384 + 16383
    ELSE coalesce(unicode(email), 0) * 16384 + coalesce(unicode(substr(email, 2, 1)), 0) * 128
        + min(coalesce(unicode(substr(email, 3, 1)), 0), 127)
END) VIRTUAL;

-- The index's external content is a view with the key, so that FTS5's
-- rebuild and integrity-check read the text by it; searches read only
-- the index's rowids.
CREATE VIEW users_search_content AS SELECT (email_bucket << 42) | rowid AS search_key, search FROM users;

DROP TRIGGER users_search_insert;
DROP TRIGGER users_search_delete;
DROP TRIGGER users_search_update;
DROP TABLE users_search;

CREATE VIRTUAL TABLE users_search USING fts5(
    search,
    content = 'users_search_content',
    content_rowid = 'search_key',
    tokenize = 'trigram'
);
INSERT INTO users_search (users_search) VALUES ('rebuild');

-- The queue (migration 0008) now holds search keys in doc. A new email
-- moves the entry to another key, though the store changes no one's.
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search_queue (doc, search, del) VALUES ((new.email_bucket << 42) | new.rowid, new.search, 0);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search_queue (doc, search, del) VALUES ((old.email_bucket << 42) | old.rowid, old.search, 1);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF search, email ON users
WHEN old.search <> new.search OR old.email <> new.email BEGIN
    INSERT INTO users_search_queue (doc, search, del) VALUES ((old.email_bucket << 42) | old.rowid, old.search, 1);
    INSERT INTO users_search_queue (doc, search, del) VALUES ((new.email_bucket << 42) | new.rowid, new.search, 0);
END;
