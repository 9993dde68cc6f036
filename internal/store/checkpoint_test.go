package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCheckpointerCopiesCommits: a commit far smaller than the writer's
// own checkpoint threshold reaches the database file within moments,
// copied by the checkpointer rather than left in the write-ahead log.
func TestCheckpointerCopiesCommits(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := Open(ctx, "sqlite:"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE scratch (b BLOB); PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := size()
	// About 250 pages, well under walAutoCheckpoint.
	const written = 300 * 3000
	if err := db.Tx(ctx, func(c *Conn) error {
		_, err := c.exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
			INSERT INTO scratch SELECT randomblob(3000) FROM n`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() < before+written {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is %d bytes, %d before the commit: its pages are still only in the log", size(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSQLiteConnectionSettings: every connection of the pool, not only
// the first, bounds its page cache and checkpoints at the chosen size.
func TestSQLiteConnectionSettings(t *testing.T) {
	ctx := t.Context()
	db := migratedSQLite(t)
	for i := range sqliteConns {
		// Held until the test ends, so that each is another connection.
		c, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var cache, checkpoint int
		if err := c.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&checkpoint); err != nil {
			t.Fatal(err)
		}
		if cache != -sqliteCacheKiB || checkpoint != walAutoCheckpoint {
			t.Errorf("connection %d: cache_size %d, wal_autocheckpoint %d; want %d, %d", i, cache, checkpoint, -sqliteCacheKiB, walAutoCheckpoint)
		}
	}
}
