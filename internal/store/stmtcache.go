package store

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
	"time"
)

// stmtCache keeps the most recently used prepared statements of a SQLite
// database. The SQLite driver compiles every query string afresh, and on a
// page of users compiling the handful of queries costs about as much as
// running them; PostgreSQL's driver (pgx) already caches per connection.
//
// A statement handed out is pinned until its caller has started the query
// (database/sql itself keeps a statement's rows alive after Close), so
// evicting one never fails a query in flight.
type stmtCache struct {
	db  *sql.DB
	max int
	// poolWait bounds how long a transaction waits to prepare a statement
	// through the pool (see tryGet).
	poolWait time.Duration

	mu    sync.Mutex
	lru   *list.List // of *cachedStmt, most recent first
	byKey map[string]*list.Element
}

type cachedStmt struct {
	query   string
	stmt    *sql.Stmt
	pins    int
	evicted bool
}

func newStmtCache(db *sql.DB, max int) *stmtCache {
	return &stmtCache{db: db, max: max, poolWait: poolWait, lru: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the prepared statement for query, preparing it on first
// use, pinned until release is called. A query that fails to prepare
// returns the error, which is the query's own error.
func (c *stmtCache) get(ctx context.Context, query string) (*cachedStmt, error) {
	if cs := c.peek(query); cs != nil {
		return cs, nil
	}
	return c.add(ctx, query)
}

// add prepares query through the pool and caches it, pinned.
func (c *stmtCache) add(ctx context.Context, query string) (*cachedStmt, error) {
	// Prepared outside the lock: two callers may prepare the same query at
	// once, and the loser's statement is simply closed.
	stmt, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[query]; ok {
		_ = stmt.Close()
		return c.pinLocked(el), nil
	}
	el := c.lru.PushFront(&cachedStmt{query: query, stmt: stmt})
	c.byKey[query] = el
	for c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.byKey, old.query)
		old.evicted = true
		if old.pins == 0 {
			_ = old.stmt.Close()
		}
	}
	return c.pinLocked(el), nil
}

// poolWait is how long a transaction waits to prepare a statement through
// the pool for the cache: a free connection is there at once or not soon.
const poolWait = 2 * time.Millisecond

// tryGet is get for a caller inside a transaction: it gives up (nil) when
// no pool connection is free within poolWait or the pool cannot prepare
// the query, and the caller prepares it on its own connection instead.
func (c *stmtCache) tryGet(ctx context.Context, query string) *cachedStmt {
	if cs := c.peek(query); cs != nil {
		return cs
	}
	ctx, cancel := context.WithTimeout(ctx, c.poolWait)
	defer cancel()
	cs, err := c.add(ctx, query)
	if err != nil {
		return nil
	}
	return cs
}

// pinLocked marks a cached statement most recently used and pins it.
func (c *stmtCache) pinLocked(el *list.Element) *cachedStmt {
	c.lru.MoveToFront(el)
	cs := el.Value.(*cachedStmt)
	cs.pins++
	return cs
}

// peek returns the cached statement for query, pinned, or nil when none
// is cached; it never prepares.
func (c *stmtCache) peek(query string) *cachedStmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[query]
	if !ok {
		return nil
	}
	return c.pinLocked(el)
}

// release unpins a statement once its query has started.
func (c *stmtCache) release(cs *cachedStmt) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs.pins--
	if cs.evicted && cs.pins == 0 {
		_ = cs.stmt.Close()
	}
}

// close closes every cached statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; el = el.Next() {
		_ = el.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.byKey)
}

// cachedQuerier runs queries through prepared statements of a cache, on
// the pool or, when tx is set, on that transaction's connection.
type cachedQuerier struct {
	cache *stmtCache
	tx    *sql.Tx
	// bound holds the transaction's copy of each statement it used: binding
	// anew per call would grow the transaction's list of statements without
	// bound in a long import.
	mu    sync.Mutex
	bound map[string]*sql.Stmt
}

// stmt returns the statement for query, prepared once per connection and
// bound once per transaction; done must be called when the query has
// started.
func (q *cachedQuerier) stmt(ctx context.Context, query string) (s *sql.Stmt, done func(), err error) {
	if q.tx == nil {
		cs, err := q.cache.get(ctx, query)
		if err != nil {
			return nil, nil, err
		}
		return cs.stmt, func() { q.cache.release(cs) }, nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if s, ok := q.bound[query]; ok {
		return s, func() {}, nil
	}
	// A statement of the cache is bound to the transaction's connection
	// (prepared there too the first time). One the cache lacks is prepared
	// through the pool only if a connection is free at once: waiting for
	// one while holding this transaction's could deadlock when every
	// connection is in a transaction doing the same. Failing that, or when
	// the pool cannot prepare it (a table this transaction created), it is
	// prepared on the transaction's connection for this transaction alone.
	if cs := q.cache.tryGet(ctx, query); cs != nil {
		defer q.cache.release(cs)
		s = q.tx.StmtContext(ctx, cs.stmt)
	} else if s, err = q.tx.PrepareContext(ctx, query); err != nil {
		return nil, nil, err
	}
	if q.bound == nil {
		q.bound = map[string]*sql.Stmt{}
	}
	q.bound[query] = s
	return s, func() {}, nil
}

func (q *cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, done, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return s.ExecContext(ctx, args...)
}

func (q *cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, done, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	defer done()
	return s.QueryContext(ctx, args...)
}

func (q *cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, done, err := q.stmt(ctx, query)
	if err != nil {
		// Unprepared, so that the returned Row carries the query's error.
		if q.tx != nil {
			return q.tx.QueryRowContext(ctx, query, args...)
		}
		return q.cache.db.QueryRowContext(ctx, query, args...)
	}
	defer done()
	return s.QueryRowContext(ctx, args...)
}
