package web_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/store"
)

// BenchmarkPeoplePage measures the People page over HTTP, signed in, with
// ROSTER_BENCH_USERS users (default 100000) in one org, on
// ROSTER_BENCH_DIALECT (default sqlite): the first page, a search and a
// filtered page. It reports the 95th percentile of the answer times.
//
//	go test -run '^$' -bench BenchmarkPeoplePage -benchtime 200x ./internal/web/
func BenchmarkPeoplePage(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("ROSTER_BENCH_USERS")); err == nil && v > 0 {
		n = v
	}
	dialect := os.Getenv("ROSTER_BENCH_DIALECT")
	if dialect == "" {
		dialect = "sqlite"
	}
	s := startServer(b, dialect, false)
	orgID := s.org("bench", roster.PlanProPlus, map[string]int{"power_dialer": n, "parallel_dialer": n})
	seedUsers(b, s.app.DB, orgID, n)
	c := newClient(b, s)
	c.signIn("admin@bench.test", apitest.AdminPassword)
	// The store's search alone, to tell the page's own cost from the
	// query's.
	b.Run("search-query-only", func(b *testing.B) {
		f := roster.UserFilter{Status: roster.StatusActive, Query: "user04242", Limit: 50}
		times := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			if _, err := s.app.DB.Reader().ListUsers(b.Context(), orgID, f); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		reportP95(b, times)
	})
	for _, tc := range []struct{ name, path string }{
		{"first-page", "/people"},
		{"search", "/people?q=user04242"},
		{"filtered", "/people?license=parallel_dialer&role=agent"},
		{"invited-tab", "/people?tab=invited"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				p := c.get(tc.path)
				times = append(times, time.Since(start))
				if p.Status != http.StatusOK {
					b.Fatalf("%s: %d", tc.path, p.Status)
				}
			}
			reportP95(b, times)
		})
	}
}

// reportP95 reports the 95th percentile of times in milliseconds.
func reportP95(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	p95 := times[len(times)*95/100]
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}

// seedUsers writes n users straight to the database in large
// transactions (the service would hash n passwords): 70% active, 10%
// invited, 10% prepared, 10% inactive, half of them on each license.
func seedUsers(b *testing.B, db *store.DB, orgID string, n int) {
	b.Helper()
	ctx := b.Context()
	role, err := db.Reader().RoleByKey(ctx, orgID, "agent")
	if err != nil {
		b.Fatal(err)
	}
	statuses := []roster.Status{roster.StatusActive, roster.StatusActive, roster.StatusActive, roster.StatusActive,
		roster.StatusActive, roster.StatusActive, roster.StatusActive, roster.StatusInvited, roster.StatusPrepared,
		roster.StatusInactive}
	now := time.Now().UTC().Truncate(time.Microsecond)
	for start := 0; start < n; start += 5000 {
		err := db.Tx(ctx, func(c *store.Conn) error {
			for i := start; i < min(start+5000, n); i++ {
				lic := "power_dialer"
				if i%2 == 1 {
					lic = "parallel_dialer"
				}
				u := &roster.User{ID: fmt.Sprintf("%08d-0000-7000-8000-000000000000", i), Email: fmt.Sprintf("user%05d@bench.test", i),
					FirstName: "User", LastName: fmt.Sprintf("Number %05d", i), Status: statuses[i%len(statuses)],
					RoleID: role.ID, Role: role.Key, LicenseType: lic, CreatedAt: now, UpdatedAt: now}
				if err := c.CreateUser(ctx, orgID, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Production statistics are kept fresh by autovacuum/auto-analyze;
	// after a bulk load, refresh them at once as an operator's seed would.
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}
