package storetest_test

import (
	"slices"
	"testing"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestListUsersBackwards walks every page forwards, then back from the
// last page by prev_cursor: each page must come back with the same rows
// in the same order, the first page must offer no page before it, and a
// page reached backwards must lead forwards to the page it came from. It
// covers each order, both directions, ties (every created_at and sign-in
// time is the same), filters, and each way a search is planned.
func TestListUsersBackwards(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		// Past 2,000 matches a search walks the list order instead of
		// sorting its matches.
		o, _ := peopleOrg(t, db, 2300, "back.example")
		r := db.Reader()
		ids := func(us []roster.User) []string {
			out := make([]string, len(us))
			for i, u := range us {
				out[i] = u.ID
			}
			return out
		}
		list := func(f roster.UserFilter, cursor string) roster.Page[roster.User] {
			t.Helper()
			return pageAt(t, r, o.ID, f, cursor)
		}
		for _, f := range []roster.UserFilter{
			{Limit: 300},
			{Limit: 300, Sort: "-name"},
			{Limit: 300, Sort: "created_at"},
			{Limit: 500, Sort: "-last_login_at"},
			{Limit: 100, Status: roster.StatusInactive},
			{Limit: 40, Query: "johansson"},
			{Limit: 300, Query: "@back.ex"},
			{Limit: 100, Query: "ee", Sort: "-email"},
		} {
			var pages [][]string
			page := list(f, "")
			if page.PrevCursor != "" {
				t.Fatalf("%+v: the first page has a page before it", f)
			}
			for {
				pages = append(pages, ids(page.Items))
				if page.NextCursor == "" {
					break
				}
				page = list(f, page.NextCursor)
			}
			if len(pages) < 3 {
				t.Fatalf("%+v: %d pages; the test needs three or more", f, len(pages))
			}
			for i := len(pages) - 2; i >= 0; i-- {
				if page.PrevCursor == "" {
					t.Fatalf("%+v: page %d has no page before it", f, i+1)
				}
				after := page
				page = list(f, page.PrevCursor)
				if got := ids(page.Items); !slices.Equal(got, pages[i]) {
					t.Fatalf("%+v: page %d read backwards has %d rows %v…, forwards %d %v…", f, i, len(got), got[:min(3, len(got))], len(pages[i]), pages[i][:3])
				}
				if next := list(f, page.NextCursor); !slices.Equal(ids(next.Items), ids(after.Items)) {
					t.Fatalf("%+v: page %d read backwards does not lead forwards to page %d", f, i, i+1)
				}
			}
			if page.PrevCursor != "" {
				t.Fatalf("%+v: the first page, reached backwards, has a page before it", f)
			}
		}
	})
}
