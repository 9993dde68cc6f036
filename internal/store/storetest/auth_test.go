package storetest_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

func mkInvitation(t testing.TB, db *store.DB, orgID string, u *roster.User, created time.Time) *roster.Invitation {
	t.Helper()
	inv := &roster.Invitation{ID: newID(), OrgID: orgID, UserID: u.ID, Email: u.Email, Role: u.Role, LicenseType: u.LicenseType,
		Integration: "salesforce", InviterID: newID(), Status: roster.InvitePending, CreatedAt: created,
		ExpiresAt: created.Add(72 * time.Hour), TokenHash: hash("inv")}
	must(t, db.Reader().CreateInvitation(t.Context(), orgID, inv))
	return inv
}

func checkInvitation(t testing.TB, got, want *roster.Invitation) {
	t.Helper()
	if got.ID != want.ID || got.OrgID != want.OrgID || got.UserID != want.UserID || got.Email != want.Email ||
		got.Role != want.Role || got.LicenseType != want.LicenseType || got.Integration != want.Integration ||
		got.InviterID != want.InviterID || got.Status != want.Status || !bytes.Equal(got.TokenHash, want.TokenHash) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("invitation =\n %+v\nwant\n %+v", got, want)
	}
}

func TestInvitations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		ann := mkUser(t, db, o.ID, role, "ann@example.com", withStatus(roster.StatusInvited), withLicense("seat"))
		bob := mkUser(t, db, o.ID, role, "bob@example.com", withStatus(roster.StatusInvited))
		cid := mkUser(t, db, o.ID, role, "cid@example.com", withStatus(roster.StatusInvited))

		base := now()
		// Created out of order so that "oldest first" is not insertion order.
		invB := mkInvitation(t, db, o.ID, bob, base.Add(2*time.Minute))
		invA := mkInvitation(t, db, o.ID, ann, base)
		invC := mkInvitation(t, db, o.ID, cid, base.Add(time.Minute))

		got, err := r.Invitation(ctx, o.ID, invA.ID)
		must(t, err)
		checkInvitation(t, got, invA)
		got, err = r.InvitationByTokenHash(ctx, invA.TokenHash)
		must(t, err)
		checkInvitation(t, got, invA)
		got, err = r.PendingInvitationForUser(ctx, o.ID, bob.ID)
		must(t, err)
		checkInvitation(t, got, invB)

		_, err = r.Invitation(ctx, o.ID, newID())
		wantNotFound(t, err)
		_, err = r.InvitationByTokenHash(ctx, []byte("no such token"))
		wantNotFound(t, err)
		_, err = r.PendingInvitationForUser(ctx, o.ID, newID())
		wantNotFound(t, err)

		// A token hash identifies one invitation across all orgs.
		dup := *invC
		dup.ID = newID()
		wantKind(t, r.CreateInvitation(ctx, mkOrg(t, db).ID, &dup), roster.KindConflict)

		pending, err := r.PendingInvitations(ctx, o.ID)
		must(t, err)
		if ids := idsOf(pending, func(i roster.Invitation) string { return i.ID }); !slices.Equal(ids, []string{invA.ID, invC.ID, invB.ID}) {
			t.Fatalf("PendingInvitations = %v, want oldest first", ids)
		}

		inTx(t, db, func(c *store.Conn) error {
			return c.SetInvitationStatus(ctx, o.ID, invA.ID, roster.InvitePending, roster.InviteAccepted)
		})
		got, err = r.Invitation(ctx, o.ID, invA.ID)
		must(t, err)
		if got.Status != roster.InviteAccepted {
			t.Fatalf("status = %s, want accepted", got.Status)
		}
		// The loser of a race moves from a status that is no longer there.
		err = r.SetInvitationStatus(ctx, o.ID, invA.ID, roster.InvitePending, roster.InviteCancelled)
		wantKind(t, err, roster.KindConflict)
		got, err = r.Invitation(ctx, o.ID, invA.ID)
		must(t, err)
		if got.Status != roster.InviteAccepted {
			t.Fatalf("status = %s after a refused transition, want accepted", got.Status)
		}
		wantKind(t, r.SetInvitationStatus(ctx, o.ID, newID(), roster.InvitePending, roster.InviteCancelled), roster.KindConflict)

		_, err = r.PendingInvitationForUser(ctx, o.ID, ann.ID)
		wantNotFound(t, err)
		must(t, r.SetInvitationStatus(ctx, o.ID, invC.ID, roster.InvitePending, roster.InviteReplaced))
		pending, err = r.PendingInvitations(ctx, o.ID)
		must(t, err)
		if ids := idsOf(pending, func(i roster.Invitation) string { return i.ID }); !slices.Equal(ids, []string{invB.ID}) {
			t.Fatalf("PendingInvitations after accept and replace = %v", ids)
		}

		// Invitations outlive their user as history, pointing at nobody.
		must(t, r.DeleteUser(ctx, o.ID, bob.ID))
		got, err = r.Invitation(ctx, o.ID, invB.ID)
		must(t, err)
		want := *invB
		want.UserID = ""
		checkInvitation(t, got, &want)
		got, err = r.InvitationByTokenHash(ctx, invB.TokenHash)
		must(t, err)
		if got.UserID != "" {
			t.Fatalf("UserID = %q after the user was deleted", got.UserID)
		}
		got, err = r.Invitation(ctx, o.ID, invA.ID)
		must(t, err)
		if got.UserID != ann.ID {
			t.Fatalf("another user's invitation lost its user: %q", got.UserID)
		}
	})
}

