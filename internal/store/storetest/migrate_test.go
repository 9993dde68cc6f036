package storetest_test

import (
	"testing"

	"roster/internal/store"
	"roster/internal/testdb"
)

func TestMigrateIsIdempotent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		// testdb.Open has migrated once already; twice more must be no-ops.
		must(t, db.Migrate(ctx))
		must(t, db.Migrate(ctx))
		applied, known, err := db.SchemaVersion(ctx)
		must(t, err)
		if known < 1 || applied != known {
			t.Fatalf("SchemaVersion = %d applied, %d known; want equal and >= 1", applied, known)
		}
		var rows, distinct int
		must(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct))
		if rows != distinct || rows < 1 {
			t.Fatalf("schema_migrations has %d rows, %d distinct versions; each migration must be recorded once", rows, distinct)
		}
		must(t, db.CheckSchema(ctx))

		// The schema still works after the repeated runs.
		o := mkOrg(t, db)
		got, err := db.Reader().Org(ctx, o.ID)
		must(t, err)
		if got.Slug != o.Slug {
			t.Fatalf("org slug %q, want %q", got.Slug, o.Slug)
		}
	})
}

func TestSchemaNewerThanBinaryIsRefused(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		must(t, db.CheckSchema(ctx))
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
			t.Fatal(err)
		}
		applied, known, err := db.SchemaVersion(ctx)
		must(t, err)
		if applied != 9999 || known >= 9999 {
			t.Fatalf("SchemaVersion = %d applied, %d known; want 9999 and less", applied, known)
		}
		if err := db.Migrate(ctx); err == nil {
			t.Fatal("Migrate accepted a schema newer than the binary")
		}
		if err := db.CheckSchema(ctx); err == nil {
			t.Fatal("CheckSchema accepted a schema newer than the binary")
		}
	})
}

func TestCheckSchemaOnEmptyDatabase(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := t.Context()
			db, err := store.Open(ctx, testdb.URL(t, d), "")
			must(t, err)
			t.Cleanup(func() { db.Close() })
			if err := db.CheckSchema(ctx); err == nil {
				t.Fatal("CheckSchema accepted an unmigrated database")
			}
			must(t, db.Migrate(ctx))
			must(t, db.CheckSchema(ctx))
		})
	}
}
