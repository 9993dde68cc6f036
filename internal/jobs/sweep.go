package jobs

import (
	"context"
	"log/slog"
	"time"

	"roster/internal/store"
)

// SweepOptions tune a Sweeper; zero values take the defaults.
type SweepOptions struct {
	Now      func() time.Time // default time.Now
	Interval time.Duration    // time between sweeps; default 10m
	Logger   *slog.Logger     // default slog.Default()
	// MaxSearchSegments is how many segments SQLite's search index may
	// have before a sweep merges them (store.MergeSearchIndex); default 8.
	MaxSearchSegments int
}

// sweepRetention is how long spent reset links and login failures are kept
// after they stop mattering, so that an operator looking into a complaint
// the same day still finds them.
const sweepRetention = 24 * time.Hour

// Sweeper periodically deletes expired sessions, old login failures and
// spent password-reset links, and keeps SQLite's search index in few
// pieces. Both are idempotent, so instances need not coordinate.
type Sweeper struct {
	db  *store.DB
	opt SweepOptions
}

// NewSweeper returns a sweeper over db.
func NewSweeper(db *store.DB, opt SweepOptions) *Sweeper {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Interval <= 0 {
		opt.Interval = 10 * time.Minute
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.MaxSearchSegments <= 0 {
		opt.MaxSearchSegments = 8
	}
	return &Sweeper{db: db, opt: opt}
}

// RunOnce sweeps once, then merges the search index if single commits
// have left it in more than MaxSearchSegments pieces. The pieces are
// counted outside any transaction, so that a sweep with nothing to merge
// (and every sweep on PostgreSQL, whose count is 0) takes no writer's
// turn; the merge rewrites the whole index, so it commits on its own
// rather than in a group of other writes.
func (s *Sweeper) RunOnce(ctx context.Context) error {
	now := s.opt.Now()
	if err := s.db.Tx(ctx, func(c *store.Conn) error { return c.Sweep(ctx, now, now.Add(-sweepRetention)) }); err != nil {
		return err
	}
	n, err := s.db.Reader().SearchIndexSegments(ctx)
	if err != nil || n <= s.opt.MaxSearchSegments {
		return err
	}
	return s.db.TxAlone(ctx, func(c *store.Conn) error { return c.MergeSearchIndex(ctx) })
}

// Run sweeps at once and then every Interval until ctx is cancelled. A
// failed sweep is logged and retried at the next interval.
func (s *Sweeper) Run(ctx context.Context) {
	t := time.NewTicker(s.opt.Interval)
	defer t.Stop()
	for {
		if err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.opt.Logger.Warn("sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
