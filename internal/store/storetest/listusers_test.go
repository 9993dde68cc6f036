package storetest_test

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

type person struct {
	email, first, last, ext, role, license string
	status                                 roster.Status
	createdMin                             int // minutes after base
	loginMin                               int // minutes after base; -1 = never
}

// people is the ListUsers data set. Emails and names start with distinct
// letters (except one deliberate duplicate name) so that the expected order
// is the same under PostgreSQL's C and linguistic collations; created_at
// and last_login_at have ties so that the ID tie-break is exercised.
var people = []person{
	{"kilo@example.com", "Alice", "Zed", "101", "admin", "power_dialer", roster.StatusActive, 0, 5},
	{"juliet@example.com", "Bruno", "Young", "", "agent", "power_dialer", roster.StatusInvited, 0, -1},
	{"india@example.com", "Carla", "Xu", "102", "agent", "crm", roster.StatusActive, 1, 5},
	{"hotel@example.com", "Dmitri", "Walsh", "", "manager", "", roster.StatusPrepared, 1, -1},
	{"golf@example.com", "Eve", "Vance", "4711", "agent", "power_dialer", roster.StatusActive, 2, 1},
	{"foxtrot@example.com", "Same", "Name", "", "agent", "crm", roster.StatusInactive, 3, -1},
	{"echo@example.com", "Same", "Name", "", "agent", "power_dialer", roster.StatusActive, 3, 9},
	{"delta@example.com", "Hugo", "Torres", "", "manager", "power_dialer", roster.StatusActive, 4, 9},
	{"charlie@example.com", "Ingrid", "Stone", "", "agent", "", roster.StatusInvited, 5, -1},
	{"bravo@example.com", "Jonas", "Reyes", "", "admin", "crm", roster.StatusActive, 0, 2},
	{"alpha@example.com", "Kira", "Quinn", "", "agent", "power_dialer", roster.StatusActive, 6, 3},
}

// seedPeople creates people in a new org (plus a decoy org with look-alike
// users) and returns the org and its users.
func seedPeople(t *testing.T, db *store.DB) (*roster.Org, []*roster.User) {
	t.Helper()
	o, decoy := mkOrg(t, db), mkOrg(t, db)
	roles := map[string]*roster.Role{}
	for _, k := range []string{"admin", "manager", "agent"} {
		roles[k] = mkRole(t, db, o.ID, k)
	}
	decoyRole := mkRole(t, db, decoy.ID, "agent")
	base := now().Add(-time.Hour)
	var users []*roster.User
	for _, p := range people {
		u := mkUser(t, db, o.ID, roles[p.role], p.email, func(u *roster.User) {
			u.FirstName, u.LastName, u.Extension, u.LicenseType, u.Status = p.first, p.last, p.ext, p.license, p.status
			u.CreatedAt = base.Add(time.Duration(p.createdMin) * time.Minute)
			u.UpdatedAt = u.CreatedAt
			if p.loginMin >= 0 {
				u.LastLoginAt = ptr(base.Add(time.Duration(p.loginMin) * time.Minute))
			}
		})
		users = append(users, u)
		// The decoy org holds the same people; none may leak into o's lists.
		mkUser(t, db, decoy.ID, decoyRole, p.email, withName(p.first, p.last), withLicense(p.license))
	}
	return o, users
}

// sortKey mirrors what ListUsers sorts by, as bytes.
func sortKey(u *roster.User, sort string) string {
	switch sort {
	case "email":
		return u.Email
	case "name":
		return strings.ToLower(strings.TrimSpace(u.FirstName+" "+u.LastName)) + "\x1f" + u.Email
	case "created_at":
		return pad(u.CreatedAt.UnixMicro())
	case "last_login_at":
		if u.LastLoginAt == nil {
			return pad(0)
		}
		return pad(u.LastLoginAt.UnixMicro())
	}
	panic("unknown sort " + sort)
}

