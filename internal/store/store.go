// Package store keeps Roster's data in SQLite or PostgreSQL. Both dialects
// share every query (written with ? placeholders and rebound for
// PostgreSQL), differ only in what dialect.go lists, and pass one
// conformance suite (storetest). Every method that reads or writes tenant
// data takes the org ID first and filters on it.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is an open Roster database.
type DB struct {
	db      *sql.DB
	dialect dialect
	// group takes SQLite's write transactions in turn inside one process,
	// where the database allows one writer at a time anyway (waiting in
	// line is cheaper and fairer than spinning on SQLITE_BUSY), and commits
	// those waiting together as one. Other processes (the CLI next to a
	// server) are covered by busy_timeout. Nil on PostgreSQL.
	group *groupCommit
	// stmts caches prepared statements on SQLite (nil on PostgreSQL).
	stmts *stmtCache
	// roles remembers role keys for the people list.
	roles *roleKeyCache
	// searchQueue is set once the schema queues changes to SQLite's
	// trigram index (migration 0008): every write transaction then applies
	// the queue before it commits (flushSearchQueue).
	searchQueue atomic.Bool
	// checkpoints copies SQLite's committed pages into the database file
	// in the background (nil on PostgreSQL).
	checkpoints *checkpointer
}

// Open opens the database named by url: empty means SQLite in dataDir,
// "postgres://" or "postgresql://" means PostgreSQL, "sqlite:PATH" or
// "file:PATH" a given SQLite file. It does not migrate.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// Every statement is prepared once per connection and run with
		// its values bound. By default PostgreSQL plans each run of a
		// statement afresh when it estimates the statement's one generic
		// plan dearer than its plans for given values, and for the list's
		// searches and filters that planning (0.7 to 1.8 ms, EXPLAIN)
		// costs more than running them. Roster's queries are written to
		// take one plan right whatever their values (a search's plan is
		// chosen inside the statement by its count of matches, see
		// pgSearchPage), so the generic plan is used from the first run.
		// A plan_cache_mode in the URL wins.
		if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
			cfg.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
		}
		db := stdlib.OpenDB(*cfg)
		db.SetMaxOpenConns(pgConns())
		db.SetMaxIdleConns(pgConns())
		db.SetConnMaxIdleTime(5 * time.Minute)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("connect to postgres: %w", err)
		}
		return &DB{db: db, dialect: postgres{}, roles: &roleKeyCache{}}, nil
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
		if url == "" {
			if err := os.MkdirAll(dataDir, 0o750); err != nil {
				return nil, fmt.Errorf("create data dir: %w", err)
			}
			path = filepath.Join(dataDir, "roster.db")
		}
		dsn := "file:" + path + "?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)" +
			fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)&_pragma=cache_size(-%d)", walAutoCheckpoint, sqliteCacheKiB)
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// Each connection keeps its own page cache and prepared statements
		// (several MB, outside the Go heap) and the writer is one at a time:
		// a few connections keep the cores busy, more only cost memory.
		db.SetMaxOpenConns(sqliteConns)
		db.SetMaxIdleConns(sqliteConns)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		d := &DB{db: db, dialect: sqlite{}, group: &groupCommit{}, stmts: newStmtCache(db, stmtCacheSize), roles: &roleKeyCache{},
			checkpoints: startCheckpointer(db)}
		if err := d.detectSearchQueue(ctx); err != nil {
			d.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		return d, nil
	}
}

// pgConns is the default size of a PostgreSQL database's connection
// pool: twice the CPUs Go uses, and one more, the rule of thumb of
// connection pools for a database on cores like the server's. Roster's
// requests are short and mostly CPU-bound in the database; more sessions
// than that at once only take turns on the same cores, each slower, and
// the slowest far slower: on 2 cores at 8 concurrent searches, 20
// connections gave a p99 of 40 to 68 ms where 5 gave 20 to 32 ms, at the
// same rate (docs/benchmarks.md). Callers past the pool wait for a
// connection in Go instead. SetMaxConns sets another size.
func pgConns() int { return 2*runtime.GOMAXPROCS(0) + 1 }

// SetMaxConns sets the most connections a PostgreSQL database opens at
// once (and keeps idle), n > 0. SQLite's pool is fixed (sqliteConns):
// its writer is one at a time whatever the pool.
func (d *DB) SetMaxConns(n int) {
	if d.dialect.name() == "postgres" && n > 0 {
		d.db.SetMaxOpenConns(n)
		d.db.SetMaxIdleConns(n)
	}
}

// sqliteConns is the size of a SQLite database's connection pool.
const sqliteConns = 4

// sqliteCacheKiB is the most page cache, in KiB, that each SQLite
// connection keeps (SQLite's own default is 2,000). The driver's memory
// allocator gives each cached page (4 KiB and SQLite's header) a slot of
// 8 KiB and keeps freed slots for reuse rather than returning them to the
// system, so the cache's size, twice over, stays resident once reached: in
// the benchmark's searches SQLite held 8 MB with the default and 4 MB with
// this, at the same request rates, and an import after them peaked at
// 83 MB of RSS rather than 92 (docs/benchmarks.md). The operating system
// keeps the file's pages cached as well, so a miss costs a read() of
// memory, not of the disk.
const sqliteCacheKiB = 1000

// stmtCacheSize bounds the prepared statements kept per SQLite database:
// room for every fixed query and the common shapes of the dynamic ones.
const stmtCacheSize = 400

