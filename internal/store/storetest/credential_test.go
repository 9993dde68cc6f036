package storetest_test

import (
	"slices"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestCredential looks sessions and API tokens up with their user's
// status and permissions in one call, and never across kinds.
func TestCredential(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent", roster.PermUsersRead)
		u := mkUser(t, db, o.ID, role, "ann@example.com", withStatus(roster.StatusInactive))
		must(t, r.SetDirectPermissions(ctx, o.ID, u.ID, roster.PermissionSet{roster.PermUsersManage, roster.PermAuditView}, now()))

		t0 := now()
		sid, sh := newID(), hash("sess")
		must(t, r.CreateSession(ctx, o.ID, sid, u.ID, sh, "", t0, t0.Add(time.Hour)))
		tid, th := newID(), hash("tok")
		must(t, r.CreateAPIToken(ctx, o.ID, tid, u.ID, "ci", th, t0))

		c, err := r.Credential(ctx, true, sh)
		must(t, err)
		if c.ID != sid || c.OrgID != o.ID || c.UserID != u.ID || !c.Session || !c.ExpiresAt.Equal(t0.Add(time.Hour)) ||
			c.LastUsedAt == nil || !c.LastUsedAt.Equal(t0) || c.Email != "ann@example.com" || c.Status != roster.StatusInactive {
			t.Fatalf("session credential = %+v", c)
		}
		if !slices.Equal(c.RolePermissions, roster.PermissionSet{roster.PermUsersRead}) {
			t.Fatalf("role permissions = %v", c.RolePermissions)
		}
		direct := slices.Clone(c.DirectPermissions)
		slices.Sort(direct)
		if !slices.Equal(direct, roster.PermissionSet{roster.PermAuditView, roster.PermUsersManage}) {
			t.Fatalf("direct permissions = %v", c.DirectPermissions)
		}

		c, err = r.Credential(ctx, false, th)
		must(t, err)
		if c.ID != tid || c.Session || !c.ExpiresAt.IsZero() || c.LastUsedAt != nil || c.UserID != u.ID {
			t.Fatalf("token credential = %+v", c)
		}
		// A session's hash is not a token's, nor the other way round.
		_, err = r.Credential(ctx, false, sh)
		wantNotFound(t, err)
		_, err = r.Credential(ctx, true, th)
		wantNotFound(t, err)
		_, err = r.Credential(ctx, true, []byte("unknown"))
		wantNotFound(t, err)

		bob := mkUser(t, db, o.ID, role, "bob@example.com")
		bh := hash("bob")
		must(t, r.CreateAPIToken(ctx, o.ID, newID(), bob.ID, "", bh, t0))
		c, err = r.Credential(ctx, false, bh)
		must(t, err)
		if len(c.DirectPermissions) != 0 || c.Status != roster.StatusActive {
			t.Fatalf("credential without direct grants = %+v", c)
		}
	})
}

// TestLastActivity follows a user's last activity through sign-in, use,
// sign-out and revocation: presence is derived from it.
func TestLastActivity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		u := mkUser(t, db, o.ID, mkRole(t, db, o.ID, "agent"), "ann@example.com")
		other := mkUser(t, db, o.ID, mkRole(t, db, o.ID, "lead"), "bob@example.com")
		last := func() time.Time {
			t.Helper()
			in, err := r.PresenceInputs(ctx, o.ID, []string{u.ID, other.ID})
			must(t, err)
			if !in[other.ID].LastActive.IsZero() {
				t.Fatalf("another user's activity moved: %v", in[other.ID].LastActive)
			}
			return in[u.ID].LastActive
		}
		if got := last(); !got.IsZero() {
			t.Fatalf("new user last active %v", got)
		}
		t0 := now()
		s1, s2 := newID(), newID()
		must(t, r.CreateSession(ctx, o.ID, s1, u.ID, hash("s1"), "", t0, t0.Add(time.Hour)))
		must(t, r.CreateSession(ctx, o.ID, s2, u.ID, hash("s2"), "", t0.Add(time.Minute), t0.Add(time.Hour)))
		if got := last(); !got.Equal(t0.Add(time.Minute)) {
			t.Fatalf("after two sign-ins last active %v, want %v", got, t0.Add(time.Minute))
		}
		must(t, r.TouchSession(ctx, o.ID, s1, t0.Add(5*time.Minute), t0.Add(time.Hour)))
		if got := last(); !got.Equal(t0.Add(5 * time.Minute)) {
			t.Fatalf("after use last active %v", got)
		}
		tok := newID()
		must(t, r.CreateAPIToken(ctx, o.ID, tok, u.ID, "", hash("tok"), t0))
		must(t, r.TouchAPIToken(ctx, o.ID, tok, t0.Add(3*time.Minute)))
		if got := last(); !got.Equal(t0.Add(5 * time.Minute)) {
			t.Fatalf("an older use moved last activity back: %v", got)
		}
		// Signing out of the newest session falls back to what is left.
		must(t, r.DeleteSession(ctx, o.ID, s1))
		if got := last(); !got.Equal(t0.Add(3 * time.Minute)) {
			t.Fatalf("after sign-out last active %v, want the token's use", got)
		}
		must(t, r.DeleteSession(ctx, o.ID, newID())) // unknown: nothing happens
		_, _, err := r.RevokeUserCredentials(ctx, o.ID, u.ID, now())
		must(t, err)
		if got := last(); !got.IsZero() {
			t.Fatalf("after revocation last active %v", got)
		}
	})
}
