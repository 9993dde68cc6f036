package storetest_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestSearchPagesInEmailOrder pages through searches in the list's default
// order and its reverse, forwards and back, at page sizes from one row,
// and checks every page against the org's whole list in the database's
// own email order, filtered by the text. Emails start with letters,
// digits, punctuation and characters past ASCII, so the matches fall in
// many email buckets (a SQLite search reads the first buckets that can
// fill a page) and several share one; users are inserted out of email
// order. It runs before and after another org gains many look-alikes
// among the same buckets, which leave a page drawn from the first buckets
// short.
func TestSearchPagesInEmailOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		role, otherRole := mkRole(t, db, o.ID, "agent"), mkRole(t, db, other.ID, "agent")
		starts := []string{"a", "ab", "abc", "abd", "a.b", "a-b", "a_b", "aé", "b", "m", "ma", "mar", "z", "zz", "1", "9", "é", "ée", "ü", "ø"}
		people := func(orgID string, role *roster.Role, n int, domain string, named func(i int) string) []roster.User {
			out := make([]roster.User, n)
			ts := now()
			for i := range out {
				out[i] = roster.User{ID: newID(), OrgID: orgID, Email: fmt.Sprintf("%s%dx@%s", starts[i%len(starts)], i%7, domain),
					FirstName: named(i), LastName: "Smith", Status: roster.StatusActive, RoleID: role.ID, Role: role.Key, CreatedAt: ts, UpdatedAt: ts}
				if i >= len(starts)*7 {
					out[i].Email = fmt.Sprintf("%s%d@%s", starts[i%len(starts)], i, domain)
				}
			}
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
			return out
		}
		users := people(o.ID, role, 200, "o.example", func(i int) string {
			if i%3 == 0 {
				return "Quorra"
			}
			return "Anna"
		})
		inTx(t, db, func(c *store.Conn) error { return c.InsertUsers(ctx, o.ID, users) })
		r := db.Reader()
		inOrder := emailsOf(walk(t, r, o.ID, roster.UserFilter{Limit: 500}))
		if len(inOrder) != len(users) {
			t.Fatalf("the list holds %d users, want %d", len(inOrder), len(users))
		}
		list := func(f roster.UserFilter, cursor string) roster.Page[roster.User] {
			t.Helper()
			return pageAt(t, r, o.ID, f, cursor)
		}
		check := func(label string) {
			t.Helper()
			for _, q := range []string{"quor", "QUORRA SM", "nna", "smith", "@o.ex", "zz4x@o.example"} {
				var want []string
				for _, e := range inOrder {
					if i := slices.IndexFunc(users, func(u roster.User) bool { return u.Email == e }); strings.Contains(
						strings.ToLower(users[i].FirstName+" "+users[i].LastName+"\x1f"+e), strings.ToLower(q)) {
						want = append(want, e)
					}
				}
				for _, sort := range []string{"", "-email"} {
					wantHere := slices.Clone(want)
					if sort != "" {
						slices.Reverse(wantHere)
					}
					for _, limit := range []int{1, 3, 7, 50} {
						if len(wantHere)/limit > 45 {
							continue
						}
						f := roster.UserFilter{Query: q, Limit: limit, Sort: sort}
						var pages []roster.Page[roster.User]
						var got []string
						for page := list(f, ""); ; page = list(f, page.NextCursor) {
							pages = append(pages, page)
							got = append(got, emailsOf(page.Items)...)
							if page.NextCursor == "" {
								break
							}
						}
						if !slices.Equal(got, wantHere) {
							t.Fatalf("%s: q %q sort %q limit %d: got %d users %v, want %d %v", label, q, sort, limit, len(got), got, len(wantHere), wantHere)
						}
						// Back from the last page, each page comes again.
						page := pages[len(pages)-1]
						for i := len(pages) - 2; i >= 0; i-- {
							page = list(f, page.PrevCursor)
							if g, w := emailsOf(page.Items), emailsOf(pages[i].Items); !slices.Equal(g, w) {
								t.Fatalf("%s: q %q sort %q limit %d: page %d read backwards is %v, forwards %v", label, q, sort, limit, i, g, w)
							}
						}
					}
				}
			}
		}
		check("alone")
		decoys := people(other.ID, otherRole, 600, "o.example", func(int) string { return "Quorra" })
		inTx(t, db, func(c *store.Conn) error { return c.InsertUsers(ctx, other.ID, decoys) })
		check("beside look-alikes")
	})
}

