package api_test

import (
	"net/http"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// TestDoNotDisturbIsOneFlag: the user's phone setting and the telephony
// side's presence report speak of the same do-not-disturb, so the people
// list can never show a user as reachable whose phone refuses calls.
func TestDoNotDisturbIsOneFlag(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, tok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		presence := func() map[string]any {
			return e.Do("GET", "/api/v1/users/"+id+"/presence", org.AdminToken, nil).Want(http.StatusOK).JSON()
		}
		dnd := func() any {
			return e.Do("GET", "/api/v1/users/"+id+"/phone-settings", org.AdminToken, nil).Want(http.StatusOK).JSON()["do_not_disturb"]
		}
		if p := presence(); p["dnd"] != false || p["presence"] == "dnd" {
			t.Fatalf("presence before any DND: %v", p)
		}
		// The user turns DND on in their phone settings.
		e.Do("PATCH", "/api/v1/me/phone-settings", tok, map[string]any{"do_not_disturb": true}).Want(http.StatusOK)
		if p := presence(); p["dnd"] != true || p["presence"] != "dnd" {
			t.Fatalf("presence after the phone setting: %v", p)
		}
		// The telephony side turns it off: the setting follows.
		e.Do("PUT", "/api/v1/users/"+id+"/presence", org.AdminToken, map[string]any{"status": "online", "dnd": false}).Want(http.StatusOK)
		if got := dnd(); got != false {
			t.Fatalf("phone setting after presence turned DND off: %v", got)
		}
		if p := presence(); p["dnd"] != false || p["presence"] != "online" {
			t.Fatalf("presence after DND off: %v", p)
		}
		// And on again from the telephony side, keeping the other settings.
		e.Do("PATCH", "/api/v1/me/phone-settings", tok, map[string]any{"language": "de"}).Want(http.StatusOK)
		e.Do("PUT", "/api/v1/users/"+id+"/presence", org.AdminToken, map[string]any{"status": "online", "dnd": true}).Want(http.StatusOK)
		ps := e.Do("GET", "/api/v1/users/"+id+"/phone-settings", org.AdminToken, nil).Want(http.StatusOK).JSON()
		if ps["do_not_disturb"] != true || ps["language"] != "de" {
			t.Fatalf("phone settings after presence turned DND on: %v", ps)
		}
	})
}
