package storetest_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

func TestUserCRUD(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		agent, manager := mkRole(t, db, o.ID, "agent"), mkRole(t, db, o.ID, "manager")

		ts := now()
		u := &roster.User{ID: newID(), OrgID: o.ID, Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace",
			Status: roster.StatusInvited, RoleID: agent.ID, Role: agent.Key, LicenseType: "power_dialer", Extension: "4711",
			PasswordHash: "$argon2id$x", LastLoginAt: ptr(ts.Add(-time.Hour)), CreatedAt: ts.Add(-2 * time.Hour), UpdatedAt: ts}
		must(t, r.CreateUser(ctx, o.ID, u))

		got, err := r.User(ctx, o.ID, u.ID)
		must(t, err)
		checkUser(t, got, u)
		got, err = r.UserByEmail(ctx, o.ID, "ada@example.com")
		must(t, err)
		checkUser(t, got, u)

		// Without a last sign-in the time stays nil rather than the epoch.
		v := mkUser(t, db, o.ID, agent, "vera@example.com")
		got, err = r.User(ctx, o.ID, v.ID)
		must(t, err)
		if got.LastLoginAt != nil {
			t.Fatalf("LastLoginAt = %v, want nil", got.LastLoginAt)
		}
		checkUser(t, got, v)

		_, err = r.User(ctx, o.ID, newID())
		wantNotFound(t, err)
		_, err = r.UserByEmail(ctx, o.ID, "nobody@example.com")
		wantNotFound(t, err)

		list, err := r.UsersByEmails(ctx, o.ID, []string{"vera@example.com", "ada@example.com", "nobody@example.com"})
		must(t, err)
		if e := sortedEmails(list); !slices.Equal(e, []string{"ada@example.com", "vera@example.com"}) {
			t.Fatalf("UsersByEmails = %v", e)
		}
		for _, lu := range list {
			if lu.ID == u.ID {
				checkUser(t, &lu, u)
			}
		}
		list, err = r.UsersByEmails(ctx, o.ID, nil)
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("UsersByEmails(nil) = %v", list)
		}

		// Update every mutable field; the email must stay as stored.
		up := *u
		up.Email = "changed@example.com"
		up.FirstName, up.LastName = "Augusta", "King"
		up.Status = roster.StatusActive
		up.RoleID, up.Role = manager.ID, manager.Key
		up.LicenseType, up.Extension, up.PasswordHash = "crm", "99", "$argon2id$y"
		up.LastLoginAt = ptr(ts)
		up.UpdatedAt = ts.Add(time.Minute)
		inTx(t, db, func(c *store.Conn) error { return c.UpdateUser(ctx, o.ID, &up) })
		got, err = r.User(ctx, o.ID, u.ID)
		must(t, err)
		want := up
		want.Email = u.Email
		checkUser(t, got, &want)
		_, err = r.UserByEmail(ctx, o.ID, "changed@example.com")
		wantNotFound(t, err)

		// Clearing the last sign-in stores NULL again.
		up.LastLoginAt = nil
		must(t, r.UpdateUser(ctx, o.ID, &up))
		got, err = r.User(ctx, o.ID, u.ID)
		must(t, err)
		if got.LastLoginAt != nil {
			t.Fatalf("LastLoginAt = %v after clearing", got.LastLoginAt)
		}

		// The search column follows the update: the old name no longer matches.
		page, err := r.ListUsers(ctx, o.ID, roster.UserFilter{Query: "augusta"})
		must(t, err)
		if len(page.Items) != 1 || page.Items[0].ID != u.ID {
			t.Fatalf("search for the new name = %v", emailsOf(page.Items))
		}
		page, err = r.ListUsers(ctx, o.ID, roster.UserFilter{Query: "lovelace"})
		must(t, err)
		if len(page.Items) != 0 {
			t.Fatalf("search for the old name still finds %v", emailsOf(page.Items))
		}

		ghost := up
		ghost.ID = newID()
		wantNotFound(t, r.UpdateUser(ctx, o.ID, &ghost))

		inTx(t, db, func(c *store.Conn) error { return c.DeleteUser(ctx, o.ID, u.ID) })
		_, err = r.User(ctx, o.ID, u.ID)
		wantNotFound(t, err)
		wantNotFound(t, r.DeleteUser(ctx, o.ID, u.ID))
		got, err = r.User(ctx, o.ID, v.ID)
		must(t, err)
		checkUser(t, got, v)
	})
}

