package store

import (
	"context"
	"fmt"
	"sync"
)

// groupCommit runs SQLite's write transactions one at a time and, when
// several are waiting, as one transaction: each in a savepoint of its own,
// committed together. SQLite allows one writer and most of a small write's
// cost is the commit (every changed page of the table, its indexes and the
// search index written to the log), which a group shares; a transaction
// that fails is rolled back to its savepoint and fails alone.
//
// Callers still see their own transaction: Tx returns once the group that
// held it has committed, with its own error, and a transaction sees the
// writes of those before it in the group as it would have seen them
// committed. Inside a group a caller's cancelled context no longer
// interrupts its statements (SQLite rolls the whole transaction back when
// a write is interrupted, which would undo the others); it is checked
// between transactions instead.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*txReq
	running bool
}

// maxGroup bounds one group, so that a steady stream of writers still
// commits often.
const maxGroup = 64

// txReq is one caller's transaction waiting for its turn.
type txReq struct {
	ctx context.Context
	fn  func(*Conn) error
	// alone: never grouped (see DB.TxAlone).
	alone bool
	wake  chan struct{} // done, or the caller's turn to lead the next group
	done  bool
	err   error
	// panicked holds a panic of fn, raised again in the caller's goroutine.
	panicked any
}

// groupTx runs fn as one write transaction, grouped with others waiting
// unless alone.
func (d *DB) groupTx(ctx context.Context, fn func(*Conn) error, alone bool) error {
	g := d.group
	r := &txReq{ctx: ctx, fn: fn, alone: alone, wake: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	lead := !g.running
	g.running = true
	g.mu.Unlock()
	if !lead {
		<-r.wake
	}
	if !r.done {
		d.leadGroup()
	}
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

// leadGroup runs the transactions at the head of the queue (the caller's
// among them) and hands the lead to the next waiter, if any.
func (d *DB) leadGroup() {
	g := d.group
	g.mu.Lock()
	// The head of the queue and those after it, up to one that must run
	// alone; one at the head runs by itself.
	n := 1
	for !g.queue[0].alone && n < min(len(g.queue), maxGroup) && !g.queue[n].alone {
		n++
	}
	batch := make([]*txReq, n)
	copy(batch, g.queue)
	g.queue = append(g.queue[:0], g.queue[n:]...)
	g.mu.Unlock()

	if len(batch) == 1 {
		r := batch[0]
		r.panicked, r.err = d.runOne(r.ctx, r.fn)
	} else {
		d.runGroup(batch)
	}

	g.mu.Lock()
	var next *txReq
	if len(g.queue) > 0 {
		next = g.queue[0]
	} else {
		g.running = false
	}
	g.mu.Unlock()
	for _, r := range batch {
		r.done = true
		r.wake <- struct{}{}
	}
	if next != nil {
		next.wake <- struct{}{}
	}
}

// runOne runs a transaction alone, with its caller's context.
func (d *DB) runOne(ctx context.Context, fn func(*Conn) error) (panicked any, err error) {
	return catch(func() error { return d.tx(ctx, fn) })
}

// runGroup runs the batch in one transaction, each in a savepoint, and
// commits what succeeded.
func (d *DB) runGroup(batch []*txReq) {
	failAll := func(err error) {
		for _, r := range batch {
			if r.err == nil && r.panicked == nil {
				r.err = err
			}
		}
	}
	// The group's transaction outlives any one caller's request.
	ctx := context.WithoutCancel(batch[0].ctx)
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		failAll(d.dialect.mapError(err))
		return
	}
	q := &cachedQuerier{cache: d.stmts, tx: tx}
	c := &Conn{conn{q: q, dialect: d.dialect, roles: d.roles, inTx: true, detached: true}}
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if err := execAll(ctx, q, "SAVEPOINT grouped"); err != nil {
			_ = tx.Rollback()
			failAll(d.dialect.mapError(err))
			return
		}
		r.panicked, r.err = catch(func() error { return r.fn(c) })
		ends := []string{"RELEASE grouped"}
		if r.err != nil || r.panicked != nil {
			ends = []string{"ROLLBACK TO grouped", "RELEASE grouped"}
		}
		if err := execAll(ctx, q, ends...); err != nil {
			// The transaction itself is lost (an I/O error, say): none of
			// the group is committed.
			_ = tx.Rollback()
			failAll(fmt.Errorf("grouped transaction lost: %w", d.dialect.mapError(err)))
			return
		}
	}
	if err := d.flushSearchQueue(ctx, c); err != nil {
		_ = tx.Rollback()
		failAll(fmt.Errorf("grouped transaction lost: %w", err))
		return
	}
	if err := tx.Commit(); err != nil {
		failAll(d.dialect.mapError(err))
		return
	}
	d.committed()
}

// execAll runs statements in order, stopping at the first error.
func execAll(ctx context.Context, q querier, stmts ...string) error {
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// catch calls fn, turning a panic into a value for fn's caller, in its
// own goroutine, to raise again.
func catch(fn func() error) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return nil, fn()
}