// Close closes the database.
func (d *DB) Close() error {
	if d.checkpoints != nil {
		d.checkpoints.close()
	}
	if d.stmts != nil {
		d.stmts.close()
	}
	return d.db.Close()
}

// Dialect names the database in use: "sqlite" or "postgres".
func (d *DB) Dialect() string { return d.dialect.name() }

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// SQL exposes the connection pool to tests and benchmarks that inspect rows
// directly.
func (d *DB) SQL() *sql.DB { return d.db }

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs queries through one querier in one dialect. Both the read-only
// DB view and transactions are a conn, so every query is written once.
type conn struct {
	q       querier
	dialect dialect
	roles   *roleKeyCache
	inTx    bool
	// detached statements run to the end even when their context is
	// cancelled: in a group of transactions (see groupCommit) an
	// interrupted write would roll back the others' work too.
	detached bool
	// ownTx, when set, runs a write outside a transaction as a transaction
	// of its own (see Reader).
	ownTx func(ctx context.Context, fn func(*Conn) error) error
}

// ctx is the context a statement runs with.
func (c *conn) ctx(ctx context.Context) context.Context {
	if c.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (c *conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if c.ownTx != nil {
		var res sql.Result
		err := c.ownTx(ctx, func(t *Conn) error {
			var err error
			res, err = t.exec(ctx, query, args...)
			return err
		})
		return res, err
	}
	res, err := c.q.ExecContext(c.ctx(ctx), c.dialect.rebind(query), args...)
	return res, c.dialect.mapError(err)
}

func (c *conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := c.q.QueryContext(c.ctx(ctx), c.dialect.rebind(query), args...)
	return rows, c.dialect.mapError(err)
}

func (c *conn) row(ctx context.Context, query string, args ...any) *sql.Row {
	return c.q.QueryRowContext(c.ctx(ctx), c.dialect.rebind(query), args...)
}

// execOne runs a statement that must change exactly one row; zero rows is
// ErrNotFound.
func (c *conn) execOne(ctx context.Context, query string, args ...any) error {
	res, err := c.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNotFound
	}
	return nil
}

// Reader answers queries outside a transaction. On SQLite a write made
// through it runs as a write transaction of its own (Tx): it takes its
// turn with the others instead of waiting on the file's lock, and applies
// the search queue (flushSearchQueue) as every write transaction must. So
// a write through the Reader inside a Tx's function would wait for that
// very transaction: write through the Tx's Conn.
func (d *DB) Reader() *Conn {
	if d.stmts != nil {
		return &Conn{conn{q: &cachedQuerier{cache: d.stmts}, dialect: d.dialect, roles: d.roles, ownTx: d.Tx}}
	}
	return &Conn{conn{q: d.db, dialect: d.dialect, roles: d.roles}}
}

// Conn is a read view or a transaction; its methods are in the other files
// of this package.
type Conn struct{ conn }

// Tx runs fn in one write transaction, committing when fn returns nil and
// rolling back otherwise. On PostgreSQL callers that check a limit call
// LockOrg first so that concurrent writers of one org take turns; on
// SQLite write transactions take turns in this process and those waiting
// together commit together (see groupCommit).
func (d *DB) Tx(ctx context.Context, fn func(*Conn) error) error {
	if d.group != nil {
		return d.groupTx(ctx, fn, false)
	}
	return d.tx(ctx, fn)
}

// TxAlone is Tx for a transaction that may change much of the database
// (an import): on SQLite it takes its turn like any other but never shares
// a commit, because in a group it would run in a savepoint, and a
// savepoint keeps a copy of every page changed since it began.
func (d *DB) TxAlone(ctx context.Context, fn func(*Conn) error) error {
	if d.group != nil {
		return d.groupTx(ctx, fn, true)
	}
	return d.tx(ctx, fn)
}

// tx runs fn in a transaction of its own.
func (d *DB) tx(ctx context.Context, fn func(*Conn) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return d.dialect.mapError(err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	var q querier = tx
	if d.stmts != nil {
		q = &cachedQuerier{cache: d.stmts, tx: tx}
	}
	c := &Conn{conn{q: q, dialect: d.dialect, roles: d.roles, inTx: true}}
	if err := fn(c); err != nil {
		return err
	}
	if err := d.flushSearchQueue(ctx, c); err != nil {
		return err
	}
	committed = true
	if err := tx.Commit(); err != nil {
		return d.dialect.mapError(err)
	}
	d.committed()
	return nil
}

// committed is told of every committed write transaction.
func (d *DB) committed() {
	if d.checkpoints != nil {
		d.checkpoints.committed()
	}
}

// LockOrg takes the org's write lock until the transaction ends, so that
// checks of seats, trial allowances and the last admin cannot interleave
// between two writers. SQLite transactions already hold the database's one
// write lock. A missing org is ErrNotFound.
func (c *Conn) LockOrg(ctx context.Context, orgID string) error {
	if !c.inTx {
		return errors.New("store: LockOrg outside a transaction")
	}
	var id string
	err := c.row(ctx, "SELECT id FROM orgs WHERE id = ?"+c.dialect.forUpdate(), orgID).Scan(&id)
	return c.dialect.mapError(err)
}

// us converts a time to the stored Unix microseconds.
func us(t time.Time) int64 { return t.UnixMicro() }

// fromUS converts stored Unix microseconds to a UTC time.
func fromUS(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullUS converts a nullable stored time.
func nullUS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromUS(v.Int64)
	return &t
}

// usPtr converts an optional time for storage.
func usPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}
