package service_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/store"
	"roster/internal/testdb"
)

// cachedOrg is acmeOrg with the credential cache on, a clock the test
// moves, and a few seeded people; it returns the active agents and the
// clock.
func cachedOrg(t *testing.T, db *store.DB) (*service.Service, *service.Principal, []roster.User, *atomic.Pointer[time.Time]) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	clock := &atomic.Pointer[time.Time]{}
	clock.Store(&now)
	svc := service.New(service.Deps{Store: store.ServiceStore{DB: db}, Now: func() time.Time { return *clock.Load() },
		Config: service.Config{BaseURL: "http://x", AuthCacheTTL: time.Second, Argon: service.ArgonParams{MemoryKiB: 64, Time: 1, Threads: 1}}})
	org, _, _, err := svc.CreateOrg(ctx, service.NewOrg{Name: "Acme", Slug: "acme", Plan: roster.PlanProPlus, AdminEmail: "admin@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	op := service.Operator(org.ID)
	if _, err := svc.SeedUsers(ctx, op, service.SeedInput{OrgID: org.ID, Users: 60, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	agents, err := svc.ListUsers(ctx, op, roster.UserFilter{Status: roster.StatusActive, Role: "agent", Limit: 10})
	if err != nil || len(agents.Items) < 2 {
		t.Fatalf("active agents: %v, %v", agents.Items, err)
	}
	return svc, op, agents.Items, clock
}

// otherProcess is a second service on the same database, with a cache of
// its own, as another process sharing it would have.
func otherProcess(db *store.DB, clock *atomic.Pointer[time.Time]) *service.Service {
	return service.New(service.Deps{Store: store.ServiceStore{DB: db}, Now: func() time.Time { return *clock.Load() },
		Config: service.Config{BaseURL: "http://x", AuthCacheTTL: time.Second}})
}

// TestCredentialCacheFollowsWrites revokes and demotes while the cache
// holds the credential: a write through the same service applies to the
// very next request, one through another service on the same database
// (another process) once the entry has aged past the cache's lifetime.
func TestCredentialCacheFollowsWrites(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, op, agents, clock := cachedOrg(t, db)
		other := otherProcess(db, clock)
		canList := func(s *service.Service, tok string) (bool, error) {
			p, err := s.Authenticate(ctx, tok, "")
			if err != nil {
				return false, err
			}
			return p.Permissions.Has(roster.PermUsersManage), nil
		}

		// The same process: deactivation and a role change apply at once.
		tok, err := svc.CreateAPIToken(ctx, op, agents[0].Email, "t")
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if ok, err := canList(svc, tok); err != nil || ok {
				t.Fatalf("agent before the change: manage %v, %v", ok, err)
			}
		}
		admin := "admin"
		if _, err := svc.UpdateUser(ctx, op, agents[0].ID, service.UserPatch{Role: &admin}); err != nil {
			t.Fatal(err)
		}
		if ok, err := canList(svc, tok); err != nil || !ok {
			t.Fatalf("promoted agent: manage %v, %v; want the new role at once", ok, err)
		}
		if _, err := svc.DeactivateUser(ctx, op, agents[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := canList(svc, tok); roster.ErrorKind(err) != roster.KindUnauthenticated {
			t.Fatalf("deactivated user's token: %v, want Unauthenticated at once", err)
		}

		// Another process: its write applies here within the lifetime.
		tok, err = svc.CreateAPIToken(ctx, op, agents[1].Email, "t")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := canList(svc, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := other.DeactivateUser(ctx, op, agents[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := canList(svc, tok); err != nil {
			t.Fatalf("within the lifetime the remembered token still works (that is the cache): %v", err)
		}
		later := clock.Load().Add(time.Second)
		clock.Store(&later)
		if _, err := canList(svc, tok); roster.ErrorKind(err) != roster.KindUnauthenticated {
			t.Fatalf("a second after another process deactivated the user: %v, want Unauthenticated", err)
		}
	})
}

// TestCredentialCacheRevocationRace authenticates one token from several
// goroutines without pause while the user is deactivated: no request
// that starts after DeactivateUser has returned may pass, whatever the
// cache held or was being filled with at that moment.
func TestCredentialCacheRevocationRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, op, agents, _ := cachedOrg(t, db)
		for round := range 10 {
			tok, err := svc.CreateAPIToken(ctx, op, agents[0].Email, "t")
			if err != nil {
				t.Fatal(err)
			}
			var revoked, stop atomic.Bool
			var late atomic.Int64
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for !stop.Load() {
						after := revoked.Load()
						_, err := svc.Authenticate(ctx, tok, "")
						if after && err == nil {
							late.Add(1)
						}
					}
				})
			}
			time.Sleep(5 * time.Millisecond)
			if _, err := svc.DeactivateUser(ctx, op, agents[0].ID); err != nil {
				t.Fatal(err)
			}
			revoked.Store(true)
			time.Sleep(5 * time.Millisecond)
			stop.Store(true)
			wg.Wait()
			if n := late.Load(); n > 0 {
				t.Fatalf("round %d: %d requests started after the deactivation were let in", round, n)
			}
			if _, err := svc.ReactivateUser(ctx, op, agents[0].ID, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestCredentialCacheOutlivesNewUsers checks that adding users keeps the
// cache: a client creating users one request at a time would otherwise
// read its own credential again on every request. Another process
// deactivates the user behind the cache's back, so whether the cache
// was emptied shows in whether the token still passes.
func TestCredentialCacheOutlivesNewUsers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc, op, agents, clock := cachedOrg(t, db)
		other := otherProcess(db, clock)
		tok, err := svc.CreateAPIToken(ctx, op, agents[0].Email, "t")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, tok, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := other.DeactivateUser(ctx, op, agents[0].ID); err != nil {
			t.Fatal(err)
		}
		for i, send := range []bool{false, true} {
			in := service.InviteInput{Emails: []string{fmt.Sprintf("new%d@acme.test", i)}, Send: send}
			if _, err := svc.Invite(ctx, op, in); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Authenticate(ctx, tok, ""); err != nil {
				t.Fatalf("after inviting (send %v): %v; want the remembered credential, the cache kept", send, err)
			}
		}
		// Any other write empties it, and the database refuses.
		if _, err := svc.UpdateUser(ctx, op, agents[1].ID, service.UserPatch{FirstName: new("Renamed")}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, tok, ""); roster.ErrorKind(err) != roster.KindUnauthenticated {
			t.Fatalf("after another write: %v, want Unauthenticated", err)
		}
	})
}
