package storetest_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestCountActiveAdminsCombinesRoleAndDirect: an admin is an active user
// whose role and direct grants together hold users.manage and roles.manage.
func TestCountActiveAdminsCombinesRoleAndDirect(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o := mkOrg(t, db)
		admin := mkRole(t, db, o.ID, "admin", roster.AllPermissions()...)
		half := mkRole(t, db, o.ID, "half", roster.PermUsersManage)
		// The key "roles_manager" must not match "roles.manage" as a LIKE
		// pattern would if "_" were left unescaped in permissions.
		look := mkRole(t, db, o.ID, "look", roster.Permission("roles_manage"), roster.PermUsersManage)
		a := mkUser(t, db, o.ID, admin, "a@x.test")
		h := mkUser(t, db, o.ID, half, "h@x.test")
		mkUser(t, db, o.ID, look, "l@x.test")
		mkUser(t, db, o.ID, admin, "gone@x.test", withStatus(roster.StatusInactive))
		c := db.Reader()
		count := func(except string) int {
			t.Helper()
			n, err := c.CountActiveAdmins(ctx, o.ID, except)
			must(t, err)
			return n
		}
		if n := count(""); n != 1 {
			t.Fatalf("%d admins, want 1 (the inactive one and the look-alike do not count)", n)
		}
		if n := count(a.ID); n != 0 {
			t.Fatalf("%d admins besides a, want 0", n)
		}
		inTx(t, db, func(c *store.Conn) error {
			return c.SetDirectPermissions(ctx, o.ID, h.ID, roster.PermissionSet{roster.PermRolesManage}, now())
		})
		if n := count(a.ID); n != 1 {
			t.Fatalf("%d admins besides a, want 1 (half role + direct roles.manage)", n)
		}
		direct, err := c.DirectPermissions(ctx, o.ID, h.ID)
		must(t, err)
		if !slices.Equal(direct, roster.PermissionSet{roster.PermRolesManage}) {
			t.Fatalf("direct = %v", direct)
		}
		// Another org sees nothing of this one.
		o2 := mkOrg(t, db)
		if d, err := c.DirectPermissions(ctx, o2.ID, h.ID); err != nil || len(d) != 0 {
			t.Fatalf("another org read direct permissions: %v %v", d, err)
		}
		if n, _ := c.CountActiveAdmins(ctx, o2.ID, ""); n != 0 {
			t.Fatalf("another org counts %d admins", n)
		}
	})
}

