package storetest_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestLockOrgSerialisesSeatChecks is the check-then-insert the service does
// for seats: without LockOrg serialising writers of one org, several
// transactions would count the same free seat and oversell the pool.
func TestLockOrgSerialisesSeatChecks(t *testing.T) {
	const workers, seats = 20, 5
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, decoy := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		decoyRole := mkRole(t, db, decoy.ID, "agent")
		// A full pool in another org must neither block nor count.
		for i := range seats {
			mkUser(t, db, decoy.ID, decoyRole, fmt.Sprintf("d%d@example.com", i), withLicense("seat"))
		}

		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created int
			errs    []error
		)
		start := make(chan struct{})
		for i := range workers {
			wg.Go(func() {
				<-start
				err := db.Tx(ctx, func(c *store.Conn) error {
					if err := c.LockOrg(ctx, o.ID); err != nil {
						return err
					}
					used, err := c.CountSeatsUsed(ctx, o.ID, "seat")
					if err != nil || used >= seats {
						return err
					}
					// Widen the window between the check and the insert so
					// that a missing lock shows up as an oversold pool.
					time.Sleep(2 * time.Millisecond)
					ts := now()
					u := &roster.User{ID: newID(), Email: fmt.Sprintf("w%d@example.com", i), Status: roster.StatusActive,
						RoleID: role.ID, LicenseType: "seat", CreatedAt: ts, UpdatedAt: ts}
					if err := c.CreateUser(ctx, o.ID, u); err != nil {
						return err
					}
					mu.Lock()
					created++
					mu.Unlock()
					return nil
				})
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d transactions failed, first: %v", len(errs), errs[0])
		}
		if created != seats {
			t.Fatalf("%d transactions inserted a user, want %d", created, seats)
		}
		used, err := db.Reader().CountSeatsUsed(ctx, o.ID, "seat")
		must(t, err)
		if used != seats {
			t.Fatalf("%d users hold the seat, want exactly %d", used, seats)
		}
		by, err := db.Reader().CountUsersByStatus(ctx, o.ID)
		must(t, err)
		if by[roster.StatusActive] != seats || len(by) != 1 {
			t.Fatalf("CountUsersByStatus = %v", by)
		}
		used, err = db.Reader().CountSeatsUsed(ctx, decoy.ID, "seat")
		must(t, err)
		if used != seats {
			t.Fatalf("decoy org seats = %d", used)
		}
	})
}