func TestSessions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		u := mkUser(t, db, o.ID, role, "ann@example.com")

		t0 := now()
		id, h := newID(), hash("sess")
		must(t, r.CreateSession(ctx, o.ID, id, u.ID, h, "192.0.2.1", t0, t0.Add(time.Hour)))
		s, err := r.Credential(ctx, true, h)
		must(t, err)
		if s.ID != id || s.OrgID != o.ID || s.UserID != u.ID || !s.ExpiresAt.Equal(t0.Add(time.Hour)) || s.LastUsedAt == nil || !s.LastUsedAt.Equal(t0) {
			t.Fatalf("session = %+v", s)
		}
		_, err = r.Credential(ctx, true, []byte("unknown"))
		wantNotFound(t, err)
		wantKind(t, r.CreateSession(ctx, o.ID, newID(), u.ID, h, "", t0, t0), roster.KindConflict)

		t1 := t0.Add(10 * time.Minute)
		must(t, r.TouchSession(ctx, o.ID, id, t1, t1.Add(time.Hour)))
		s, err = r.Credential(ctx, true, h)
		must(t, err)
		if s.LastUsedAt == nil || !s.LastUsedAt.Equal(t1) || !s.ExpiresAt.Equal(t1.Add(time.Hour)) {
			t.Fatalf("touched session = %+v, want last seen %v", s, t1)
		}

		keep, keepH := newID(), hash("keep")
		other, otherH := newID(), hash("other")
		must(t, r.CreateSession(ctx, o.ID, keep, u.ID, keepH, "", t0, t0.Add(time.Hour)))
		must(t, r.CreateSession(ctx, o.ID, other, u.ID, otherH, "", t0, t0.Add(time.Hour)))
		must(t, r.DeleteSession(ctx, o.ID, id))
		_, err = r.Credential(ctx, true, h)
		wantNotFound(t, err)

		must(t, r.DeleteOtherSessions(ctx, o.ID, u.ID, keep))
		_, err = r.Credential(ctx, true, otherH)
		wantNotFound(t, err)
		s, err = r.Credential(ctx, true, keepH)
		must(t, err)
		if s.ID != keep {
			t.Fatalf("kept session = %+v", s)
		}
	})
}

