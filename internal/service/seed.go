package service

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"roster/internal/roster"
)

// SeedInput asks for n synthetic users in one org, for demos and for the
// benchmark's 100,000-user org.
type SeedInput struct {
	OrgID string
	Users int
	// Seed makes the generated people reproducible.
	Seed uint64
	// Domain is the email domain; default "<org slug>.example".
	Domain string
	// Progress, when set, is called after each committed batch.
	Progress func(done, total int)
}

// MaxSeedUsers bounds one seed run.
const MaxSeedUsers = 1_000_000

// seedBatch users go into one transaction: big enough that commits are
// rare, small enough that a long seed does not hold the write lock for
// minutes at a time or keep every row in memory.
const seedBatch = 10_000

// SeedUsers adds in.Users realistic users to the org: varied names
// (accented ones included), a mix of roles, statuses (active, inactive,
// prepared — never invited, which would need real invitation links),
// licenses, extensions, last logins, and teams (see seedTeams). License pools are created or
// raised so that every seat-holder fits. The operator only; one audit
// event per batch records it.
func (s *Service) SeedUsers(ctx context.Context, p *Principal, in SeedInput) (int, error) {
	if !p.Operator {
		return 0, roster.Errorf(roster.KindForbidden, "only the operator may seed users")
	}
	if in.Users < 1 || in.Users > MaxSeedUsers {
		var v roster.Validation
		v.Add("users", "must be between 1 and %d", MaxSeedUsers)
		return 0, v.Err()
	}
	r := s.store.Read()
	org, err := r.Org(ctx, in.OrgID)
	if err != nil {
		return 0, err
	}
	if in.Domain == "" {
		in.Domain = org.Slug + ".example"
	}
	roles, err := r.Roles(ctx, in.OrgID)
	if err != nil {
		return 0, err
	}
	roleIDs := map[string]string{}
	for _, role := range roles {
		roleIDs[role.Key] = role.ID
	}
	for _, k := range []string{roster.RoleAdmin, roster.RoleManager, roster.RoleTeamLeader, roster.RoleAgent, roster.RoleUser} {
		if roleIDs[k] == "" {
			return 0, roster.Errorf(roster.KindConflict, "the org has no %q role to seed with", k)
		}
	}
	exts, err := r.ExtensionsInUse(ctx, in.OrgID)
	if err != nil {
		return 0, err
	}
	g := &seedGen{rnd: rand.New(rand.NewPCG(in.Seed, 0x5eed)), domain: in.Domain, roleIDs: roleIDs,
		emails: map[string]bool{}, now: s.clock()}
	// A shuffled pool of free extensions, handed out to about one user in
	// eleven: a PBX numbers only its phone users, and there are only 9,990.
	for e := 100; e <= 9999; e++ {
		if x, err := roster.ParseExtension(strconv.Itoa(e)); err == nil && !exts[x] {
			g.freeExts = append(g.freeExts, x)
		}
	}
	g.rnd.Shuffle(len(g.freeExts), func(i, j int) { g.freeExts[i], g.freeExts[j] = g.freeExts[j], g.freeExts[i] })

	if g.teamIDs, err = s.seedTeams(ctx, p, org, in.Users, g); err != nil {
		return 0, err
	}

	done := 0
	for done < in.Users {
		n := min(seedBatch, in.Users-done)
		batch := g.users(in.OrgID, n, s.newID)
		err := s.store.BulkTx(ctx, func(tx Tx) error {
			if err := tx.LockOrg(ctx, in.OrgID); err != nil {
				return err
			}
			if err := g.avoidTakenEmails(ctx, tx, in.OrgID, batch); err != nil {
				return err
			}
			if err := s.growPoolsFor(ctx, tx, in.OrgID, batch); err != nil {
				return err
			}
			if err := tx.InsertUsers(ctx, in.OrgID, batch); err != nil {
				return err
			}
			if err := tx.InsertTeamMembers(ctx, in.OrgID, g.memberships(batch)); err != nil {
				return err
			}
			return s.audit(ctx, tx, p, "users.seeded", "org", in.OrgID, org.Slug, nil,
				map[string]any{"users": len(batch), "first_email": batch[0].Email})
		})
		if err != nil {
			return done, err
		}
		done += n
		if in.Progress != nil {
			in.Progress(done, in.Users)
		}
	}
	s.refreshStats(ctx, done)
	return done, nil
}

// seedTeamSize is about how many seeded people there are per team: a
// contact centre's team is a team leader and a few dozen agents.
const seedTeamSize = 50

// maxSeedTeams bounds the teams one seed run creates.
const maxSeedTeams = 2000

