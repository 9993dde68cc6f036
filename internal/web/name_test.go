package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/testdb"
)

// TestEditName: an admin changes a user's first and last name from the
// user's page (seed 001's Edit user); the email stays; bad names and
// non-admins change nothing.
func TestEditName(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			s := startServer(t, dialect, false)
			orgID := s.org("acme", roster.PlanProfessional, nil)
			id := s.activeUser(orgID, "rep@acme.test", "agent", "")
			s.activeUser(orgID, "manager@acme.test", "manager", "")

			admin := newClient(t, s)
			admin.signIn("admin@acme.test", apitest.AdminPassword)
			if p := admin.get("/people/" + id); !strings.Contains(p.Body, `action="/people/`+id+`/name"`) {
				t.Fatalf("the admin's view of the user has no name form: %d", p.Status)
			}
			p := admin.post("/people/"+id+"/name", url.Values{"first_name": {"  Zoë "}, "last_name": {"O'Neil"}, "back": {"/people/" + id}}, nil)
			if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/people/"+id {
				t.Fatalf("save name: %d → %q", p.Status, p.Header.Get("Location"))
			}
			if page := admin.get("/people/" + id); !strings.Contains(page.Body, "Name of rep@acme.test saved.") ||
				!strings.Contains(page.Body, "<h1>Zoë O&#39;Neil</h1>") {
				t.Fatalf("after saving, the page shows: %s", page.Body)
			}
			u, err := s.user(orgID, id)
			if err != nil || u.FirstName != "Zoë" || u.LastName != "O'Neil" || u.Email != "rep@acme.test" {
				t.Fatalf("stored user %+v, %v", u, err)
			}

			// A name with a control character is refused with the reason.
			admin.post("/people/"+id+"/name", url.Values{"first_name": {"Bad\x01"}, "last_name": {"Name"}, "back": {"/people/" + id}}, nil)
			if page := admin.get("/people/" + id); !strings.Contains(page.Body, "control characters") {
				t.Errorf("refused name not explained")
			}
			// A manager (users.read only) sees no form and is refused.
			mgr := newClient(t, s)
			mgr.signIn("manager@acme.test", apitest.UserPassword)
			if page := mgr.get("/people/" + id); strings.Contains(page.Body, "/name\"") {
				t.Error("a manager is offered the name form")
			}
			if p := mgr.post("/people/"+id+"/name", url.Values{"first_name": {"X"}, "last_name": {"Y"}}, nil); p.Status != http.StatusForbidden {
				t.Errorf("manager's POST: %d", p.Status)
			}
			if u, _ := s.user(orgID, id); u.FirstName != "Zoë" || u.LastName != "O'Neil" {
				t.Fatalf("refused posts changed the name: %+v", u)
			}
		})
	}
}