// pad makes microsecond times compare as strings the way they do as numbers.
func pad(v int64) string { return fmt.Sprintf("%020d", v) }

// expectedOrder sorts users as ListUsers must: by key, then ID, both in the
// sort's direction.
func expectedOrder(users []*roster.User, sort string) []string {
	desc := strings.HasPrefix(sort, "-")
	key := strings.TrimPrefix(sort, "-")
	s := slices.Clone(users)
	slices.SortFunc(s, func(a, b *roster.User) int {
		c := cmp.Or(strings.Compare(sortKey(a, key), sortKey(b, key)), strings.Compare(a.ID, b.ID))
		if desc {
			return -c
		}
		return c
	})
	return idsOf(s, func(u *roster.User) string { return u.ID })
}

// pageAt returns the page of f that cursor leads to ("" for the first).
func pageAt(t *testing.T, c *store.Conn, orgID string, f roster.UserFilter, cursor string) roster.Page[roster.User] {
	t.Helper()
	f.Cursor = cursor
	page, err := c.ListUsers(t.Context(), orgID, f)
	must(t, err)
	return page
}

// walk reads every page of f and fails on a short page before the end.
func walk(t *testing.T, c *store.Conn, orgID string, f roster.UserFilter) []roster.User {
	t.Helper()
	var all []roster.User
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatalf("pagination does not end (filter %+v)", f)
		}
		page, err := c.ListUsers(t.Context(), orgID, f)
		must(t, err)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		if len(page.Items) != f.Limit {
			t.Fatalf("page %d has %d items but a next cursor (limit %d)", pages, len(page.Items), f.Limit)
		}
		f.Cursor = page.NextCursor
	}
}

func TestListUsersPagination(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o, users := seedPeople(t, db)
		r := db.Reader()
		byID := map[string]*roster.User{}
		for _, u := range users {
			byID[u.ID] = u
		}
		sorts := []string{"email", "-email", "name", "-name", "created_at", "-created_at", "last_login_at", "-last_login_at"}
		for _, sort := range sorts {
			want := expectedOrder(users, sort)
			for _, limit := range []int{2, 3, 11, 50} {
				got := walk(t, r, o.ID, roster.UserFilter{Sort: sort, Limit: limit})
				if ids := idsOf(got, func(u roster.User) string { return u.ID }); !slices.Equal(ids, want) {
					t.Fatalf("sort %s limit %d:\n got  %v\n want %v", sort, limit, emailsByID(byID, ids), emailsByID(byID, want))
				}
				for i := range got {
					checkUser(t, &got[i], byID[got[i].ID])
				}
			}
		}

		// The default sort is email, ascending.
		def := walk(t, r, o.ID, roster.UserFilter{Limit: 4})
		if ids := idsOf(def, func(u roster.User) string { return u.ID }); !slices.Equal(ids, expectedOrder(users, "email")) {
			t.Fatalf("default order = %v", emailsOf(def))
		}
		// Exactly one page, so no cursor pointing at nothing.
		page, err := r.ListUsers(t.Context(), o.ID, roster.UserFilter{Limit: len(people)})
		must(t, err)
		if len(page.Items) != len(people) || page.NextCursor != "" {
			t.Fatalf("limit = size: %d items, cursor %q", len(page.Items), page.NextCursor)
		}
		// Out-of-range limits fall back to the default page size.
		for _, l := range []int{0, -1, 100000} {
			page, err := r.ListUsers(t.Context(), o.ID, roster.UserFilter{Limit: l})
			must(t, err)
			if len(page.Items) != len(people) || page.NextCursor != "" {
				t.Fatalf("limit %d: %d items, cursor %q", l, len(page.Items), page.NextCursor)
			}
		}

		// Pagination composes with filters.
		var active []*roster.User
		for _, u := range users {
			if u.Status == roster.StatusActive {
				active = append(active, u)
			}
		}
		for _, sort := range sorts {
			got := walk(t, r, o.ID, roster.UserFilter{Status: roster.StatusActive, Sort: sort, Limit: 2})
			if ids := idsOf(got, func(u roster.User) string { return u.ID }); !slices.Equal(ids, expectedOrder(active, sort)) {
				t.Fatalf("active, sort %s: got %v", sort, emailsOf(got))
			}
		}
	})
}

