package storetest_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

func TestOrgs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := &roster.Org{ID: newID(), Slug: "acme-co", Name: "Acme Co", Plan: roster.PlanTrial,
			InviteTTL: 36*time.Hour + 90*time.Second, InvitationsSent: 2, CreatedAt: now()}
		must(t, r.CreateOrg(ctx, o))

		check := func(got *roster.Org, err error) {
			t.Helper()
			must(t, err)
			if got.ID != o.ID || got.Slug != o.Slug || got.Name != o.Name || got.Plan != o.Plan ||
				got.InviteTTL != o.InviteTTL || got.InvitationsSent != o.InvitationsSent || !got.CreatedAt.Equal(o.CreatedAt) {
				t.Fatalf("org = %+v, want %+v", got, o)
			}
		}
		check(r.Org(ctx, o.ID))
		check(r.OrgBySlug(ctx, "acme-co"))
		// People type their org's slug in any case on the sign-in page.
		check(r.OrgBySlug(ctx, "ACME-Co"))

		_, err := r.Org(ctx, newID())
		wantNotFound(t, err)
		_, err = r.OrgBySlug(ctx, "no-such-org")
		wantNotFound(t, err)

		dup := &roster.Org{ID: newID(), Slug: "acme-co", Name: "Other", Plan: roster.PlanStandard, CreatedAt: now()}
		err = r.CreateOrg(ctx, dup)
		wantKind(t, err, roster.KindConflict)
		if !errors.Is(err, roster.ErrConflict) {
			t.Fatalf("duplicate slug: errors.Is(err, ErrConflict) is false for %v", err)
		}
		_, err = r.Org(ctx, dup.ID)
		wantNotFound(t, err)

		sameID := &roster.Org{ID: o.ID, Slug: "other-slug", Name: "Other", Plan: roster.PlanStandard, CreatedAt: now()}
		wantKind(t, r.CreateOrg(ctx, sameID), roster.KindConflict)

		must(t, r.AddInvitationsSent(ctx, o.ID, 3))
		inTx(t, db, func(c *store.Conn) error { return c.AddInvitationsSent(ctx, o.ID, 4) })
		got, err := r.Org(ctx, o.ID)
		must(t, err)
		if got.InvitationsSent != 9 {
			t.Fatalf("invitations_sent = %d, want 2+3+4 = 9", got.InvitationsSent)
		}
		wantNotFound(t, r.AddInvitationsSent(ctx, newID(), 1))
	})
}

func TestLockOrg(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o := mkOrg(t, db)
		if err := db.Reader().LockOrg(ctx, o.ID); err == nil {
			t.Fatal("LockOrg outside a transaction must fail: it would lock nothing")
		}
		inTx(t, db, func(c *store.Conn) error { return c.LockOrg(ctx, o.ID) })
		err := db.Tx(ctx, func(c *store.Conn) error { return c.LockOrg(ctx, newID()) })
		wantNotFound(t, err)
	})
}

func TestRoles(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		a, b := mkOrg(t, db), mkOrg(t, db)

		custom := &roster.Role{ID: newID(), Key: "auditor", Name: "Auditor", Description: "Reads the log",
			Permissions: roster.PermissionSet{roster.PermAuditView, roster.PermUsersRead}}
		must(t, r.CreateRole(ctx, a.ID, custom, now()))
		// Created later but built-in, so it must still be listed first.
		admin := &roster.Role{ID: newID(), Key: roster.RoleAdmin, Name: "Admin", Description: "All",
			Permissions: roster.PermissionSet(roster.AllPermissions()), Builtin: true}
		must(t, r.CreateRole(ctx, a.ID, admin, now().Add(time.Second)))
		empty := &roster.Role{ID: newID(), Key: "nobody", Name: "Nobody", Permissions: nil}
		must(t, r.CreateRole(ctx, a.ID, empty, now().Add(2*time.Second)))

		check := func(got *roster.Role, want *roster.Role) {
			t.Helper()
			if got.ID != want.ID || got.OrgID != a.ID || got.Key != want.Key || got.Name != want.Name ||
				got.Description != want.Description || got.Builtin != want.Builtin || !slices.Equal(got.Permissions, want.Permissions) {
				t.Fatalf("role = %+v, want %+v in org %s", got, want, a.ID)
			}
		}
		for _, want := range []*roster.Role{custom, admin} {
			got, err := r.Role(ctx, a.ID, want.ID)
			must(t, err)
			check(got, want)
			got, err = r.RoleByKey(ctx, a.ID, want.Key)
			must(t, err)
			check(got, want)
		}
		got, err := r.Role(ctx, a.ID, empty.ID)
		must(t, err)
		if len(got.Permissions) != 0 || got.Permissions.Has(roster.PermUsersRead) {
			t.Fatalf("role without permissions came back with %v", got.Permissions)
		}
		adm, err := r.RoleByKey(ctx, a.ID, roster.RoleAdmin)
		must(t, err)
		if !adm.Permissions.IsAdmin() || len(adm.Permissions) != len(roster.Catalogue) {
			t.Fatalf("admin permissions did not round-trip: %v", adm.Permissions)
		}

		roles, err := r.Roles(ctx, a.ID)
		must(t, err)
		if keys := idsOf(roles, func(r roster.Role) string { return r.Key }); !slices.Equal(keys, []string{"admin", "auditor", "nobody"}) {
			t.Fatalf("Roles order = %v, want built-ins first, then by creation", keys)
		}

		dup := &roster.Role{ID: newID(), Key: "auditor", Name: "Again"}
		wantKind(t, r.CreateRole(ctx, a.ID, dup, now()), roster.KindConflict)
		_, err = r.Role(ctx, a.ID, dup.ID)
		wantNotFound(t, err)

		// Keys are per org: B may have its own auditor.
		other := &roster.Role{ID: newID(), Key: "auditor", Name: "B's auditor", Permissions: roster.PermissionSet{roster.PermUsersRead}}
		must(t, r.CreateRole(ctx, b.ID, other, now()))
		gotB, err := r.RoleByKey(ctx, b.ID, "auditor")
		must(t, err)
		if gotB.ID != other.ID || gotB.OrgID != b.ID || gotB.Name != "B's auditor" {
			t.Fatalf("B's auditor = %+v", gotB)
		}
		gotA, err := r.RoleByKey(ctx, a.ID, "auditor")
		must(t, err)
		if gotA.ID != custom.ID {
			t.Fatalf("A's auditor became %s", gotA.ID)
		}
		rolesB, err := r.Roles(ctx, b.ID)
		must(t, err)
		if len(rolesB) != 1 || rolesB[0].ID != other.ID {
			t.Fatalf("Roles(B) = %+v", rolesB)
		}

		_, err = r.Role(ctx, a.ID, newID())
		wantNotFound(t, err)
		_, err = r.RoleByKey(ctx, a.ID, "missing")
		wantNotFound(t, err)
		none, err := r.Roles(ctx, mkOrg(t, db).ID)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("a new org has roles %+v", none)
		}
	})
}