func TestAPITokens(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		u := mkUser(t, db, o.ID, mkRole(t, db, o.ID, "agent"), "ann@example.com")

		t0 := now()
		id, h := newID(), hash("tok")
		must(t, r.CreateAPIToken(ctx, o.ID, id, u.ID, "ci", h, t0))
		tok, err := r.APITokenByHash(ctx, h)
		must(t, err)
		if tok.ID != id || tok.OrgID != o.ID || tok.UserID != u.ID || tok.Name != "ci" || !tok.CreatedAt.Equal(t0) || tok.LastUsedAt != nil {
			t.Fatalf("token = %+v", tok)
		}
		_, err = r.APITokenByHash(ctx, []byte("unknown"))
		wantNotFound(t, err)
		wantKind(t, r.CreateAPIToken(ctx, o.ID, newID(), u.ID, "again", h, t0), roster.KindConflict)

		t1 := t0.Add(time.Minute)
		must(t, r.TouchAPIToken(ctx, o.ID, id, t1))
		tok, err = r.APITokenByHash(ctx, h)
		must(t, err)
		if tok.LastUsedAt == nil || !tok.LastUsedAt.Equal(t1) {
			t.Fatalf("LastUsedAt = %v, want %v", tok.LastUsedAt, t1)
		}
	})
}

func TestPasswordResets(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		u := mkUser(t, db, o.ID, mkRole(t, db, o.ID, "agent"), "ann@example.com")

		t0 := now()
		id, h := newID(), hash("reset")
		must(t, r.CreatePasswordReset(ctx, o.ID, id, u.ID, h, t0, t0.Add(time.Hour)))
		p, err := r.PasswordResetByHash(ctx, h)
		must(t, err)
		if p.ID != id || p.OrgID != o.ID || p.UserID != u.ID || !p.ExpiresAt.Equal(t0.Add(time.Hour)) || p.UsedAt != nil {
			t.Fatalf("reset = %+v", p)
		}
		_, err = r.PasswordResetByHash(ctx, []byte("unknown"))
		wantNotFound(t, err)

		t1 := t0.Add(time.Minute)
		inTx(t, db, func(c *store.Conn) error { return c.UsePasswordReset(ctx, o.ID, id, t1) })
		p, err = r.PasswordResetByHash(ctx, h)
		must(t, err)
		if p.UsedAt == nil || !p.UsedAt.Equal(t1) {
			t.Fatalf("UsedAt = %v, want %v", p.UsedAt, t1)
		}
		err = db.Tx(ctx, func(c *store.Conn) error { return c.UsePasswordReset(ctx, o.ID, id, t1.Add(time.Minute)) })
		wantKind(t, err, roster.KindGone)
		p, err = r.PasswordResetByHash(ctx, h)
		must(t, err)
		if !p.UsedAt.Equal(t1) {
			t.Fatalf("a refused second use moved UsedAt to %v", p.UsedAt)
		}
		wantKind(t, r.UsePasswordReset(ctx, o.ID, newID(), t1), roster.KindGone)
	})
}

// creds is one user's sessions, API tokens and reset links, by token hash.
type creds struct {
	sessions, tokens, resets [][]byte
	resetIDs                 []string
}

func mkCreds(t testing.TB, db *store.DB, orgID, userID string, n int, at time.Time) creds {
	t.Helper()
	ctx, r := t.Context(), db.Reader()
	var c creds
	for range n {
		h := hash("s")
		must(t, r.CreateSession(ctx, orgID, newID(), userID, h, "", at, at.Add(time.Hour)))
		c.sessions = append(c.sessions, h)
		h = hash("t")
		must(t, r.CreateAPIToken(ctx, orgID, newID(), userID, "tok", h, at))
		c.tokens = append(c.tokens, h)
		h, id := hash("r"), newID()
		must(t, r.CreatePasswordReset(ctx, orgID, id, userID, h, at, at.Add(time.Hour)))
		c.resets = append(c.resets, h)
		c.resetIDs = append(c.resetIDs, id)
	}
	return c
}

