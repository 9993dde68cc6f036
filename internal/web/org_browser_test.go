package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/service"
	"roster/internal/testdb"
)

// TestConsoleOrgMainFlow is the org pages' main story, on both databases:
// an admin creates a team, a custom role linked to it and gives it to an
// agent (who joins the team), filters People by the team, grants a direct
// permission and sees where each permission comes from, then deletes the
// role, which requires choosing the replacement role for its user.
func TestConsoleOrgMainFlow(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			orgID := s.org("orgs", roster.PlanStandard, nil)
			ctx := context.Background()
			op := service.Operator(orgID)
			pat := s.activeUser(orgID, "pat@orgs.test", "agent", "")
			s.activeUser(orgID, "other@orgs.test", "agent", "")
			b := newBrowser(t)
			admin := b.tab(t, s, "admin")
			admin.signIn("admin@orgs.test", apitest.AdminPassword)
			admin.wantText("nav.nav", "Teams", "Queues", "Reports", "Integrations", "Roles")

			// A team, created in its dialog; a duplicate name is refused
			// and keeps what was typed.
			admin.open("/teams")
			admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-team-new]"), chromedp.NodeVisible))
			admin.fill("#team-name", "Closers")
			admin.submit("#dlg-team-new button.primary")
			admin.wantText(".flash", "Team Closers created")
			admin.open("/teams")
			admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-team-new]"), chromedp.NodeVisible))
			admin.fill("#team-name", "closers")
			admin.submit("#dlg-team-new button.primary")
			admin.wantText("#dlg-team-new", "already exists", "already used by another team")
			if v := js[string](admin, `document.querySelector("#team-name").value`); v != "closers" {
				t.Fatalf("refused team form lost the name: %q", v)
			}
			admin.check("teams-refused")
			teams, err := s.app.Service.Teams(ctx, op)
			if err != nil || len(teams) != 1 {
				t.Fatalf("teams after a refused duplicate: %v %v", teams, err)
			}
			team := teams[0]

			// A custom role with grouped permissions, linked to the team.
			admin.open("/roles")
			admin.wantText("main", "Admin", "Built-in", "Agent")
			if n := js[int](admin, `document.querySelectorAll("[aria-label^='Delete ']").length`); n != 0 {
				t.Fatalf("built-in roles offer Delete (%d buttons)", n)
			}
			admin.check("roles")
			admin.submit("a[href='/roles/new']")
			admin.wantText("main", "People", "Roles, teams and queues", "Calls and analytics")
			admin.fill("#role-name", "Closer")
			admin.do(chromedp.Click(chromedp.CSS(`input[name=permissions][value="analytics.view_own"]`)),
				chromedp.Click(chromedp.CSS(`input[name=permissions][value="queues.manage"]`)),
				chromedp.Click(chromedp.CSS(`input[name=team_ids][value="`+team.ID+`"]`)))
			admin.check("role-new")
			admin.submit("form[action='/roles'] button.primary")
			admin.wantText(".flash", "Role Closer created")
			admin.wantText("section[aria-labelledby=role-closer]", "queues.manage", "joins Closers")

			// A name already taken is refused with the ticks kept.
			admin.open("/roles/new")
			admin.fill("#role-name", "Closer")
			admin.do(chromedp.Click(chromedp.CSS(`input[name=permissions][value="audit.view"]`)))
			admin.submit("form[action='/roles'] button.primary")
			admin.wantText("main", "already used by another role")
			if !js[bool](admin, `document.querySelector('input[name=permissions][value="audit.view"]').checked`) {
				t.Fatal("the refused role form lost the ticked permission")
			}

			// Giving Pat the role puts Pat in the team.
			admin.open("/people/" + pat)
			admin.do(chromedp.Click(chromedp.CSS(`[data-dialog=dlg-role]`), chromedp.NodeVisible))
			admin.choose("#role-role", "closer")
			admin.submit("#dlg-role button.primary")
			admin.open("/people/" + pat)
			admin.wantText("main", "Closers", "Role Closer")

			// People filtered by the team: the URL says so, only Pat is listed.
			admin.open("/people")
			admin.choose("select[name=team]", team.ID)
			admin.submit("form.filters button")
			if p := admin.path(); !strings.Contains(p, "team="+team.ID) {
				t.Fatalf("filtered by team at %s", p)
			}
			admin.wantText("table.people", "pat@orgs.test", "Closers")
			if strings.Contains(admin.text("table.people"), "other@orgs.test") {
				t.Fatal("the team filter lists someone outside the team")
			}
			if n := js[int](admin, `document.querySelectorAll("table.people .pr").length`); n != 1 {
				t.Fatalf("%d presence indicators for 1 row", n)
			}
			admin.check("people-team-filter")

			// Direct permissions: shown separately with their source.
			admin.open("/people/" + pat)
			admin.do(chromedp.Click(chromedp.CSS(`#h-direct ~ form input[name=permissions][value="audit.view"]`)))
			admin.submit(`form[action$="/permissions"] button.primary`)
			admin.wantText(".flash", "Direct permissions saved")
			admin.wantText(".perm-table", "audit.view", "Granted directly", "queues.manage", "Role Closer")
			admin.check("user-permissions")
			up, err := s.app.Service.UserPermissions(ctx, op, pat)
			if err != nil || !up.Direct.Has(roster.PermAuditView) || up.Direct.Has(roster.PermQueuesManage) {
				t.Fatalf("direct permissions stored: %+v %v", up, err)
			}
			// Pat sees the audit log on their very next request.
			pt := b.tab(t, s, "pat")
			pt.signIn("pat@orgs.test", apitest.UserPassword)
			pt.wantText("nav.nav", "Audit log")

			// Deleting the role needs the replacement: the server refuses
			// without one even when the browser's check is bypassed.
			admin.open("/roles")
			var roleID string
			for _, ro := range mustRoles(t, s, orgID) {
				if ro.Key == "closer" {
					roleID = ro.ID
				}
			}
			admin.do(chromedp.Click(chromedp.CSS(`[data-opens="dlg-del-`+roleID+`"]`), chromedp.NodeVisible))
			admin.wantText("#dlg-del-"+roleID, "1 user holds this role", "Replacement role")
			if !js[bool](admin, `document.querySelector("#del-repl-`+roleID+`").required`) {
				t.Fatal("the replacement select is not required")
			}
			admin.check("role-delete-dialog")
			admin.do(chromedp.Evaluate[chromedp.Void](`window.__leaving = true; document.querySelector("#dlg-del-` + roleID + ` form").submit()`))
			admin.waitLoad()
			admin.wantText("#dlg-del-"+roleID, "is required")
			if _, err := s.app.Service.Role(ctx, op, roleID); err != nil {
				t.Fatalf("a refused delete removed the role: %v", err)
			}
			admin.choose("#del-repl-"+roleID, "agent")
			admin.submit("#dlg-del-" + roleID + " button.danger")
			admin.wantText(".flash", "Role Closer deleted")
			u, err := s.user(orgID, pat)
			if err != nil || u.Role != "agent" {
				t.Fatalf("pat after the role's deletion: %+v %v", u, err)
			}
		})
	}
}

