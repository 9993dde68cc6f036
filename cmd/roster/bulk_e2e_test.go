package main_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/sheet"
	"roster/internal/store"
	"roster/internal/testdb"
)

// writeUsersCSV writes an import file of n users.
func writeUsersCSV(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.csv")
	var b bytes.Buffer
	b.WriteString("email,first_name,last_name,role\r\n")
	for i := range n {
		fmt.Fprintf(&b, "person%06d@import.example,Person,Number %d,agent\r\n", i, i)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writing reports whether an import's transaction has started writing
// users: on SQLite its pages spill into the write-ahead log, on PostgreSQL
// it holds a row-exclusive lock on the users table of the test's schema.
func writing(t *testing.T, dialect, dbURL string) bool {
	t.Helper()
	switch dialect {
	case "sqlite":
		st, err := os.Stat(strings.TrimPrefix(dbURL, "sqlite:") + "-wal")
		return err == nil && st.Size() > 4<<20
	default:
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("pgx", testdb.PostgresURL())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		err = db.QueryRow(`SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			JOIN pg_namespace ns ON ns.oid = c.relnamespace
			WHERE ns.nspname = $1 AND c.relname = 'users' AND l.mode = 'RowExclusiveLock' AND l.granted`,
			u.Query().Get("search_path")).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
}

// TestImportKilledMidwayLeavesNothing kills `roster import` while it is
// writing and checks that none of the file arrived, that the database is
// sound, and that the same file then imports whole.
func TestImportKilledMidwayLeavesNothing(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL := testdb.URL(t, dialect)
			env := []string{"ROSTER_DATABASE_URL=" + dbURL, "ROSTER_LOG_LEVEL=warn"}
			cli(t, env, "org", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "admin@acme.test")
			const rows = 60_000
			file := writeUsersCSV(t, rows)

			cmd := exec.Command(binary, "import", "--org", "acme", file)
			cmd.Env = append(os.Environ(), env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			deadline := time.Now().Add(2 * time.Minute)
			for !writing(t, dialect, dbURL) {
				select {
				case err := <-exited:
					t.Fatalf("the import finished (%v) before it could be killed; stderr: %s", err, stderr.String())
				case <-time.After(5 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatal("the import never started writing")
				}
			}
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			var exitErr *exec.ExitError
			if err := <-exited; !errors.As(err, &exitErr) || exitErr.ProcessState.Success() {
				t.Fatalf("the import was not killed mid-way: %v", err)
			}

			ctx := context.Background()
			db, err := store.Open(ctx, dbURL, "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			org, err := db.Reader().OrgBySlug(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			count := func() int {
				counts, err := db.Reader().CountUsersByStatus(ctx, org.ID)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, c := range counts {
					n += c
				}
				return n
			}
			if n := count(); n != 1 {
				t.Fatalf("after the kill the org has %d users; want only its admin", n)
			}
			var audits int
			q := `SELECT COUNT(*) FROM audit_events WHERE org_id = ? AND action = 'user.prepared'`
			if dialect == "postgres" {
				q = strings.Replace(q, "?", "$1", 1)
			}
			if err := db.SQL().QueryRow(q, org.ID).Scan(&audits); err != nil {
				t.Fatal(err)
			}
			if audits != 0 {
				t.Fatalf("%d audit events of the killed import survived", audits)
			}
			if dialect == "sqlite" {
				var ok string
				if err := db.SQL().QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
					t.Fatalf("integrity_check: %q, %v", ok, err)
				}
				if _, err := db.SQL().Exec(`INSERT INTO users_search (users_search) VALUES ('integrity-check')`); err != nil {
					t.Fatalf("search index inconsistent after the kill: %v", err)
				}
			}

			// The same file imports whole afterwards, and is searchable.
			out := cli(t, env, "import", "--org", "acme", file)
			if !strings.Contains(out, fmt.Sprintf("Imported %d users", rows)) {
				t.Fatalf("second import: %s", out)
			}
			if n := count(); n != rows+1 {
				t.Fatalf("after the second import: %d users, want %d", n, rows+1)
			}
			page, err := db.Reader().ListUsers(ctx, org.ID, roster.UserFilter{Query: "number 59999"})
			if err != nil || len(page.Items) != 1 || page.Items[0].Email != "person059999@import.example" {
				t.Fatalf("search after import: %+v, %v", page.Items, err)
			}

			// The CLI exports what it imported, in either format.
			csvOut := cli(t, env, "export", "--org", "acme", "--out", "-", "--q", "number 1234")
			if lines := strings.Count(csvOut, "\r\n"); lines != 1+11 { // 1234, 12340–12349
				t.Fatalf("CLI CSV export has %d lines:\n%s", lines, csvOut)
			}
			xlsx := filepath.Join(t.TempDir(), "acme.xlsx")
			cli(t, env, "export", "--org", "acme", "--format", "xlsx", "--out", xlsx, "--status", "prepared")
			f, err := os.Open(xlsx)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			xrows, err := sheet.ReadXLSX(f)
			if err != nil || len(xrows) != rows+1 || xrows[0][1] != "email" {
				t.Fatalf("CLI xlsx export: %d rows, %v", len(xrows), err)
			}
		})
	}
}
