package storetest_test

import (
	"testing"

	"roster/internal/store"
	"roster/internal/testdb"
)

// TestVacuumUsers: after bulk work PostgreSQL's tables are vacuumed
// outside any transaction (in one, VACUUM fails); SQLite has nothing to
// do there.
func TestVacuumUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		peopleOrg(t, db, 300, "vacuum.example")
		must(t, db.Reader().VacuumUsers(ctx))
		if db.Dialect() != "postgres" {
			return
		}
		var vacuumed bool
		must(t, db.SQL().QueryRowContext(ctx, `SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables
			WHERE schemaname = current_schema() AND relname = 'users'`).Scan(&vacuumed))
		if !vacuumed {
			t.Fatal("the users table was not vacuumed")
		}
		if err := db.Tx(ctx, func(c *store.Conn) error { return c.VacuumUsers(ctx) }); err == nil {
			t.Fatal("VACUUM in a transaction did not fail")
		}
	})
}
