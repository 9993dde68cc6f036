package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/testdb"
)

// orgFixture is an org with a team, a queue, a custom role and an
// integration, made through the service.
type orgFixture struct {
	orgID, teamID, queueID, roleID, intID, agent string
}

func newOrgFixture(t *testing.T, s *server, slug string, plan roster.Plan) orgFixture {
	t.Helper()
	ctx := context.Background()
	f := orgFixture{orgID: s.org(slug, plan, nil)}
	op := service.Operator(f.orgID)
	f.agent = s.activeUser(f.orgID, "agent@"+slug+".test", "agent", "")
	s.activeUser(f.orgID, "manager@"+slug+".test", "manager", "")
	team, err := s.app.Service.CreateTeam(ctx, op, service.TeamInput{Name: "Alpha", MemberIDs: []string{f.agent}})
	if err != nil {
		t.Fatal(err)
	}
	name := "Sales"
	q, err := s.app.Service.CreateQueue(ctx, op, service.QueueInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	ro, err := s.app.Service.CreateRole(ctx, op, service.RoleInput{Name: "Closer", Permissions: []string{"analytics.view_own"}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := s.app.Service.CreateIntegration(ctx, op, "", "HubSpot")
	if err != nil {
		t.Fatal(err)
	}
	closer := "closer"
	if _, err := s.app.Service.UpdateUser(ctx, op, f.agent, service.UserPatch{Role: &closer}); err != nil {
		t.Fatal(err)
	}
	f.teamID, f.queueID, f.roleID, f.intID = team.ID, q.ID, ro.ID, in.ID
	return f
}

// snapshot is what the org pages may change, read through the service.
func (f orgFixture) snapshot(t *testing.T, s *server) string {
	t.Helper()
	ctx := context.Background()
	op := service.Operator(f.orgID)
	svc := s.app.Service
	roles, err1 := svc.Roles(ctx, op)
	teams, err2 := svc.Teams(ctx, op)
	members, err3 := svc.TeamMembers(ctx, op, f.teamID)
	queues, err4 := svc.Queues(ctx, op)
	qm, err5 := svc.QueueMembers(ctx, op, f.queueID)
	ints, err6 := svc.Integrations(ctx, op)
	perms, err7 := svc.UserPermissions(ctx, op, f.agent)
	for _, err := range []error{err1, err2, err3, err4, err5, err6, err7} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	for _, r := range roles {
		fmt.Fprintf(&b, "role %s %s %v\n", r.Key, r.Name, r.Permissions)
	}
	for _, tm := range teams {
		fmt.Fprintf(&b, "team %s %v %v %v\n", tm.Name, tm.Disabled, tm.HasAvatar, tm.RoleIDs)
	}
	for _, m := range members {
		fmt.Fprintf(&b, "member %s %v\n", m.UserID, m.Leader)
	}
	for _, q := range queues {
		fmt.Fprintf(&b, "queue %s %s\n", q.Name, q.Description)
	}
	for _, m := range qm {
		fmt.Fprintf(&b, "qmember %s %d %d\n", m.UserID, m.Penalty, m.Priority)
	}
	for _, in := range ints {
		fmt.Fprintf(&b, "integration %s\n", in.Key)
	}
	fmt.Fprintf(&b, "direct %v\n", perms.Direct)
	return b.String()
}

// orgPosts are every state-changing org form, with plausible fields.
func (f orgFixture) orgPosts() map[string]url.Values {
	return map[string]url.Values{
		"/roles":                                                 {"name": {"Sneaky"}, "permissions": {"users.manage"}},
		"/roles/" + f.roleID:                                     {"name": {"Renamed"}, "permissions": {"users.manage", "roles.manage"}},
		"/roles/" + f.roleID + "/copy":                           {"name": {"Copy"}},
		"/roles/" + f.roleID + "/delete":                         {"replacement_role": {"agent"}},
		"/people/" + f.agent + "/permissions":                    {"permissions": {"users.manage", "roles.manage"}},
		"/teams":                                                 {"name": {"Beta"}},
		"/teams/" + f.teamID:                                     {"name": {"Renamed"}},
		"/teams/" + f.teamID + "/disable":                        {},
		"/teams/" + f.teamID + "/members":                        {"email": {"manager@" + "x"}},
		"/teams/" + f.teamID + "/members/" + f.agent:             {"leader": {"1"}},
		"/teams/" + f.teamID + "/members/" + f.agent + "/remove": {},
		"/queues":                                    {"name": {"Other"}},
		"/queues/" + f.queueID:                       {"name": {"Renamed"}},
		"/queues/" + f.queueID + "/delete":           {},
		"/queues/" + f.queueID + "/members":          {"user_id": {f.agent}, "penalty": {"1"}},
		"/queues/" + f.queueID + "/members/x/remove": {},
		"/integrations":                              {"name": {"Pipedrive"}},
		"/integrations/" + f.intID + "/delete":       {},
	}
}

// TestOrgPagesRefuseNonAdmins: a manager and an agent get 403 for every
// org form and change nothing; pages they may not see are absent from the
// nav and refused.
func TestOrgPagesRefuseNonAdmins(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			f := newOrgFixture(t, s, "acme", roster.PlanStandard)
			before := f.snapshot(t, s)
			mgr := newClient(t, s)
			mgr.signIn("manager@acme.test", apitest.UserPassword)
			agent := newClient(t, s)
			agent.signIn("agent@acme.test", apitest.UserPassword)

			for _, c := range []*client{mgr, agent} {
				for path, form := range f.orgPosts() {
					if p := c.post(path, form, nil); p.Status != http.StatusForbidden {
						t.Errorf("POST %s by a non-admin: %d", path, p.Status)
					}
				}
				var body bytes.Buffer
				mw := multipart.NewWriter(&body)
				fw, _ := mw.CreateFormFile("avatar", "a.png")
				_, _ = fw.Write(pngBytes(t))
				mw.Close()
				if p := c.raw("/teams/"+f.teamID+"/avatar", &body, mw.FormDataContentType()); p.Status != http.StatusForbidden {
					t.Errorf("avatar upload by a non-admin: %d", p.Status)
				}
			}
			if after := f.snapshot(t, s); after != before {
				t.Fatalf("refused posts changed the org:\n%s\nto\n%s", before, after)
			}

			// The manager reads teams, queues and reports, but no form to
			// change them is on the page.
			for _, path := range []string{"/teams", "/teams/" + f.teamID, "/queues", "/queues/" + f.queueID, "/reports", "/roles", "/integrations"} {
				p := mgr.get(path)
				if p.Status != http.StatusOK {
					t.Errorf("manager GET %s: %d", path, p.Status)
					continue
				}
				if m := regexp.MustCompile(`<form method="post" action="/(roles|teams|queues|integrations)[^"]*"`).FindString(p.Body); m != "" {
					t.Errorf("manager's %s offers %s", path, m)
				}
			}
			if p := mgr.get("/roles/new"); p.Status != http.StatusForbidden {
				t.Errorf("manager GET /roles/new: %d", p.Status)
			}
			if p := mgr.get("/people/" + f.agent); strings.Contains(p.Body, "Direct permissions") {
				t.Error("a manager is offered the direct-permission editor")
			}
			// The agent sees none of them.
			nav := agent.get("/people/" + f.agent).Body
			for _, href := range []string{`href="/teams"`, `href="/queues"`, `href="/reports"`, `href="/integrations"`, `href="/roles"`} {
				if strings.Contains(nav, href) {
					t.Errorf("an agent's nav offers %s", href)
				}
			}
			for _, path := range []string{"/teams", "/teams/" + f.teamID, "/queues", "/queues/" + f.queueID, "/reports", "/my-team", "/people/" + f.agent + "/x"} {
				if p := agent.get(path); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
					t.Errorf("agent GET %s: %d", path, p.Status)
				}
			}
		})
	}
}

