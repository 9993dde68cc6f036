package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/testdb"
)

// TestConsoleMainFlow is the whole story in a real browser: invite
// two people by pasting mixed-case addresses, one accepts from the emailed
// link and signs in, the admin disables them (their next request is refused
// and they cannot sign in), re-enables them with the previous role
// pre-selected, and they sign in again. It runs on both databases.
func TestConsoleMainFlow(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, true)
			orgID := s.org("acme", roster.PlanStandard, map[string]int{"power_dialer": 3})
			b := newBrowser(t)
			admin := b.tab(t, s, "admin")

			admin.open("/")
			if p := admin.path(); !strings.HasPrefix(p, "/login") {
				t.Fatalf("signed out, / went to %s, want /login", p)
			}
			admin.check("login")
			admin.signIn("ADMIN@acme.test", apitest.AdminPassword)
			if p := admin.path(); p != "/people" {
				t.Fatalf("after sign-in at %s, want /people", p)
			}
			admin.wantText("main", "People", "Active", "admin@acme.test")
			admin.check("people")

			// Invite two people with mixed-case addresses, commas and new lines.
			admin.do(chromedp.Click(chromedp.CSS("[data-opens=dlg-invite]"), chromedp.NodeVisible))
			admin.fill("#inv-emails", "Jane.Doe@Example.COM,\n  joe@EXAMPLE.com")
			admin.choose("#inv-license", "power_dialer")
			admin.choose("#inv-role", "agent")
			admin.fill("#inv-integration", "Salesforce")
			admin.wantText("[data-seat-msg]", "2 addresses")
			admin.check("invite-dialog")
			admin.submit("#dlg-invite [data-submit]")
			if p := admin.path(); p != "/people?tab=invited" {
				t.Fatalf("after inviting at %s", p)
			}
			admin.wantText(".flash", "Invitation sent to 2 people", "jane.doe@example.com", "joe@example.com")
			admin.wantText("table.people", "jane.doe@example.com", "joe@example.com", "Salesforce", "Power Dialer", "Invited")
			if n := js[int](admin, `[...document.querySelectorAll("table.people tbody tr")].filter(r => /\d{4} \d\d:\d\d UTC/.test(r.cells[5].innerText)).length`); n != 2 {
				t.Fatalf("%d invited rows show when the invite expires, want 2", n)
			}
			admin.wantText(".tabs", "Invited 2")
			admin.check("people-invited")

			// Jane accepts from the emailed link, in her own browser.
			link := linkIn(t, s.mailTo("jane.doe@example.com", 1))
			if !strings.HasPrefix(link, s.base+"/invite/accept?token=") {
				t.Fatalf("invitation link %s", link)
			}
			jane := b.tab(t, s, "jane")
			jane.open(strings.TrimPrefix(link, s.base))
			jane.wantText("main", "jane.doe@example.com")
			jane.check("accept")
			jane.fill("#first_name", "Jane")
			jane.fill("#last_name", "Doe")
			jane.fill("#password", "12345678")
			jane.fill("#password_again", "12345678")
			jane.submit("form[action='/invite/accept'] button")
			jane.wantText("main", "too common")
			if got := js[string](jane, `document.querySelector("#first_name").value`); got != "Jane" {
				t.Fatalf("refused form lost the first name: %q", got)
			}
			jane.fill("#password", "violet canyon drumbeat")
			jane.fill("#password_again", "violet canyon drumbeat")
			jane.submit("form[action='/invite/accept'] button")
			jane.wantText(".flash", "Your account is ready")
			jane.fill("#password", "violet canyon drumbeat")
			jane.submit("form[action='/login'] button")
			if p := jane.path(); !strings.HasPrefix(p, "/people/") {
				t.Fatalf("an agent landed on %s, want their profile", p)
			}
			janePath := jane.path()
			jane.wantText("main", "Jane Doe", "Agent", "Power Dialer", "Active")
			jane.check("profile-self")

			// The used link now says so.
			jane.open(strings.TrimPrefix(link, s.base))
			jane.wantText("main", "already been used")

			// The admin disables Jane.
			admin.open("/people")
			admin.wantText("table.people", "Jane Doe")
			admin.rowMenu("jane.doe@example.com", "Disable user")
			admin.wantText("#dlg-disable", "jane.doe@example.com", "can no longer sign in", "removed from every queue", "history are kept")
			admin.check("disable-dialog")
			admin.submit("#dlg-disable button.danger")
			admin.wantText(".flash", "jane.doe@example.com is disabled")

			// Her next request is refused and she cannot sign in.
			jane.open(janePath)
			if p := jane.path(); !strings.HasPrefix(p, "/login") {
				t.Fatalf("disabled user still sees %s", p)
			}
			jane.signIn("jane.doe@example.com", "violet canyon drumbeat")
			jane.wantText("main", "deactivated")
			if p := jane.path(); p != "/login" {
				t.Fatalf("disabled user signed in to %s", p)
			}

			// The admin re-enables her; her previous role is pre-selected.
			admin.open("/people?tab=inactive")
			admin.wantText("table.people", "jane.doe@example.com", "Inactive")
			admin.check("people-inactive")
			admin.rowMenu("jane.doe@example.com", "Re-enable")
			if role := js[string](admin, `document.querySelector("#enable-role").value`); role != "agent" {
				t.Fatalf("re-enable dialog pre-selected role %q, want agent", role)
			}
			if lic := js[string](admin, `document.querySelector("#enable-license").value`); lic != "power_dialer" {
				t.Fatalf("re-enable dialog pre-selected license %q", lic)
			}
			// Joe (invited) holds one seat; Jane freed hers.
			admin.wantText("#enable-license", "Power Dialer (2 of 3 available)")
			admin.check("enable-dialog")
			admin.submit("#dlg-enable button.primary")
			admin.wantText(".flash", "active again")

			jane.signIn("jane.doe@example.com", "violet canyon drumbeat")
			if p := jane.path(); p != janePath {
				t.Fatalf("re-enabled user landed on %s, want %s", p, janePath)
			}
			users, err := s.app.DB.Reader().UsersByEmails(context.Background(), orgID, []string{"jane.doe@example.com"})
			if err != nil || len(users) != 1 || users[0].Status != roster.StatusActive || users[0].Role != "agent" {
				t.Fatalf("jane in the database: %+v, %v", users, err)
			}
		})
	}
}
