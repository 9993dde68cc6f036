package service_test

import (
	"context"
	"testing"

	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestSeedStaffsTeams checks that seeded people come with teams the way a
// contact centre staffs them, and that a second seed of the same org
// names its teams apart from the first's.
func TestSeedStaffsTeams(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, org, op := acmeOrg(t, db)
		for run, wantTeams := range []int{6, 12} {
			if _, err := svc.SeedUsers(ctx, op, service.SeedInput{OrgID: org.ID, Users: 300, Seed: uint64(run + 1)}); err != nil {
				t.Fatal(err)
			}
			teams, err := svc.Teams(ctx, op)
			if err != nil {
				t.Fatal(err)
			}
			if len(teams) != wantTeams {
				t.Fatalf("after seed %d: %d teams, want %d", run+1, len(teams), wantTeams)
			}
		}
		teams, err := svc.Teams(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		leaders := map[string]bool{}
		members := 0
		for _, team := range teams {
			if names[team.Name] {
				t.Errorf("two teams named %q", team.Name)
			}
			names[team.Name] = true
			ms, err := svc.TeamMembers(ctx, op, team.ID)
			if err != nil {
				t.Fatal(err)
			}
			members += len(ms)
			for _, m := range ms {
				if m.Leader != (m.Role == roster.RoleTeamLeader || m.Role == roster.RoleManager) {
					t.Errorf("team %s: %s (%s) has leader=%v", team.Name, m.Email, m.Role, m.Leader)
				}
				if m.Leader {
					leaders[team.ID] = true
				}
				if m.Role != roster.RoleAgent && m.Role != roster.RoleTeamLeader && m.Role != roster.RoleManager {
					t.Errorf("team %s holds a %s", team.Name, m.Role)
				}
			}
		}
		if len(leaders) < len(teams)/2 {
			t.Errorf("only %d of %d teams have a leader", len(leaders), len(teams))
		}

		// Every agent, team leader and manager is in a team, as the list shows it.
		counts := map[string][2]int{} // role → with teams, without
		f := roster.UserFilter{Limit: 500}
		listed := 0
		for {
			page, err := svc.ListUsers(ctx, op, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page.Items {
				c := counts[u.Role]
				if len(u.Teams) > 0 {
					c[0]++
				} else {
					c[1]++
				}
				counts[u.Role] = c
				listed += len(u.Teams)
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
		for _, role := range []string{roster.RoleAgent, roster.RoleTeamLeader, roster.RoleManager} {
			if counts[role][1] != 0 {
				t.Errorf("%d %s(s) in no team", counts[role][1], role)
			}
		}
		if counts[roster.RoleAgent][0] < 400 {
			t.Errorf("only %d agents seeded in teams", counts[roster.RoleAgent][0])
		}
		for _, role := range []string{roster.RoleAdmin, roster.RoleUser} {
			if counts[role][0] != 0 {
				t.Errorf("%d %s(s) in a team", counts[role][0], role)
			}
		}
		if listed != members {
			t.Errorf("the list shows %d memberships, the teams %d", listed, members)
		}
	})
}

// acmeOrg is a service on db with a new pro_plus org, Acme, and its
// operator.
func acmeOrg(t *testing.T, db *store.DB) (*service.Service, *roster.Org, *service.Principal) {
	t.Helper()
	svc := service.New(service.Deps{Store: store.ServiceStore{DB: db}, Config: service.Config{BaseURL: "http://x", Argon: service.ArgonParams{MemoryKiB: 64, Time: 1, Threads: 1}}})
	org, _, _, err := svc.CreateOrg(context.Background(), service.NewOrg{Name: "Acme", Slug: "acme", Plan: roster.PlanProPlus, AdminEmail: "admin@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, org, service.Operator(org.ID)
}

// TestBulkWorkRefreshesStatistics: a seed (as an import) of analyzeAfter
// users or more leaves the planner's statistics fresh on SQLite and the
// tables vacuumed on PostgreSQL, rather than waiting for autovacuum, which
// may be off.
func TestBulkWorkRefreshesStatistics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, org, op := acmeOrg(t, db)
		if _, err := svc.SeedUsers(ctx, op, service.SeedInput{OrgID: org.ID, Users: 5000, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		q := `SELECT COUNT(*) > 0 FROM sqlite_stat1 WHERE tbl = 'users'`
		if db.Dialect() == "postgres" {
			q = `SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'users'`
		}
		var fresh bool
		if err := db.SQL().QueryRowContext(ctx, q).Scan(&fresh); err != nil || !fresh {
			t.Fatalf("after seeding 5,000 users: statistics fresh %v, %v", fresh, err)
		}
	})
}