// TestTeamsAndQueuesAreScopedAndCascade: teams and queues of one org are
// invisible to another, and deleting a user drops their memberships.
func TestTeamsAndQueuesAreScopedAndCascade(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, o2 := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		u := mkUser(t, db, o.ID, role, "u@x.test")
		ts := now()
		team := &roster.Team{ID: newID(), Name: "Sales", CreatedAt: ts, UpdatedAt: ts}
		q := &roster.Queue{ID: newID(), Name: "Support", CreatedAt: ts, UpdatedAt: ts}
		inTx(t, db, func(c *store.Conn) error {
			if err := c.CreateTeam(ctx, o.ID, team); err != nil {
				return err
			}
			if err := c.CreateQueue(ctx, o.ID, q); err != nil {
				return err
			}
			if _, err := c.AddTeamMember(ctx, o.ID, team.ID, u.ID, ptr(true), ts); err != nil {
				return err
			}
			_, err := c.SetQueueMember(ctx, o.ID, q.ID, u.ID, 3, 7, ts)
			return err
		})
		c := db.Reader()
		// Names are unique per org ignoring case, but free in another org.
		wantKind(t, c.CreateTeam(ctx, o.ID, &roster.Team{ID: newID(), Name: "SALES ", CreatedAt: ts, UpdatedAt: ts}), roster.KindConflict)
		must(t, c.CreateTeam(ctx, o2.ID, &roster.Team{ID: newID(), Name: "Sales", CreatedAt: ts, UpdatedAt: ts}))
		_, err := c.Team(ctx, o2.ID, team.ID)
		wantNotFound(t, err)
		_, err = c.Queue(ctx, o2.ID, q.ID)
		wantNotFound(t, err)
		wantNotFound(t, c.RemoveTeamMember(ctx, o2.ID, team.ID, u.ID))
		wantNotFound(t, c.RemoveQueueMember(ctx, o2.ID, q.ID, u.ID))
		if ms, _ := c.TeamMembers(ctx, o2.ID, team.ID); len(ms) != 0 {
			t.Fatalf("another org read members: %v", ms)
		}
		ms, err := c.QueueMembers(ctx, o.ID, q.ID)
		must(t, err)
		if len(ms) != 1 || ms[0].Penalty != 3 || ms[0].Priority != 7 {
			t.Fatalf("queue members %+v", ms)
		}
		led, err := c.LeaderTeamIDs(ctx, o.ID, u.ID)
		must(t, err)
		if !slices.Equal(led, []string{team.ID}) {
			t.Fatalf("led %v", led)
		}
		// A second add keeps the membership and only changes the flag.
		added, err := c.AddTeamMember(ctx, o.ID, team.ID, u.ID, ptr(false), ts)
		must(t, err)
		if added {
			t.Fatalf("re-adding reported a new member")
		}
		if led, _ := c.LeaderTeamIDs(ctx, o.ID, u.ID); len(led) != 0 {
			t.Fatalf("leader flag kept: %v", led)
		}
		removed, err := c.RemoveUserFromQueues(ctx, o.ID, u.ID)
		must(t, err)
		if len(removed) != 1 || removed[0].Name != "Support" {
			t.Fatalf("removed %v", removed)
		}
		if ms, _ := c.QueueMembers(ctx, o.ID, q.ID); len(ms) != 0 {
			t.Fatalf("still queued: %v", ms)
		}
		must(t, c.DeleteUser(ctx, o.ID, u.ID))
		if ms, _ := c.TeamMembers(ctx, o.ID, team.ID); len(ms) != 0 {
			t.Fatalf("deleted user still a member: %v", ms)
		}
	})
}

// TestCallEventsIdempotentAndCounted: an event ID is stored once per org;
// calls handled count answered calls per user and day.
func TestCallEventsIdempotentAndCounted(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, o2 := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		u := mkUser(t, db, o.ID, role, "u@x.test")
		day := time.Date(2026, 3, 2, 23, 59, 0, 0, time.UTC)
		events := []roster.CallEvent{
			{ID: "e1", UserID: u.ID, Direction: "inbound", Answered: true, StartedAt: day},
			{ID: "e2", UserID: u.ID, Direction: "outbound", Answered: true, StartedAt: day.Add(2 * time.Minute)},
			{ID: "e3", UserID: u.ID, Direction: "outbound", Answered: false, StartedAt: day},
		}
		c := db.Reader()
		for i := range events {
			ok, err := c.InsertCallEvent(ctx, o.ID, &events[i], now())
			must(t, err)
			if !ok {
				t.Fatalf("event %s not new", events[i].ID)
			}
		}
		if ok, err := c.InsertCallEvent(ctx, o.ID, &events[0], now()); err != nil || ok {
			t.Fatalf("a repeated event was stored again: %v %v", ok, err)
		}
		// The same ID in another org is another event.
		if ok, err := c.InsertCallEvent(ctx, o2.ID, &events[0], now()); err != nil || !ok {
			t.Fatalf("another org's event with the same ID: %v %v", ok, err)
		}
		got, err := c.CallsHandled(ctx, o.ID, []string{u.ID}, "2026-03-01", "2026-03-31")
		must(t, err)
		want := []roster.DayCount{{Day: "2026-03-02", CallsHandled: 1}, {Day: "2026-03-03", CallsHandled: 1}}
		if !slices.Equal(got[u.ID], want) {
			t.Fatalf("calls handled %v, want %v", got[u.ID], want)
		}
		seen, err := c.ExistingCallEventIDs(ctx, o.ID, []string{"e1", "e3", "nope"})
		must(t, err)
		if !seen["e1"] || !seen["e3"] || seen["nope"] || len(seen) != 2 {
			t.Fatalf("seen %v", seen)
		}
	})
}

