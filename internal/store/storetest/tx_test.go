package storetest_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

func TestTxRollsBackOnError(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if d := db.Dialect(); d != "sqlite" && d != "postgres" {
			t.Fatalf("Dialect() = %q", d)
		}
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		boom := errors.New("boom")
		var u *roster.User
		err := db.Tx(ctx, func(c *store.Conn) error {
			ts := now()
			u = &roster.User{ID: newID(), Email: "ghost@example.com", Status: roster.StatusActive, RoleID: role.ID, CreatedAt: ts, UpdatedAt: ts}
			if err := c.CreateUser(ctx, o.ID, u); err != nil {
				return err
			}
			if err := c.AddInvitationsSent(ctx, o.ID, 7); err != nil {
				return err
			}
			// Inside the transaction its own writes are visible.
			if _, err := c.User(ctx, o.ID, u.ID); err != nil {
				return fmt.Errorf("own write not visible: %w", err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx returned %v, want fn's error", err)
		}
		_, err = db.Reader().User(ctx, o.ID, u.ID)
		wantNotFound(t, err)
		got, err := db.Reader().Org(ctx, o.ID)
		must(t, err)
		if got.InvitationsSent != 0 {
			t.Fatalf("rolled-back increment persisted: %d", got.InvitationsSent)
		}

		// A store error inside fn rolls back the writes before it too.
		err = db.Tx(ctx, func(c *store.Conn) error {
			if err := c.AddInvitationsSent(ctx, o.ID, 1); err != nil {
				return err
			}
			return c.CreateRole(ctx, o.ID, &roster.Role{ID: newID(), Key: "agent", Name: "dup"}, now())
		})
		wantKind(t, err, roster.KindConflict)
		got, err = db.Reader().Org(ctx, o.ID)
		must(t, err)
		if got.InvitationsSent != 0 {
			t.Fatalf("write before a failed statement persisted: %d", got.InvitationsSent)
		}
	})
}

// Workers on several instances claim at once; no email may be handed to
// two of them.
func TestConcurrentClaimsAreDisjoint(t *testing.T) {
	const emails, workers = 30, 6
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o := mkOrg(t, db)
		t0 := now().Add(-time.Minute)
		for i := range emails {
			must(t, db.Reader().EnqueueEmail(ctx, o.ID, &roster.Email{ID: newID(), To: fmt.Sprintf("r%d@example.com", i),
				Subject: "s", Text: "t", CreatedAt: t0}))
		}
		at, lease := now(), now().Add(time.Hour)
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			claimed []string
			errs    []error
		)
		start := make(chan struct{})
		for range workers {
			wg.Go(func() {
				<-start
				for {
					var got []roster.Email
					err := db.Tx(ctx, func(c *store.Conn) error {
						var err error
						got, err = c.ClaimEmails(ctx, at, lease, 4)
						return err
					})
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					}
					for _, e := range got {
						claimed = append(claimed, e.ID)
					}
					mu.Unlock()
					if err != nil || len(got) == 0 {
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d claims failed, first: %v", len(errs), errs[0])
		}
		slices.Sort(claimed)
		if len(slices.Compact(slices.Clone(claimed))) != len(claimed) {
			t.Fatalf("an email was claimed twice: %v", claimed)
		}
		if len(claimed) != emails {
			t.Fatalf("%d of %d emails claimed", len(claimed), emails)
		}
	})
}

// TestPostgresPoolSize: a PostgreSQL pool holds twice the CPUs Go uses
// plus one connection unless set otherwise, and callers past it wait for
// a connection rather than fail: here twelve transactions at once share
// two connections and all commit.
func TestPostgresPoolSize(t *testing.T) {
	db := testdb.Open(t, "postgres")
	if got, want := db.SQL().Stats().MaxOpenConnections, 2*runtime.GOMAXPROCS(0)+1; got != want {
		t.Fatalf("pool of %d connections, want %d", got, want)
	}
	db.SetMaxConns(2)
	if got := db.SQL().Stats().MaxOpenConnections; got != 2 {
		t.Fatalf("after SetMaxConns(2): a pool of %d", got)
	}
	ctx := t.Context()
	o := mkOrg(t, db)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() {
			errs <- db.Tx(ctx, func(c *store.Conn) error {
				return c.EnqueueEmail(ctx, o.ID, &roster.Email{ID: newID(), To: fmt.Sprintf("p%d@example.com", i),
					Subject: "s", Text: "t", CreatedAt: now()})
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	var n int
	must(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE org_id = $1`, o.ID).Scan(&n))
	if n != 12 {
		t.Fatalf("%d of 12 emails committed", n)
	}
	if s := db.SQL().Stats(); s.OpenConnections > 2 {
		t.Fatalf("%d connections open past a pool of 2", s.OpenConnections)
	}
}

// TestSQLitePoolIsFixed: SetMaxConns leaves SQLite's pool as it is.
func TestSQLitePoolIsFixed(t *testing.T) {
	db := testdb.Open(t, "sqlite")
	before := db.SQL().Stats().MaxOpenConnections
	db.SetMaxConns(50)
	if got := db.SQL().Stats().MaxOpenConnections; got != before {
		t.Fatalf("SQLite pool %d → %d", before, got)
	}
}