func emailsByID(byID map[string]*roster.User, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = byID[id].Email
	}
	return out
}

func TestListUsersFilters(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o, users := seedPeople(t, db)
		r := db.Reader()
		expect := func(pred func(u *roster.User) bool) []string {
			var out []string
			for _, u := range users {
				if pred(u) {
					out = append(out, u.Email)
				}
			}
			slices.Sort(out)
			return out
		}
		for _, c := range []struct {
			name string
			f    roster.UserFilter
			want []string
		}{
			{"status invited", roster.UserFilter{Status: roster.StatusInvited},
				expect(func(u *roster.User) bool { return u.Status == roster.StatusInvited })},
			{"role manager", roster.UserFilter{Role: "manager"},
				expect(func(u *roster.User) bool { return u.Role == "manager" })},
			{"license crm", roster.UserFilter{LicenseType: "crm"},
				expect(func(u *roster.User) bool { return u.LicenseType == "crm" })},
			{"status+role+license", roster.UserFilter{Status: roster.StatusActive, Role: "agent", LicenseType: "power_dialer"},
				[]string{"alpha@example.com", "echo@example.com", "golf@example.com"}},
			{"q first name, any case", roster.UserFilter{Query: "  INGRID "}, []string{"charlie@example.com"}},
			{"q last name", roster.UserFilter{Query: "walsh"}, []string{"hotel@example.com"}},
			{"q across first and last", roster.UserFilter{Query: "jonas rey"}, []string{"bravo@example.com"}},
			{"q email", roster.UserFilter{Query: "FOXTROT@"}, []string{"foxtrot@example.com"}},
			{"q email domain", roster.UserFilter{Query: "example.com"}, expect(func(*roster.User) bool { return true })},
			{"q extension", roster.UserFilter{Query: "471"}, []string{"golf@example.com"}},
			{"q extension prefix", roster.UserFilter{Query: "10"}, []string{"india@example.com", "kilo@example.com"}},
			{"q shared name", roster.UserFilter{Query: "same name"}, []string{"echo@example.com", "foxtrot@example.com"}},
			{"q plus status", roster.UserFilter{Query: "same", Status: roster.StatusInactive}, []string{"foxtrot@example.com"}},
			{"q no match", roster.UserFilter{Query: "zzz"}, nil},
			{"role unknown", roster.UserFilter{Role: "ghost"}, nil},
		} {
			page, err := r.ListUsers(t.Context(), o.ID, c.f)
			must(t, err)
			if got := sortedEmails(page.Items); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
			for _, u := range page.Items {
				if u.OrgID != o.ID {
					t.Errorf("%s: user %s of org %s listed", c.name, u.Email, u.OrgID)
				}
			}
		}
	})
}

