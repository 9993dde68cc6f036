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

// TestBulkWorkRefreshesStatistics: bulk work (a seed, as an import) of
// analyzeAfter users or more, or of more than a tenth of the users the
// statistics last counted, leaves them fresh, rather than waiting for
// autovacuum, which may be off; smaller work leaves them be. The first
// seed of a new database always refreshes them: there were none.
func TestBulkWorkRefreshesStatistics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, org, op := acmeOrg(t, db)
		// counted is how many users the statistics count, read as the
		// planner reads them; -1 for none.
		counted := func() int64 {
			t.Helper()
			q := `SELECT COALESCE((SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('users')), -1)`
			if db.Dialect() == "sqlite" {
				var tables int
				if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'`).Scan(&tables); err != nil {
					t.Fatal(err)
				}
				if tables == 0 {
					return -1
				}
				q = `SELECT COALESCE((SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 WHERE tbl = 'users' LIMIT 1), -1)`
			}
			var n int64
			if err := db.SQL().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := counted(); n > 0 {
			t.Fatalf("a new database's statistics count %d users", n)
		}
		seed := func(n int) {
			t.Helper()
			if _, err := svc.SeedUsers(ctx, op, service.SeedInput{OrgID: org.ID, Users: n, Seed: uint64(n)}); err != nil {
				t.Fatal(err)
			}
		}
		seed(500) // the first bulk work: 501 users with the admin
		if n := counted(); n != 501 {
			t.Fatalf("after seeding 500 users the statistics count %d, want 501", n)
		}
		seed(50) // a tenth of 501 or less: left be
		if n := counted(); n != 501 {
			t.Fatalf("after seeding 50 more the statistics count %d, want still 501", n)
		}
		seed(60) // more than a tenth of 501
		if n := counted(); n != 611 {
			t.Fatalf("after seeding 60 more the statistics count %d, want 611", n)
		}
		seed(5000) // analyzeAfter: always, whatever the share
		if n := counted(); n != 5611 {
			t.Fatalf("after seeding 5,000 more the statistics count %d, want 5,611", n)
		}
		if db.Dialect() == "postgres" {
			var vacuumed bool
			if err := db.SQL().QueryRowContext(ctx, `SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables
				WHERE schemaname = current_schema() AND relname = 'users'`).Scan(&vacuumed); err != nil || !vacuumed {
				t.Fatalf("users vacuumed %v, %v", vacuumed, err)
			}
		}
	})
}
