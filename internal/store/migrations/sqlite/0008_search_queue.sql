-- Changes to the trigram index wait in a queue until their transaction
-- commits, and are applied then, all at once (store.flushSearchQueue).
--
-- FTS5 writes what it holds in memory to a new segment of the index at
-- every savepoint, and the group commit runs each grouped transaction in a
-- savepoint of its own (store.groupCommit). Written by the users triggers
-- directly, every create in a group cost a segment write and the merges
-- that follow: in a profile of one-user creates from 8 clients, the
-- savepoints' index writes alone were 14 % of the writer's time. Through
-- the queue a group writes its changes to the index once, outside the
-- savepoints.
--
-- The queue is empty whenever no write transaction is open: readers, who
-- see only what was committed, never see it otherwise. A statement that
-- searched inside a write transaction would not find that transaction's
-- own changes; none does.
CREATE TABLE users_search_queue (
    seq    INTEGER PRIMARY KEY,
    doc    INTEGER NOT NULL,  -- the user's rowid
    search TEXT NOT NULL,
    del    INTEGER NOT NULL   -- 1: remove this text of doc; 0: add it
);

DROP TRIGGER users_search_insert;
DROP TRIGGER users_search_delete;
DROP TRIGGER users_search_update;

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search_queue (doc, search, del) VALUES (new.rowid, new.search, 0);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search_queue (doc, search, del) VALUES (old.rowid, old.search, 1);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF search ON users WHEN old.search <> new.search BEGIN
    INSERT INTO users_search_queue (doc, search, del) VALUES (old.rowid, old.search, 1);
    INSERT INTO users_search_queue (doc, search, del) VALUES (new.rowid, new.search, 0);
END;
