package storetest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// bulkPeople builds n users of role in org whose names cycle through a few
// families, so that some fragments match thousands of rows and others a
// handful.
func bulkPeople(orgID string, role *roster.Role, n int, domain string) []roster.User {
	firsts := []string{"Anna", "Jörg", "Martin", "Zoë", "Sam"}
	lasts := []string{"Johansson", "Martinez", "Ødegård", "Lee", "Nakamura", "Smith", "Okafor"}
	out := make([]roster.User, n)
	ts := now()
	for i := range out {
		out[i] = roster.User{ID: newID(), OrgID: orgID, Email: fmt.Sprintf("user%05d@%s", i, domain),
			FirstName: firsts[i%len(firsts)], LastName: lasts[i%len(lasts)], Status: roster.StatusActive,
			RoleID: role.ID, Role: role.Key, CreatedAt: ts, UpdatedAt: ts}
		if i%10 == 0 {
			out[i].Extension = fmt.Sprintf("%d", 1000+i/10)
		}
		if i%3 == 0 {
			out[i].Status = roster.StatusInactive
		}
	}
	return out
}

// peopleOrg makes an org whose agents are n bulkPeople at domain.
func peopleOrg(t *testing.T, db *store.DB, n int, domain string) (*roster.Org, []roster.User) {
	t.Helper()
	o := mkOrg(t, db)
	users := bulkPeople(o.ID, mkRole(t, db, o.ID, "agent"), n, domain)
	inTx(t, db, func(c *store.Conn) error { return c.InsertUsers(t.Context(), o.ID, users) })
	return o, users
}

// emailsOrg makes an org whose agents are active users with these emails,
// all named first last.
func emailsOrg(t *testing.T, db *store.DB, first, last string, emails []string) (*roster.Org, []roster.User) {
	t.Helper()
	o := mkOrg(t, db)
	role := mkRole(t, db, o.ID, "agent")
	users := make([]roster.User, len(emails))
	ts := now()
	for i, e := range emails {
		users[i] = roster.User{ID: newID(), OrgID: o.ID, Email: e, FirstName: first, LastName: last,
			Status: roster.StatusActive, RoleID: role.ID, Role: role.Key, CreatedAt: ts, UpdatedAt: ts}
	}
	inTx(t, db, func(c *store.Conn) error { return c.InsertUsers(t.Context(), o.ID, users) })
	return o, users
}

// matching is what q must find among users: a case-insensitive substring
// of "first last", the email or the extension.
func matching(users []roster.User, q string, keep func(*roster.User) bool) []string {
	q = strings.ToLower(strings.TrimSpace(q))
	var out []string
	for i := range users {
		u := &users[i]
		text := strings.ToLower(u.FirstName + " " + u.LastName + "\x1f" + u.Email + "\x1f" + u.Extension)
		if strings.Contains(text, q) && (keep == nil || keep(u)) {
			out = append(out, u.Email)
		}
	}
	slices.Sort(out)
	return out
}