func TestListUsersQueryIsLiteral(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		mkUser(t, db, o.ID, role, "a_b@example.com", withName("Under", "Score"))
		mkUser(t, db, o.ID, role, "axb@example.com", withName("Plain", "Letter"))
		mkUser(t, db, o.ID, role, "pct@example.com", withName("Hundred", "100%"))
		mkUser(t, db, o.ID, role, "num@example.com", withName("Hundred", "1000"))
		mkUser(t, db, o.ID, role, "back@example.com", withName(`Back\slash`, "Name"))
		mkUser(t, db, o.ID, role, "élodie@example.com", withName("ÉLODIE", "Ärger"))
		r := db.Reader()
		for _, c := range []struct {
			q    string
			want []string
		}{
			{"a_b", []string{"a_b@example.com"}},       // _ is not "any character"
			{"_", []string{"a_b@example.com"}},         // nor a match-all
			{"100%", []string{"pct@example.com"}},      // % is not "anything"
			{"%", []string{"pct@example.com"}},         // nor a match-all
			{"0%", []string{"pct@example.com"}},        // ...and not skipped
			{`k\s`, []string{"back@example.com"}},      // backslash is literal too
			{`\`, []string{"back@example.com"}},        //
			{"élodie", []string{"élodie@example.com"}}, // non-ASCII, case-folded
			{"ärger", []string{"élodie@example.com"}},  //
			{"hundred", []string{"num@example.com", "pct@example.com"}},
		} {
			page, err := r.ListUsers(t.Context(), o.ID, roster.UserFilter{Query: c.q})
			must(t, err)
			if got := sortedEmails(page.Items); !slices.Equal(got, c.want) {
				t.Errorf("q %q: got %v, want %v", c.q, got, c.want)
			}
		}
	})
}

func TestListUsersRejectsBadSortAndCursor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o, _ := seedPeople(t, db)
		r := db.Reader()
		ctx := t.Context()
		list := func(f roster.UserFilter) (roster.Page[roster.User], error) { return r.ListUsers(ctx, o.ID, f) }

		for _, s := range []string{"password_hash", "-", "--email", "EMAIL", "email;drop"} {
			_, err := list(roster.UserFilter{Sort: s})
			wantKind(t, err, roster.KindInvalid)
			if store.ValidUserSort(s) {
				t.Errorf("ValidUserSort(%q) = true", s)
			}
		}
		for _, s := range []string{"", "email", "-name", "created_at", "-last_login_at"} {
			if !store.ValidUserSort(s) {
				t.Errorf("ValidUserSort(%q) = false", s)
			}
		}

		cursors := map[string]string{}
		for _, s := range []string{"email", "-email", "name", "created_at", "-last_login_at"} {
			p, err := list(roster.UserFilter{Sort: s, Limit: 2})
			must(t, err)
			if p.NextCursor == "" {
				t.Fatalf("sort %s: no cursor after 2 of %d users", s, len(people))
			}
			cursors[s] = p.NextCursor
		}
		for _, c := range []struct{ from, to string }{
			{"email", "name"}, {"email", "-email"}, {"-email", "email"}, {"name", "email"},
			{"created_at", "-created_at"}, {"created_at", "last_login_at"}, {"-last_login_at", "created_at"},
		} {
			_, err := list(roster.UserFilter{Sort: c.to, Cursor: cursors[c.from], Limit: 2})
			wantKind(t, err, roster.KindInvalid)
		}
		// No sort means email, so an email cursor continues it.
		p, err := list(roster.UserFilter{Cursor: cursors["email"], Limit: 2})
		must(t, err)
		if got := emailsOf(p.Items); !slices.Equal(got, []string{"charlie@example.com", "delta@example.com"}) {
			t.Fatalf("default sort after an email cursor: %v", got)
		}

		b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		for _, bad := range []string{
			"garbage!!",
			"%%%",
			b64("not json"),
			b64(`{"s":"email","v":"a"}`), // no ID
			b64(`{"s":"created_at","v":"abc","i":"x"}`), // not a number for a time sort
			b64(`[1,2,3]`),
		} {
			_, err := list(roster.UserFilter{Sort: "created_at", Cursor: bad})
			wantKind(t, err, roster.KindInvalid)
		}
	})
}

// TestListUsersCarriesTeams: each listed user comes with their teams in
// name order, disabled ones flagged, whichever plan the page takes (index
// walk, search, team filter); a user in no team has an empty, non-nil list
// (read, not missing); a membership row that names another org is never
// shown.
func TestListUsersCarriesTeams(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, o2 := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		member := mkUser(t, db, o.ID, role, "member@x.test", withName("Mia", "Member"))
		loner := mkUser(t, db, o.ID, role, "loner@x.test", withName("Lou", "Loner"))
		ts := now()
		beta := &roster.Team{ID: newID(), Name: "beta", CreatedAt: ts, UpdatedAt: ts}
		alpha := &roster.Team{ID: newID(), Name: "Alpha", Disabled: true, CreatedAt: ts, UpdatedAt: ts}
		foreign := &roster.Team{ID: newID(), Name: "Foreign", CreatedAt: ts, UpdatedAt: ts}
		inTx(t, db, func(c *store.Conn) error {
			for _, team := range []*roster.Team{beta, alpha} {
				if err := c.CreateTeam(ctx, o.ID, team); err != nil {
					return err
				}
				if _, err := c.AddTeamMember(ctx, o.ID, team.ID, member.ID, ptr(false), ts); err != nil {
					return err
				}
			}
			return c.CreateTeam(ctx, o2.ID, foreign)
		})
		// A row no code path writes: a user of o in o2's team, filed under o2.
		insert := `INSERT INTO team_members (org_id, team_id, user_id, leader, created_at) VALUES (?, ?, ?, ?, ?)`
		if db.Dialect() == "postgres" {
			insert = `INSERT INTO team_members (org_id, team_id, user_id, leader, created_at) VALUES ($1, $2, $3, $4, $5)`
		}
		if _, err := db.SQL().ExecContext(ctx, insert, o2.ID, foreign.ID, member.ID, false, ts.UnixMicro()); err != nil {
			t.Fatal(err)
		}
		want := []roster.TeamRef{{ID: alpha.ID, Name: "Alpha", Disabled: true}, {ID: beta.ID, Name: "beta"}}
		for _, f := range []roster.UserFilter{{}, {Query: "mem"}, {Team: beta.ID}, {Sort: "-created_at"}} {
			page, err := db.Reader().ListUsers(ctx, o.ID, f)
			must(t, err)
			for _, u := range page.Items {
				switch u.ID {
				case member.ID:
					if !slices.Equal(u.Teams, want) {
						t.Errorf("filter %+v: member's teams %+v, want %+v", f, u.Teams, want)
					}
				case loner.ID:
					if u.Teams == nil || len(u.Teams) != 0 {
						t.Errorf("filter %+v: loner's teams %#v, want empty and non-nil", f, u.Teams)
					}
				}
			}
			if len(page.Items) == 0 {
				t.Errorf("filter %+v listed nobody", f)
			}
		}
		// One user's detail carries the same.
		d, err := db.Reader().UserDetail(ctx, o.ID, member.ID)
		must(t, err)
		if !slices.Equal(d.Teams, want) || d.Activity == nil {
			t.Errorf("member's detail: teams %+v, activity %v; want %+v and an activity", d.Teams, d.Activity, want)
		}
		d, err = db.Reader().UserDetail(ctx, o.ID, loner.ID)
		must(t, err)
		if d.Teams == nil || len(d.Teams) != 0 {
			t.Errorf("loner's detail: teams %#v, want empty and non-nil", d.Teams)
		}
		_, err = db.Reader().UserDetail(ctx, o2.ID, member.ID)
		wantNotFound(t, err)
	})
}

// TestTeamListFollowsChanges: the teams a listed user carries follow
// every change that reaches the database — a membership added, removed
// or moved, a team renamed, disabled or removed (its memberships go with
// it), a user deleted — and never take in a team of another org, even
// from a row filed under the user's org.
func TestTeamListFollowsChanges(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, o2 := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		u := mkUser(t, db, o.ID, role, "u@x.test")
		other := mkUser(t, db, o.ID, role, "other@x.test")
		ts := now()
		a := &roster.Team{ID: newID(), Name: "Alpha", CreatedAt: ts, UpdatedAt: ts}
		b := &roster.Team{ID: newID(), Name: "Beta", CreatedAt: ts, UpdatedAt: ts}
		foreign := &roster.Team{ID: newID(), Name: "Foreign", CreatedAt: ts, UpdatedAt: ts}
		exec := func(q string, args ...any) {
			t.Helper()
			if db.Dialect() == "postgres" {
				for i := 1; strings.Contains(q, "?"); i++ {
					q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
				}
			}
			if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		check := func(step string, id string, want ...roster.TeamRef) {
			t.Helper()
			d, err := db.Reader().UserDetail(ctx, o.ID, id)
			must(t, err)
			if want == nil {
				want = []roster.TeamRef{}
			}
			if !slices.Equal(d.Teams, want) {
				t.Errorf("%s: detail teams %+v, want %+v", step, d.Teams, want)
			}
			page, err := db.Reader().ListUsers(ctx, o.ID, roster.UserFilter{})
			must(t, err)
			for _, item := range page.Items {
				if item.ID == id && !slices.Equal(item.Teams, want) {
					t.Errorf("%s: listed teams %+v, want %+v", step, item.Teams, want)
				}
			}
		}
		inTx(t, db, func(c *store.Conn) error {
			for _, team := range []*roster.Team{a, b} {
				if err := c.CreateTeam(ctx, o.ID, team); err != nil {
					return err
				}
			}
			if err := c.CreateTeam(ctx, o2.ID, foreign); err != nil {
				return err
			}
			_, err := c.AddTeamMember(ctx, o.ID, a.ID, u.ID, nil, ts)
			return err
		})
		check("added to Alpha", u.ID, roster.TeamRef{ID: a.ID, Name: "Alpha"})

		inTx(t, db, func(c *store.Conn) error {
			return c.InsertTeamMembers(ctx, o.ID, []roster.TeamMembership{{TeamID: b.ID, UserID: u.ID, AddedAt: ts}, {TeamID: b.ID, UserID: other.ID, AddedAt: ts}})
		})
		check("added to Beta in bulk", u.ID, roster.TeamRef{ID: a.ID, Name: "Alpha"}, roster.TeamRef{ID: b.ID, Name: "Beta"})
		check("other added to Beta in bulk", other.ID, roster.TeamRef{ID: b.ID, Name: "Beta"})

		inTx(t, db, func(c *store.Conn) error {
			b.Name, b.Disabled = "Bravo", true
			return c.UpdateTeam(ctx, o.ID, b)
		})
		check("Beta renamed and disabled", u.ID, roster.TeamRef{ID: a.ID, Name: "Alpha"}, roster.TeamRef{ID: b.ID, Name: "Bravo", Disabled: true})
		check("other sees the rename", other.ID, roster.TeamRef{ID: b.ID, Name: "Bravo", Disabled: true})

		inTx(t, db, func(c *store.Conn) error { return c.RemoveTeamMember(ctx, o.ID, a.ID, u.ID) })
		check("removed from Alpha", u.ID, roster.TeamRef{ID: b.ID, Name: "Bravo", Disabled: true})

		// Rows no code path writes: o2's team filed under o, and a row
		// moved from one user to another.
		exec(`INSERT INTO team_members (org_id, team_id, user_id, leader, created_at) VALUES (?, ?, ?, ?, ?)`, o.ID, foreign.ID, u.ID, false, ts.UnixMicro())
		exec(`INSERT INTO team_members (org_id, team_id, user_id, leader, created_at) VALUES (?, ?, ?, ?, ?)`, o2.ID, foreign.ID, other.ID, false, ts.UnixMicro())
		check("another org's team", u.ID, roster.TeamRef{ID: b.ID, Name: "Bravo", Disabled: true})
		check("a row of another org", other.ID, roster.TeamRef{ID: b.ID, Name: "Bravo", Disabled: true})
		third := mkUser(t, db, o.ID, role, "third@x.test")
		exec(`UPDATE team_members SET user_id = ? WHERE team_id = ? AND user_id = ?`, third.ID, b.ID, u.ID)
		check("row moved away", u.ID)
		check("row moved to", third.ID, roster.TeamRef{ID: b.ID, Name: "Bravo", Disabled: true})
		exec(`UPDATE team_members SET team_id = ? WHERE team_id = ? AND user_id = ?`, a.ID, b.ID, third.ID)
		check("row moved to another team", third.ID, roster.TeamRef{ID: a.ID, Name: "Alpha"})

		exec(`DELETE FROM teams WHERE id = ?`, a.ID)
		check("Alpha deleted", third.ID)

		// Deleting a user in teams leaves the others' lists alone.
		inTx(t, db, func(c *store.Conn) error {
			_, err := c.AddTeamMember(ctx, o.ID, b.ID, u.ID, nil, ts)
			if err == nil {
				_, err = c.AddTeamMember(ctx, o.ID, b.ID, other.ID, nil, ts)
			}
			return err
		})
		inTx(t, db, func(c *store.Conn) error { return c.DeleteUser(ctx, o.ID, u.ID) })
		check("a teammate deleted", other.ID, roster.TeamRef{ID: b.ID, Name: "Bravo", Disabled: true})
	})
}

// TestTeamListConcurrentChanges: transactions that put one user in
// different teams at the same moment all end up in the user's list; none
// overwrites another's with a list read before it committed.
func TestTeamListConcurrentChanges(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		u := mkUser(t, db, o.ID, role, "u@x.test")
		ts := now()
		const n = 12
		teams := make([]*roster.Team, n)
		inTx(t, db, func(c *store.Conn) error {
			for i := range teams {
				teams[i] = &roster.Team{ID: newID(), Name: fmt.Sprintf("Team %02d", i), CreatedAt: ts, UpdatedAt: ts}
				if err := c.CreateTeam(ctx, o.ID, teams[i]); err != nil {
					return err
				}
			}
			return nil
		})
		var wg sync.WaitGroup
		errs := make(chan error, n)
		start := make(chan struct{})
		for _, team := range teams {
			wg.Go(func() {
				<-start
				errs <- db.Tx(ctx, func(c *store.Conn) error {
					_, err := c.AddTeamMember(ctx, o.ID, team.ID, u.ID, nil, ts)
					return err
				})
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		d, err := db.Reader().UserDetail(ctx, o.ID, u.ID)
		must(t, err)
		if len(d.Teams) != n {
			t.Fatalf("the user's list holds %d teams of %d: %+v", len(d.Teams), n, d.Teams)
		}
	})
}

// TestListUsersRoleKeys: listed users carry their role's key, also for a
// role created after the list was first read (the keys are remembered
// between pages) and in another org's list read in between.
func TestListUsersRoleKeys(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		keysOf := func(orgID string) map[string]string {
			t.Helper()
			page, err := db.Reader().ListUsers(ctx, orgID, roster.UserFilter{Limit: 100})
			must(t, err)
			out := map[string]string{}
			for _, u := range page.Items {
				out[u.Email] = u.Role
			}
			return out
		}
		o, o2 := mkOrg(t, db), mkOrg(t, db)
		mkUser(t, db, o.ID, mkRole(t, db, o.ID, "agent"), "a@x.test")
		mkUser(t, db, o2.ID, mkRole(t, db, o2.ID, "agent"), "b@x.test")
		if got := keysOf(o.ID); got["a@x.test"] != "agent" {
			t.Fatalf("first list: %v", got)
		}
		mkUser(t, db, o.ID, mkRole(t, db, o.ID, "supervisor"), "s@x.test")
		if got := keysOf(o2.ID); len(got) != 1 || got["b@x.test"] != "agent" {
			t.Fatalf("other org's list: %v", got)
		}
		if got := keysOf(o.ID); got["a@x.test"] != "agent" || got["s@x.test"] != "supervisor" || len(got) != 2 {
			t.Fatalf("list after a new role: %v", got)
		}
	})
}