func TestUserEmailUniquePerOrg(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		a, b := mkOrg(t, db), mkOrg(t, db)
		ra, rb := mkRole(t, db, a.ID, "agent"), mkRole(t, db, b.ID, "agent")

		first := mkUser(t, db, a.ID, ra, "sam@example.com")
		dup := &roster.User{ID: newID(), Email: "sam@example.com", Status: roster.StatusPrepared, RoleID: ra.ID, CreatedAt: now(), UpdatedAt: now()}
		wantKind(t, r.CreateUser(ctx, a.ID, dup), roster.KindConflict)
		_, err := r.User(ctx, a.ID, dup.ID)
		wantNotFound(t, err)

		second := mkUser(t, db, b.ID, rb, "sam@example.com", func(u *roster.User) { u.CreatedAt = first.CreatedAt.Add(time.Second) })

		all, err := r.UsersWithEmailAnyOrg(ctx, "sam@example.com")
		must(t, err)
		if ids := idsOf(all, func(u roster.User) string { return u.ID }); !slices.Equal(ids, []string{first.ID, second.ID}) {
			t.Fatalf("UsersWithEmailAnyOrg = %v, want [%s %s] oldest first", ids, first.ID, second.ID)
		}
		checkUser(t, &all[0], first)
		checkUser(t, &all[1], second)
		none, err := r.UsersWithEmailAnyOrg(ctx, "nobody@example.com")
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("UsersWithEmailAnyOrg(nobody) = %v", emailsOf(none))
		}

		// Same primary key again is a conflict too, even in another org.
		again := *second
		again.Email, again.RoleID = "other@example.com", ra.ID
		wantKind(t, r.CreateUser(ctx, a.ID, &again), roster.KindConflict)
	})
}

func TestUserCounts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o, other := mkOrg(t, db), mkOrg(t, db)
		admin, manager, agent := mkRole(t, db, o.ID, "admin"), mkRole(t, db, o.ID, "manager"), mkRole(t, db, o.ID, "agent")
		otherAdmin := mkRole(t, db, other.ID, "admin")

		a1 := mkUser(t, db, o.ID, admin, "a1@example.com", withLicense("seat"))
		mkUser(t, db, o.ID, admin, "a2@example.com", withLicense("seat"), withStatus(roster.StatusInvited))
		mkUser(t, db, o.ID, admin, "a3@example.com", withStatus(roster.StatusInactive), withLicense("seat"))
		a4 := mkUser(t, db, o.ID, admin, "a4@example.com")
		mkUser(t, db, o.ID, manager, "m1@example.com", withStatus(roster.StatusPrepared), withLicense("seat"))
		m2 := mkUser(t, db, o.ID, manager, "m2@example.com")
		mkUser(t, db, o.ID, agent, "g1@example.com", withLicense("other"))
		mkUser(t, db, other.ID, otherAdmin, "x1@example.com", withLicense("seat"))
		mkUser(t, db, other.ID, otherAdmin, "x2@example.com", withLicense("seat"))

		seats, err := r.CountSeatsUsed(ctx, o.ID, "seat")
		must(t, err)
		if seats != 2 { // a1 active, a2 invited; a3 inactive and m1 prepared hold none
			t.Fatalf("CountSeatsUsed(seat) = %d, want 2", seats)
		}
		seats, err = r.CountSeatsUsed(ctx, o.ID, "missing")
		must(t, err)
		if seats != 0 {
			t.Fatalf("CountSeatsUsed(missing) = %d", seats)
		}

		for _, c := range []struct {
			roles  []string
			except string
			want   int
		}{
			{[]string{admin.ID}, "", 2},                       // a1, a4 (a2 invited, a3 inactive)
			{[]string{admin.ID}, a1.ID, 1},                    // a4
			{[]string{admin.ID}, m2.ID, 2},                    // except someone outside the roles
			{[]string{admin.ID, manager.ID}, a4.ID, 2},        // a1, m2
			{[]string{admin.ID, manager.ID, agent.ID}, "", 4}, // a1, a4, m2, g1
			{[]string{otherAdmin.ID}, "", 0},                  // other org's role
			{nil, "", 0},
		} {
			n, err := r.CountActiveWithRoles(ctx, o.ID, c.roles, c.except)
			must(t, err)
			if n != c.want {
				t.Errorf("CountActiveWithRoles(%v, except %q) = %d, want %d", c.roles, c.except, n, c.want)
			}
		}

		by, err := r.CountUsersByStatus(ctx, o.ID)
		must(t, err)
		want := map[roster.Status]int{roster.StatusActive: 4, roster.StatusInvited: 1, roster.StatusInactive: 1, roster.StatusPrepared: 1}
		if !maps.Equal(by, want) {
			t.Fatalf("CountUsersByStatus = %v, want %v", by, want)
		}
		by, err = r.CountUsersByStatus(ctx, mkOrg(t, db).ID)
		must(t, err)
		if len(by) != 0 {
			t.Fatalf("CountUsersByStatus(new org) = %v", by)
		}
	})
}
