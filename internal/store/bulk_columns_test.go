package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueueColumnStartsFromTheUsers: the export's queue column is read
// from the batch's memberships outward, whatever the planner knows: with
// no statistics, or with an org's worth, a plain join walked every queue
// in name order and looked it up for each user of the batch.
func TestQueueColumnStartsFromTheUsers(t *testing.T) {
	ctx := t.Context()
	db := migratedSQLite(t)
	for _, stats := range []string{
		// None: what a database has until something is analysed.
		``,
		// An org of 2,000 queues and 100,000 memberships.
		`INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
			('queues', 'sqlite_autoindex_queues_1', '2000 1'), ('queues', 'sqlite_autoindex_queues_2', '2000 2000 1'),
			('queue_members', 'sqlite_autoindex_queue_members_1', '100000 50 1'), ('queue_members', 'queue_members_user', '100000 2')`,
	} {
		if _, err := db.SQL().ExecContext(ctx, `ANALYZE; DELETE FROM sqlite_stat1; `+stats+`; ANALYZE sqlite_schema`); err != nil {
			t.Fatal(err)
		}
		checkQueueColumnPlan(t, db)
	}
}

func checkQueueColumnPlan(t *testing.T, db *DB) {
	t.Helper()
	in := "(?" + strings.Repeat(", ?", 499) + ")"
	args := make([]any, 501)
	for i := range args {
		args[i] = fmt.Sprint("id", i)
	}
	for name, q := range map[string]string{"queues": usersQueuesQuery(in)} {
		plan := strings.Split(queryPlan(t, db, q, args...), "\n")
		if len(plan) == 0 || !strings.HasPrefix(plan[0], "SEARCH m USING ") {
			t.Errorf("%s: the plan does not start from the users' memberships:\n%s", name, strings.Join(plan, "\n"))
		}
	}
}

// queryPlan is SQLite's plan of q, one step a line.
func queryPlan(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// migratedSQLite opens a new SQLite database with the schema, closed when
// the test ends.
func migratedSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "r.db"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}
