package store

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestStmtCacheEvictsSafely runs many distinct queries from many
// goroutines through a cache of two statements, so that statements are
// evicted while others still use them; every query must still answer
// correctly and the cache must stay within its bound.
func TestStmtCacheEvictsSafely(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(4)
	if _, err := db.Exec(`CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := db.Exec(`INSERT INTO n VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	cache := newStmtCache(db, 2)
	defer cache.close()
	q := &cachedQuerier{cache: cache}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % 7 // seven query strings for two slots
				var sum int
				err := q.QueryRowContext(t.Context(), fmt.Sprintf(`SELECT COALESCE(SUM(v), 0) + %d FROM n WHERE v < ?`, k), k).Scan(&sum)
				if err != nil {
					errs <- err
					return
				}
				if want := k*(k-1)/2 + k; sum != want {
					errs <- fmt.Errorf("query %d = %d, want %d", k, sum, want)
					return
				}
				rows, err := q.QueryContext(t.Context(), fmt.Sprintf(`SELECT v FROM n WHERE v >= %d ORDER BY v`, k))
				if err != nil {
					errs <- err
					return
				}
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Close(); err != nil {
					errs <- err
					return
				}
				if n != 10-k {
					errs <- fmt.Errorf("rows for %d = %d, want %d", k, n, 10-k)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if cache.lru.Len() > 2 || len(cache.byKey) != cache.lru.Len() {
		t.Fatalf("cache holds %d statements (%d keys), bound 2", cache.lru.Len(), len(cache.byKey))
	}
}

// TestStmtCacheInTransaction binds each statement once per transaction and
// sees the transaction's own writes; a query that does not compile reports
// its error.
func TestStmtCacheInTransaction(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	cache := newStmtCache(db, 1)
	defer cache.close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	q := &cachedQuerier{cache: cache, tx: tx}
	for i := range 100 {
		if _, err := q.ExecContext(t.Context(), `INSERT INTO n VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := q.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM n`).Scan(&n); err != nil || n != 100 {
		t.Fatalf("count in transaction = %d, %v", n, err)
	}
	if len(q.bound) != 2 {
		t.Fatalf("transaction bound %d statements, want 2", len(q.bound))
	}
	if err := q.QueryRowContext(t.Context(), `SELECT nope FROM n`).Scan(&n); err == nil {
		t.Fatal("a query that does not compile answered")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := (&cachedQuerier{cache: cache}).QueryRowContext(t.Context(), `SELECT COUNT(*) FROM n`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("count after rollback = %d, %v", n, err)
	}
}

// TestAnalyzeUsersKeepsRowCountsOnly refreshes the statistics of a
// database that has none yet, in a transaction (where the statistics
// tables are created), and leaves SQLite per-index row counts but no value
// samples, which would make every prepared query recompile.
func TestAnalyzeUsersKeepsRowCountsOnly(t *testing.T) {
	ctx := t.Context()
	db := migratedSQLite(t)
	// Warm the statement cache on the pool first, as a running server has.
	var n int
	if err := db.Reader().row(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := db.Tx(ctx, func(c *Conn) error { return c.AnalyzeUsers(ctx) }); err != nil {
			t.Fatal(err)
		}
	}
	var stat1, stat4 int
	if err := db.Reader().row(ctx, `SELECT COUNT(*) FROM sqlite_stat1`).Scan(&stat1); err != nil || stat1 == 0 {
		t.Fatalf("sqlite_stat1 rows = %d, %v", stat1, err)
	}
	if err := db.Reader().row(ctx, `SELECT COUNT(*) FROM sqlite_stat4`).Scan(&stat4); err != nil || stat4 != 0 {
		t.Fatalf("sqlite_stat4 rows = %d, %v", stat4, err)
	}
}

// TestStmtCacheKeepsTransactionStatements caches what a transaction runs
// when a pool connection is free, so that the next transaction does not
// compile it again; with none free (the transaction holds the pool's only
// connection) or for a table only the transaction sees, the statement is
// prepared on the transaction's connection instead of waiting or failing.
func TestStmtCacheKeepsTransactionStatements(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	cache := newStmtCache(db, 10)
	defer cache.close()
	// Generous, so that a slow machine (the race detector) does not make
	// the pool look busy; the pool opens its second connection on demand.
	cache.poolWait = 10 * time.Second
	const insert = `INSERT INTO n VALUES (?)`
	run := func(query string, args ...any) {
		t.Helper()
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		q := &cachedQuerier{cache: cache, tx: tx}
		if _, err := q.ExecContext(t.Context(), query, args...); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	run(insert, 1)
	if cache.peek(insert) == nil {
		t.Fatal("a statement run in a transaction with a pool connection free was not cached")
	}

	db.SetMaxOpenConns(1)
	cache.poolWait = 50 * time.Millisecond
	const other = `INSERT INTO n VALUES (? + 1)`
	done := make(chan struct{})
	go func() { defer close(done); run(other, 2) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a transaction holding the only connection waited for another to prepare a statement")
	}
	if cache.peek(other) != nil {
		t.Fatal("cached a statement with no pool connection free")
	}

	db.SetMaxOpenConns(4)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	q := &cachedQuerier{cache: cache, tx: tx}
	if _, err := q.ExecContext(t.Context(), `CREATE TABLE fresh (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := q.ExecContext(t.Context(), `INSERT INTO fresh VALUES (?)`, 3); err != nil {
		t.Fatalf("insert into a table created in the transaction: %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM n`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows = %d, %v; want 2", n, err)
	}
}