// TestPresenceAndIntegrationsAreScoped: presence inputs come from the
// user's own sessions and the telephony side's word, and neither they nor
// integration links leak to another org.
func TestPresenceAndIntegrationsAreScoped(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, o2 := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		u := mkUser(t, db, o.ID, role, "u@x.test")
		ts := now()
		c := db.Reader()
		must(t, c.CreateSession(ctx, o.ID, newID(), u.ID, hash("s"), "", ts.Add(-time.Hour), ts.Add(time.Hour)))
		must(t, c.SetPresence(ctx, o.ID, u.ID, roster.PresenceAway, ts))
		must(t, c.SetDoNotDisturb(ctx, o.ID, u.ID, true, ts))
		must(t, c.SetPresence(ctx, o.ID, u.ID, roster.PresenceInCall, ts.Add(time.Second)))
		in, err := c.PresenceInputs(ctx, o.ID, []string{u.ID, "missing"})
		must(t, err)
		got := in[u.ID]
		if len(in) != 1 || got.Set != roster.PresenceInCall || !got.DND || !got.SetAt.Equal(ts.Add(time.Second)) ||
			!got.LastActive.Equal(ts.Add(-time.Hour)) || got.Status != roster.StatusActive {
			t.Fatalf("presence inputs %+v", in)
		}
		if other, _ := c.PresenceInputs(ctx, o2.ID, []string{u.ID}); len(other) != 0 {
			t.Fatalf("another org read presence: %+v", other)
		}

		i := &roster.Integration{ID: newID(), Key: "salesforce", Name: "Salesforce", CreatedAt: ts}
		must(t, c.CreateIntegration(ctx, o.ID, i))
		wantKind(t, c.CreateIntegration(ctx, o.ID, &roster.Integration{ID: newID(), Key: "salesforce", Name: "Again", CreatedAt: ts}), roster.KindConflict)
		must(t, c.CreateIntegration(ctx, o2.ID, &roster.Integration{ID: newID(), Key: "salesforce", Name: "Salesforce", CreatedAt: ts}))
		must(t, c.LinkUserIntegration(ctx, o.ID, u.ID, i.ID, "me@sf", ts))
		wantKind(t, c.LinkUserIntegration(ctx, o.ID, u.ID, i.ID, "again", ts), roster.KindConflict)
		links, err := c.UserIntegrations(ctx, o.ID, u.ID)
		must(t, err)
		if len(links) != 1 || links[0].Key != "salesforce" || links[0].Account != "me@sf" {
			t.Fatalf("links %+v", links)
		}
		if l, _ := c.UserIntegrations(ctx, o2.ID, u.ID); len(l) != 0 {
			t.Fatalf("another org read links: %+v", l)
		}
		_, err = c.Integration(ctx, o2.ID, i.ID)
		wantNotFound(t, err)
		wantNotFound(t, c.DeleteIntegration(ctx, o2.ID, i.ID))
		wantNotFound(t, c.UnlinkUserIntegration(ctx, o2.ID, u.ID, i.ID))
		must(t, c.DeleteIntegration(ctx, o.ID, i.ID))
		if l, _ := c.UserIntegrations(ctx, o.ID, u.ID); len(l) != 0 {
			t.Fatalf("links outlived their integration: %+v", l)
		}
	})
}

