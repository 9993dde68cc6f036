package jobs_test

import (
	"context"
	"testing"
	"time"

	"roster/internal/jobs"
	"roster/internal/store"
	"roster/internal/testdb"
)

func TestSweeperDeletesOldLoginFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		err := db.Tx(ctx, func(c *store.Conn) error {
			for _, at := range []time.Time{clk.Now().Add(-25 * time.Hour), clk.Now().Add(-time.Hour)} {
				if err := c.RecordLoginFailure(ctx, "jane@acme.test", at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s := jobs.NewSweeper(db, jobs.SweepOptions{Now: clk.Now, Logger: quietLogger()})
		if err := s.RunOnce(ctx); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		if n, err := db.Reader().CountLoginFailures(ctx, "jane@acme.test", time.Time{}); err != nil || n != 1 {
			t.Errorf("%d login failures left (%v), want the recent one only", n, err)
		}
	})
}

func TestSweeperRunSweepsAtStart(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		if err := db.Tx(ctx, func(c *store.Conn) error {
			return c.RecordLoginFailure(ctx, "jane@acme.test", clk.Now().Add(-48*time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		s := jobs.NewSweeper(db, jobs.SweepOptions{Now: clk.Now, Logger: quietLogger(), Interval: time.Hour})
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { s.Run(runCtx); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := db.Reader().CountLoginFailures(ctx, "jane@acme.test", time.Time{})
			if err == nil && n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still %d login failures (%v) after Run started", n, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancellation")
		}
	})
}

// TestSweeperMergesTheSearchIndex: users created one at a time leave
// SQLite's search index in pieces that every search reads; a sweep merges
// them once there are more than MaxSearchSegments, and leaves them be
// below it. Searches find the same people either way.
func TestSweeperMergesTheSearchIndex(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	orgID := testdb.OneAtATime(t, db, 30)
	segments := func() int { return testdb.SearchIndexSegments(t, db) }
	before := segments()
	if before < 2 {
		t.Fatalf("%d segments after single creates; the test needs several", before)
	}
	clk := newClock()
	if err := jobs.NewSweeper(db, jobs.SweepOptions{Now: clk.Now, Logger: quietLogger(), MaxSearchSegments: before}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := segments(); n != before {
		t.Fatalf("%d segments, at the limit, became %d", before, n)
	}
	if err := jobs.NewSweeper(db, jobs.SweepOptions{Now: clk.Now, Logger: quietLogger(), MaxSearchSegments: before - 1}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := segments(); n != 1 {
		t.Fatalf("%d segments over the limit became %d, want 1", before, n)
	}
	if n := testdb.Matches(t, db, orgID, "tinez1"); n != 10 {
		t.Fatalf("after the merge: %d matches, want 10", n)
	}
}
