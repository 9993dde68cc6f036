package storetest_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestPostgresSearchRunsOneBranch: a PostgreSQL search in an order other
// than the emails' is one statement with two branches, the matches sorted
// and the org walked in order, gated by the number of matches; the branch
// not chosen must never run, or every search would pay for both.
func TestPostgresSearchRunsOneBranch(t *testing.T) {
	db := testdb.Open(t, "postgres")
	ctx := t.Context()
	o, _ := peopleOrg(t, db, 2100, "scale.example")
	walkScan := regexp.MustCompile(`(?m)^.* on users u(_\d+)? .*$`)
	sortScan := regexp.MustCompile(`(?m)^.*CTE Scan on m u(_\d+)? .*$`)
	for _, c := range []struct {
		q      string
		sorted bool
	}{{"johansson", true}, {"@scale.ex", false}} { // 300 matches, then all 2,100
		plan, err := db.ExplainListUsers(ctx, o.ID, roster.UserFilter{Query: c.q, Limit: 100, Sort: "name"})
		must(t, err)
		walk, sorted := walkScan.FindString(plan), sortScan.FindString(plan)
		if walk == "" || sorted == "" {
			t.Fatalf("q %q: the plan lacks a branch:\n%s", c.q, plan)
		}
		never := func(line string) bool { return strings.Contains(line, "(never executed)") }
		if never(sorted) != !c.sorted || never(walk) != c.sorted {
			t.Errorf("q %q: want only the %s branch run:\n%s", c.q, map[bool]string{true: "sorted", false: "walking"}[c.sorted], plan)
		}
	}
}

// TestPostgresEmailSearchReadsOnlyItsRanges: a PostgreSQL search in email
// order reads its matches range by range of emails (migration 0010) and
// must not run the branch of any range after its page, nor, from a
// cursor, of any range before it; otherwise it would read every match.
func TestPostgresEmailSearchReadsOnlyItsRanges(t *testing.T) {
	db := testdb.Open(t, "postgres")
	ctx := t.Context()
	var emails []string
	for _, l := range "abcdefghijklmnopqrstuvwxyz" {
		for i := range 20 {
			emails = append(emails, fmt.Sprintf("%c%02dx@ranges.example", l, i))
		}
	}
	o, _ := emailsOrg(t, db, "Ann", "Johansson", emails)
	// branchRan reports whether the scan of the branch whose condition
	// holds cond ran: the nearest plan node above cond's line.
	branchRan := func(plan, cond string) bool {
		t.Helper()
		lines := strings.Split(plan, "\n")
		for i, l := range lines {
			if !strings.Contains(l, cond) {
				continue
			}
			for j := i; j >= 0; j-- {
				if strings.Contains(lines[j], "->") {
					return !strings.Contains(lines[j], "(never executed)")
				}
			}
		}
		t.Fatalf("no branch of the plan holds %s:\n%s", cond, plan)
		return false
	}
	f := roster.UserFilter{Query: "johansson", Limit: 10}
	plan, err := db.ExplainListUsers(ctx, o.ID, f)
	must(t, err)
	if !branchRan(plan, "email >= 'a'::text") {
		t.Errorf("the first page did not read the range of 'a':\n%s", plan)
	}
	// The ranges' bounds are those of migration 0010.
	for _, b := range "bdgjkmnrst{" {
		if branchRan(plan, fmt.Sprintf("email >= '%c'::text", b)) {
			t.Errorf("the first page, all in the range of 'a', read the range from %q:\n%s", b, plan)
		}
	}
	// The branches carry the page's rows: the table is read in them
	// alone, not again for the page (as "users u").
	if regexp.MustCompile(`(?m) on users u( |$)`).MatchString(plan) {
		t.Errorf("the page's rows were read again by key:\n%s", plan)
	}
	// A fragment with one match finds it wherever its range.
	few := roster.UserFilter{Query: "k05x@ranges", Limit: 10}
	if page, err := db.Reader().ListUsers(ctx, o.ID, few); err != nil || len(page.Items) != 1 || page.Items[0].Email != "k05x@ranges.example" {
		t.Fatalf("q %q: %v, %+v; want k05x@ranges.example alone", few.Query, err, page.Items)
	}
	// From a cursor in the range of 'm', the ranges before it are skipped.
	page, err := db.Reader().ListUsers(ctx, o.ID, roster.UserFilter{Query: "johansson", Limit: 245})
	must(t, err)
	if last := page.Items[len(page.Items)-1].Email; !strings.HasPrefix(last, "m") {
		t.Fatalf("the page ends at %s, want the range of 'm'", last)
	}
	f.Cursor = page.NextCursor
	plan, err = db.ExplainListUsers(ctx, o.ID, f)
	must(t, err)
	for _, b := range "0abdgjkm" {
		if branchRan(plan, fmt.Sprintf("email < '%c'::text", b)) {
			t.Errorf("a page after %s read the range below %q:\n%s", page.Items[len(page.Items)-1].Email, b, plan)
		}
	}
	if !branchRan(plan, "email < 'n'::text") {
		t.Errorf("a page after %s did not read the range of 'm':\n%s", page.Items[len(page.Items)-1].Email, plan)
	}
}

// TestPostgresPlansOnce: PostgreSQL sessions use each prepared
// statement's generic plan, so that a search is not planned again on
// every run (planning one costs more than running it); a
// plan_cache_mode in the database URL wins.
func TestPostgresPlansOnce(t *testing.T) {
	mode := func(db *store.DB) string {
		t.Helper()
		var m string
		must(t, db.SQL().QueryRowContext(t.Context(), `SHOW plan_cache_mode`).Scan(&m))
		return m
	}
	pg := testdb.Open(t, "postgres")
	if got := mode(pg); got != "force_generic_plan" {
		t.Errorf("plan_cache_mode = %q, want force_generic_plan", got)
	}
	// What the benchmark prints is the plan that runs: generic, its values
	// parameters ($1), not the literals of one call.
	o, _ := peopleOrg(t, pg, 50, "plans.example")
	plan, err := pg.ExplainListUsers(t.Context(), o.ID, roster.UserFilter{Query: "o'brien", Limit: 100, Status: roster.StatusActive})
	must(t, err)
	if !strings.Contains(plan, "$1") || strings.Contains(plan, o.ID) {
		t.Errorf("the explained plan is not the generic one:\n%s", plan)
	}
	db, err := store.Open(t.Context(), testdb.URL(t, "postgres")+"&plan_cache_mode=auto", "")
	must(t, err)
	defer db.Close()
	if got := mode(db); got != "auto" {
		t.Errorf("with plan_cache_mode=auto in the URL: %q, want auto", got)
	}
}

// TestPostgresSearchPendingListIsShort: the trigram indexes' pending
// lists, which every search reads whole, are capped at 256 kB (migrations
// 0009 and 0010) rather than PostgreSQL's 4 MB.
func TestPostgresSearchPendingListIsShort(t *testing.T) {
	db := testdb.Open(t, "postgres")
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT c.relname, COALESCE(array_to_string(c.reloptions, ','), '')
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
		JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema() AND t.relname = 'users' AND a.amname = 'gin'`)
	must(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, opts string
		must(t, rows.Scan(&name, &opts))
		n++
		if opts != "gin_pending_list_limit=256" {
			t.Errorf("%s options %q, want gin_pending_list_limit=256", name, opts)
		}
	}
	must(t, rows.Err())
	// One trigram index per range of emails (migration 0010).
	if n != 14 {
		t.Errorf("users has %d GIN indexes, want 14", n)
	}
}