// Seeded teams are named "<function> <site>", numbered when there are
// more teams than pairs.
var (
	seedTeamFunctions = []string{"Inbound Sales", "Outbound Sales", "Customer Support", "Technical Support", "Billing",
		"Retention", "Onboarding", "Collections", "Account Management", "Escalations"}
	seedTeamSites = []string{"Austin", "Berlin", "Bengaluru", "Dublin", "Kraków", "Lisbon", "Manila", "Montréal",
		"Nairobi", "São Paulo", "Tokyo", "Warsaw"}
)

// seedTeams creates the teams the seeded people will be put in, one for
// about every seedTeamSize of them, with names the org does not use yet,
// and returns their IDs.
func (s *Service) seedTeams(ctx context.Context, p *Principal, org *roster.Org, users int, g *seedGen) ([]string, error) {
	existing, err := s.store.Read().Teams(ctx, org.ID, true)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, t := range existing {
		taken[roster.NameKey(t.Name)] = true
	}
	pairs := len(seedTeamFunctions) * len(seedTeamSites)
	n := min(max(1, users/seedTeamSize), maxSeedTeams)
	teams := make([]roster.Team, 0, n)
	ids := make([]string, 0, n)
	for i := 0; len(teams) < n; i++ {
		name := seedTeamFunctions[i%pairs%len(seedTeamFunctions)] + " " + seedTeamSites[i%pairs/len(seedTeamFunctions)]
		if round := i / pairs; round > 0 {
			name += " " + strconv.Itoa(round+1)
		}
		if taken[roster.NameKey(name)] {
			continue
		}
		taken[roster.NameKey(name)] = true
		t := roster.Team{ID: s.newID(), OrgID: org.ID, Name: name, CreatedAt: g.now, UpdatedAt: g.now}
		teams = append(teams, t)
		ids = append(ids, t.ID)
	}
	err = s.store.BulkTx(ctx, func(tx Tx) error {
		if err := tx.InsertTeams(ctx, org.ID, teams); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "teams.seeded", "org", org.ID, org.Slug, nil, map[string]any{"teams": len(teams)})
	})
	return ids, err
}

// memberships puts the batch's people in the seeded teams the way a
// contact centre staffs them: each agent in one team (one in eight in a
// second as well), each team leader leading one, each manager leading
// two; admins and plain users in none.
func (g *seedGen) memberships(batch []roster.User) []roster.TeamMembership {
	var out []roster.TeamMembership
	add := func(u *roster.User, n int, leader bool) {
		first := g.rnd.IntN(len(g.teamIDs))
		// 7919 is a prime above maxSeedTeams: a second team is never the first.
		for k := range min(n, len(g.teamIDs)) {
			team := g.teamIDs[(first+k*7919)%len(g.teamIDs)]
			out = append(out, roster.TeamMembership{TeamID: team, UserID: u.ID, Leader: leader, AddedAt: u.CreatedAt})
		}
	}
	for i := range batch {
		u := &batch[i]
		switch u.Role {
		case roster.RoleAgent:
			n := 1
			if g.rnd.IntN(8) == 0 {
				n = 2
			}
			add(u, n, false)
		case roster.RoleTeamLeader:
			add(u, 1, true)
		case roster.RoleManager:
			add(u, 2, true)
		}
	}
	return out
}

// seedLicenses are the pools seeded users hold, with their display names.
var seedLicenses = map[string]string{"power_dialer": "Power Dialer", "parallel_dialer": "Parallel Dialer"}

// growPoolsFor creates or raises the seed's license pools so that the
// batch's seat-holders fit, leaving some seats free as a real org would.
func (s *Service) growPoolsFor(ctx context.Context, tx Tx, orgID string, batch []roster.User) error {
	need := map[string]int{}
	for _, u := range batch {
		if u.LicenseType != "" && u.Status.HoldsSeat() {
			need[u.LicenseType]++
		}
	}
	for typ, n := range need {
		used := 0
		pool, err := tx.LicensePool(ctx, orgID, typ)
		if err == nil {
			used = pool.Used
			if pool.Available >= n {
				continue
			}
		} else if roster.ErrorKind(err) != roster.KindNotFound {
			return err
		}
		if err := tx.SetLicensePool(ctx, orgID, typ, seedLicenses[typ], (used+n)*11/10+1, s.clock()); err != nil {
			return err
		}
	}
	return nil
}

// seedGen draws synthetic people.
type seedGen struct {
	rnd      *rand.Rand
	domain   string
	roleIDs  map[string]string
	emails   map[string]bool
	freeExts []string
	teamIDs  []string
	now      time.Time
}