func mustRoles(t *testing.T, s *server, orgID string) []roster.Role {
	t.Helper()
	roles, err := s.app.Service.Roles(context.Background(), service.Operator(orgID))
	if err != nil {
		t.Fatal(err)
	}
	return roles
}

// pngFile writes a small PNG avatar and returns its path.
func pngFile(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for x := range 32 {
		for y := range 32 {
			img.Set(x, y, color.RGBA{R: uint8(x * 8), G: 80, B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "team.png")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConsoleOrgFlows drives the other org flows in one browser on SQLite:
// copying a built-in role, team members, avatar, linked roles and
// disabling, My Team, queues, reports, integrations and call statistics.
func TestConsoleOrgFlows(t *testing.T) {
	s := startServer(t, "sqlite", false)
	b := newBrowser(t)
	ctx := context.Background()

	t.Run("copy a built-in role", func(t *testing.T) {
		orgID := s.org("copy", roster.PlanStandard, nil)
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@copy.test", apitest.AdminPassword)
		var agentID string
		for _, ro := range mustRoles(t, s, orgID) {
			if ro.Key == "agent" {
				agentID = ro.ID
			}
		}
		admin.open("/roles")
		// Keyboard only: Enter on Copy opens the dialog with focus inside,
		// Escape closes it.
		copyBtn := `[data-opens="dlg-copy-` + agentID + `"]`
		admin.do(chromedp.Focus(chromedp.CSS(copyBtn)), chromedp.KeyEvent("\r"))
		if !js[bool](admin, `document.querySelector("#dlg-copy-`+agentID+`").open && document.querySelector("#dlg-copy-`+agentID+`").contains(document.activeElement)`) {
			t.Fatal("Enter on Copy did not open its dialog with focus inside")
		}
		admin.do(chromedp.KeyEvent("\x1b"))
		if js[bool](admin, `document.querySelector("#dlg-copy-`+agentID+`").open`) {
			t.Fatal("Escape did not close the copy dialog")
		}
		admin.do(chromedp.Click(chromedp.CSS(copyBtn), chromedp.NodeVisible))
		admin.check("role-copy-dialog")
		admin.fill("#copy-name-"+agentID, "Senior agent")
		admin.submit("#dlg-copy-" + agentID + " button.primary")
		admin.wantText(".flash", "Senior agent created as a copy")
		if !strings.HasPrefix(admin.path(), "/roles/") {
			t.Fatalf("after copying at %s", admin.path())
		}
		if !js[bool](admin, `document.querySelector('input[name=permissions][value="analytics.view_own"]').checked`) {
			t.Fatal("the copy did not keep the built-in's permissions")
		}
		admin.do(chromedp.Click(chromedp.CSS(`input[name=permissions][value="calls.view_all"]`)))
		admin.submit("form.stack button.primary")
		admin.wantText("section[aria-labelledby=role-senior_agent]", "calls.view_all", "analytics.view_own")
		// Built-ins cannot be edited, even by URL.
		admin.open("/roles/" + agentID)
		admin.wantText("main", "built-in role and cannot be changed")
	})

	t.Run("team members, avatar, linked roles, disable", func(t *testing.T) {
		orgID := s.org("crew", roster.PlanStandard, nil)
		lead := s.activeUser(orgID, "lead@crew.test", "team_leader", "")
		rep := s.activeUser(orgID, "rep@crew.test", "agent", "")
		s.activeUser(orgID, "mgr@crew.test", "manager", "")
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@crew.test", apitest.AdminPassword)
		admin.open("/teams")
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-team-new]"), chromedp.NodeVisible))
		admin.fill("#team-name", "Night shift")
		admin.submit("#dlg-team-new button.primary")
		teamPath := admin.path()

		admin.fill("input[name=email]", "LEAD@crew.test")
		admin.do(chromedp.Click(chromedp.CSS("input[name=leader]")))
		admin.submit("form[aria-label='Add a member'] button")
		admin.wantText(".flash", "lead@crew.test added")
		admin.fill("input[name=email]", "nobody@crew.test")
		admin.submit("form[aria-label='Add a member'] button")
		admin.wantText("form[aria-label='Add a member']", "no user nobody@crew.test")
		if v := js[string](admin, `document.querySelector("input[name=email]").value`); v != "nobody@crew.test" {
			t.Fatalf("refused member form lost the address: %q", v)
		}
		admin.fill("input[name=email]", "rep@crew.test")
		admin.submit("form[aria-label='Add a member'] button")
		admin.wantText("table.members", "lead@crew.test", "rep@crew.test")
		if got := js[string](admin, `[...document.querySelectorAll("table.members tbody tr")].filter(r => r.cells[3].innerText === "Leader").map(r => r.cells[1].innerText).join()`); got != "lead@crew.test" {
			t.Fatalf("leaders listed: %q", got)
		}

		// Avatar: a text file is refused by the service, a PNG is kept.
		bad := filepath.Join(t.TempDir(), "avatar.png")
		if err := os.WriteFile(bad, []byte("not an image at all"), 0o644); err != nil {
			t.Fatal(err)
		}
		admin.do(chromedp.SetUploadFiles("input[type=file]", []string{bad}))
		admin.submit("form[aria-label='Team avatar'] button")
		admin.wantText("form[aria-label='Team avatar']", "the avatar was refused")
		admin.do(chromedp.SetUploadFiles("input[type=file]", []string{pngFile(t)}))
		admin.submit("form[aria-label='Team avatar'] button")
		admin.wantText(".flash", "Avatar saved")
		if w := js[int](admin, `document.querySelector("h1 img.avatar").naturalWidth`); w != 32 {
			t.Fatalf("the avatar shows %d px wide, want 32", w)
		}

		// Linked roles: every manager joins.
		var mgrRole string
		for _, ro := range mustRoles(t, s, orgID) {
			if ro.Key == "manager" {
				mgrRole = ro.ID
			}
		}
		admin.do(chromedp.Click(chromedp.CSS(`input[name=role_ids][value="` + mgrRole + `"]`)))
		admin.submit("form[aria-label='Linked roles'] button")
		admin.wantText("table.members", "mgr@crew.test")
		admin.check("team")

		// Remove a member, rename.
		admin.submit(`form[action$="/members/` + rep + `/remove"] button`)
		admin.wantText(".flash", "Removed from the team")
		admin.fill("form[aria-label='Rename the team'] input[name=name]", "Night crew")
		admin.submit("form[aria-label='Rename the team'] button")
		admin.wantText("h1", "Night crew")

		// My Team: the leader lists their members with presence.
		leader := b.tab(t, s, "leader")
		leader.signIn("lead@crew.test", apitest.UserPassword)
		leader.open("/my-team")
		leader.wantText("main", "You lead Night crew", "Online", "Team Leader")
		if strings.Contains(leader.text("main"), "Calls (30 days)") {
			t.Fatal("a standard plan shows call statistics")
		}
		leader.check("my-team")

		// Disabled, the team is hidden from non-admins but kept for admins.
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-team-disable]"), chromedp.NodeVisible))
		admin.wantText("#dlg-team-disable", "hidden from everyone but admins")
		admin.submit("#dlg-team-disable button.danger")
		admin.wantText(".flash", "is disabled")
		leader.open("/teams")
		if strings.Contains(leader.text("main"), "Night crew") {
			t.Fatal("a disabled team is listed to a team leader")
		}
		leader.open(teamPath)
		leader.wantText("main", "Not Found")
		admin.open("/teams")
		admin.wantText("main", "Night crew", "Disabled")
		admin.open(teamPath)
		admin.submit("form[action$='/enable'] button")
		admin.wantText(".flash", "enabled again")
		leader.open("/teams")
		leader.wantText("main", "Night crew")
		if ms, err := s.app.Service.TeamMembers(ctx, service.Operator(orgID), strings.TrimPrefix(teamPath, "/teams/")); err != nil || len(ms) != 2 {
			t.Fatalf("team members at the end: %+v %v", ms, err)
		} else {
			for _, m := range ms {
				if m.UserID == lead && !m.Leader {
					t.Fatal("the leader flag was not stored")
				}
			}
		}
	})

	t.Run("queues with penalty and priority, and reports", func(t *testing.T) {
		orgID := s.org("q", roster.PlanStandard, nil)
		ann := s.activeUser(orgID, "ann@q.test", "agent", "")
		s.activeUser(orgID, "bob@q.test", "agent", "")
		old := s.activeUser(orgID, "old@q.test", "agent", "")
		longAgo := time.Now().Add(-45 * 24 * time.Hour).UnixMicro()
		if _, err := s.app.DB.SQL().ExecContext(ctx, fmt.Sprintf(`UPDATE users SET last_login_at = %d, created_at = %d WHERE id = '%s'`,
			longAgo, longAgo, old)); err != nil {
			t.Fatal(err)
		}
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@q.test", apitest.AdminPassword)
		admin.open("/reports")
		admin.wantText("#report-unqueued", "ann@q.test", "bob@q.test", "Agent")
		admin.wantText("#report-inactive", "old@q.test")
		if strings.Contains(admin.text("#report-inactive"), "ann@q.test") {
			t.Fatal("a user seen today is in the 30-day report")
		}
		admin.check("reports")

		admin.open("/queues")
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-queue-new]"), chromedp.NodeVisible))
		admin.fill("#queue-name", "Support")
		admin.fill("#queue-desc", "Inbound help line")
		admin.submit("#dlg-queue-new button.primary")
		admin.wantText(".flash", "Queue Support created")
		qPath := admin.path()

		admin.fill("form[aria-label='Add an agent'] input[name=email]", "ann@q.test")
		admin.fill("form[aria-label='Add an agent'] input[name=penalty]", "500")
		admin.submit("form[aria-label='Add an agent'] button")
		admin.wantText("form[aria-label='Add an agent']", "penalty")
		if v := js[string](admin, `document.querySelector("form[aria-label='Add an agent'] input[name=penalty]").value`); v != "500" {
			t.Fatalf("refused agent form lost the penalty: %q", v)
		}
		if ms, _ := s.app.Service.QueueMembers(ctx, service.Operator(orgID), strings.TrimPrefix(qPath, "/queues/")); len(ms) != 0 {
			t.Fatalf("a refused assignment added %d members", len(ms))
		}
		admin.fill("form[aria-label='Add an agent'] input[name=penalty]", "2")
		admin.fill("form[aria-label='Add an agent'] input[name=priority]", "7")
		admin.submit("form[aria-label='Add an agent'] button")
		admin.wantText(".flash", "ann@q.test added")
		admin.fill("form.pp input[name=priority]", "9")
		admin.submit("form.pp button")
		admin.wantText(".flash", "Penalty and priority saved")
		ms, err := s.app.Service.QueueMembers(ctx, service.Operator(orgID), strings.TrimPrefix(qPath, "/queues/"))
		if err != nil || len(ms) != 1 || ms[0].Penalty != 2 || ms[0].Priority != 9 {
			t.Fatalf("queue members: %+v %v", ms, err)
		}
		admin.check("queue")

		// Ann's profile lists the queue; the report no longer lists her.
		admin.open("/people/" + ann)
		admin.wantText("#h-membership + dl", "Support")
		admin.open("/reports")
		if strings.Contains(admin.text("#report-unqueued"), "ann@q.test") {
			t.Fatal("a queued agent is in the unqueued report")
		}
		admin.submit("#report-unqueued a")
		if !strings.HasPrefix(admin.path(), "/people/") {
			t.Fatalf("a report row led to %s", admin.path())
		}

		admin.open(qPath)
		admin.submit(`form[action$="/remove"] button`)
		admin.wantText(".flash", "Removed from the queue")
		admin.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("#q-name").required = false`))
		admin.fill("#q-name", "")
		admin.submit("form[aria-label='Edit the queue'] button")
		admin.wantText("main", "must be 1 to 100 characters")
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-queue-delete]"), chromedp.NodeVisible))
		admin.wantText("#dlg-queue-delete", "Delete Support?")
		admin.submit("#dlg-queue-delete button.danger")
		admin.wantText(".flash", "Queue Support deleted")
		if qs, _ := s.app.Service.Queues(ctx, service.Operator(orgID)); len(qs) != 0 {
			t.Fatalf("queues after delete: %v", qs)
		}
	})

	t.Run("integrations: org list and a user's own links", func(t *testing.T) {
		orgID := s.org("crm", roster.PlanStandard, nil)
		s.activeUser(orgID, "rep@crm.test", "agent", "")
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@crm.test", apitest.AdminPassword)
		admin.open("/integrations")
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-int-new]"), chromedp.NodeVisible))
		admin.fill("#int-name", "Salesforce")
		admin.submit("#dlg-int-new button.primary")
		admin.wantText(".flash", "Salesforce added")
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-int-new]"), chromedp.NodeVisible))
		admin.fill("#int-name", "Salesforce")
		admin.submit("#dlg-int-new button.primary")
		admin.wantText("#dlg-int-new", "already used by another integration")
		admin.check("integrations")

		rep := b.tab(t, s, "rep")
		rep.signIn("rep@crm.test", apitest.UserPassword)
		if strings.Contains(rep.text("nav.nav"), "Integrations") {
			t.Fatal("an agent's nav offers the org integrations")
		}
		rep.wantText("#h-myint + *", "not linked any integration")
		rep.fill("input[name=account]", strings.Repeat("x", 300))
		rep.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("input[name=account]").removeAttribute("maxlength");
			document.querySelector("input[name=account]").value = "x".repeat(300)`))
		rep.submit("form[action='/me/integrations'] button")
		rep.wantText("main", "at most 254 characters")
		rep.fill("input[name=account]", "rep@corp.example")
		rep.submit("form[action='/me/integrations'] button")
		rep.wantText(".flash", "Integration linked")
		rep.wantText("main", "Salesforce", "as rep@corp.example")
		rep.check("profile-integrations")
		rep.submit("form[action$='/unlink'] button")
		rep.wantText(".flash", "Integration unlinked")
		rep.wantText("main", "not linked any integration")
	})

	t.Run("call statistics on professional, hidden otherwise", func(t *testing.T) {
		orgID := s.org("pro", roster.PlanProfessional, nil)
		rep := s.activeUser(orgID, "rep@pro.test", "agent", "")
		lead := s.activeUser(orgID, "lead@pro.test", "team_leader", "")
		op := service.Operator(orgID)
		team, err := s.app.Service.CreateTeam(ctx, op, service.TeamInput{Name: "Pros", MemberIDs: []string{rep}})
		if err != nil {
			t.Fatal(err)
		}
		yes := true
		if _, err := s.app.Service.SetTeamMember(ctx, op, team.ID, lead, &yes); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		var events []roster.CallEvent
		for i := range 3 {
			events = append(events, roster.CallEvent{ID: fmt.Sprintf("ev-%d", i), UserID: rep, Direction: "inbound", Answered: true,
				StartedAt: now.Add(-time.Duration(i) * time.Hour), Duration: 60})
		}
		if _, err := s.app.Service.IngestCallEvents(ctx, op, events); err != nil {
			t.Fatal(err)
		}
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@pro.test", apitest.AdminPassword)
		admin.open("/people/" + rep)
		admin.wantText("#h-stats", "Calls handled")
		if got := admin.text("[data-calls-total]"); got != "3" {
			t.Fatalf("calls handled shows %q, want 3", got)
		}
		admin.check("user-stats")
		leader := b.tab(t, s, "leader")
		leader.signIn("lead@pro.test", apitest.UserPassword)
		leader.open("/my-team")
		leader.wantText("table.members", "Calls (30 days)", "rep@pro.test")
		if n := js[string](leader, `[...document.querySelectorAll("table.members tbody tr")].find(r => r.innerText.includes("rep@pro.test")).cells[4].innerText`); n != "3" {
			t.Fatalf("My Team shows %q calls for rep, want 3", n)
		}

		// The same on a standard plan: no section.
		std := s.org("std", roster.PlanStandard, nil)
		stdRep := s.activeUser(std, "rep@std.test", "agent", "")
		other := b.tab(t, s, "std")
		other.signIn("admin@std.test", apitest.AdminPassword)
		other.open("/people/" + stdRep)
		if js[bool](other, `document.querySelector("#h-stats") !== null`) {
			t.Fatal("a standard plan shows call statistics")
		}
	})
}