func TestLicensePools(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		a, b := mkOrg(t, db), mkOrg(t, db)
		roleA, roleB := mkRole(t, db, a.ID, "agent"), mkRole(t, db, b.ID, "agent")

		must(t, r.SetLicensePool(ctx, a.ID, "power_dialer", "Dialer", 2, now()))
		// Upsert: same type, new name and quantity, still one pool.
		must(t, r.SetLicensePool(ctx, a.ID, "power_dialer", "Power Dialer", 5, now()))
		must(t, r.SetLicensePool(ctx, a.ID, "crm", "CRM Sync", 1, now()))
		must(t, r.SetLicensePool(ctx, a.ID, "unused", "Zeta", 4, now()))
		must(t, r.SetLicensePool(ctx, b.ID, "power_dialer", "Power Dialer", 50, now()))

		user := func(org string, role *roster.Role, lic string, st roster.Status) {
			mkUser(t, db, org, role, uniq("u")+"@example.com", withLicense(lic), withStatus(st))
		}
		user(a.ID, roleA, "power_dialer", roster.StatusActive)
		user(a.ID, roleA, "power_dialer", roster.StatusInvited)
		user(a.ID, roleA, "power_dialer", roster.StatusPrepared)
		user(a.ID, roleA, "power_dialer", roster.StatusInactive)
		user(a.ID, roleA, "crm", roster.StatusActive)
		user(a.ID, roleA, "crm", roster.StatusInvited) // oversold: 2 used of 1
		user(a.ID, roleA, "", roster.StatusActive)
		user(b.ID, roleB, "power_dialer", roster.StatusActive)
		user(b.ID, roleB, "power_dialer", roster.StatusActive)
		user(b.ID, roleB, "power_dialer", roster.StatusActive)

		pools, err := r.LicensePools(ctx, a.ID)
		must(t, err)
		want := []roster.LicensePool{
			{Type: "crm", Name: "CRM Sync", Purchased: 1, Used: 2, Available: 0},
			{Type: "power_dialer", Name: "Power Dialer", Purchased: 5, Used: 2, Available: 3},
			{Type: "unused", Name: "Zeta", Purchased: 4, Used: 0, Available: 4},
		}
		if !slices.Equal(pools, want) {
			t.Fatalf("LicensePools(A) =\n %+v\nwant (by name)\n %+v", pools, want)
		}
		for _, w := range want {
			p, err := r.LicensePool(ctx, a.ID, w.Type)
			must(t, err)
			if *p != w {
				t.Fatalf("LicensePool(A, %s) = %+v, want %+v", w.Type, *p, w)
			}
			used, err := r.CountSeatsUsed(ctx, a.ID, w.Type)
			must(t, err)
			if used != w.Used {
				t.Fatalf("CountSeatsUsed(A, %s) = %d, want %d", w.Type, used, w.Used)
			}
		}
		pb, err := r.LicensePool(ctx, b.ID, "power_dialer")
		must(t, err)
		if *pb != (roster.LicensePool{Type: "power_dialer", Name: "Power Dialer", Purchased: 50, Used: 3, Available: 47}) {
			t.Fatalf("LicensePool(B) = %+v", *pb)
		}
		_, err = r.LicensePool(ctx, a.ID, "nope")
		wantNotFound(t, err)
		none, err := r.LicensePools(ctx, mkOrg(t, db).ID)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("a new org has pools %+v", none)
		}
	})
}