// pick returns a key of weights with probability proportional to its weight.
func (g *seedGen) pick(weights []weighted) string {
	total := 0
	for _, w := range weights {
		total += w.n
	}
	x := g.rnd.IntN(total)
	for _, w := range weights {
		if x < w.n {
			return w.key
		}
		x -= w.n
	}
	return weights[len(weights)-1].key
}

type weighted struct {
	key string
	n   int
}

var (
	seedRoles    = []weighted{{roster.RoleAdmin, 1}, {roster.RoleManager, 4}, {roster.RoleTeamLeader, 6}, {roster.RoleAgent, 80}, {roster.RoleUser, 9}}
	seedStatuses = []weighted{{string(roster.StatusActive), 84}, {string(roster.StatusInactive), 10}, {string(roster.StatusPrepared), 6}}
	seedLicense  = []weighted{{"power_dialer", 65}, {"parallel_dialer", 25}, {"", 10}}
)

// users draws n new users of the org.
func (g *seedGen) users(orgID string, n int, newID func() string) []roster.User {
	out := make([]roster.User, n)
	for i := range out {
		first := seedFirstNames[g.rnd.IntN(len(seedFirstNames))]
		last := seedLastNames[g.rnd.IntN(len(seedLastNames))]
		role := g.pick(seedRoles)
		status := roster.Status(g.pick(seedStatuses))
		license := ""
		if role == roster.RoleAgent || role == roster.RoleTeamLeader || g.rnd.IntN(3) == 0 {
			license = g.pick(seedLicense)
		}
		created := g.now.Add(-time.Duration(g.rnd.Int64N(int64(3 * 365 * 24 * time.Hour)))).Truncate(time.Microsecond)
		u := roster.User{ID: newID(), OrgID: orgID, FirstName: first, LastName: last, Status: status,
			RoleID: g.roleIDs[role], Role: role, LicenseType: license, CreatedAt: created, UpdatedAt: created}
		u.Email = g.email(first, last)
		if len(g.freeExts) > 0 && g.rnd.IntN(11) == 0 {
			u.Extension, g.freeExts = g.freeExts[len(g.freeExts)-1], g.freeExts[:len(g.freeExts)-1]
		}
		switch status {
		case roster.StatusActive:
			if g.rnd.IntN(10) > 0 { // a tenth never signed in
				t := g.now.Add(-time.Duration(g.rnd.Int64N(int64(60 * 24 * time.Hour)))).Truncate(time.Microsecond)
				if t.Before(created) {
					t = created
				}
				u.LastLoginAt = &t
			}
		case roster.StatusInactive:
			t := created.Add(time.Duration(g.rnd.Int64N(int64(g.now.Sub(created)/2 + 1)))).Truncate(time.Microsecond)
			u.LastLoginAt = &t
		}
		out[i] = u
	}
	return out
}

// email returns first.last@domain, numbered when that is taken.
func (g *seedGen) email(first, last string) string {
	local := seedLocal(first) + "." + seedLocal(last)
	e := local + "@" + g.domain
	for n := 2; g.emails[e]; n++ {
		e = local + strconv.Itoa(n) + "@" + g.domain
	}
	g.emails[e] = true
	return e
}

// avoidTakenEmails renumbers batch users whose email the org already has
// (a second seed of the same org).
func (g *seedGen) avoidTakenEmails(ctx context.Context, tx Tx, orgID string, batch []roster.User) error {
	emails := make([]string, len(batch))
	for i, u := range batch {
		emails[i] = u.Email
	}
	for {
		taken, err := tx.ExistingEmails(ctx, orgID, emails)
		if err != nil || len(taken) == 0 {
			return err
		}
		for i := range batch {
			if taken[batch[i].Email] {
				batch[i].Email = g.email(batch[i].FirstName, batch[i].LastName)
				emails[i] = batch[i].Email
			}
		}
	}
}

// seedLocal turns a name into an email local part: lower case, ASCII
// letters only (accents dropped the way mail admins usually do).
func seedLocal(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case strings.ContainsRune("àáâãäå", r):
			b.WriteByte('a')
		case strings.ContainsRune("èéêë", r):
			b.WriteByte('e')
		case strings.ContainsRune("ìíîï", r):
			b.WriteByte('i')
		case strings.ContainsRune("òóôõöø", r):
			b.WriteByte('o')
		case strings.ContainsRune("ùúûü", r):
			b.WriteByte('u')
		case r == 'ñ':
			b.WriteByte('n')
		case r == 'ç':
			b.WriteByte('c')
		case r == 'ß':
			b.WriteString("ss")
		}
	}
	return b.String()
}