// raw posts body with its content type (multipart uploads).
func (c *client) raw(path string, body io.Reader, contentType string) page {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.s.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(pngFile(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOrgBadInputIsRefused: bad input to every org form is a 4xx page that
// names the problem and keeps what was typed, and changes nothing.
func TestOrgBadInputIsRefused(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			f := newOrgFixture(t, s, "acme", roster.PlanStandard)
			before := f.snapshot(t, s)
			c := newClient(t, s)
			c.signIn("admin@acme.test", apitest.AdminPassword)
			long := strings.Repeat("n", 101)
			cases := []struct {
				path   string
				form   url.Values
				status int
				want   []string
			}{
				{"/roles", url.Values{"name": {""}}, 422, []string{"must be 1 to 100 characters"}},
				{"/roles", url.Values{"name": {"Bogus perms"}, "permissions": {"nope.never"}}, 422, []string{"nope.never", `value="Bogus perms"`}},
				{"/roles", url.Values{"name": {"Closer"}}, 409, []string{"already used by another role"}},
				{"/roles", url.Values{"name": {"Team link"}, "team_ids": {"not-an-id"}}, 422, []string{"no team"}},
				{"/roles/" + f.roleID, url.Values{"name": {long}}, 422, []string{"must be 1 to 100 characters"}},
				{"/roles/" + f.roleID + "/delete", url.Values{}, 422, []string{"replacement_role", "Closer"}},
				{"/roles/" + f.roleID + "/delete", url.Values{"replacement_role": {"closer"}}, 422, []string{"must be another role"}},
				{"/roles/" + f.roleID + "/delete", url.Values{"replacement_role": {"ghost"}}, 422, []string{"no role &#34;ghost&#34;"}},
				{"/roles/" + f.roleID + "/copy", url.Values{"name": {long}}, 422, []string{"must be 1 to 100 characters"}},
				{"/people/" + f.agent + "/permissions", url.Values{"permissions": {"root.everything"}}, 422, []string{"root.everything"}},
				{"/teams", url.Values{"name": {" "}}, 422, []string{"must be 1 to 100 characters"}},
				{"/teams", url.Values{"name": {"ALPHA"}}, 409, []string{"already used by another team", `value="ALPHA"`}},
				{"/teams/" + f.teamID, url.Values{"name": {long}}, 422, []string{"must be 1 to 100 characters"}},
				{"/teams/" + f.teamID, url.Values{"roles": {"1"}, "role_ids": {"01900000-0000-7000-8000-000000000000"}}, 422, []string{"no role"}},
				{"/teams/" + f.teamID + "/members", url.Values{"email": {"not an email"}}, 422, []string{"not a valid email address"}},
				{"/teams/" + f.teamID + "/members", url.Values{"email": {"ghost@acme.test"}}, 422, []string{"no user ghost@acme.test", `value="ghost@acme.test"`}},
				{"/queues", url.Values{"name": {""}, "description": {"kept"}}, 422, []string{"must be 1 to 100 characters", `value="kept"`}},
				{"/queues", url.Values{"name": {"SALES"}}, 409, []string{"already"}},
				{"/queues/" + f.queueID, url.Values{"name": {long}}, 422, []string{"must be 1 to 100 characters"}},
				{"/queues/" + f.queueID + "/members", url.Values{"email": {"agent@acme.test"}, "penalty": {"abc"}}, 422, []string{"must be a whole number", `value="abc"`}},
				{"/queues/" + f.queueID + "/members", url.Values{"email": {"agent@acme.test"}, "priority": {"-1"}}, 422, []string{"priority"}},
				{"/queues/" + f.queueID + "/members", url.Values{"user_id": {"not-an-id"}}, 422, []string{"no user"}},
				{"/integrations", url.Values{"name": {""}}, 422, []string{"must be 1 to 100 characters"}},
				{"/integrations", url.Values{"name": {"HubSpot"}}, 409, []string{"already used by another integration"}},
				{"/integrations", url.Values{"name": {"Odd"}, "key": {"Bad Key!"}}, 422, []string{"key"}},
				{"/me/integrations", url.Values{"integration_id": {"nope"}, "account": {"me"}}, 422, []string{"no integration", `name="back" value="/people/`}},
				{"/me/integrations", url.Values{"integration_id": {f.intID}, "account": {"bad\x01char"}}, 422, []string{"account"}},
			}
			for _, tc := range cases {
				p := c.post(tc.path, tc.form, nil)
				if p.Status != tc.status {
					t.Errorf("POST %s %v: %d, want %d", tc.path, tc.form, p.Status, tc.status)
					continue
				}
				for _, w := range tc.want {
					if !strings.Contains(p.Body, w) {
						t.Errorf("POST %s %v: the page does not say %q", tc.path, tc.form, w)
						t.Log(mainOf(p.Body))
					}
				}
			}
			// Unknown IDs are 404 (or back with the reason), never 500.
			for _, path := range []string{"/roles/not-an-id", "/teams/not-an-id", "/queues/not-an-id", "/teams/01900000-0000-7000-8000-000000000000/avatar",
				"/people?team=not-an-id"} {
				if p := c.get(path); p.Status >= 500 || p.Status < 400 {
					t.Errorf("GET %s: %d", path, p.Status)
				}
			}
			for _, path := range []string{"/teams/x/members/y/remove", "/queues/x/members/y/remove", "/integrations/x/delete", "/me/integrations/x/unlink",
				"/queues/x/delete", "/teams/x/disable"} {
				if p := c.post(path, url.Values{}, nil); p.Status >= 500 {
					t.Errorf("POST %s: %d", path, p.Status)
				}
			}
			// Avatars: not an image, and too large, are refused by content.
			for name, data := range map[string][]byte{"text": []byte("GIF89a but not really"), "huge": bytes.Repeat([]byte{0x89}, roster.MaxAvatarBytes+100<<10)} {
				var body bytes.Buffer
				mw := multipart.NewWriter(&body)
				fw, _ := mw.CreateFormFile("avatar", "a.png")
				_, _ = fw.Write(data)
				mw.Close()
				p := c.raw("/teams/"+f.teamID+"/avatar", &body, mw.FormDataContentType())
				if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "avatar") {
					t.Errorf("%s avatar: %d", name, p.Status)
				}
			}
			if after := f.snapshot(t, s); after != before {
				t.Fatalf("refused input changed the org:\n%s\nto\n%s", before, after)
			}
		})
	}
}

