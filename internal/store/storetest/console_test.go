package storetest_test

import (
	"testing"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestPendingInvitationsForUsers: one query returns the pending invitation
// of each listed user of the org, skips settled ones, and never another
// org's, even when asked for its users by ID.
func TestPendingInvitationsForUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx, r := t.Context(), db.Reader()
		org, other := mkOrg(t, db), mkOrg(t, db)
		role, otherRole := mkRole(t, db, org.ID, "agent"), mkRole(t, db, other.ID, "agent")
		invited := func(u *roster.User) { u.Status = roster.StatusInvited }
		a := mkUser(t, db, org.ID, role, "a@x.test", invited)
		b := mkUser(t, db, org.ID, role, "b@x.test", invited)
		c := mkUser(t, db, org.ID, role, "c@x.test")
		foreign := mkUser(t, db, other.ID, otherRole, "f@x.test", invited)
		invA := mkInvitation(t, db, org.ID, a, now())
		old := mkInvitation(t, db, org.ID, b, now())
		must(t, r.SetInvitationStatus(ctx, org.ID, old.ID, roster.InvitePending, roster.InviteReplaced))
		invB := mkInvitation(t, db, org.ID, b, now())
		mkInvitation(t, db, other.ID, foreign, now())

		got, err := r.PendingInvitationsForUsers(ctx, org.ID, []string{a.ID, b.ID, c.ID, foreign.ID, "no-such-id"})
		must(t, err)
		if len(got) != 2 || got[a.ID].ID != invA.ID || got[b.ID].ID != invB.ID {
			t.Fatalf("got %+v", got)
		}
		checkInvitation(t, ptr(got[a.ID]), invA)
		if _, leak := got[foreign.ID]; leak {
			t.Fatal("another org's invitation was returned")
		}
		none, err := r.PendingInvitationsForUsers(ctx, org.ID, nil)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("no users gave %v", none)
		}
	})
}
