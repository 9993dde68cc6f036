package storetest_test

import (
	"fmt"
	"sync"
	"testing"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// preparedBatch returns n new prepared users of role and an audit event
// for each.
func preparedBatch(orgID string, role *roster.Role, n int) ([]roster.User, []roster.AuditEvent) {
	ts := now()
	users := make([]roster.User, n)
	events := make([]roster.AuditEvent, n)
	for i := range users {
		users[i] = roster.User{ID: newID(), OrgID: orgID, Email: uniq("new") + "@create.test", Status: roster.StatusPrepared,
			RoleID: role.ID, Role: role.Key, CreatedAt: ts, UpdatedAt: ts}
		events[i] = roster.AuditEvent{ID: newID(), ActorID: "actor", ActorLabel: "admin@create.test", Action: "user.prepared",
			TargetType: "user", TargetID: users[i].ID, TargetLabel: users[i].Email, After: map[string]any{"email": users[i].Email},
			CreatedAt: ts}
	}
	return users, events
}

// written counts how many of users, and of their audit events, the org has.
func written(t *testing.T, db *store.DB, orgID string, users []roster.User) (nUsers, nEvents int) {
	t.Helper()
	ctx, r := t.Context(), db.Reader()
	emails := make([]string, len(users))
	for i, u := range users {
		emails[i] = u.Email
	}
	found, err := r.UsersByEmails(ctx, orgID, emails)
	must(t, err)
	for _, u := range users {
		p, err := r.AuditEvents(ctx, orgID, roster.AuditFilter{TargetID: u.ID, Limit: 10})
		must(t, err)
		nEvents += len(p.Items)
	}
	return len(found), nEvents
}

// TestCreateUsers: users and their audit events are written together,
// in one statement or in a transaction (past one user, and past one
// statement's rows), holding the role of the key given; an email already
// in the org, or a role that is missing, of another org or joins teams,
// writes none of them.
func TestCreateUsers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		mkRole(t, db, other.ID, "elsewhere")
		withTeams := mkRole(t, db, o.ID, "closer")
		inTx(t, db, func(c *store.Conn) error {
			ts := now()
			team := &roster.Team{ID: newID(), Name: "West", CreatedAt: ts, UpdatedAt: ts}
			if err := c.CreateTeam(ctx, o.ID, team); err != nil {
				return err
			}
			return c.SetRoleTeams(ctx, o.ID, withTeams.ID, []string{team.ID})
		})
		taken := mkUser(t, db, o.ID, role, uniq("taken")+"@create.test")

		// 401 rows are more than one statement carries (bulkRows).
		for _, n := range []int{1, 3, 401} {
			t.Run(fmt.Sprintf("%d users", n), func(t *testing.T) {
				users, events := preparedBatch(o.ID, &roster.Role{Key: role.Key}, n)
				must(t, db.CreateUsers(ctx, o.ID, role.Key, users, events))
				for i := range users {
					if users[i].RoleID != role.ID {
						t.Fatalf("user %d was given role ID %q, want %q", i, users[i].RoleID, role.ID)
					}
				}
				if u, e := written(t, db, o.ID, users); u != n || e != n {
					t.Fatalf("%d users and %d audit events written, want %d of each", u, e, n)
				}
				got, err := db.Reader().User(ctx, o.ID, users[n-1].ID)
				must(t, err)
				if got.Email != users[n-1].Email || got.Status != roster.StatusPrepared || got.Role != "agent" || got.RoleID != role.ID {
					t.Fatalf("read back %+v", got)
				}
				if u, e := written(t, db, other.ID, users); u != 0 || e != 0 {
					t.Fatalf("another org sees %d of the users and %d of their events", u, e)
				}

				// The same emails again, and a batch whose last email is
				// taken: a Conflict that writes nothing.
				again, againEvents := preparedBatch(o.ID, role, n)
				for i := range again {
					again[i].Email = users[i].Email
				}
				wantKind(t, db.CreateUsers(ctx, o.ID, role.Key, again, againEvents), roster.KindConflict)
				fresh, freshEvents := preparedBatch(o.ID, role, n)
				fresh[n-1].Email = taken.Email
				wantKind(t, db.CreateUsers(ctx, o.ID, role.Key, fresh, freshEvents), roster.KindConflict)
				if u, e := written(t, db, o.ID, fresh[:n-1]); u != 0 || e != 0 {
					t.Fatalf("a refused batch wrote %d users and %d audit events", u, e)
				}
				if _, e := written(t, db, o.ID, again); e != 0 {
					t.Fatalf("a refused batch wrote %d audit events", e)
				}

				// A key no role of the org has (one only another org's role
				// has, or none at all), and a role that joins teams:
				// NotFound, and nothing written.
				for name, key := range map[string]string{"other org's role": "elsewhere", "no such role": "nobody", "role with teams": withTeams.Key} {
					bad, badEvents := preparedBatch(o.ID, role, n)
					wantKind(t, db.CreateUsers(ctx, o.ID, key, bad, badEvents), roster.KindNotFound)
					if u, e := written(t, db, o.ID, bad); u != 0 || e != 0 {
						t.Fatalf("%s: %d users and %d audit events written", name, u, e)
					}
				}
			})
		}
	})
}

// TestCreateUsersRace: requests creating the same email at once create it
// once, audited once; the others are Conflicts.
func TestCreateUsersRace(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		const racers = 8
		batches := make([][]roster.User, racers)
		events := make([][]roster.AuditEvent, racers)
		email := uniq("race") + "@create.test"
		for i := range racers {
			batches[i], events[i] = preparedBatch(o.ID, role, 1)
			batches[i][0].Email = email
		}
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() { errs[i] = db.CreateUsers(ctx, o.ID, role.Key, batches[i], events[i]) })
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
				if u, e := written(t, db, o.ID, batches[i]); u != 1 || e != 1 {
					t.Errorf("winner: %d users and %d audit events", u, e)
				}
			case roster.ErrorKind(err) == roster.KindConflict:
				if _, e := written(t, db, o.ID, batches[i]); e != 0 {
					t.Errorf("a loser wrote %d audit events", e)
				}
			default:
				t.Errorf("racer %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d of %d racers created %s, want 1", won, racers, email)
		}
	})
}
