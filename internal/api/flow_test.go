package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// TestInvitationLifecycle walks the core story of the issue through the API:
// invite, list, accept, sign in, deactivate, reactivate, sign in again.
func TestInvitationLifecycle(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 3})
		tok := org.AdminToken

		res := e.Do("POST", "/api/v1/invitations", tok, map[string]any{
			"emails": []string{"  Jane.Doe@Example.COM ", "bob@example.com"}, "role": "agent",
			"license_type": "power_dialer", "integration": "Salesforce", "send": true}).Want(http.StatusCreated)
		items := res.Items()
		if len(items) != 2 || items[0]["email"] != "jane.doe@example.com" || items[0]["status"] != "invited" ||
			items[0]["role"] != "agent" || items[0]["license_type"] != "power_dialer" {
			t.Fatalf("invited users: %s", res.Body)
		}
		if n := e.EmailsTo("jane.doe@example.com"); n != 1 {
			t.Fatalf("%d invitation emails to jane, want 1", n)
		}
		mail := e.LastEmailTo("jane.doe@example.com")
		if !strings.HasPrefix(mail.Link, "http://roster.test/invite/accept?token=") || !strings.Contains(mail.Text, mail.Link) {
			t.Fatalf("invitation link %q / text %q", mail.Link, mail.Text)
		}

		lic := e.Do("GET", "/api/v1/licenses", tok, nil).Want(http.StatusOK).Items()
		if lic[0]["purchased"] != 3.0 || lic[0]["used"] != 2.0 || lic[0]["available"] != 1.0 {
			t.Fatalf("licenses after invite: %v", lic)
		}

		invs := e.Do("GET", "/api/v1/invitations", tok, nil).Want(http.StatusOK).Items()
		if len(invs) != 2 || invs[0]["integration"] != "Salesforce" || invs[0]["expires_at"] == "" {
			t.Fatalf("pending invitations: %v", invs)
		}
		exp, err := time.Parse(time.RFC3339, invs[0]["expires_at"].(string))
		if err != nil || time.Until(exp) < 6*24*time.Hour {
			t.Fatalf("expires_at %v (%v), want ~7 days ahead", invs[0]["expires_at"], err)
		}

		token := apitest.TokenFromLink(t, mail.Link)
		p := e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Jane",
			"last_name": "Doe", "password": "password"}).FieldErrors()
		if !strings.Contains(p["password"], "common") {
			t.Fatalf("common password accepted: %v", p)
		}
		acc := e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "Jane",
			"last_name": "Doe", "password": "a long pass phrase"}).Want(http.StatusOK).JSON()
		if acc["status"] != "active" || acc["first_name"] != "Jane" {
			t.Fatalf("accepted user: %v", acc)
		}
		gone := e.Do("POST", "/api/v1/invitations/accept", "", map[string]any{"token": token, "first_name": "J",
			"last_name": "D", "password": "another long phrase"}).Problem(http.StatusGone)
		if !strings.Contains(gone["detail"].(string), "already been used") {
			t.Fatalf("reused token: %v", gone)
		}

		browser := apitest.NewBrowser()
		me := e.DoWith(browser, "POST", "/api/v1/auth/login", "", map[string]any{"email": "JANE.DOE@example.com",
			"password": "a long pass phrase"}).Want(http.StatusOK).JSON()
		janeID := me["user"].(map[string]any)["id"].(string)
		if me["user"].(map[string]any)["last_login_at"] == nil {
			t.Fatalf("login did not record last_login_at: %v", me)
		}
		e.DoWith(browser, "GET", "/api/v1/me", "", nil).Want(http.StatusOK)

		e.Do("POST", "/api/v1/users/"+janeID+"/deactivate", tok, nil).Want(http.StatusOK)
		e.DoWith(browser, "GET", "/api/v1/me", "", nil).Problem(http.StatusUnauthorized)
		deact := e.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "jane.doe@example.com",
			"password": "a long pass phrase"}).Problem(http.StatusUnauthorized)
		if !strings.Contains(deact["detail"].(string), "deactivated") {
			t.Fatalf("deactivated login: %v", deact)
		}
		lic = e.Do("GET", "/api/v1/licenses", tok, nil).Want(http.StatusOK).Items()
		if lic[0]["used"] != 1.0 {
			t.Fatalf("deactivation did not free the seat: %v", lic)
		}

		re := e.Do("POST", "/api/v1/users/"+janeID+"/reactivate", tok, nil).Want(http.StatusOK).JSON()
		if re["status"] != "active" || re["role"] != "agent" || re["license_type"] != "power_dialer" {
			t.Fatalf("reactivated: %v", re)
		}
		e.DoWith(browser, "POST", "/api/v1/auth/login", "", map[string]any{"email": "jane.doe@example.com",
			"password": "a long pass phrase"}).Want(http.StatusOK)
		e.DoWith(browser, "GET", "/api/v1/me", "", nil).Want(http.StatusOK)

		audit := e.Do("GET", "/api/v1/audit-events?target="+janeID, tok, nil).Want(http.StatusOK).Items()
		var actions []string
		for _, a := range audit {
			actions = append(actions, a["action"].(string))
		}
		want := "user.login user.reactivated user.deactivated user.login user.activated user.invited"
		if strings.Join(actions, " ") != want {
			t.Fatalf("audit trail %v, want %s", actions, want)
		}
	})
}