// credsLeft counts how many of c's sessions and tokens still exist, and how
// many of its reset links are still unused.
func credsLeft(t testing.TB, db *store.DB, c creds) (sessions, tokens, unusedResets int) {
	t.Helper()
	ctx, r := t.Context(), db.Reader()
	for _, h := range c.sessions {
		if _, err := r.Credential(ctx, true, h); err == nil {
			sessions++
		} else {
			wantNotFound(t, err)
		}
	}
	for _, h := range c.tokens {
		if _, err := r.APITokenByHash(ctx, h); err == nil {
			tokens++
		} else {
			wantNotFound(t, err)
		}
	}
	for _, h := range c.resets {
		p, err := r.PasswordResetByHash(ctx, h)
		if err == nil && p.UsedAt == nil {
			unusedResets++
		} else if err != nil {
			wantNotFound(t, err)
		}
	}
	return
}

func TestRevokeUserCredentials(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		ann, bob := mkUser(t, db, o.ID, role, "ann@example.com"), mkUser(t, db, o.ID, role, "bob@example.com")
		t0 := now()
		annC, bobC := mkCreds(t, db, o.ID, ann.ID, 3, t0), mkCreds(t, db, o.ID, bob.ID, 2, t0)

		// One of Ann's links was used earlier; revoking must not rewrite when.
		usedAt := t0.Add(time.Minute)
		must(t, r.UsePasswordReset(ctx, o.ID, annC.resetIDs[0], usedAt))

		revokeAt := t0.Add(time.Hour)
		var sessions, tokens int64
		inTx(t, db, func(c *store.Conn) error {
			var err error
			sessions, tokens, err = c.RevokeUserCredentials(ctx, o.ID, ann.ID, revokeAt)
			return err
		})
		if sessions != 3 || tokens != 3 {
			t.Fatalf("RevokeUserCredentials = %d sessions, %d tokens; want 3, 3", sessions, tokens)
		}
		if s, tk, rs := credsLeft(t, db, annC); s != 0 || tk != 0 || rs != 0 {
			t.Fatalf("Ann keeps %d sessions, %d tokens, %d unused resets", s, tk, rs)
		}
		if s, tk, rs := credsLeft(t, db, bobC); s != 2 || tk != 2 || rs != 2 {
			t.Fatalf("Bob's credentials were touched: %d sessions, %d tokens, %d unused resets", s, tk, rs)
		}
		p, err := r.PasswordResetByHash(ctx, annC.resets[0])
		must(t, err)
		if p.UsedAt == nil || !p.UsedAt.Equal(usedAt) {
			t.Fatalf("earlier use rewritten to %v", p.UsedAt)
		}
		p, err = r.PasswordResetByHash(ctx, annC.resets[1])
		must(t, err)
		if p.UsedAt == nil || !p.UsedAt.Equal(revokeAt) {
			t.Fatalf("voided link UsedAt = %v, want %v", p.UsedAt, revokeAt)
		}
		wantKind(t, r.UsePasswordReset(ctx, o.ID, annC.resetIDs[2], revokeAt), roster.KindGone)

		sessions, tokens, err = r.RevokeUserCredentials(ctx, o.ID, ann.ID, revokeAt)
		must(t, err)
		if sessions != 0 || tokens != 0 {
			t.Fatalf("second revoke = %d, %d", sessions, tokens)
		}
	})
}

func TestDeleteUserCascadesCredentials(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		ann, bob := mkUser(t, db, o.ID, role, "ann@example.com"), mkUser(t, db, o.ID, role, "bob@example.com")
		annC, bobC := mkCreds(t, db, o.ID, ann.ID, 2, now()), mkCreds(t, db, o.ID, bob.ID, 1, now())

		inTx(t, db, func(c *store.Conn) error { return c.DeleteUser(t.Context(), o.ID, ann.ID) })
		for _, h := range annC.resets {
			_, err := db.Reader().PasswordResetByHash(t.Context(), h)
			wantNotFound(t, err)
		}
		if s, tk, _ := credsLeft(t, db, annC); s != 0 || tk != 0 {
			t.Fatalf("deleted user keeps %d sessions, %d tokens", s, tk)
		}
		if s, tk, rs := credsLeft(t, db, bobC); s != 1 || tk != 1 || rs != 1 {
			t.Fatalf("other user's credentials: %d sessions, %d tokens, %d resets", s, tk, rs)
		}
	})
}

func TestLoginFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		t0 := now()
		for _, ago := range []time.Duration{10 * time.Minute, 5 * time.Minute, time.Minute} {
			must(t, r.RecordLoginFailure(ctx, "ann@example.com", t0.Add(-ago)))
		}
		inTx(t, db, func(c *store.Conn) error { return c.RecordLoginFailure(ctx, "bob@example.com", t0) })

		count := func(email string, since time.Time) int {
			t.Helper()
			n, err := r.CountLoginFailures(ctx, email, since)
			must(t, err)
			return n
		}
		for _, c := range []struct {
			email string
			since time.Time
			want  int
		}{
			{"ann@example.com", t0.Add(-time.Hour), 3},
			{"ann@example.com", t0.Add(-6 * time.Minute), 2},
			{"ann@example.com", t0.Add(-5 * time.Minute), 2}, // since is inclusive
			{"ann@example.com", t0, 0},
			{"bob@example.com", t0.Add(-time.Hour), 1},
			{"cid@example.com", t0.Add(-time.Hour), 0},
		} {
			if n := count(c.email, c.since); n != c.want {
				t.Errorf("CountLoginFailures(%s, %v) = %d, want %d", c.email, t0.Sub(c.since), n, c.want)
			}
		}
		must(t, r.ClearLoginFailures(ctx, "ann@example.com"))
		if n := count("ann@example.com", t0.Add(-time.Hour)); n != 0 {
			t.Fatalf("after clear: %d", n)
		}
		if n := count("bob@example.com", t0.Add(-time.Hour)); n != 1 {
			t.Fatalf("clearing Ann cleared Bob: %d", n)
		}
	})
}

func TestSweep(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o := mkOrg(t, db)
		u := mkUser(t, db, o.ID, mkRole(t, db, o.ID, "agent"), "ann@example.com")
		t0 := now()
		before := t0.Add(-24 * time.Hour)

		session := func(expires time.Time) []byte {
			h := hash("s")
			must(t, r.CreateSession(ctx, o.ID, newID(), u.ID, h, "", expires.Add(-time.Hour), expires))
			return h
		}
		expired, endsNow, live := session(t0.Add(-time.Second)), session(t0), session(t0.Add(time.Hour))

		must(t, r.RecordLoginFailure(ctx, "old@example.com", before.Add(-time.Second)))
		must(t, r.RecordLoginFailure(ctx, "edge@example.com", before))
		must(t, r.RecordLoginFailure(ctx, "new@example.com", t0.Add(-time.Minute)))

		reset := func(expires time.Time) []byte {
			h := hash("r")
			must(t, r.CreatePasswordReset(ctx, o.ID, newID(), u.ID, h, expires.Add(-time.Hour), expires))
			return h
		}
		oldReset, recentReset := reset(before.Add(-time.Second)), reset(t0.Add(-time.Minute))

		inTx(t, db, func(c *store.Conn) error { return c.Sweep(ctx, t0, before) })

		_, err := r.Credential(ctx, true, expired)
		wantNotFound(t, err)
		for _, h := range [][]byte{endsNow, live} {
			_, err := r.Credential(ctx, true, h)
			must(t, err)
		}
		for email, want := range map[string]int{"old@example.com": 0, "edge@example.com": 1, "new@example.com": 1} {
			n, err := r.CountLoginFailures(ctx, email, time.Time{})
			must(t, err)
			if n != want {
				t.Errorf("login failures of %s after sweep = %d, want %d", email, n, want)
			}
		}
		_, err = r.PasswordResetByHash(ctx, oldReset)
		wantNotFound(t, err)
		_, err = r.PasswordResetByHash(ctx, recentReset)
		must(t, err)
		// Users are not swept.
		_, err = r.User(ctx, o.ID, u.ID)
		must(t, err)
	})
}
