package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"roster/internal/api"
	"roster/internal/apitest"
	"roster/internal/roster"
)

// TestInviteValidation: every bad address is reported against its own
// position in the request, so the console can mark each one, and a request
// with any bad address creates nobody.
func TestInviteValidation(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 5})
		tok := org.AdminToken
		e.ActiveUser(org, "rep@acme.test", "agent", "")
		users := dbInt(t, e, `SELECT COUNT(*) FROM users`)
		mails := dbInt(t, e, `SELECT COUNT(*) FROM outbox`)

		for _, c := range []struct {
			name   string
			body   map[string]any
			fields []string
			not    []string
		}{
			{"duplicates in one request", map[string]any{"emails": []string{"a@acme.test", "b@acme.test", " A@ACME.test "}},
				[]string{"emails[2]"}, []string{"emails[0]", "emails[1]"}},
			{"existing users", map[string]any{"emails": []string{"new@acme.test", "REP@acme.test", "admin@acme.test"}},
				[]string{"emails[1]", "emails[2]"}, []string{"emails[0]"}},
			{"existing users, prepared", map[string]any{"emails": []string{"new@acme.test", "REP@acme.test"}, "send": false},
				[]string{"emails[1]"}, []string{"emails[0]"}},
			{"existing users, sent", map[string]any{"emails": []string{"admin@acme.test", "new@acme.test"}, "send": true},
				[]string{"emails[0]"}, []string{"emails[1]"}},
			// Five seats: the taken address is named rather than counted.
			{"existing user in a sending past the seats", map[string]any{"emails": []string{"rep@acme.test", "n1@acme.test",
				"n2@acme.test", "n3@acme.test", "n4@acme.test", "n5@acme.test"}, "license_type": "power_dialer", "send": true},
				[]string{"emails[0]"}, []string{"emails[1]", "emails[5]"}},
			{"invalid addresses", map[string]any{"emails": []string{"good@acme.test", "not-an-email", "x@nodot",
				"Jane <jane@acme.test>", "a@b@acme.test", "", "two words@acme.test", "trailing@dot.test."}},
				[]string{"emails[1]", "emails[2]", "emails[3]", "emails[4]", "emails[5]", "emails[6]", "emails[7]"}, []string{"emails[0]"}},
			{"mixed problems", map[string]any{"emails": []string{"bad", "rep@acme.test", "ok@acme.test", "OK@acme.test"}, "role": "wizard"},
				[]string{"emails[0]", "emails[1]", "emails[3]", "role"}, []string{"emails[2]"}},
			{"no addresses", map[string]any{"emails": []string{}}, []string{"emails"}, nil},
			{"missing addresses", map[string]any{"role": "agent"}, []string{"emails"}, nil},
			{"unknown role", map[string]any{"emails": []string{"x@acme.test"}, "role": "superuser"}, []string{"role"}, nil},
			{"unknown license", map[string]any{"emails": []string{"x@acme.test"}, "license_type": "enterprise"}, []string{"license_type"}, nil},
			// Prepared users are written without a transaction, the role
			// looked up by the write itself: refused the same way.
			{"unknown role, prepared", map[string]any{"emails": []string{"x@acme.test"}, "role": "superuser", "send": false}, []string{"role"}, nil},
			{"unknown role, prepared, several", map[string]any{"emails": []string{"x@acme.test", "y@acme.test"}, "role": "superuser", "send": false},
				[]string{"role"}, []string{"emails[0]", "emails[1]"}},
			{"unknown license, prepared", map[string]any{"emails": []string{"x@acme.test"}, "license_type": "enterprise", "send": false}, []string{"license_type"}, nil},
			{"unknown role and license, prepared", map[string]any{"emails": []string{"x@acme.test"}, "role": "superuser", "license_type": "enterprise", "send": false},
				[]string{"role", "license_type"}, nil},
			{"long integration", map[string]any{"emails": []string{"x@acme.test"}, "integration": strings.Repeat("x", 101)}, []string{"integration"}, nil},
			{"wrong type", map[string]any{"emails": "x@acme.test"}, []string{"emails"}, nil},
			{"wrong element type", map[string]any{"emails": []any{1, 2}}, []string{"emails"}, nil},
			{"wrong type of send", map[string]any{"emails": []string{"x@acme.test"}, "send": "yes"}, []string{"send"}, nil},
		} {
			res := e.Do("POST", "/api/v1/invitations", tok, c.body)
			wantProblem(t, res, http.StatusUnprocessableEntity)
			fe := res.FieldErrors()
			for _, f := range c.fields {
				if fe[f] == "" {
					t.Errorf("%s: no error for %s in %v", c.name, f, fe)
				}
			}
			for _, f := range c.not {
				if _, ok := fe[f]; ok {
					t.Errorf("%s: valid %s reported: %v", c.name, f, fe)
				}
			}
		}
		// Each message names the address as typed, so that it can be found
		// in a pasted list.
		fe := e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"ok@acme.test", "oops.acme.test"}}).FieldErrors()
		if !strings.Contains(fe["emails[1]"], "oops.acme.test") {
			t.Errorf("invalid address message %q does not name it", fe["emails[1]"])
		}
		fe = e.Do("POST", "/api/v1/invitations", tok, map[string]any{"emails": []string{"x@acme.test", "X@acme.test"}}).FieldErrors()
		if !strings.Contains(fe["emails[1]"], "emails[0]") {
			t.Errorf("duplicate message %q does not point at the first occurrence", fe["emails[1]"])
		}

		if n := dbInt(t, e, `SELECT COUNT(*) FROM users`); n != users {
			t.Fatalf("refused invitations created %d users", n-users)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM outbox`); n != mails {
			t.Fatalf("refused invitations queued %d emails", n-mails)
		}
	})
}

// TestPatchValidation: unknown roles and license types, over-long names and
// any attempt to set the email are refused with the field named.
func TestPatchValidation(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 1})
		id, _ := e.ActiveUser(org, "rep@acme.test", "agent", "")
		e.ActiveUser(org, "other@acme.test", "agent", "power_dialer")
		path := "/api/v1/users/" + id
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"email": "new@acme.test"}, "email"},
			{map[string]any{"role": "wizard"}, "role"},
			{map[string]any{"license_type": "enterprise"}, "license_type"},
			{map[string]any{"first_name": strings.Repeat("n", 101)}, "first_name"},
			{map[string]any{"last_name": "bad\x00name"}, "last_name"},
			{map[string]any{"first_name": 7}, "first_name"},
			{map[string]any{"role": []string{"admin"}}, "role"},
		} {
			fe := e.Do("PATCH", path, org.AdminToken, c.body).FieldErrors()
			if fe[c.field] == "" {
				t.Errorf("PATCH %v: field errors %v, want %s", c.body, fe, c.field)
			}
		}
		// No free seat is a limit, not a validation error.
		p := wantProblem(t, e.Do("PATCH", path, org.AdminToken, map[string]any{"license_type": "power_dialer"}), http.StatusConflict)
		if p["available"] != 0.0 {
			t.Errorf("seat refusal: %v", p)
		}
		u := e.Do("GET", path, org.AdminToken, nil).Want(http.StatusOK).JSON()
		if u["role"] != "agent" || u["license_type"] != "" || u["first_name"] != "Test" || u["email"] != "rep@acme.test" {
			t.Fatalf("refused patches changed the user: %v", u)
		}
	})
}

// TestMalformedRequests: protocol errors are the client's fault (4xx) with a
// problem body, never a 500.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		id, _ := e.ActiveUser(org, "rep@acme.test", "agent", "")
		auth := "Bearer " + org.AdminToken
		jsonCT := map[string]string{"Authorization": auth, "Content-Type": "application/json"}
		huge := `{"emails":["` + strings.Repeat("a", 1<<20) + `@acme.test"]}`

		for _, c := range []struct {
			name         string
			method, path string
			header       map[string]string
			body         string
			status       int
		}{
			{"malformed JSON", "POST", "/api/v1/invitations", jsonCT, `{"emails": [`, http.StatusBadRequest},
			{"not JSON at all", "POST", "/api/v1/invitations", jsonCT, `emails=a@acme.test`, http.StatusBadRequest},
			{"trailing comma", "POST", "/api/v1/invitations", jsonCT, `{"emails": ["a@acme.test"],}`, http.StatusBadRequest},
			{"unknown field", "POST", "/api/v1/invitations", jsonCT, `{"emails": ["a@acme.test"], "bogus": 1}`, http.StatusBadRequest},
			{"unknown field in PATCH", "PATCH", "/api/v1/users/" + id, jsonCT, `{"status": "active"}`, http.StatusBadRequest},
			{"array instead of object", "POST", "/api/v1/invitations", jsonCT, `[{"emails": ["a@acme.test"]}]`, http.StatusBadRequest},
			{"string instead of object", "POST", "/api/v1/invitations", jsonCT, `"a@acme.test"`, http.StatusBadRequest},
			{"two objects", "POST", "/api/v1/invitations", jsonCT, `{"emails": ["a@acme.test"]} {}`, http.StatusBadRequest},
			{"empty body", "POST", "/api/v1/invitations", jsonCT, ``, http.StatusBadRequest},
			{"text/plain", "POST", "/api/v1/invitations", map[string]string{"Authorization": auth, "Content-Type": "text/plain"},
				`{"emails": ["a@acme.test"]}`, http.StatusUnsupportedMediaType},
			{"form", "POST", "/api/v1/invitations", map[string]string{"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"},
				`emails=a@acme.test`, http.StatusUnsupportedMediaType},
			{"no content type", "POST", "/api/v1/invitations", map[string]string{"Authorization": auth},
				`{"emails": ["a@acme.test"]}`, http.StatusUnsupportedMediaType},
			{"garbage content type", "PATCH", "/api/v1/users/" + id, map[string]string{"Authorization": auth, "Content-Type": ";;;"},
				`{"first_name": "X"}`, http.StatusUnsupportedMediaType},
			{"text/plain on a public route", "POST", "/api/v1/auth/login", map[string]string{"Content-Type": "text/plain"},
				`{"email": "admin@acme.test", "password": "x"}`, http.StatusUnsupportedMediaType},
			{"body over 1 MiB", "POST", "/api/v1/invitations", jsonCT, huge, http.StatusRequestEntityTooLarge},
			{"body over 1 MiB on a public route", "POST", "/api/v1/auth/login", map[string]string{"Content-Type": "application/json"},
				`{"email":"a@acme.test","password":"` + strings.Repeat("p", 1<<20) + `"}`, http.StatusRequestEntityTooLarge},
			{"wrong type", "POST", "/api/v1/invitations", jsonCT, `{"emails": "x"}`, http.StatusUnprocessableEntity},
			{"null byte", "POST", "/api/v1/invitations", jsonCT, "{\"emails\": [\"a\x00@acme.test\"]}", http.StatusBadRequest},
		} {
			res := doRaw(t, e, c.method, c.path, c.header, c.body)
			if res.Status != c.status {
				t.Errorf("%s: status %d, want %d: %.300s", c.name, res.Status, c.status, res.Body)
				continue
			}
			wantProblem(t, res, c.status)
		}

		fe := doRaw(t, e, "POST", "/api/v1/invitations", jsonCT, `{"emails": "x"}`).FieldErrors()
		if fe["emails"] == "" {
			t.Errorf("wrong type: %v", fe)
		}
		p := wantProblem(t, doRaw(t, e, "POST", "/api/v1/invitations", jsonCT, `{"emails": ["a@acme.test"], "bogus": 1}`), http.StatusBadRequest)
		if !strings.Contains(p["detail"].(string), "bogus") {
			t.Errorf("unknown field problem does not name it: %v", p)
		}
		// A parameterised JSON media type is still JSON.
		doRaw(t, e, "POST", "/api/v1/invitations", map[string]string{"Authorization": auth,
			"Content-Type": "application/json; charset=utf-8"}, `{"emails": ["ok@acme.test"]}`).Want(http.StatusCreated)
		if n := dbInt(t, e, `SELECT COUNT(*) FROM users WHERE email IN ('a@acme.test', 'x')`); n != 0 {
			t.Fatalf("malformed requests created %d users", n)
		}
	})
}

// TestQueryValidation: bad list parameters are 422 with the parameter named,
// not silently ignored (a typo in status must not list everyone).
func TestQueryValidation(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		invite(e, org.AdminToken, "", false, "a@acme.test", "b@acme.test", "c@acme.test").Want(http.StatusCreated)
		next, _ := e.Do("GET", "/api/v1/users?limit=1&sort=email", org.AdminToken, nil).Want(http.StatusOK).JSON()["next_cursor"].(string)
		if next == "" {
			t.Fatal("no cursor on a partial page")
		}
		for _, c := range []struct{ query, field string }{
			{"/api/v1/users?limit=abc", "limit"},
			{"/api/v1/users?limit=1.5", "limit"},
			{"/api/v1/users?limit=-1", "limit"},
			{"/api/v1/users?limit=501", "limit"},
			{"/api/v1/users?limit=99999999999999999999", "limit"},
			{"/api/v1/users?status=bogus", "status"},
			{"/api/v1/users?status=ACTIVE", "status"},
			{"/api/v1/users?cursor=garbage", "cursor"},
			{"/api/v1/users?cursor=" + strings.Repeat("A", 30), "cursor"},
			{"/api/v1/users?cursor=e30", "cursor"}, // base64 of {}
			{"/api/v1/users?q=" + strings.Repeat("x", 201), "q"},
			{"/api/v1/audit-events?limit=abc", "limit"},
			{"/api/v1/audit-events?limit=1000", "limit"},
			{"/api/v1/audit-events?since=yesterday", "since"},
			{"/api/v1/audit-events?until=2026-13-45", "until"},
		} {
			res := e.Do("GET", c.query, org.AdminToken, nil)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("GET %.80s: status %d, want 422: %s", c.query, res.Status, res.Body)
				continue
			}
			if fe := res.FieldErrors(); fe[c.field] == "" {
				t.Errorf("GET %.80s: field errors %v, want %s", c.query, fe, c.field)
			}
		}
		// A cursor is bound to the sort it was issued for.
		for _, q := range []string{
			"/api/v1/users?sort=name&cursor=" + next,
			"/api/v1/users?sort=-email&cursor=" + next,
			"/api/v1/users?sort=bogus",
		} {
			res := e.Do("GET", q, org.AdminToken, nil)
			if res.Status != http.StatusUnprocessableEntity {
				t.Errorf("GET %s: status %d, want 422: %s", q, res.Status, res.Body)
				continue
			}
			wantProblem(t, res, http.StatusUnprocessableEntity)
		}
		e.Do("GET", "/api/v1/users?limit=1&sort=email&cursor="+next, org.AdminToken, nil).Want(http.StatusOK)
	})
}

// TestUnknownEndpoints: anything under /api/ that is not a route answers a
// JSON problem, not the HTML of a console or a bare text 404.
func TestUnknownEndpoints(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		for _, c := range []struct{ method, path, token string }{
			{"GET", "/api/v1/nope", ""},
			{"GET", "/api/v1/nope", org.AdminToken},
			{"POST", "/api/v1/nope", org.AdminToken},
			{"GET", "/api/v2/users", org.AdminToken},
			{"GET", "/api/v1/users/" + org.AdminID + "/nope", org.AdminToken},
			{"GET", "/api/", ""},
		} {
			res := e.Do(c.method, c.path, c.token, nil)
			wantProblem(t, res, http.StatusNotFound)
		}
		// A known path with a method it does not serve is still a problem.
		for _, c := range []struct{ method, path string }{
			{"PUT", "/api/v1/users"},
			{"DELETE", "/api/v1/licenses"},
			{"GET", "/api/v1/auth/login"},
		} {
			res := e.Do(c.method, c.path, org.AdminToken, nil)
			if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status %d: %s", c.method, c.path, res.Status, res.Body)
				continue
			}
			wantProblem(t, res, res.Status)
		}
		// IDs that cannot exist are 404 like IDs that no longer exist.
		for _, id := range []string{"nope", "00000000-0000-0000-0000-000000000000", "%27%20OR%201%3D1--", strings.Repeat("9", 300)} {
			wantProblem(t, e.Do("GET", "/api/v1/users/"+id, org.AdminToken, nil), http.StatusNotFound)
			wantProblem(t, e.Do("POST", "/api/v1/invitations/"+id+"/resend", org.AdminToken, nil), http.StatusNotFound)
		}
	})
}

// TestErrorsAreProblems drives every kind of error the API has and checks
// the one shape they all share; the catalogue of statuses is the one in
// problem.go.
func TestErrorsAreProblems(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"power_dialer": 0})
		_, agentTok := e.ActiveUser(org, "rep@acme.test", "agent", "")
		cases := []struct {
			name   string
			res    *apitest.Response
			status int
			kind   string
		}{
			{"invalid", e.Do("POST", "/api/v1/invitations", org.AdminToken, map[string]any{"emails": []string{"bad"}}), 422, "invalid"},
			{"not found", e.Do("GET", "/api/v1/users/nope", org.AdminToken, nil), 404, "not_found"},
			{"conflict", e.Do("POST", "/api/v1/users/"+org.AdminID+"/deactivate", org.AdminToken, nil), 409, "conflict"},
			{"limit", invite(e, org.AdminToken, "power_dialer", true, "x@acme.test"), 409, "limit_reached"},
			{"forbidden", e.Do("GET", "/api/v1/users", agentTok, nil), 403, "forbidden"},
			{"unauthenticated", e.Do("GET", "/api/v1/users", "", nil), 401, "unauthenticated"},
			{"gone", accept(e, "rsi_nope"), 410, "gone"},
			{"bad request", e.Do("POST", "/api/v1/invitations", org.AdminToken, "{"), 400, "bad_request"},
		}
		for i := range 11 {
			res := e.Do("POST", "/api/v1/auth/login", "", map[string]any{"email": "nobody@acme.test", "password": fmt.Sprint("wrong", i)})
			if i == 10 {
				cases = append(cases, struct {
					name   string
					res    *apitest.Response
					status int
					kind   string
				}{"rate limited", res, 429, "rate_limited"})
			}
		}
		for _, c := range cases {
			p := wantProblem(t, c.res, c.status)
			if p["type"] != "urn:roster:problem:"+c.kind {
				t.Errorf("%s: type %v", c.name, p["type"])
			}
			if p["instance"] == "" || p["instance"] == nil {
				t.Errorf("%s: no instance: %v", c.name, p)
			}
			if c.res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q", c.name, c.res.Header.Get("Cache-Control"))
			}
		}
	})
}

// TestSendInvitationsDuplicateIDs: listing a prepared user twice in one
// send must not invite them twice: two live links for one person, two
// emails, and two of a trial's fifteen invitations spent on one invitee.
func TestSendInvitationsDuplicateIDs(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("trial", roster.PlanTrial, nil)
		p := firstItemID(t, invite(e, org.AdminToken, "", false, "later@trial.test").Want(http.StatusCreated))
		res := e.Do("POST", "/api/v1/invitations/send", org.AdminToken, map[string]any{"user_ids": []string{p, p}})
		if res.Status >= 500 {
			t.Fatalf("status %d: %s", res.Status, res.Body)
		}
		if res.Status != http.StatusOK {
			if fe := res.FieldErrors(); fe["user_ids[1]"] == "" && fe["user_ids"] == "" {
				t.Fatalf("duplicate refused without naming it: %v", fe)
			}
		}
		pending := dbInt(t, e, `SELECT COUNT(*) FROM invitations WHERE user_id = ? AND status = 'pending'`, p)
		sent := dbInt(t, e, `SELECT invitations_sent FROM orgs WHERE id = ?`, org.ID)
		mails := e.EmailsTo("later@trial.test")
		if pending > 1 || sent > 1 || mails > 1 {
			t.Fatalf("the same user ID twice answered %d and left %d pending invitations, %d emails, invitations_sent=%d", res.Status, pending, mails, sent)
		}
		if res.Status == http.StatusOK && (pending != 1 || sent != 1 || mails != 1) {
			t.Fatalf("send: %d pending, %d sent, %d emails", pending, sent, mails)
		}
	})
}

// TestCrossOriginRefusal: a browser request from another site must not act
// with the victim's session, and the refusal, like every API error, must be
// a problem document the console can show.
func TestCrossOriginRefusal(t *testing.T) {
	t.Parallel()
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		e.CreateOrg("acme", roster.PlanProfessional, nil)
		b := apitest.NewBrowser()
		sess := sessionToken(t, login(e, b, "admin@acme.test", apitest.AdminPassword, "").Want(http.StatusOK))
		users := dbInt(t, e, `SELECT COUNT(*) FROM users`)
		var refusals []*apitest.Response
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.test"},
		} {
			h["Cookie"] = api.SessionCookie + "=" + sess
			h["Content-Type"] = "application/json"
			res := doRaw(t, e, "POST", "/api/v1/invitations", h, `{"emails": ["victim@acme.test"]}`)
			if res.Status != http.StatusForbidden {
				t.Fatalf("cross-origin POST with %v: status %d: %s", h, res.Status, res.Body)
			}
			refusals = append(refusals, res)
		}
		if n := dbInt(t, e, `SELECT COUNT(*) FROM users`); n != users {
			t.Fatalf("a cross-origin request created %d users", n-users)
		}
		// Same-site requests from the console itself pass.
		doRaw(t, e, "POST", "/api/v1/invitations", map[string]string{"Cookie": api.SessionCookie + "=" + sess,
			"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}, `{"emails": ["ok@acme.test"]}`).Want(http.StatusCreated)
		for _, res := range refusals {
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("the cross-origin refusal is a %q body (%q), not a problem", ct, res.Body)
			}
			wantProblem(t, res, http.StatusForbidden)
		}
	})
}

// TestNulAndInvalidUTF8InURL checks that text no database can hold, in a
// path or query, is a 400 problem on both databases and never a 500.
func TestNulAndInvalidUTF8InURL(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		org := e.CreateOrg("acme", roster.PlanProfessional, nil)
		for _, path := range []string{
			"/api/v1/users/%00", "/api/v1/users/%FF", "/api/v1/users?q=%00", "/api/v1/users?q=ab%FFcd",
			"/api/v1/users?%00=1", "/api/v1/audit-events?actor=%00", "/api/v1/invitations/%00/resend",
		} {
			method := "GET"
			if strings.HasSuffix(path, "/resend") {
				method = "POST"
			}
			p := e.Do(method, path, org.AdminToken, nil).Problem(http.StatusBadRequest)
			if !strings.Contains(p["detail"].(string), "NUL byte or invalid UTF-8") {
				t.Errorf("%s %s: %v", method, path, p)
			}
		}
		// The same text in a JSON body is refused field by field.
		res := e.Do("POST", "/api/v1/invitations", org.AdminToken, map[string]any{
			"emails": []string{"a@acme.test"}, "role": "agent", "integration": "Sales\x00force"})
		if res.Status < 400 || res.Status >= 500 {
			t.Fatalf("NUL in a JSON string: %d %s", res.Status, res.Body)
		}
	})
}