// TestInsertQueueMembers: many new members of one queue go in with their
// penalties and priorities, past one statement's worth of rows; a user
// already in the queue is a Conflict.
func TestInsertQueueMembers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		ts := now()
		q := &roster.Queue{ID: newID(), Name: "Support", CreatedAt: ts, UpdatedAt: ts}
		const n = 401
		users := make([]roster.User, n)
		members := make([]roster.QueueMember, n)
		for i := range users {
			users[i] = roster.User{ID: newID(), Email: fmt.Sprintf("u%03d@x.test", i), Status: roster.StatusPrepared,
				RoleID: role.ID, CreatedAt: ts, UpdatedAt: ts}
			members[i] = roster.QueueMember{UserID: users[i].ID, Penalty: i % 101, Priority: 100 - i%101}
		}
		inTx(t, db, func(c *store.Conn) error {
			if err := c.CreateQueue(ctx, o.ID, q); err != nil {
				return err
			}
			if err := c.InsertUsers(ctx, o.ID, users); err != nil {
				return err
			}
			return c.InsertQueueMembers(ctx, o.ID, q.ID, members, ts)
		})
		ms, err := db.Reader().QueueMembers(ctx, o.ID, q.ID)
		must(t, err)
		if len(ms) != n {
			t.Fatalf("%d members, want %d", len(ms), n)
		}
		for _, m := range ms {
			i := slices.IndexFunc(users, func(u roster.User) bool { return u.ID == m.UserID })
			if i < 0 || m.Penalty != members[i].Penalty || m.Priority != members[i].Priority {
				t.Fatalf("member %+v, want %+v", m, members[max(i, 0)])
			}
		}
		wantKind(t, db.Tx(ctx, func(c *store.Conn) error {
			return c.InsertQueueMembers(ctx, o.ID, q.ID, members[:1], ts)
		}), roster.KindConflict)
	})
}

// TestRoleByKeyWithTeams: the role and its linked teams come back together,
// the teams sorted as RoleTeamIDs gives them, and a key is looked up in
// its own org only.
func TestRoleByKeyWithTeams(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, o2 := mkOrg(t, db), mkOrg(t, db)
		linked := mkRole(t, db, o.ID, "closer", roster.PermUsersRead)
		bare := mkRole(t, db, o.ID, "agent")
		ts := now()
		var teamIDs []string
		inTx(t, db, func(c *store.Conn) error {
			for _, name := range []string{"West", "East", "North"} {
				team := &roster.Team{ID: newID(), Name: name, CreatedAt: ts, UpdatedAt: ts}
				if err := c.CreateTeam(ctx, o.ID, team); err != nil {
					return err
				}
				teamIDs = append(teamIDs, team.ID)
			}
			// Linked last first, so that the order is not that of the links.
			slices.Reverse(teamIDs)
			return c.SetRoleTeams(ctx, o.ID, linked.ID, teamIDs)
		})
		c := db.Reader()
		want, err := c.RoleTeamIDs(ctx, o.ID, linked.ID)
		must(t, err)
		if len(want) != 3 {
			t.Fatalf("RoleTeamIDs %v, want the 3 linked teams", want)
		}
		role, teams, err := c.RoleByKeyWithTeams(ctx, o.ID, "closer")
		must(t, err)
		if role.ID != linked.ID || role.Key != "closer" || !role.Permissions.Has(roster.PermUsersRead) {
			t.Fatalf("role %+v, want %+v", role, linked)
		}
		if !slices.Equal(teams, want) {
			t.Fatalf("teams %v, want %v", teams, want)
		}
		role, teams, err = c.RoleByKeyWithTeams(ctx, o.ID, "agent")
		must(t, err)
		if role.ID != bare.ID || len(teams) != 0 {
			t.Fatalf("role %s with teams %v, want %s with none", role.ID, teams, bare.ID)
		}
		_, _, err = c.RoleByKeyWithTeams(ctx, o2.ID, "closer")
		wantNotFound(t, err)
		_, _, err = c.RoleByKeyWithTeams(ctx, o.ID, "nobody")
		wantNotFound(t, err)
	})
}
