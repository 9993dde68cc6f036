// Package testdb gives tests a fresh, migrated Roster database on SQLite
// and on PostgreSQL. PostgreSQL comes from ROSTER_TEST_POSTGRES_URL
// (default: the local server as user postgres); each call gets its own
// schema, dropped when the test ends. Without a reachable PostgreSQL the
// PostgreSQL half is skipped, unless CI=true or ROSTER_REQUIRE_POSTGRES=1,
// where it fails.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"roster/internal/store"
)

// Dialects are the databases every store-backed test runs against.
var Dialects = []string{"sqlite", "postgres"}

// PostgresURL is the server tests use.
func PostgresURL() string {
	if u := os.Getenv("ROSTER_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// requirePostgres reports whether a missing PostgreSQL must fail the run.
func requirePostgres() bool {
	return os.Getenv("CI") == "true" || os.Getenv("ROSTER_REQUIRE_POSTGRES") == "1"
}

// Each runs fn once per dialect as a subtest named after it.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, Open(t, d)) })
	}
}

// Open returns a migrated, empty database of the dialect.
func Open(t testing.TB, dialect string) *store.DB {
	t.Helper()
	url := URL(t, dialect)
	db, err := store.Open(context.Background(), url, "")
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", dialect, err)
	}
	return db
}

// URL returns a database URL of the dialect for a fresh, empty database
// that is removed when the test ends (for tests that start a server process).
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "roster.db")
	case "postgres":
		return postgresSchema(t)
	}
	t.Fatalf("unknown dialect %q", dialect)
	return ""
}

func postgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		if requirePostgres() {
			t.Fatalf("PostgreSQL is required (CI=true) but %s is not reachable: %v", base, err)
		}
		t.Skipf("PostgreSQL not reachable at %s (%v); set CI=true to make this a failure", base, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "roster_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("ROSTER_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