// TestSearchAtScale checks the q filter against a brute-force scan for
// fragments of every length, with few and with thousands of matches
// (SQLite answers those with different plans), through every page, and
// after names change and users are deleted.
func TestSearchAtScale(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		role, otherRole := mkRole(t, db, o.ID, "agent"), mkRole(t, db, other.ID, "agent")
		users := bulkPeople(o.ID, role, 3500, "scale.example")
		inTx(t, db, func(c *store.Conn) error { return c.InsertUsers(ctx, o.ID, users) })
		// Look-alikes in another org must never show up.
		decoys := bulkPeople(other.ID, otherRole, 700, "scale.example")
		inTx(t, db, func(c *store.Conn) error { return c.InsertUsers(ctx, other.ID, decoys) })

		check := func(label string, users []roster.User) {
			t.Helper()
			for _, q := range []string{"a", "ø", "ök", "ee", "Jö", "son", "MARTIN", "rtin", "ødegård", "zoë sm", "user0001",
				"1017", "101", "@scale.ex", "user03499@scale.example", "johanssonx", "zzz", "%", "_"} {
				for _, f := range []roster.UserFilter{
					{Query: q, Limit: 500},
					{Query: q, Limit: 500, Status: roster.StatusInactive},
					{Query: q, Limit: 500, Sort: "-name"},
				} {
					got := walk(t, db.Reader(), o.ID, f)
					keep := func(u *roster.User) bool { return f.Status == "" || u.Status == f.Status }
					if want := matching(users, q, keep); !slices.Equal(sortedEmails(got), want) {
						t.Fatalf("%s: q %q status %q sort %q: got %d users, want %d", label, q, f.Status, f.Sort, len(got), len(want))
					}
				}
			}
		}
		check("inserted", users)

		// Renames are searchable at once and the old name no longer is.
		for _, i := range []int{0, 1, 2, 3, 4, 100, 3499} {
			u := users[i]
			u.FirstName, u.LastName, u.UpdatedAt = "Renamed", "Person", now()
			must(t, db.Reader().UpdateUser(ctx, o.ID, &u))
			users[i] = u
		}
		for _, i := range []int{5, 6, 7, 3498} {
			must(t, db.Reader().DeleteUser(ctx, o.ID, users[i].ID))
		}
		users = slices.Delete(slices.Clone(users), 5, 8)
		users = slices.DeleteFunc(users, func(u roster.User) bool { return u.Email == "user03498@scale.example" })
		check("after renames and deletes", users)
		page, err := db.Reader().ListUsers(ctx, o.ID, roster.UserFilter{Query: "renamed person"})
		must(t, err)
		if len(page.Items) != 7 {
			t.Fatalf("renamed users found: %d, want 7", len(page.Items))
		}
	})
}

func TestListUsersStatuses(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o, users := seedPeople(t, db)
		for _, set := range [][]roster.Status{
			{roster.StatusActive},
			{roster.StatusActive, roster.StatusPrepared},
			{roster.StatusInactive, roster.StatusInvited, roster.StatusPrepared},
		} {
			var want []string
			for _, u := range users {
				if slices.Contains(set, u.Status) {
					want = append(want, u.Email)
				}
			}
			slices.Sort(want)
			got := walk(t, db.Reader(), o.ID, roster.UserFilter{Statuses: set, Limit: 3})
			if !slices.Equal(sortedEmails(got), want) {
				t.Errorf("statuses %v: got %v, want %v", set, sortedEmails(got), want)
			}
		}
	})
}

func TestBulkInsertAndLookups(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		users := bulkPeople(o.ID, role, 1000, "bulk.example")
		inTx(t, db, func(c *store.Conn) error { return c.InsertUsers(ctx, o.ID, users) })
		for _, i := range []int{0, 399, 400, 999} {
			got, err := db.Reader().User(ctx, o.ID, users[i].ID)
			must(t, err)
			checkUser(t, got, &users[i])
		}
		r := db.Reader()
		taken, err := r.ExistingEmails(ctx, o.ID, []string{"user00000@bulk.example", "user00999@bulk.example", "nobody@bulk.example"})
		must(t, err)
		if len(taken) != 2 || !taken["user00000@bulk.example"] || !taken["user00999@bulk.example"] {
			t.Fatalf("ExistingEmails = %v", taken)
		}
		if taken, err := r.ExistingEmails(ctx, other.ID, []string{"user00000@bulk.example"}); err != nil || len(taken) != 0 {
			t.Fatalf("another org's ExistingEmails = %v, %v", taken, err)
		}
		exts, err := r.ExtensionsInUse(ctx, o.ID)
		must(t, err)
		if len(exts) != 100 || !exts["1000"] || !exts["1099"] {
			t.Fatalf("ExtensionsInUse has %d entries", len(exts))
		}

		// A duplicate email anywhere in a batch fails it; in a transaction
		// nothing of it stays.
		dup := bulkPeople(o.ID, role, 450, "dup.example")
		dup[449].Email = "user00010@bulk.example"
		err = db.Tx(ctx, func(c *store.Conn) error { return c.InsertUsers(ctx, o.ID, dup) })
		wantKind(t, err, roster.KindConflict)
		counts, err := r.CountUsersByStatus(ctx, o.ID)
		must(t, err)
		if counts[roster.StatusActive]+counts[roster.StatusInactive] != 1000 {
			t.Fatalf("after a failed batch the org has %v users, want 1000", counts)
		}
	})
}
