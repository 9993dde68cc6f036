package api_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/store"
	"roster/internal/testdb"
)

// benchUsers is how many users BenchmarkPeopleListByTeam puts in one org
// (ROSTER_BENCH_USERS, default 100000, the size the people list must
// stay fast at).
func benchUsers() int {
	if n, err := strconv.Atoi(os.Getenv("ROSTER_BENCH_USERS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkPeopleListByTeam measures one page of the people list with
// presence and teams filled in, unfiltered and filtered by a team, in an
// org of benchUsers users spread over 50 teams, with sessions for a tenth.
func BenchmarkPeopleListByTeam(b *testing.B) {
	for _, dialect := range testdb.Dialects {
		b.Run(dialect, func(b *testing.B) {
			db := testdb.Open(b, dialect)
			e := apitest.New(b, db)
			org := e.CreateOrg("bench", roster.PlanProfessional, nil)
			ctx := b.Context()
			n := benchUsers()
			var teams []string
			start := time.Now()
			err := db.Tx(ctx, func(c *store.Conn) error {
				role, err := c.RoleByKey(ctx, org.ID, roster.RoleAgent)
				if err != nil {
					return err
				}
				now := time.Now().UTC().Truncate(time.Microsecond)
				for i := range 50 {
					t := &roster.Team{ID: fmt.Sprintf("team-%02d", i), Name: fmt.Sprintf("Team %02d", i), CreatedAt: now, UpdatedAt: now}
					if err := c.CreateTeam(ctx, org.ID, t); err != nil {
						return err
					}
					teams = append(teams, t.ID)
				}
				for i := range n {
					u := &roster.User{ID: fmt.Sprintf("u%07d", i), Email: fmt.Sprintf("user%07d@bench.test", i),
						FirstName: "First" + strconv.Itoa(i%977), LastName: "Last" + strconv.Itoa(i%1009),
						Status: roster.StatusActive, RoleID: role.ID, Role: role.Key, CreatedAt: now, UpdatedAt: now}
					if err := c.CreateUser(ctx, org.ID, u); err != nil {
						return err
					}
					if _, err := c.AddTeamMember(ctx, org.ID, teams[i%50], u.ID, nil, now); err != nil {
						return err
					}
					if i%10 == 0 {
						if err := c.CreateSession(ctx, org.ID, "s"+u.ID, u.ID, []byte("h"+u.ID), "", now, now.Add(time.Hour)); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d users in %v", dialect, n, time.Since(start).Round(time.Millisecond))
			if dialect == "postgres" {
				// What autovacuum would have done by now on a live server.
				if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
					b.Fatal(err)
				}
			}
			p := service.Operator(org.ID)
			page := make([]string, 50)
			for i := range page {
				page[i] = fmt.Sprintf("u%07d", i*37%n)
			}
			b.Run("decorate/presence", func(b *testing.B) {
				for b.Loop() {
					if got, err := db.Reader().PresenceInputs(ctx, org.ID, page); err != nil || len(got) != min(50, n) {
						b.Fatal(len(got), err)
					}
				}
			})
			b.Run("decorate/teams", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.Reader().UserTeams(ctx, org.ID, page, false); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, c := range []struct {
				name string
				f    roster.UserFilter
			}{
				{"all", roster.UserFilter{Limit: 50, Sort: "name"}},
				{"team", roster.UserFilter{Limit: 50, Sort: "name", Team: teams[7]}},
				{"team+status", roster.UserFilter{Limit: 50, Status: roster.StatusActive, Team: teams[7]}},
			} {
				b.Run(c.name+"/store-only", func(b *testing.B) {
					for b.Loop() {
						if _, err := db.Reader().ListUsers(ctx, org.ID, c.f); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						page, err := e.Service.ListUsers(ctx, p, c.f)
						last := len(page.Items) - 1
						if err != nil || last < 0 || page.Items[last].Presence == "" || len(page.Items[last].Teams) != 1 {
							b.Fatalf("page: %v %d", err, len(page.Items))
						}
					}
				})
			}
		})
	}
}