// mainOf is the main element of a page, for failure messages.
func mainOf(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, "</main>"); i >= 0 {
		body = body[:i]
	}
	return body
}

// TestPeoplePageWeightWithTeams: 50 active people, each in two teams with
// long names and a presence, still ship under 100 KB of HTML, CSS and
// JavaScript, and the team filter narrows the list to one team's members.
func TestPeoplePageWeightWithTeams(t *testing.T) {
	s := startServer(t, "sqlite", false)
	orgID := s.org("acme", roster.PlanProfessional, nil)
	ctx := context.Background()
	op := service.Operator(orgID)
	var ids []string
	for i := range 60 {
		ids = append(ids, s.activeUser(orgID, fmt.Sprintf("person%02d@a-rather-long-company-domain.example", i), "agent", ""))
	}
	a, err := s.app.Service.CreateTeam(ctx, op, service.TeamInput{Name: "Enterprise accounts, west coast", MemberIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.app.Service.CreateTeam(ctx, op, service.TeamInput{Name: "Inbound overflow, second line", MemberIDs: ids[:30]}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	c.signIn("admin@acme.test", apitest.AdminPassword)
	p := c.get("/people")
	if n := strings.Count(p.Body, `<tr>`) - 1; n != 50 {
		t.Fatalf("%d rows on the page, want 50", n)
	}
	if n := strings.Count(p.Body, `class="pr pr-`); n != 50 {
		t.Fatalf("%d presence indicators, want 50", n)
	}
	total := len(p.Body)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(p.Body, -1) {
		a := c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		total += len(a.Body)
	}
	t.Logf("people page with 50 rows in teams: %d bytes of HTML, %d bytes in all", len(p.Body), total)
	if total >= 100_000 {
		t.Fatalf("the people page ships %d bytes, want < 100 KB", total)
	}
	second := c.get("/people?team=" + url.QueryEscape(a.ID))
	if second.Status != http.StatusOK || strings.Count(second.Body, "<tr>")-1 != 50 || strings.Contains(second.Body, "admin@acme.test") {
		t.Fatalf("filtered by a team of 60: %d", second.Status)
	}
	if !strings.Contains(second.Body, `<option value="`+a.ID+`" selected>`) {
		t.Error("the team select does not show the chosen team")
	}
}

// TestUserPageEveryStatus: the org sections of a profile render for users
// in every status; only active users show presence and are offered the
// direct-permission editor once they can sign in.
func TestUserPageEveryStatus(t *testing.T) {
	s := startServer(t, "sqlite", false)
	f := newOrgFixture(t, s, "acme", roster.PlanProPlus)
	ctx := context.Background()
	op := service.Operator(f.orgID)
	prepared := s.prepared(f.orgID, "agent", "", "prep@acme.test")[0]
	invited, err := s.app.Service.Invite(ctx, op, service.InviteInput{Emails: []string{"inv@acme.test"}, Role: "agent", Send: true})
	if err != nil {
		t.Fatal(err)
	}
	gone := s.activeUser(f.orgID, "gone@acme.test", "agent", "")
	if _, err := s.app.Service.DeactivateUser(ctx, op, gone); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	c.signIn("admin@acme.test", apitest.AdminPassword)
	for id, want := range map[string][]string{
		f.agent:       {"Teams and queues", "Alpha", "Calls handled", "Role Closer", "Direct permissions"},
		prepared.ID:   {"Teams and queues", "Direct permissions"},
		invited[0].ID: {"Teams and queues"},
		gone:          {"Teams and queues", "Direct permissions"},
	} {
		p := c.get("/people/" + id)
		if p.Status != http.StatusOK {
			t.Errorf("GET /people/%s: %d", id, p.Status)
			continue
		}
		for _, w := range want {
			if !strings.Contains(p.Body, w) {
				t.Errorf("the page of %s does not say %q", id, w)
			}
		}
		if id != f.agent && (strings.Contains(p.Body, `class="presence"`) || strings.Contains(p.Body, "Calls handled")) {
			t.Errorf("the page of %s (not active) shows presence or call statistics", id)
		}
	}
}

// TestOrgFormsConcurrently: two admins submitting the same forms at once
// never get a 500; a role deleted twice is deleted once with its user
// moved, and a user added to a team and a queue twice is a member once.
func TestOrgFormsConcurrently(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			f := newOrgFixture(t, s, "acme", roster.PlanStandard)
			ctx := context.Background()
			op := service.Operator(f.orgID)
			s.activeUser(f.orgID, "second@acme.test", "admin", "")
			a, b := newClient(t, s), newClient(t, s)
			a.signIn("admin@acme.test", apitest.AdminPassword)
			b.signIn("second@acme.test", apitest.UserPassword)
			rep := s.activeUser(f.orgID, "rep@acme.test", "agent", "")

			posts := []struct {
				path string
				form url.Values
			}{
				{"/roles/" + f.roleID + "/delete", url.Values{"replacement_role": {"manager"}}},
				{"/teams/" + f.teamID + "/members", url.Values{"email": {"rep@acme.test"}}},
				{"/queues/" + f.queueID + "/members", url.Values{"email": {"rep@acme.test"}, "penalty": {"1"}}},
				{"/teams", url.Values{"name": {"Twins"}}},
			}
			for _, p := range posts {
				statuses := make(chan int, 2)
				for _, c := range []*client{a, b} {
					go func() { statuses <- c.post(p.path, p.form, nil).Status }()
				}
				got := []int{<-statuses, <-statuses}
				for _, st := range got {
					if st >= 500 {
						t.Errorf("concurrent POST %s: %v", p.path, got)
					}
				}
				if got[0] != http.StatusSeeOther && got[1] != http.StatusSeeOther {
					t.Errorf("concurrent POST %s: neither succeeded: %v", p.path, got)
				}
			}
			if _, err := s.app.Service.Role(ctx, op, f.roleID); roster.ErrorKind(err) != roster.KindNotFound {
				t.Errorf("the role after two deletes: %v", err)
			}
			if u, err := s.user(f.orgID, f.agent); err != nil || u.Role != "manager" {
				t.Errorf("the role's user after two deletes: %+v %v", u, err)
			}
			members, err := s.app.Service.TeamMembers(ctx, op, f.teamID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range members {
				if m.UserID == rep {
					n++
				}
			}
			if n != 1 {
				t.Errorf("rep is in the team %d times", n)
			}
			qm, err := s.app.Service.QueueMembers(ctx, op, f.queueID)
			if err != nil || len(qm) != 1 {
				t.Errorf("queue members after two adds: %+v %v", qm, err)
			}
			teams, err := s.app.Service.Teams(ctx, op)
			if err != nil || len(teams) != 2 {
				t.Errorf("teams after two creates of one name: %d %v", len(teams), err)
			}
		})
	}
}

// TestQueuePageTakesNewAgents: the queue page adds prepared and invited
// users by email and marks them by status; an inactive user is refused
// with the reason and stays out of the queue.
func TestQueuePageTakesNewAgents(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			f := newOrgFixture(t, s, "acme", roster.PlanStandard)
			ctx := context.Background()
			op := service.Operator(f.orgID)
			s.prepared(f.orgID, "agent", "", "prep@acme.test")
			if _, err := s.app.Service.Invite(ctx, op, service.InviteInput{Emails: []string{"inv@acme.test"}, Role: "agent", Send: true}); err != nil {
				t.Fatal(err)
			}
			gone := s.activeUser(f.orgID, "gone@acme.test", "agent", "")
			if _, err := s.app.Service.DeactivateUser(ctx, op, gone); err != nil {
				t.Fatal(err)
			}
			c := newClient(t, s)
			c.signIn("admin@acme.test", apitest.AdminPassword)
			path := "/queues/" + f.queueID
			for _, email := range []string{"prep@acme.test", "inv@acme.test"} {
				if p := c.post(path+"/members", url.Values{"email": {email}, "penalty": {"3"}}, nil); p.Status != http.StatusSeeOther {
					t.Fatalf("adding %s: %d", email, p.Status)
				}
			}
			p := c.post(path+"/members", url.Values{"email": {"gone@acme.test"}}, nil)
			if p.Status != http.StatusConflict || !strings.Contains(p.Body, "inactive") {
				t.Fatalf("adding an inactive user: %d", p.Status)
			}
			page := c.get(path)
			for _, w := range []string{`<span class="badge">Prepared</span>`, `<span class="badge">Invited</span>`} {
				if !strings.Contains(page.Body, w) {
					t.Errorf("the queue page does not show %s", w)
				}
			}
			qm, err := s.app.Service.QueueMembers(ctx, op, f.queueID)
			if err != nil || len(qm) != 2 {
				t.Fatalf("queue members %+v %v", qm, err)
			}
		})
	}
}
