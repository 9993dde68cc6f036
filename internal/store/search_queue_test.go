package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/roster"
)

// TestGroupWritesTheSearchIndexOnce queues one group of transactions that
// create, rename and delete users (one creates and then fails) and checks
// that the trigram index took the group's changes in one write, that
// searches find exactly what was committed, and that nothing is left
// queued. Written by the triggers directly, each transaction's changes
// were a segment of their own, written at its savepoint.
func TestGroupWritesTheSearchIndexOnce(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	d := openGroupTestDBIn(t, dir)
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	org := &roster.Org{ID: "org", Name: "Org", Slug: "org", Plan: roster.PlanProPlus, CreatedAt: now}
	role := &roster.Role{ID: "role", OrgID: org.ID, Key: "agent", Name: "Agent"}
	person := func(i int, last string) *roster.User {
		return &roster.User{ID: fmt.Sprint("u", i), Email: fmt.Sprintf("p%d@x.test", i), FirstName: "Ann", LastName: last,
			Status: roster.StatusActive, RoleID: role.ID, CreatedAt: now, UpdatedAt: now}
	}
	// Two users to rename and delete in the group.
	if err := d.Tx(ctx, func(c *Conn) error {
		if err := c.CreateOrg(ctx, org); err != nil {
			return err
		}
		if err := c.CreateRole(ctx, org.ID, role, now); err != nil {
			return err
		}
		if err := c.CreateUser(ctx, org.ID, person(100, "Oldname")); err != nil {
			return err
		}
		return c.CreateUser(ctx, org.ID, person(101, "Goner"))
	}); err != nil {
		t.Fatal(err)
	}
	// FTS5's own merging would hide how many segments were written.
	for _, set := range []string{`INSERT INTO users_search (users_search, rank) VALUES ('automerge', 0)`,
		`INSERT INTO users_search (users_search, rank) VALUES ('crisismerge', 64)`} {
		if _, err := d.db.Exec(set); err != nil {
			t.Fatal(err)
		}
	}
	segments := func() int {
		n, err := d.Reader().SearchIndexSegments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := segments()

	release, held := holdWriter(t, d)
	errFailed := errors.New("failed on purpose")
	const creates = 12
	fns := []func(c *Conn) error{
		func(c *Conn) error { u := person(100, "Newname"); return c.UpdateUser(ctx, org.ID, u) },
		func(c *Conn) error { return c.DeleteUser(ctx, org.ID, "u101") },
		func(c *Conn) error {
			if err := c.CreateUser(ctx, org.ID, person(200, "Undone")); err != nil {
				return err
			}
			return errFailed
		},
	}
	for i := range creates {
		fns = append(fns, func(c *Conn) error { return c.CreateUser(ctx, org.ID, person(i, "Queued")) })
	}
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = d.Tx(ctx, fn) })
		waitQueued(t, d, i+1)
	}
	release()
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		switch {
		case i == 2 && !errors.Is(err, errFailed):
			t.Errorf("transaction %d: %v, want its own error", i, err)
		case i != 2 && err != nil:
			t.Errorf("transaction %d: %v", i, err)
		}
	}

	if after := segments(); after > before+1 {
		t.Errorf("the group left %d segments in the index, had %d: want at most one more", after, before)
	}
	var queued int
	if err := d.db.QueryRow(`SELECT COUNT(*) FROM users_search_queue`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 0 {
		t.Errorf("%d changes still queued after commit", queued)
	}
	if _, err := d.db.Exec(`INSERT INTO users_search (users_search, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Fatalf("the index does not match the table: %v", err)
	}
	// A later start, which finds the schema migrated, writes through the
	// queue too.
	if again := openGroupTestDBIn(t, dir); !again.searchQueue.Load() {
		t.Error("a database opened after the migration does not apply the queue")
	}
	for q, want := range map[string]int{"queued": creates, "newname": 1, "oldname": 0, "goner": 0, "undone": 0} {
		page, err := d.Reader().ListUsers(ctx, org.ID, roster.UserFilter{Query: q, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != want {
			t.Errorf("search %q found %d users, want %d", q, len(page.Items), want)
		}
	}
}

// TestSearchQueueFlushDoesNotSort: the flush reads the queue in its
// index's order, with statistics or without (the queue is empty whenever
// ANALYZE runs). Sorted instead, the queue of a 100,000-row import took
// 11 MB of the server's memory at commit.
func TestSearchQueueFlushDoesNotSort(t *testing.T) {
	ctx := t.Context()
	db := migratedSQLite(t)
	for _, analyze := range []bool{false, true} {
		if analyze {
			if _, err := db.SQL().ExecContext(ctx, `ANALYZE`); err != nil {
				t.Fatal(err)
			}
		}
		plan := queryPlan(t, db, flushSearchQueueSQL)
		if !strings.Contains(plan, "USING INDEX users_search_queue_order") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("analyzed %v: the flush does not read the queue in its index's order:\n%s", analyze, plan)
		}
	}
}
