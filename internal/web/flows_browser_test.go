package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/testdb"
)

// TestConsoleFlows drives every other flow of the issue in one browser
// against one server per database; each flow has its own org.
func TestConsoleFlows(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) { consoleFlows(t, startServer(t, dialect, true), newBrowser(t)) })
	}
}

func consoleFlows(t *testing.T, s *server, b *browser) {
	t.Run("over-license invite is blocked with the reason", func(t *testing.T) {
		orgID := s.org("seats", roster.PlanStandard, map[string]int{"power_dialer": 1})
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@seats.test", apitest.AdminPassword)
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-invite]"), chromedp.NodeVisible))
		admin.fill("#inv-emails", "a@x.test b@x.test\nC@X.test")
		admin.choose("#inv-license", "power_dialer")
		if !js[bool](admin, `document.querySelector("#dlg-invite [data-submit]").disabled`) {
			t.Fatal("3 addresses for 1 free seat: the send button is not disabled")
		}
		admin.wantText("[data-seat-msg]", "You entered 3 addresses but only 1 Power Dialer license is free")
		admin.check("invite-over-license")
		// Saved as prepared, they take no seat: allowed.
		admin.do(chromedp.Click(chromedp.CSS("input[name=mode][value=prepare]")))
		if js[bool](admin, `document.querySelector("#dlg-invite [data-submit]").disabled`) {
			t.Fatal("saving prepared users is blocked by seats")
		}
		admin.do(chromedp.Click(chromedp.CSS("input[name=mode][value=send]")))
		// The server refuses too, even if the button is forced.
		admin.do(chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector("#dlg-invite [data-submit]");
			b.disabled = false; window.__leaving = true; b.form.requestSubmit(b); })()`))
		admin.waitLoad()
		admin.wantText("#dlg-invite", "not enough Power Dialer licenses: 1 available, 3 requested", "account manager")
		if v := js[string](admin, `document.querySelector("#inv-emails").value`); v != "a@x.test b@x.test\nC@X.test" {
			t.Fatalf("refused dialog lost the addresses: %q", v)
		}
		// Per-address errors: each bad address named, the good one kept.
		admin.fill("#inv-emails", "good@x.test, not-an-email, ADMIN@seats.test")
		admin.choose("#inv-license", "")
		admin.submit("#dlg-invite [data-submit]")
		admin.wantText("#inv-problems", "not-an-email", "is not a valid email address", "ADMIN@seats.test", "already a user")
		admin.wantText("#inv-emails", "")
		if v := js[string](admin, `document.querySelector("#inv-emails").value`); !strings.Contains(v, "good@x.test") {
			t.Fatalf("the valid address was lost: %q", v)
		}
		admin.check("invite-errors")
		counts, _ := s.app.DB.Reader().CountUsersByStatus(context.Background(), orgID)
		if counts[roster.StatusInvited] != 0 || counts[roster.StatusPrepared] != 0 {
			t.Fatalf("refused invitations created users: %v", counts)
		}
	})

	t.Run("resend and cancel an invitation", func(t *testing.T) {
		s.org("inv", roster.PlanStandard, nil)
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@inv.test", apitest.AdminPassword)
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-invite]"), chromedp.NodeVisible))
		admin.fill("#inv-emails", "Pat@Inv.test")
		admin.submit("#dlg-invite [data-submit]")
		first := linkIn(t, s.mailTo("pat@inv.test", 1))
		admin.rowMenu("pat@inv.test", "Resend invite")
		admin.wantText("#dlg-resend", "old link stops working")
		admin.submit("#dlg-resend button.primary")
		admin.wantText(".flash", "new invitation is on its way to pat@inv.test")
		second := linkIn(t, s.mailTo("pat@inv.test", 2))
		if second == first {
			t.Fatal("resend sent the same link")
		}
		pat := b.tab(t, s, "pat")
		pat.open(strings.TrimPrefix(first, s.base))
		pat.wantText("main", "newer invitation replaced this one")
		pat.check("accept-replaced")
		admin.rowMenu("pat@inv.test", "Cancel invite")
		admin.wantText("#dlg-cancel", "link stops working")
		admin.submit("#dlg-cancel button.danger")
		admin.wantText(".flash", "invitation to pat@inv.test is cancelled")
		admin.wantText(".tabs", "Invited 0")
		if strings.Contains(admin.text("main"), "pat@inv.test is") && strings.Contains(admin.text("tbody"), "pat@inv.test") {
			t.Fatal("cancelled invitee still listed")
		}
		pat.open(strings.TrimPrefix(second, s.base))
		pat.wantText("main", "cancelled", "ask your admin")
	})

	t.Run("keyboard only", func(t *testing.T) {
		orgID := s.org("keys", roster.PlanStandard, nil)
		s.activeUser(orgID, "kb@keys.test", "agent", "")
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@keys.test", apitest.AdminPassword)
		admin.do(chromedp.Focus(chromedp.CSS(`button.dots[aria-label="Actions for kb@keys.test"]`)), chromedp.KeyEvent("\r"))
		if !js[bool](admin, `document.querySelector("[popover]:popover-open") !== null`) {
			t.Fatal("Enter on ⋯ did not open the menu")
		}
		admin.do(chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"))
		if f := js[string](admin, `document.activeElement.textContent`); f != "Disable user" {
			t.Fatalf("Tab in the menu reached %q", f)
		}
		admin.do(chromedp.KeyEvent("\r"))
		if !js[bool](admin, `document.querySelector("#dlg-disable").open && document.querySelector("#dlg-disable").contains(document.activeElement)`) {
			t.Fatal("the confirm dialog did not open with focus inside")
		}
		admin.do(chromedp.KeyEvent("\x1b"))
		if js[bool](admin, `document.querySelector("#dlg-disable").open`) {
			t.Fatal("Escape did not close the dialog")
		}
		if outline := js[string](admin, `(() => { const b = document.querySelector("[data-opens=dlg-invite]"); b.focus();
			return getComputedStyle(b).outlineStyle; })()`); outline == "none" {
			t.Fatal("keyboard focus is invisible")
		}
	})

	t.Run("delete asks for confirmation", func(t *testing.T) {
		orgID := s.org("del", roster.PlanStandard, nil)
		id := s.activeUser(orgID, "gone@del.test", "agent", "")
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@del.test", apitest.AdminPassword)
		admin.rowMenu("gone@del.test", "Delete")
		admin.wantText("#dlg-delete", "gone@del.test", "This cannot be undone")
		admin.check("delete-dialog")
		admin.do(chromedp.Click(chromedp.CSS("#dlg-delete [data-close]")))
		if js[bool](admin, `document.querySelector("#dlg-delete").open`) {
			t.Fatal("Keep as is did not close the dialog")
		}
		if _, err := s.user(orgID, id); err != nil {
			t.Fatalf("backing out deleted the user: %v", err)
		}
		admin.rowMenu("gone@del.test", "Delete")
		admin.submit("#dlg-delete button.danger")
		admin.wantText(".flash", "gone@del.test is deleted")
		if _, err := s.user(orgID, id); roster.ErrorKind(err) != roster.KindNotFound {
			t.Fatalf("deleted user still there: %v", err)
		}
	})

	t.Run("send invitations to many prepared users", func(t *testing.T) {
		orgID := s.org("prep", roster.PlanStandard, map[string]int{"power_dialer": 5})
		s.prepared(orgID, "agent", "power_dialer", "p1@prep.test", "p2@prep.test", "p3@prep.test")
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@prep.test", apitest.AdminPassword)
		admin.open("/people?tab=prepared")
		if !js[bool](admin, `document.querySelector("[data-bulk]").disabled`) {
			t.Fatal("bulk send enabled with nothing selected")
		}
		admin.do(chromedp.Click(chromedp.CSS("[data-select-all]")))
		admin.wantText("[data-bulk]", "Send invitations to 3 selected")
		admin.check("people-prepared")
		admin.submit("[data-bulk]")
		admin.wantText(".flash", "Invitation sent to 3 people")
		if p := admin.path(); p != "/people?tab=invited" {
			t.Fatalf("after sending at %s", p)
		}
		for _, e := range []string{"p1@prep.test", "p2@prep.test", "p3@prep.test"} {
			s.mailTo(e, 1)
		}
		counts, _ := s.app.DB.Reader().CountUsersByStatus(context.Background(), orgID)
		if counts[roster.StatusInvited] != 3 || counts[roster.StatusPrepared] != 0 {
			t.Fatalf("counts after sending: %v", counts)
		}
	})

	t.Run("search, filters, sorting and pages", func(t *testing.T) {
		orgID := s.org("find", roster.PlanStandard, map[string]int{"power_dialer": 100, "parallel_dialer": 100})
		s.activeUser(orgID, "zed.manager@find.test", "manager", "parallel_dialer")
		s.activeUser(orgID, "zoe.agent@find.test", "agent", "power_dialer")
		s.activeUser(orgID, "amy.agent@find.test", "agent", "parallel_dialer")
		var many []string
		for i := range 55 {
			many = append(many, fmt.Sprintf("bulk%02d@find.test", i))
		}
		s.prepared(orgID, "agent", "", many...)
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@find.test", apitest.AdminPassword)
		admin.fill("input[name=q]", "Z")
		admin.submit(".filters button")
		if q := admin.path(); q != "/people?q=Z" {
			t.Fatalf("search URL %s", q)
		}
		admin.wantText("tbody", "zed.manager@find.test", "zoe.agent@find.test")
		if strings.Contains(admin.text("tbody"), "amy") {
			t.Fatal("search for z lists amy")
		}
		admin.choose("select[name=role]", "agent")
		admin.submit(".filters button")
		u, _ := url.Parse(admin.path())
		if u.Query().Get("role") != "agent" || u.Query().Get("q") != "Z" {
			t.Fatalf("filter URL %s", admin.path())
		}
		if got := admin.text("tbody"); !strings.Contains(got, "zoe.agent") || strings.Contains(got, "zed.manager") {
			t.Fatalf("role filter shows:\n%s", got)
		}
		admin.check("people-filtered")
		// The filtered view is a link another admin can open.
		other := b.tab(t, s, "other")
		other.signIn("admin@find.test", apitest.AdminPassword)
		other.open(admin.path())
		if got := other.text("tbody"); !strings.Contains(got, "zoe.agent") || strings.Contains(got, "zed.manager") {
			t.Fatalf("shared filtered link shows:\n%s", got)
		}
		// License filter.
		admin.open("/people?license=parallel_dialer")
		if got := admin.text("tbody"); !strings.Contains(got, "amy.agent") || !strings.Contains(got, "zed.manager") || strings.Contains(got, "zoe") {
			t.Fatalf("license filter shows:\n%s", got)
		}
		// Sorting by email, descending.
		admin.open("/people")
		admin.submit(`th[aria-sort] a[href*="sort=-email"]`)
		if got := js[string](admin, `document.querySelector("tbody tr td:nth-child(2)").innerText`); got != "zoe.agent@find.test" {
			t.Fatalf("first row sorted by email descending: %q", got)
		}
		if s := js[string](admin, `document.querySelector("th[aria-sort=descending]").innerText`); !strings.Contains(s, "Email") {
			t.Fatalf("descending column %q", s)
		}
		// Pages of 50.
		admin.open("/people?tab=prepared")
		if n := js[int](admin, `document.querySelectorAll("tbody tr").length`); n != 50 {
			t.Fatalf("first page has %d rows", n)
		}
		admin.submit("a[rel=next]")
		if n := js[int](admin, `document.querySelectorAll("tbody tr").length`); n != 5 {
			t.Fatalf("second page has %d rows", n)
		}
		admin.wantText(".pages", "First page", "Previous page")
		first := js[string](admin, `document.querySelector("tbody tr td:nth-child(2)").innerText`)
		admin.submit("a[rel=prev]")
		if n := js[int](admin, `document.querySelectorAll("tbody tr").length`); n != 50 {
			t.Fatalf("the page before has %d rows", n)
		}
		if js[bool](admin, `document.querySelector("a[rel=prev]") !== null`) {
			t.Fatal("the first page, reached by Previous page, links to a page before it")
		}
		admin.submit("a[rel=next]")
		if got := js[string](admin, `document.querySelector("tbody tr td:nth-child(2)").innerText`); got != first {
			t.Fatalf("Next page after Previous page starts at %q, want %q", got, first)
		}
	})

	t.Run("card view is remembered", func(t *testing.T) {
		orgID := s.org("cards", roster.PlanStandard, nil)
		s.activeUser(orgID, "card@cards.test", "agent", "")
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@cards.test", apitest.AdminPassword)
		if js[bool](admin, `document.querySelector(".cards") !== null`) {
			t.Fatal("cards by default; the table is the default")
		}
		admin.submit(`.views a[href*="view=card"]`)
		admin.wantText(".cards", "card@cards.test", "Agent")
		admin.check("people-cards")
		admin.rowMenu("card@cards.test", "Disable user")
		admin.do(chromedp.Click(chromedp.CSS("#dlg-disable [data-close]")))
		admin.open("/people")
		if !js[bool](admin, `document.querySelector(".cards") !== null`) {
			t.Fatal("card view was not remembered")
		}
		admin.submit(`.views a[href*="view=table"]`)
		admin.open("/people")
		if !js[bool](admin, `document.querySelector("table.people") !== null`) {
			t.Fatal("table view was not remembered")
		}
	})

	t.Run("a non-admin sees only what they may use", func(t *testing.T) {
		orgID := s.org("team", roster.PlanStandard, map[string]int{"power_dialer": 5})
		s.activeUser(orgID, "lead@team.test", "manager", "power_dialer")
		s.activeUser(orgID, "rep@team.test", "agent", "power_dialer")
		lead := b.tab(t, s, "manager")
		lead.signIn("lead@team.test", apitest.UserPassword)
		lead.wantText("main", "rep@team.test")
		if js[int](lead, `document.querySelectorAll("button.dots, [data-opens=dlg-invite], dialog:not(#dlg-export)").length`) != 0 {
			t.Fatal("a manager is offered actions they cannot take")
		}
		if nav := lead.text("nav.nav"); strings.Contains(nav, "Audit") || !strings.Contains(nav, "Licenses") {
			t.Fatalf("manager's navigation: %s", nav)
		}
		lead.check("people-manager")
		rep := b.tab(t, s, "agent")
		rep.signIn("rep@team.test", apitest.UserPassword)
		if nav := rep.text("nav.nav"); !strings.Contains(nav, "My profile") || !strings.Contains(nav, "My phone") ||
			regexp.MustCompile(`People|Licenses|Roles|Audit|Outbox|Phone numbers`).MatchString(nav) {
			t.Fatalf("agent's navigation: %q", nav)
		}
		rep.open("/people")
		rep.wantText("main", "Forbidden", "users.read")
		rep.check("forbidden")
	})

	t.Run("trial org sees the simplified view", func(t *testing.T) {
		orgID := s.org("trial", roster.PlanTrial, nil)
		s.activeUser(orgID, "one@trial.test", "agent", "")
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@trial.test", apitest.AdminPassword)
		admin.wantText("main", "Free trial: 14 of 15 invitations left")
		if tabs := admin.text(".tabs"); strings.Contains(tabs, "Invited") || strings.Contains(tabs, "Inactive") {
			t.Fatalf("trial tabs: %s", tabs)
		}
		admin.do(chromedp.Click(chromedp.CSS(`button.dots[aria-label="Actions for one@trial.test"]`)))
		if items := js[string](admin, `[...document.querySelectorAll("[popover]:popover-open button")].map(b => b.textContent).join("|")`); items != "Disable user" {
			t.Fatalf("trial row menu: %q", items)
		}
		admin.do(chromedp.KeyEvent("\x1b"))
		admin.check("people-trial")
		// Past the trial's lifetime allowance the dialog refuses too.
		admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-invite]"), chromedp.NodeVisible))
		var many []string
		for i := range 15 {
			many = append(many, fmt.Sprintf("t%d@trial.test", i))
		}
		admin.fill("#inv-emails", strings.Join(many, ","))
		admin.wantText("[data-seat-msg]", "Your free trial has 14 invitations left and you entered 15 addresses")
		if !js[bool](admin, `document.querySelector("#dlg-invite [data-submit]").disabled`) {
			t.Fatal("15 invitations with 14 left: send is enabled")
		}
		admin.open("/licenses")
		admin.wantText("main", "14 of 15", "invitations left")
	})

	t.Run("licenses, roles, audit log and user detail", func(t *testing.T) {
		orgID := s.org("pages", roster.PlanProfessional, map[string]int{"power_dialer": 3, "parallel_dialer": 2})
		id := s.activeUser(orgID, "sam@pages.test", "agent", "power_dialer")
		admin := b.tab(t, s, "admin")
		admin.signIn("admin@pages.test", apitest.AdminPassword)
		admin.open("/licenses")
		admin.wantText("tbody", "Power Dialer\t3\t1\t2", "Parallel Dialer\t2\t0\t2")
		admin.wantText("main", "contact your account manager")
		admin.check("licenses")
		admin.open("/roles")
		admin.wantText("main", "Admin", "Manager", "Team Leader", "Agent", "users.manage", "audit.view")
		admin.check("roles")
		admin.open("/people/" + id)
		admin.wantText("main", "sam@pages.test", "Agent", "Power Dialer", "Active", "Audit trail", "user.invited", "user.activated")
		admin.check("user-detail")
		admin.do(chromedp.Click(chromedp.CSS(`.row-actions [data-path="reset-password"]`)))
		admin.wantText("#dlg-reset", "sam@pages.test", "single-use link")
		admin.submit("#dlg-reset button.primary")
		admin.wantText(".flash", "reset link is on its way")
		if l := linkIn(t, s.mailTo("sam@pages.test", 2)); !strings.Contains(l, "/password/reset?token=") {
			t.Fatalf("admin reset sent %s", l)
		}
		// Manage role and license from the list.
		admin.open("/people")
		admin.rowMenu("sam@pages.test", "Manage role and license")
		if r := js[string](admin, `document.querySelector("#role-role").value`); r != "agent" {
			t.Fatalf("role dialog pre-selected %q", r)
		}
		admin.wantText("#role-license", "Parallel Dialer (2 of 2 available)")
		admin.check("role-dialog")
		admin.choose("#role-role", "manager")
		admin.choose("#role-license", "parallel_dialer")
		admin.submit("#dlg-role button.primary")
		admin.wantText(".flash", "Role and license of sam@pages.test saved")
		if u, err := s.user(orgID, id); err != nil || u.Role != "manager" || u.LicenseType != "parallel_dialer" {
			t.Fatalf("sam after the dialog: %+v %v", u, err)
		}
		// The last admin cannot demote themselves: the reason is shown.
		admin.rowMenu("admin@pages.test", "Manage role and license")
		admin.choose("#role-role", "agent")
		admin.submit("#dlg-role button.primary")
		admin.wantText(".flash.bad", "last active user who can manage users and roles")
		admin.open("/audit")
		admin.wantText("tbody", "user.invited", "user.login", "license.set")
		admin.check("audit")
		admin.choose("select[name=action]", "user.invited")
		admin.submit(".filters button")
		if acts := js[string](admin, `[...document.querySelectorAll("tbody tr td:nth-child(3)")].map(c => c.innerText).join(",")`); acts != "user.invited" {
			t.Fatalf("action filter shows %q", acts)
		}
		admin.open("/audit?actor=SAM@pages.test")
		if who := js[string](admin, `[...new Set([...document.querySelectorAll("tbody tr td:nth-child(2)")].map(c => c.innerText))].join(",")`); who != "sam@pages.test" {
			t.Fatalf("actor filter shows events by %q", who)
		}
		admin.open("/audit?from=2000-01-01&to=2000-01-02")
		admin.wantText("main", "No events match")
		admin.open("/nowhere")
		admin.wantText("main", "Not Found")
		admin.check("not-found")
	})

	t.Run("forgot and reset password", func(t *testing.T) {
		orgID := s.org("pw", roster.PlanStandard, nil)
		s.activeUser(orgID, "kim@pw.test", "agent", "")
		kim := b.tab(t, s, "kim")
		kim.open("/login")
		kim.submit(`a[href="/password/forgot"]`)
		kim.check("forgot")
		kim.fill("#email", "Kim@PW.test")
		kim.submit("form button")
		kim.wantText("main", "on its way")
		link := linkIn(t, s.mailTo("kim@pw.test", 2)) // the first was the invitation
		kim.open(strings.TrimPrefix(link, s.base))
		kim.check("reset")
		kim.fill("#password", "orchid lantern meadow")
		kim.fill("#password_again", "orchid lantern meadoW")
		kim.submit("form button")
		kim.wantText("main", "does not match")
		kim.fill("#password", "orchid lantern meadow")
		kim.fill("#password_again", "orchid lantern meadow")
		kim.submit("form button")
		kim.wantText(".flash", "password is changed")
		kim.signIn("kim@pw.test", "orchid lantern meadow")
		if p := kim.path(); !strings.HasPrefix(p, "/people/") {
			t.Fatalf("after reset, signed in to %s", p)
		}
		kim.submit(".me button")
		kim.wantText(".flash", "signed out")
		kim.open(strings.TrimPrefix(link, s.base))
		kim.fill("#password", "another fine phrase")
		kim.fill("#password_again", "another fine phrase")
		kim.submit("form button")
		kim.wantText("main", "link")
		if !strings.Contains(kim.text(".bad"), "used") && !strings.Contains(kim.text(".bad"), "not valid") {
			t.Fatalf("a used reset link says: %s", kim.text(".bad"))
		}
	})
}

// TestConsoleOutbox: with no SMTP server the operator reads the emails
// Roster would have sent, and their links work.
func TestConsoleOutbox(t *testing.T) {
	s := startServer(t, "sqlite", false)
	orgID := s.org("solo", roster.PlanStandard, nil)
	s.prepared(orgID, "agent", "", "new@solo.test")
	b := newBrowser(t)
	admin := b.tab(t, s, "admin")
	admin.signIn("admin@solo.test", apitest.AdminPassword)
	admin.open("/people?tab=prepared")
	admin.rowMenu("new@solo.test", "Send invite")
	admin.submit("#dlg-send button.primary")
	admin.wantText(".flash", "Invitation sent to new@solo.test")
	admin.submit(`nav.nav a[href="/outbox"]`)
	admin.wantText("tbody", "new@solo.test", "invited")
	admin.check("outbox")
	link := js[string](admin, `[...document.querySelectorAll("tbody tr")].find(r => r.innerText.includes("new@solo.test")).querySelector("a").href`)
	if !strings.Contains(link, "/invite/accept?token=") {
		t.Fatalf("outbox link %q", link)
	}
	newcomer := b.tab(t, s, "newcomer")
	newcomer.open(strings.TrimPrefix(link, s.base))
	newcomer.wantText("main", "new@solo.test", "choose a password")
}