// TestSQLiteSearchWalksAFullBucket: on SQLite, a search in email order
// whose page lies in one email bucket holding a page of matches or more
// (an email prefix's) walks that bucket's stretch of the email index,
// testing the text there, instead of looking up and sorting every match;
// matches spread over many buckets are still looked up by key. Both read
// the same page.
func TestSQLiteSearchWalksAFullBucket(t *testing.T) {
	db := testdb.Open(t, "sqlite")
	ctx := t.Context()
	emails := make([]string, 600)
	for i := range emails {
		// Half share the bucket "bar"; the rest, also named Barbara, are
		// spread over the alphabet.
		emails[i] = fmt.Sprintf("barbara.%03d@walk.example", i)
		if i%2 == 1 {
			emails[i] = fmt.Sprintf("%c%03d@walk.example", 'a'+i%26, i)
		}
	}
	o, users := emailsOrg(t, db, "Barbara", "Stone", emails)
	r := db.Reader()
	first := pageAt(t, r, o.ID, roster.UserFilter{Query: "barbara.", Limit: 100}, "")
	for _, c := range []struct {
		q, cursor string
		walks     bool
	}{
		{"barbara.", "", true},
		{"barbara.", first.NextCursor, true}, // from inside the bucket
		{"barbara", "", false},               // names in every bucket
		{"d003", "", false},                  // one match
	} {
		f := roster.UserFilter{Query: c.q, Limit: 100, Cursor: c.cursor}
		plan, err := db.ExplainListUsers(ctx, o.ID, f)
		must(t, err)
		walks := strings.Contains(plan, "COVERING INDEX users_org_email_search") && !strings.Contains(plan, "json_each")
		if walks != c.walks {
			t.Errorf("q %q from %q: walks the bucket %v, want %v:\n%s", c.q, c.cursor, walks, c.walks, plan)
		}
		want := matching(users, c.q, nil)
		if c.cursor != "" {
			want = want[100:]
		}
		got := emailsOf(pageAt(t, r, o.ID, f, c.cursor).Items)
		if !slices.Equal(got, want[:min(len(want), 100)]) {
			t.Errorf("q %q from %q: page %v, want %v", c.q, c.cursor, got, want[:min(len(want), 100)])
		}
	}
}

// refreshUntilAllVisible refreshes the database's statistics, on
// PostgreSQL until vacuum has marked every page of users all-visible, as
// it does after bulk work on a quiet server: the planner prices an
// index-only scan by the pages marked so. Transactions of other tests on
// the same server (of other packages, run at the same time) can keep
// vacuum from marking pages for a moment; they are short, so a few
// tries get past them.
func refreshUntilAllVisible(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := t.Context()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		must(t, db.RefreshStatistics(ctx))
		if db.Dialect() != "postgres" {
			return
		}
		var all bool
		must(t, db.SQL().QueryRowContext(ctx, `SELECT relallvisible >= relpages FROM pg_class WHERE oid = 'users'::regclass`).Scan(&all))
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("vacuum left pages of users not all-visible for 30 s")
		}
	}
}

// TestEmailPagesReadTheIndexAlone: a page of the list in email order,
// either way and from a cursor either way, is read from the index that
// holds each user's list columns in that order (migration 0011): on
// SQLite a covering index whose expression is the list record, on
// PostgreSQL an index-only scan, once vacuum has marked the pages. On
// SQLite a record built otherwise in listCols would stop matching the
// index's expression and fail this test.
func TestEmailPagesReadTheIndexAlone(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, users := peopleOrg(t, db, 300, "list.example")
		refreshUntilAllVisible(t, db)
		want := map[string]*regexp.Regexp{"sqlite": regexp.MustCompile(`USING COVERING INDEX users_org_email_list `),
			"postgres": regexp.MustCompile(`Index Only Scan (Backward )?using users_org_email_list `)}[db.Dialect()]
		r := db.Reader()
		for _, sort := range []string{"", "-email"} {
			first := pageAt(t, r, o.ID, roster.UserFilter{Limit: 50, Sort: sort}, "")
			second := pageAt(t, r, o.ID, roster.UserFilter{Limit: 50, Sort: sort}, first.NextCursor)
			for _, cursor := range []string{"", first.NextCursor, second.PrevCursor} {
				plan, err := db.ExplainListUsers(ctx, o.ID, roster.UserFilter{Limit: 50, Sort: sort, Cursor: cursor})
				must(t, err)
				if !want.MatchString(plan) {
					t.Errorf("sort %q from %q: the page is not read from the list index alone:\n%s", sort, cursor, plan)
				}
			}
			emails := sortedEmails(users)
			if sort != "" {
				slices.Reverse(emails)
			}
			if got := append(emailsOf(first.Items), emailsOf(second.Items)...); !slices.Equal(got, emails[:100]) {
				t.Errorf("sort %q: the first two pages are %v, want %v", sort, got, emails[:100])
			}
		}
	})
}
