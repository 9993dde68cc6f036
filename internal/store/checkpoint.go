package store

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// walAutoCheckpoint is the size of SQLite's write-ahead log, in pages, at
// which the committing writer copies the log into the database file itself
// (SQLite's wal_autocheckpoint, 1000 by default). Every such checkpoint
// copies each page changed since the last one and syncs both files, all
// while no other write can start: a create of one user changes about 19
// pages (the users table, its indexes, the audit trail and the trigram
// index), so at SQLite's default the writer stopped to checkpoint many
// times a second. A larger log lets a page changed by many commits be
// copied once, and the checkpointer below does most of the copying on
// another connection while the writer goes on.
const walAutoCheckpoint = 4000

// checkpointEvery is how often the checkpointer looks for committed pages
// to copy.
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies committed pages from SQLite's write-ahead log into
// the database file in the background, as a passive checkpoint: it waits
// for no one and no one waits for it. Writers keep their own checkpoint at
// walAutoCheckpoint pages, the one that lets the log start over from its
// beginning (which needs a moment when no write is in progress), and it
// then finds little left to copy. With both, creates of one user each
// from 8 clients ran about 30 % faster (docs/benchmarks.md).
type checkpointer struct {
	db      *sql.DB
	pending atomic.Bool // a commit since the last checkpoint
	stop    context.CancelFunc
	done    chan struct{}
}

// startCheckpointer runs a checkpointer on db until close is called.
func startCheckpointer(db *sql.DB) *checkpointer {
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{db: db, stop: stop, done: make(chan struct{})}
	go c.run(ctx)
	return c
}

// committed tells the checkpointer that a write transaction committed.
func (c *checkpointer) committed() { c.pending.Store(true) }

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !c.pending.Swap(false) {
			continue
		}
		// A failed checkpoint (the disk full, the database closing) leaves
		// the pages in the log, where readers find them and the writer's
		// own checkpoint copies them: nothing is lost, so it is only tried
		// again after the next commit.
		_, _ = c.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
	}
}

// close stops the checkpointer and waits for it.
func (c *checkpointer) close() {
	c.stop()
	<-c.done
}
