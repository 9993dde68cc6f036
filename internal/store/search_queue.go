package store

import "context"

// searchQueueVersion is SQLite's migration that queues the changes to the
// trigram index until commit (0008_search_queue.sql).
const searchQueueVersion = 8

// detectSearchQueue sets d.searchQueue when an SQLite schema already has
// the queue, as one migrated by an earlier start does.
func (d *DB) detectSearchQueue(ctx context.Context) error {
	var n int
	err := d.db.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'users_search_queue'`).Scan(&n)
	d.searchQueue.Store(err == nil && n > 0)
	return err
}

// flushSearchQueue applies the changes queued for the trigram index, in
// the order they were made, and empties the queue. It is the last step of
// every write transaction, and of a group of them outside their
// savepoints, so that FTS5 writes a commit's changes to its index once
// rather than once per savepoint. Before the schema has the queue (and on
// PostgreSQL) there is nothing to do.
func (d *DB) flushSearchQueue(ctx context.Context, c *Conn) error {
	if !d.searchQueue.Load() {
		return nil
	}
	if _, err := c.exec(ctx, flushSearchQueueSQL); err != nil {
		return err
	}
	_, err := c.exec(ctx, `DELETE FROM users_search_queue`)
	return err
}

// flushSearchQueueSQL hands the queue to the index. A NULL command is an
// ordinary insert; 'delete' removes the text that was indexed for the
// row. In key order: FTS5 writes what it holds to a segment of its own
// whenever a key comes lower than the one before, and keys follow emails
// (migration 0010), not the order users were made in. A key's own changes
// keep theirs. The queue's index (migration 0012) gives that order
// without sorting the queue.
const flushSearchQueueSQL = `INSERT INTO users_search (users_search, rowid, search)
	SELECT CASE WHEN del = 1 THEN 'delete' END, doc, search FROM users_search_queue ORDER BY doc, seq`
